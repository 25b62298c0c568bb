"""The v2 file model (`file_format: definition/2`): attributes, signals, attribute groups, refinements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, TypeAdapter

from weavergen.model.base import (
    Annotations,
    ExamplesT,
    Instrument,
    SignalRequirementLevel,
    SpanKind,
    Stability,
    _Strict,
    _union,
)
from weavergen.model.common import (
    AttributeType,
    DeprecatedV2Spec,
    EntityAssociation,
    Imports,
    RequirementLevel,
)
from weavergen.model.v1 import SpanName

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


V2_ADAPTER: TypeAdapter[SemConvSpecV2] = TypeAdapter(SemConvSpecV2)
