"""Pydantic models of semantic-convention files (v1 `groups:`, v2 `definition/2`) and the registry manifest.

They mirror weaver 0.25.1's serde structs: unknown keys are rejected (`deny_unknown_fields`), values are
strictly typed (weaver deserialises from a YAML value, so `brief: 1` is not a string), and every union is
resolved by a callable discriminator so that a broken item yields errors about one branch only. Tags are
registered in `TAGS` so that error locations can be mapped back to document paths and field docs.
"""

from __future__ import annotations

import functools
import typing
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

TAGS: dict[str, Any] = {}
"""Every discriminator tag used below, mapped to the type it selects (see `validate.py`)."""

STABILITY_VALUES = (
    "stable",
    "development",
    "experimental",
    "alpha",
    "beta",
    "release_candidate",
    "deprecated",
)
PRIMITIVE_TYPES = ("string", "int", "double", "boolean", "any", "string[]", "int[]", "double[]", "boolean[]")
TEMPLATE_TYPES = tuple(f"template[{t}]" for t in PRIMITIVE_TYPES)
ANY_VALUE_TYPES = (
    "boolean",
    "int",
    "double",
    "string",
    "string[]",
    "int[]",
    "double[]",
    "boolean[]",
    "map",
    "map[]",
    "bytes",
    "undefined",
    "enum",
)
BASIC_REQUIREMENT_LEVELS = ("required", "recommended", "opt_in")
ANYOF_MESSAGE = (
    "The following YAML snippet does not match any of the allowed schemas (anyOf, see help section)."
)

Stability = Literal[
    "stable", "development", "experimental", "alpha", "beta", "release_candidate", "deprecated"
]
GroupType = Literal[
    "attribute_group", "span", "event", "metric", "metric_group", "entity", "resource", "scope"
]
SpanKind = Literal["client", "server", "producer", "consumer", "internal"]
Instrument = Literal["counter", "gauge", "histogram", "updowncounter"]
BasicRequirementLevel = Literal["required", "recommended", "opt_in"]
SignalRequirementLevel = Literal["recommended", "opt_in"]
Role = Literal["identifying", "descriptive"]
AttributeTypeName = Literal[
    "string",
    "int",
    "double",
    "boolean",
    "any",
    "string[]",
    "int[]",
    "double[]",
    "boolean[]",
    "template[string]",
    "template[int]",
    "template[double]",
    "template[boolean]",
    "template[any]",
    "template[string[]]",
    "template[int[]]",
    "template[double[]]",
    "template[boolean[]]",
]


class _SerdeDefaults(BaseModel):
    """serde_yaml reads a null (`attributes:` left empty) as an empty sequence or map wherever a defaulted
    list or map is expected, so weaver accepts it; so do these models."""

    @model_validator(mode="before")
    @classmethod
    def _null_collections(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        empty = _collection_fields(cls)
        if not any(k in empty and v is None for k, v in data.items()):
            return data
        return {k: (empty[k]() if v is None and k in empty else v) for k, v in data.items()}


@functools.cache
def _collection_fields(cls: type[BaseModel]) -> dict[str, type]:
    """The fields of a model that are a plain (not optional) list or dict with a default."""
    out: dict[str, type] = {}
    for name, info in cls.model_fields.items():
        origin = typing.get_origin(info.annotation)
        if origin in (list, dict) and not info.is_required():
            out[info.alias or name] = origin
    return out


class _Strict(_SerdeDefaults):
    """Base of every file model: unknown keys rejected, no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)


class _Lenient(_SerdeDefaults):
    """Base of the few serde structs without `deny_unknown_fields` (extra keys ignored)."""

    model_config = ConfigDict(extra="ignore", strict=True)


def _tagged(tag: str, tp: Any) -> Any:
    TAGS[tag] = tp
    return Annotated[tp, Tag(tag)]


def _union(func: Any, error: str, *members: tuple[str, Any]) -> Any:
    """A union resolved by `func`; when it returns None, pydantic raises the custom error `error`."""
    from typing import Union

    tagged = tuple(_tagged(tag, tp) for tag, tp in members)
    return Annotated[Union[tagged], Discriminator(func, custom_error_type=error, custom_error_message=error)]  # noqa: UP007


# --- scalars with serde's untagged semantics ------------------------------------------------------


def _value_spec(v: Any) -> Any:
    if isinstance(v, bool | int | float | str):
        return v
    raise PydanticCustomError("weaver_anyof", ANYOF_MESSAGE)


def _scalar_kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int" if -(2**63) <= v < 2**63 else "double"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    return None


def examples_kind(v: Any) -> str | None:
    """The `Examples` variant serde picks for a value (untagged, first match wins), or None if none fits."""
    kind = _scalar_kind(v)
    if kind is not None:
        return kind
    if not isinstance(v, list):
        return None
    kinds = [_scalar_kind(x) for x in v]
    if all(k is not None for k in kinds):
        for want, ok in (
            ("ints", {"int"}),
            ("doubles", {"int", "double"}),
            ("bools", {"bool"}),
            ("strings", {"string"}),
        ):
            if all(k in ok for k in kinds):
                return want
        return "anys"
    if all(isinstance(x, list) for x in v):
        inner = [[_scalar_kind(y) for y in x] for x in v]
        for want, ok in (
            ("list_of_ints", {"int"}),
            ("list_of_doubles", {"int", "double"}),
            ("list_of_bools", {"bool"}),
            ("list_of_strings", {"string"}),
        ):
            if all(k in ok for row in inner for k in row):
                return want
    return None


def _examples(v: Any) -> Any:
    if examples_kind(v) is None:
        raise PydanticCustomError("weaver_anyof", ANYOF_MESSAGE)
    return v


def _plain(func: Any) -> Any:
    from pydantic import PlainValidator

    return PlainValidator(func)


ValueSpecT = Annotated[Any, _plain(_value_spec)]
ExamplesT = Annotated[Any, _plain(_examples)]
YamlValue = Any
Annotations = dict[str, YamlValue]


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


# --- v1 file --------------------------------------------------------------------------------------


class AttributeRefV1(_Strict):
    """A reference to an attribute defined elsewhere, with overrides."""

    ref: str = Field(description="Reference an existing attribute.")
    brief: str | None = Field(default=None, description="A brief description of the attribute.")
    examples: ExamplesT | None = Field(default=None, description="Example value(s) of the attribute's type.")
    tag: str | None = Field(default=None, description="A tag (sub-group) for the attribute.")
    requirement_level: RequirementLevel | None = Field(
        default=None, description="required, recommended, opt_in, or {conditionally_required: <condition>}."
    )
    sampling_relevant: bool | None = Field(
        default=None, description="Whether the attribute matters for sampling."
    )
    note: str | None = Field(default=None, description="A more elaborate description of the attribute.")
    stability: Stability | None = Field(default=None, description="The stability of the attribute.")
    deprecated: DeprecatedV1Spec | None = Field(
        default=None, description="Whether the attribute is deprecated."
    )
    prefix: bool = Field(default=False, description="Whether the group prefix is added to the referenced id.")
    annotations: Annotations | None = Field(default=None, description="Annotations for the attribute.")
    role: Role | None = Field(default=None, description="identifying or descriptive.")


class AttributeDefV1(_Strict):
    """A local attribute definition."""

    id: str = Field(description="String that uniquely identifies the attribute.")
    type: AttributeType = Field(
        description="A primitive or array type, a template type, or {members: [...]}."
    )
    brief: str | None = Field(default=None, description="A brief description of the attribute.")
    examples: ExamplesT | None = Field(default=None, description="Example value(s) of the attribute's type.")
    tag: str | None = Field(default=None, description="A tag (sub-group) for the attribute.")
    requirement_level: RequirementLevel = Field(
        default="recommended",
        description="required, recommended, opt_in, or {conditionally_required: <condition>}.",
    )
    sampling_relevant: bool | None = Field(
        default=None, description="Whether the attribute matters for sampling."
    )
    note: str = Field(default="", description="A more elaborate description of the attribute.")
    stability: Stability | None = Field(default=None, description="The stability of the attribute.")
    deprecated: DeprecatedV1Spec | None = Field(
        default=None, description="Whether the attribute is deprecated."
    )
    annotations: Annotations | None = Field(default=None, description="Annotations for the attribute.")
    role: Role | None = Field(default=None, description="identifying or descriptive.")


def _attribute_tag(v: Any) -> str | None:
    if isinstance(v, dict):
        return "attr:ref" if "ref" in v else "attr:id"
    return None


if TYPE_CHECKING:
    AttributeSpec = Any
else:
    AttributeSpec = _union(
        _attribute_tag, "weaver_attribute", ("attr:ref", AttributeRefV1), ("attr:id", AttributeDefV1)
    )


class AnyValueCommon(_Strict):
    """Fields shared by every any_value (event body) node."""

    id: str = Field(description="String that uniquely identifies the value.")
    brief: str = Field(default="", description="A brief description of the value.")
    note: str = Field(default="", description="A more elaborate description of the value.")
    stability: Stability | None = Field(default=None, description="The stability of the value.")
    examples: ExamplesT | None = Field(default=None, description="Example value(s).")
    requirement_level: RequirementLevel = Field(
        description="required, recommended, opt_in, or {conditionally_required: <condition>}."
    )


def _any_value_models() -> dict[str, type[AnyValueCommon]]:
    out: dict[str, type[AnyValueCommon]] = {}
    for name in ANY_VALUE_TYPES:
        ns: dict[str, Any] = {
            "__annotations__": {"type": Literal[name]},
            "__doc__": f"An any_value of type `{name}`.",
        }
        if name in ("map", "map[]"):
            ns["__annotations__"]["fields"] = list["AnyValueSpec"]
            ns["fields"] = Field(description="The fields of the map, each an any_value.")
        if name == "enum":
            ns["__annotations__"]["members"] = list[EnumMember]
            ns["members"] = Field(description="List of enum entries.")
        ns["type"] = Field(description="The type of the value.")
        cls_name = "AnyValue" + name.replace("[]", "s").title().replace("_", "")
        out[name] = type(cls_name, (AnyValueCommon,), ns)
    return out


_ANY_VALUE_MODELS = _any_value_models()


def _any_value_tag(v: Any) -> str | None:
    if isinstance(v, dict) and isinstance(v.get("type"), str) and v["type"] in _ANY_VALUE_MODELS:
        return f"av:{v['type']}"
    return None


if TYPE_CHECKING:
    AnyValueSpec = Any
else:
    AnyValueSpec = _union(
        _any_value_tag, "weaver_any_value", *((f"av:{n}", m) for n, m in _ANY_VALUE_MODELS.items())
    )
for _model in _ANY_VALUE_MODELS.values():
    _model.model_rebuild(_types_namespace={"AnyValueSpec": AnyValueSpec})


class SpanName(_Strict):
    """`name: {note: ...}` of a v2 span: how the span name is built."""

    note: str = Field(description="Required description of how a span name should be created.")


class GroupSpec(_Strict):
    """A v1 group: an attribute group, an entity, or a signal (span, event, metric)."""

    id: str = Field(description="The id that uniquely identifies the semantic convention.")
    type: GroupType | None = Field(
        default=None, description="attribute_group, span, event, metric, metric_group, entity or scope."
    )
    brief: str = Field(description="A brief description of the semantic convention.")
    note: str = Field(default="", description="A more elaborate description of the semantic convention.")
    prefix: str = Field(default="", description="Deprecated: prefix for the attributes of this group.")
    extends: str | None = Field(default=None, description="The id of a group whose attributes are inherited.")
    stability: Stability | None = Field(default=None, description="The stability of the semantic convention.")
    deprecated: DeprecatedV1Spec | None = Field(default=None, description="Whether the group is deprecated.")
    attributes: list[AttributeSpec] = Field(default_factory=list, description="The attributes of the group.")
    span_kind: SpanKind | None = Field(default=None, description="The kind of the span (span groups only).")
    events: list[str] = Field(default_factory=list, description="Ids of events associated with the span.")
    metric_name: str | None = Field(default=None, description="The metric name (required for metrics).")
    instrument: Instrument | None = Field(
        default=None, description="counter, gauge, histogram or updowncounter (required for metrics)."
    )
    unit: str | None = Field(default=None, description="The unit of the metric (required for metrics).")
    name: str | None = Field(
        default=None, description="The event name, or the entity type of an entity group."
    )
    display_name: str | None = Field(default=None, description="Readable name used in registry tables.")
    body: AnyValueSpec | None = Field(default=None, description="The event body definition (events only).")
    annotations: Annotations | None = Field(default=None, description="Annotations for the group.")
    entity_associations: list[EntityAssociation] = Field(
        default_factory=list, description="Entities this span, metric or event is associated with."
    )
    include_groups: list[str] = Field(default_factory=list, description="Internal (v2 translation) field.")
    visibility: Literal["internal", "public"] | None = Field(
        default=None, description="Internal (v2 translation) field."
    )
    is_v2: bool = Field(default=False, description="Internal (v2 translation) field.")
    span_name: SpanName | None = Field(default=None, description="Internal (v2 translation) field.")
    requirement_level: SignalRequirementLevel | None = Field(
        default=None, description="Internal (v2 translation) field."
    )


class SemConvSpecV1(_Strict):
    """A v1 semantic-convention file: `groups` and optional `imports`."""

    groups: list[GroupSpec] = Field(description="A collection of semantic convention groups.")
    imports: Imports | None = Field(default=None, description="Groups imported from dependencies.")


# --- v2 file --------------------------------------------------------------------------------------


class _Common(_Strict):
    """Fields shared by v2 definitions."""

    brief: str = Field(description="A brief description of the attribute or signal.")
    note: str = Field(default="", description="A more elaborate description of the attribute or signal.")
    stability: Stability = Field(description="stable, development, alpha, beta or release_candidate.")
    deprecated: DeprecatedV2Spec | None = Field(
        default=None, description="{reason: renamed|obsoleted|uncategorized|unspecified, renamed_to?, note}."
    )
    annotations: Annotations = Field(
        default_factory=dict, description="Annotations for the attribute or signal."
    )


class AttributeDefV2(_Common):
    """A v2 attribute definition."""

    key: str = Field(description="String that uniquely identifies the attribute.")
    type: AttributeType = Field(
        description="A primitive or array type, a template type, or {members: [...]}."
    )
    examples: ExamplesT | None = Field(default=None, description="Example value(s) of the attribute's type.")


class AttributeRefV2(_Strict):
    """A v2 reference to an attribute, with overrides."""

    ref: str = Field(description="Reference an existing attribute by key.")
    brief: str | None = Field(default=None, description="Overrides the attribute's brief.")
    note: str | None = Field(default=None, description="Overrides the attribute's note.")
    examples: ExamplesT | None = Field(default=None, description="Example value(s) of the attribute's type.")
    requirement_level: RequirementLevel | None = Field(
        default=None, description="required, recommended, opt_in, or {conditionally_required: <condition>}."
    )
    stability: Stability | None = Field(default=None, description="Overrides the attribute's stability.")
    deprecated: DeprecatedV2Spec | None = Field(
        default=None, description="Overrides the attribute's deprecation."
    )
    annotations: Annotations = Field(
        default_factory=dict, description="Overrides the attribute's annotations."
    )


class SpanAttributeRefV2(AttributeRefV2):
    """A v2 span attribute reference (may also set `sampling_relevant`)."""

    sampling_relevant: bool | None = Field(
        default=None, description="Whether the attribute matters for sampling."
    )


class GroupRef(_Strict):
    """`{ref_group: <attribute group id>}`."""

    ref_group: str = Field(description="The id of an attribute group whose attributes are included.")


def _ref_or_group(v: Any) -> str | None:
    if isinstance(v, dict):
        return "ar:group" if "ref_group" in v else "ar:ref"
    return None


def _span_ref_or_group(v: Any) -> str | None:
    if isinstance(v, dict):
        return "sar:group" if "ref_group" in v else "sar:ref"
    return None


if TYPE_CHECKING:
    AttributeOrGroupRef = Any
else:
    AttributeOrGroupRef = _union(
        _ref_or_group, "weaver_attribute", ("ar:ref", AttributeRefV2), ("ar:group", GroupRef)
    )
if TYPE_CHECKING:
    SpanAttributeOrGroupRef = Any
else:
    SpanAttributeOrGroupRef = _union(
        _span_ref_or_group, "weaver_attribute", ("sar:ref", SpanAttributeRefV2), ("sar:group", GroupRef)
    )


class _Signal(_Common):
    requirement_level: SignalRequirementLevel | None = Field(
        default=None, description="recommended or opt_in: whether instrumentations emit it by default."
    )
    entity_associations: list[EntityAssociation] = Field(
        default_factory=list, description="Entities this signal is associated with."
    )


class SpanV2(_Signal):
    """A v2 span definition."""

    type: str = Field(description="The type of the span (its unique id).")
    kind: SpanKind = Field(description="client, server, producer, consumer or internal.")
    name: SpanName = Field(description="{note: ...}: how the span name is built.")
    attributes: list[SpanAttributeOrGroupRef] = Field(
        default_factory=list, description="The span's attributes."
    )


class MetricV2(_Signal):
    """A v2 metric definition."""

    name: str = Field(description="The metric name.")
    instrument: Instrument = Field(description="counter, updowncounter, gauge or histogram.")
    unit: str = Field(description="The unit in which the metric is measured.")
    attributes: list[AttributeOrGroupRef] = Field(
        default_factory=list, description="The metric's attributes."
    )


class EventV2(_Signal):
    """A v2 event definition."""

    name: str = Field(description="The event name.")
    attributes: list[AttributeOrGroupRef] = Field(default_factory=list, description="The event's attributes.")


class EntityV2(_Common):
    """A v2 entity definition."""

    type: str = Field(description="The entity type.")
    identity: list[AttributeRefV2] = Field(description="Attributes that identify the entity (at least one).")
    description: list[AttributeRefV2] = Field(default_factory=list, description="Descriptive attributes.")
    requirement_level: SignalRequirementLevel | None = Field(
        default=None, description="recommended or opt_in: whether instrumentations emit it by default."
    )


class InternalAttributeGroup(_Strict):
    """`visibility: internal` attribute group (dropped from the resolved output)."""

    id: str = Field(description="The name of the attribute group, must be unique.")
    visibility: Literal["internal"]
    attributes: list[AttributeOrGroupRef] = Field(
        default_factory=list, description="Attributes of the group."
    )


class PublicAttributeGroup(_Common):
    """`visibility: public` attribute group."""

    id: str = Field(description="The name of the attribute group, must be unique.")
    visibility: Literal["public"]
    attributes: list[AttributeOrGroupRef] = Field(
        default_factory=list, description="Attributes of the group."
    )


def _visibility_tag(v: Any) -> str | None:
    if isinstance(v, dict) and v.get("visibility") in ("internal", "public"):
        return f"vis:{v['visibility']}"
    return None


if TYPE_CHECKING:
    AttributeGroupV2 = Any
else:
    AttributeGroupV2 = _union(
        _visibility_tag,
        "weaver_visibility",
        ("vis:internal", InternalAttributeGroup),
        ("vis:public", PublicAttributeGroup),
    )


class _Refinement(_Strict):
    id: str = Field(description="The id of the refinement.")
    ref: str = Field(description="The name or type of the refined signal.")
    brief: str | None = Field(default=None, description="Overrides the refined signal's brief.")
    note: str | None = Field(default=None, description="Overrides the refined signal's note.")
    stability: Stability | None = Field(default=None, description="Overrides the refined signal's stability.")
    deprecated: DeprecatedV2Spec | None = Field(default=None, description="Deprecation of the refinement.")
    annotations: Annotations = Field(
        default_factory=dict, description="Annotations, deep-merged over the parent."
    )


class _SignalRefinement(_Refinement):
    entity_associations: list[EntityAssociation] = Field(
        default_factory=list, description="Entities this signal is associated with."
    )


class SpanRefinement(_SignalRefinement):
    """A refinement of a v2 span."""

    name: SpanName | None = Field(
        default=None, description="{note: ...}: overrides how the span name is built."
    )
    attributes: list[SpanAttributeOrGroupRef] = Field(default_factory=list, description="Added attributes.")


class MetricRefinement(_SignalRefinement):
    """A refinement of a v2 metric."""

    attributes: list[AttributeOrGroupRef] = Field(default_factory=list, description="Added attributes.")


class EventRefinement(_SignalRefinement):
    """A refinement of a v2 event."""

    attributes: list[AttributeOrGroupRef] = Field(default_factory=list, description="Added attributes.")


class EntityRefinement(_Refinement):
    """A refinement of a v2 entity (may not change its identity)."""

    identity: list[AttributeRefV2] = Field(default_factory=list, description="Identifying attributes.")
    description: list[AttributeRefV2] = Field(default_factory=list, description="Descriptive attributes.")


class SemConvSpecV2(_Strict):
    """A `file_format: definition/2` file."""

    attributes: list[AttributeDefV2] = Field(default_factory=list, description="Attribute definitions.")
    entities: list[EntityV2] = Field(default_factory=list, description="Entity signals.")
    events: list[EventV2] = Field(default_factory=list, description="Event signals.")
    metrics: list[MetricV2] = Field(default_factory=list, description="Metric signals.")
    spans: list[SpanV2] = Field(default_factory=list, description="Span signals.")
    attribute_groups: list[AttributeGroupV2] = Field(default_factory=list, description="Attribute groups.")
    entity_refinements: list[EntityRefinement] = Field(
        default_factory=list, description="Entity refinements."
    )
    event_refinements: list[EventRefinement] = Field(default_factory=list, description="Event refinements.")
    metric_refinements: list[MetricRefinement] = Field(
        default_factory=list, description="Metric refinements."
    )
    span_refinements: list[SpanRefinement] = Field(default_factory=list, description="Span refinements.")
    imports: Imports | None = Field(default=None, description="Groups imported from dependencies.")


# --- manifest -------------------------------------------------------------------------------------


class ManifestDependency(BaseModel):
    """A dependency of a registry: its schema URL and, optionally, where to find it."""

    model_config = ConfigDict(extra="ignore", strict=True)

    schema_url: str | None = Field(
        default=None, description="Schema URL of the dependency: http[s]://server[:port]/path/<version>."
    )
    name: str | None = Field(default=None, description="Legacy: the dependency's registry name.")
    registry_path: str | None = Field(
        default=None, description="Directory, archive, git URL or manifest path."
    )


class ManifestModel(BaseModel):
    """A definition manifest (`manifest.yaml`); unknown keys are ignored, as weaver does."""

    model_config = ConfigDict(extra="ignore", strict=True)

    schema_url: str | None = Field(
        default=None, description="Schema URL of this registry: http[s]://server[:port]/path/<version>."
    )
    description: str | None = Field(default=None, description="Markdown description of the registry.")
    stability: Stability = Field(default="development", description="The stability of this registry.")
    dependencies: list[ManifestDependency] = Field(
        default_factory=list, description="The registry's dependencies."
    )
    name: str | None = Field(default=None, description="Legacy: the registry name.")
    semconv_version: str | None = Field(default=None, description="Legacy: the registry version.")
    schema_base_url: str | None = Field(default=None, description="Legacy: the base of the schema URL.")
    file_format: str | None = Field(
        default=None, description="Absent in a definition manifest; `manifest/2.0` in a publication manifest."
    )
    resolved_registry_uri: str | None = Field(
        default=None, description="Publication manifest: where the `resolved/2.0` schema is, relative to it."
    )
    resolved_schema_uri: str | None = Field(
        default=None, description="Publication manifest: deprecated name of `resolved_registry_uri`."
    )

    @field_validator("semconv_version", mode="before")
    @classmethod
    def _numeric_version(cls, value: Any) -> Any:
        """weaver reads a legacy `semconv_version: 1.1` (a YAML number) as the text of that number."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value


V1_ADAPTER: TypeAdapter[SemConvSpecV1] = TypeAdapter(SemConvSpecV1)
V2_ADAPTER: TypeAdapter[SemConvSpecV2] = TypeAdapter(SemConvSpecV2)
MANIFEST_ADAPTER: TypeAdapter[ManifestModel] = TypeAdapter(ManifestModel)
