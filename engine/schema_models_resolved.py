"""The model of a published v2 registry's `resolved.yaml` (`registry json-schema -j resolved-registry-v2`):
an attribute catalog, and signals that refer to its entries by index. The parts it shares with the
materialized registry (attribute types, deprecation, requirement levels, span names) are in
`schema_models_v2.py`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from weavergen.schema_models_v2 import (
    Attribute,
    ClosedModel,
    Described,
    Instrument,
    OpenModel,
    RequirementLevel,
    SignalRequirementLevel,
    SpanKind,
    SpanName,
)

CatalogIndex = Annotated[int, Field(ge=0)]


class ResolvedProvenance(OpenModel):
    """The dependency a definition comes from (its index in `dependencies`), if any."""

    source: CatalogIndex | None = None


class AttributeRef(ClosedModel):
    """A signal's attribute: an index into the catalog and its requirement level there."""

    base: CatalogIndex
    requirement_level: RequirementLevel


class SpanAttributeRef(AttributeRef):
    """A span's attribute."""

    sampling_relevant: bool | None = None


class ResolvedEntityRef(ClosedModel):
    """An entity a signal is associated with."""

    type: str
    provenance: ResolvedProvenance | None = None


class ResolvedOneOf(OpenModel):
    """Any one of these associations."""

    one_of: list[ResolvedEntityAssociation]


class ResolvedAllOf(OpenModel):
    """All of these associations."""

    all_of: list[ResolvedEntityAssociation]


ResolvedEntityAssociation = str | ResolvedEntityRef | ResolvedOneOf | ResolvedAllOf


class CatalogAttribute(Attribute):
    """An attribute of the catalog."""

    provenance: ResolvedProvenance | None = None  # type: ignore[assignment]


class _ResolvedSignal(Described):
    provenance: ResolvedProvenance | None = None
    requirement_level: SignalRequirementLevel | None = None


class _ResolvedAssociated(_ResolvedSignal):
    entity_associations: list[ResolvedEntityAssociation] = Field(default_factory=list)


class ResolvedAttributeGroup(Described):
    """A public attribute group."""

    id: str
    attributes: list[AttributeRef]
    provenance: ResolvedProvenance | None = None


class ResolvedMetric(_ResolvedAssociated):
    """A metric."""

    name: str
    instrument: Instrument
    unit: str
    attributes: list[AttributeRef] = Field(default_factory=list)


class ResolvedSpan(_ResolvedAssociated):
    """A span."""

    type: str
    kind: SpanKind
    name: SpanName
    attributes: list[SpanAttributeRef] = Field(default_factory=list)


class ResolvedEvent(_ResolvedAssociated):
    """An event."""

    name: str
    attributes: list[AttributeRef] = Field(default_factory=list)


class ResolvedEntity(_ResolvedSignal):
    """An entity."""

    type: str
    identity: list[AttributeRef]
    description: list[AttributeRef] = Field(default_factory=list)


class ResolvedMetricRefinement(ResolvedMetric):
    """A refinement of a metric."""

    model_config = ConfigDict(extra="allow")
    id: str


class ResolvedSpanRefinement(ResolvedSpan):
    """A refinement of a span."""

    model_config = ConfigDict(extra="allow")
    id: str


class ResolvedEventRefinement(ResolvedEvent):
    """A refinement of an event."""

    model_config = ConfigDict(extra="allow")
    id: str


class ResolvedEntityRefinement(ResolvedEntity):
    """A refinement of an entity."""

    model_config = ConfigDict(extra="allow")
    id: str


class ResolvedRegistryTable(ClosedModel):
    """The registry's own definitions; attributes are indexes into the catalog."""

    attributes: list[CatalogIndex]
    attribute_groups: list[ResolvedAttributeGroup]
    metrics: list[ResolvedMetric]
    spans: list[ResolvedSpan]
    events: list[ResolvedEvent]
    entities: list[ResolvedEntity]


class ResolvedRefinements(ClosedModel):
    """The refinements of signals."""

    metrics: list[ResolvedMetricRefinement]
    spans: list[ResolvedSpanRefinement]
    events: list[ResolvedEventRefinement]
    entities: list[ResolvedEntityRefinement] = Field(default_factory=list)


class ResolvedRegistryV2(OpenModel):
    """A published v2 registry: `file_format: resolved/2.0`, an attribute catalog, signals by reference."""

    file_format: Literal["resolved/2.0"]
    schema_url: str
    attribute_catalog: list[CatalogAttribute]
    registry: ResolvedRegistryTable
    refinements: ResolvedRefinements
    dependencies: list[str] = Field(default_factory=list, json_schema_extra={"uniqueItems": True})
