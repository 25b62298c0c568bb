"""The v1 file model (`groups:`), with event bodies (`any_value`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, TypeAdapter

from weavergen.model.base import (
    ANY_VALUE_TYPES,
    Annotations,
    ExamplesT,
    GroupType,
    Instrument,
    Role,
    SignalRequirementLevel,
    SpanKind,
    Stability,
    _Strict,
    _union,
)
from weavergen.model.common import (
    AttributeType,
    DeprecatedV1Spec,
    EntityAssociation,
    EnumMember,
    Imports,
    RequirementLevel,
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


V1_ADAPTER: TypeAdapter[SemConvSpecV1] = TypeAdapter(SemConvSpecV1)
