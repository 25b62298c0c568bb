"""Models of weaver's v2 registries, for `registry json-schema -j materialized-registry-v2` (what `--v2`
templates and policies see, `registry resolve --v2`) and `-j resolved-registry-v2` (the `resolved.yaml` of
a published registry: attributes in a catalog, signals referring to them by index).

Both forms share every part but a signal's attributes: full attributes in the materialized registry,
`{base: <catalog index>, requirement_level}` in the resolved one. Signals and attributes reject unknown
keys, refinements tolerate them, as weaver's serde does. Schema URLs are the strings weaver writes (its
generated schemas describe them as `{url}` objects; see `schema_models.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

EXAMPLES_SCHEMA: dict[str, Any] = {
    "description": "An example value, a list of values, or a list of lists of values of one type.",
    "anyOf": [
        *({"type": t} for t in ("boolean", "integer", "number", "string")),
        {"type": "array", "items": {"type": ["integer", "number", "string", "boolean"]}},
        *(
            {"type": "array", "items": {"type": "array", "items": {"type": t}}}
            for t in ("integer", "number", "boolean", "string")
        ),
    ],
}
VALUE_SCHEMA: dict[str, Any] = {
    "description": "A string, integer, double or boolean.",
    "type": ["integer", "number", "string", "boolean"],
}

Stability = Literal["deprecated", "stable", "development", "alpha", "beta", "release_candidate"]
SignalRequirementLevel = Literal["recommended", "opt_in"]
Instrument = Literal["updowncounter", "counter", "gauge", "histogram"]
SpanKind = Literal["internal", "client", "server", "producer", "consumer"]
PrimitiveType = Literal[
    "boolean", "int", "double", "string", "any", "string[]", "int[]", "double[]", "boolean[]"
]
TemplateType = Literal[
    "template[boolean]",
    "template[int]",
    "template[double]",
    "template[string]",
    "template[any]",
    "template[string[]]",
    "template[int[]]",
    "template[double[]]",
    "template[boolean[]]",
]
Examples = Annotated[Any, WithJsonSchema(EXAMPLES_SCHEMA)]
ValueSpec = Annotated[Any, WithJsonSchema(VALUE_SCHEMA)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeprecatedRenamed(_Open):
    """Deprecated and renamed: `renamed_to` names the replacement."""

    reason: Literal["renamed"]
    renamed_to: str
    note: str | None = None


class DeprecatedNoted(_Open):
    """Deprecated, obsoleted or for another reason, with a note."""

    reason: Literal["obsoleted", "uncategorized", "unspecified"]
    note: str


class ConditionallyRequired(_Open):
    """Required under the condition the text gives."""

    conditionally_required: str


class RecommendedWhen(_Open):
    """Recommended, with a text."""

    recommended: str


class OptInWhen(_Open):
    """Opt-in, with a text."""

    opt_in: str


RequirementLevel = (
    Literal["required", "recommended", "opt_in"] | ConditionallyRequired | RecommendedWhen | OptInWhen
)


class EnumEntry(_Closed):
    """A member of an enum attribute type."""

    id: str
    value: ValueSpec | None = None
    brief: str | None = None
    note: str | None = None
    stability: Stability | None = None
    deprecated: DeprecatedRenamed | DeprecatedNoted | None = None
    annotations: dict[str, Any] | None = None


class EnumType(_Open):
    """An enum attribute type."""

    members: list[EnumEntry]


class SpanName(_Closed):
    """A span's name, described by a note."""

    note: str


class _Described(_Closed):
    """What every attribute and signal has."""

    brief: str
    note: str = ""
    stability: Stability
    deprecated: DeprecatedRenamed | DeprecatedNoted | None = None
    annotations: dict[str, Any] = Field(default_factory=dict)


# --- the materialized registry ---------------------------------------------------------------------------


class MaterializedProvenance(_Open):
    """Where a definition comes from: its file, and the registry of a dependency's."""

    path: str | None = None
    source: str | None = None


class Attribute(_Described):
    """A registry attribute."""

    key: str
    type: PrimitiveType | TemplateType | EnumType
    examples: Examples | None = None
    provenance: MaterializedProvenance | None = None


class SignalAttribute(Attribute):
    """An attribute of a signal or group, with its requirement level there."""

    requirement_level: RequirementLevel


class SpanAttribute(SignalAttribute):
    """An attribute of a span."""

    sampling_relevant: bool | None = None


class EntityRef(_Closed):
    """An entity a signal is associated with."""

    type: str
    provenance: MaterializedProvenance | None = None


class OneOfEntities(_Open):
    """Any one of these associations."""

    one_of: list[EntityAssociation]


class AllOfEntities(_Open):
    """All of these associations."""

    all_of: list[EntityAssociation]


# weaver 0.25.1 writes an association's leaves as the entity type (a string); its generated schema, like
# weaver after 0.25.1, describes them as `{type, provenance}`: both are accepted.
EntityAssociation = str | EntityRef | OneOfEntities | AllOfEntities


class _Signal(_Described):
    provenance: MaterializedProvenance | None = None
    requirement_level: SignalRequirementLevel | None = None


class _Associated(_Signal):
    entity_associations: list[EntityAssociation] = Field(default_factory=list)


class AttributeGroup(_Described):
    """A public attribute group."""

    id: str
    attributes: list[SignalAttribute]
    provenance: MaterializedProvenance | None = None


class Metric(_Associated):
    """A metric."""

    name: str
    instrument: Instrument
    unit: str
    attributes: list[SignalAttribute] = Field(default_factory=list)


class Span(_Associated):
    """A span."""

    type: str
    kind: SpanKind
    name: SpanName
    attributes: list[SpanAttribute] = Field(default_factory=list)


class Event(_Associated):
    """An event."""

    name: str
    attributes: list[SignalAttribute] = Field(default_factory=list)


class Entity(_Signal):
    """An entity: the attributes that identify it and those that describe it."""

    type: str
    identity: list[SignalAttribute] = Field(default_factory=list)
    description: list[SignalAttribute] = Field(default_factory=list)


class MetricRefinement(Metric):
    """A refinement of a metric."""

    model_config = ConfigDict(extra="allow")
    id: str


class SpanRefinement(Span):
    """A refinement of a span."""

    model_config = ConfigDict(extra="allow")
    id: str


class EventRefinement(Event):
    """A refinement of an event."""

    model_config = ConfigDict(extra="allow")
    id: str


class EntityRefinement(Entity):
    """A refinement of an entity."""

    model_config = ConfigDict(extra="allow")
    id: str


class Registry(_Closed):
    """The registry's own definitions."""

    attributes: list[Attribute]
    attribute_groups: list[AttributeGroup]
    metrics: list[Metric]
    spans: list[Span]
    events: list[Event]
    entities: list[Entity]


class Refinements(_Closed):
    """The refinements of signals."""

    metrics: list[MetricRefinement]
    spans: list[SpanRefinement]
    events: list[EventRefinement]
    entities: list[EntityRefinement]


class MaterializedRegistry(_Open):
    """A v2 registry with every reference expanded: what `--v2` templates and policies see."""

    schema_url: str
    registry: Registry
    refinements: Refinements
    dependencies: list[MaterializedRegistry] = Field(default_factory=list)


# --- the resolved registry (a published registry's resolved.yaml) ----------------------------------------

CatalogIndex = Annotated[int, Field(ge=0)]


class ResolvedProvenance(_Open):
    """The dependency a definition comes from (its index in `dependencies`), if any."""

    source: CatalogIndex | None = None


class AttributeRef(_Closed):
    """A signal's attribute: an index into the catalog and its requirement level there."""

    base: CatalogIndex
    requirement_level: RequirementLevel


class SpanAttributeRef(AttributeRef):
    """A span's attribute."""

    sampling_relevant: bool | None = None


class ResolvedEntityRef(_Closed):
    """An entity a signal is associated with."""

    type: str
    provenance: ResolvedProvenance | None = None


class ResolvedOneOf(_Open):
    """Any one of these associations."""

    one_of: list[ResolvedEntityAssociation]


class ResolvedAllOf(_Open):
    """All of these associations."""

    all_of: list[ResolvedEntityAssociation]


ResolvedEntityAssociation = str | ResolvedEntityRef | ResolvedOneOf | ResolvedAllOf


class CatalogAttribute(Attribute):
    """An attribute of the catalog."""

    provenance: ResolvedProvenance | None = None  # type: ignore[assignment]


class _ResolvedSignal(_Described):
    provenance: ResolvedProvenance | None = None
    requirement_level: SignalRequirementLevel | None = None


class _ResolvedAssociated(_ResolvedSignal):
    entity_associations: list[ResolvedEntityAssociation] = Field(default_factory=list)


class ResolvedAttributeGroup(_Described):
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


class ResolvedRegistryTable(_Closed):
    """The registry's own definitions; attributes are indexes into the catalog."""

    attributes: list[CatalogIndex]
    attribute_groups: list[ResolvedAttributeGroup]
    metrics: list[ResolvedMetric]
    spans: list[ResolvedSpan]
    events: list[ResolvedEvent]
    entities: list[ResolvedEntity]


class ResolvedRefinements(_Closed):
    """The refinements of signals."""

    metrics: list[ResolvedMetricRefinement]
    spans: list[ResolvedSpanRefinement]
    events: list[ResolvedEventRefinement]
    entities: list[ResolvedEntityRefinement] = Field(default_factory=list)


class ResolvedRegistryV2(_Open):
    """A published v2 registry: `file_format: resolved/2.0`, an attribute catalog, signals by reference."""

    file_format: Literal["resolved/2.0"]
    schema_url: str
    attribute_catalog: list[CatalogAttribute]
    registry: ResolvedRegistryTable
    refinements: ResolvedRefinements
    dependencies: list[str] = Field(default_factory=list, json_schema_extra={"uniqueItems": True})
