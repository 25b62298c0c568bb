"""Models shared by v1 and v2 files: requirement levels, deprecation, entity associations, imports,
attribute types and enum members."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from weavergen.model.base import (
    Annotations,
    AttributeTypeName,
    BasicRequirementLevel,
    Stability,
    ValueSpecT,
    _Lenient,
    _Strict,
    _union,
)

# --- requirement level, deprecated, entity associations -------------------------------------------


class ConditionallyRequired(_Lenient):
    """`{conditionally_required: <condition>}`."""

    conditionally_required: str = Field(description="The description of the condition.")


class RecommendedText(_Lenient):
    """`{recommended: <text>}`."""

    recommended: str = Field(description="The description of the recommendation.")


class OptInText(_Lenient):
    """`{opt_in: <text>}`."""

    opt_in: str = Field(description="The description of the recommendation.")


def _req_level_tag(v: Any) -> str | None:
    if isinstance(v, str):
        return "rl:basic"
    if isinstance(v, dict):
        for key in ("conditionally_required", "recommended", "opt_in"):
            if key in v:
                return f"rl:{key}"
    return None


if TYPE_CHECKING:
    RequirementLevel = Any
else:
    RequirementLevel = _union(
        _req_level_tag,
        "weaver_requirement_level",
        ("rl:basic", BasicRequirementLevel),
        ("rl:conditionally_required", ConditionallyRequired),
        ("rl:recommended", RecommendedText),
        ("rl:opt_in", OptInText),
    )


class DeprecatedV1(_Strict):
    """v1 structured deprecation: `reason` renamed|obsoleted|uncategorized, `renamed_to`, `note`."""

    reason: Literal["renamed", "obsoleted", "uncategorized"] = Field(
        description="Why the definition is deprecated: renamed, obsoleted or uncategorized."
    )
    renamed_to: str | None = Field(
        default=None, description="The new name (required when reason is renamed)."
    )
    note: str | None = Field(default=None, description="More context about the deprecation.")

    @model_validator(mode="after")
    def _renamed_needs_target(self) -> DeprecatedV1:
        if self.reason == "renamed" and self.renamed_to is None:
            raise PydanticCustomError("weaver_message", "Missing required property: renamed_to.")
        return self


def _deprecated_v1_tag(v: Any) -> str | None:
    if isinstance(v, str):
        return "dep1:str"
    if isinstance(v, dict):
        return "dep1:map"
    return None


if TYPE_CHECKING:
    DeprecatedV1Spec = Any
else:
    DeprecatedV1Spec = _union(
        _deprecated_v1_tag, "weaver_deprecated", ("dep1:str", str), ("dep1:map", DeprecatedV1)
    )


class DeprecatedRenamed(_Lenient):
    """`{reason: renamed, renamed_to, note?}`."""

    reason: Literal["renamed"]
    renamed_to: str = Field(description="The new name of the telemetry object.")
    note: str | None = Field(
        default=None, description="More context; inferred from `renamed_to` when absent."
    )


class DeprecatedObsoleted(_Lenient):
    """`{reason: obsoleted, note}`."""

    reason: Literal["obsoleted"]
    note: str = Field(description="The note to provide more context about the deprecation.")


class DeprecatedUncategorized(_Lenient):
    """`{reason: uncategorized, note}`."""

    reason: Literal["uncategorized"]
    note: str = Field(description="The note to provide more context about the deprecation.")


class DeprecatedUnspecified(_Lenient):
    """`{reason: unspecified, note}`."""

    reason: Literal["unspecified"]
    note: str = Field(description="The note to provide more context about the deprecation.")


def _deprecated_v2_tag(v: Any) -> str | None:
    if isinstance(v, dict) and v.get("reason") in ("renamed", "obsoleted", "uncategorized", "unspecified"):
        return f"dep2:{v['reason']}"
    return None


if TYPE_CHECKING:
    DeprecatedV2Spec = Any
else:
    DeprecatedV2Spec = _union(
        _deprecated_v2_tag,
        "weaver_deprecated_v2",
        ("dep2:renamed", DeprecatedRenamed),
        ("dep2:obsoleted", DeprecatedObsoleted),
        ("dep2:uncategorized", DeprecatedUncategorized),
        ("dep2:unspecified", DeprecatedUnspecified),
    )


def _assoc_tag(v: Any) -> str | None:
    if isinstance(v, str):
        return "ea:ref"
    if isinstance(v, dict):
        if "one_of" in v:
            return "ea:one_of"
        if "all_of" in v:
            return "ea:all_of"
    return None


class OneOf(_Lenient):
    """`{one_of: [...]}`: at least one of the expressions must hold."""

    one_of: list[EntityAssociation] = Field(description="The candidate expressions.")


class AllOf(_Lenient):
    """`{all_of: [...]}`: every expression must hold."""

    all_of: list[EntityAssociation] = Field(description="The required expressions.")


if TYPE_CHECKING:
    EntityAssociation = Any
else:
    EntityAssociation = _union(
        _assoc_tag, "weaver_anyof", ("ea:ref", str), ("ea:one_of", OneOf), ("ea:all_of", AllOf)
    )
OneOf.model_rebuild()
AllOf.model_rebuild()


class Imports(_Strict):
    """Wildcards importing groups of the manifest's dependencies."""

    metrics: list[str] | None = Field(
        default=None, description="A list of metric group metric_name wildcards."
    )
    events: list[str] | None = Field(default=None, description="A list of event group name wildcards.")
    entities: list[str] | None = Field(default=None, description="A list of entity group name wildcards.")
    spans: list[str] | None = Field(default=None, description="A list of span group name wildcards.")
    attribute_groups: list[str] | None = Field(
        default=None, description="A list of attribute_group group id wildcards."
    )


# --- attribute types and enum members -------------------------------------------------------------


class EnumMember(_Strict):
    """One enum member; `value` defaults to `id`."""

    id: str = Field(description="String that uniquely identifies the enum entry.")
    value: ValueSpecT | None = Field(
        default=None, description="String, int, double or boolean value of the entry."
    )
    brief: str | None = Field(default=None, description="Brief description of the enum entry value.")
    note: str | None = Field(default=None, description="Longer description.")
    stability: Stability | None = Field(default=None, description="Stability of this enum value.")
    deprecated: DeprecatedV1Spec | None = Field(default=None, description="Deprecation of this enum value.")
    annotations: Annotations | None = Field(default=None, description="Annotations for the member.")


class EnumType(_Lenient):
    """`type: {members: [...]}`."""

    members: list[EnumMember] = Field(description="List of enum entries.")


def _attr_type_tag(v: Any) -> str | None:
    if isinstance(v, str):
        return "type:name"
    if isinstance(v, dict):
        return "type:enum"
    return None


if TYPE_CHECKING:
    AttributeType = Any
else:
    AttributeType = _union(
        _attr_type_tag, "weaver_anyof", ("type:name", AttributeTypeName), ("type:enum", EnumType)
    )
