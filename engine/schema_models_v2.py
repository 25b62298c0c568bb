"""Models of weaver's v2 registries, for `registry json-schema -j materialized-registry-v2` (what `--v2`
templates and policies see, `registry resolve --v2`), and the parts `-j resolved-registry-v2`
(`schema_models_resolved.py`: attributes in a catalog, signals referring to them by index) shares.

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


class OpenModel(BaseModel):
    """A part whose unknown keys weaver's serde ignores."""

    model_config = ConfigDict(extra="allow")


class ClosedModel(BaseModel):
    """A part with weaver's `deny_unknown_fields`."""

    model_config = ConfigDict(extra="forbid")


class DeprecatedRenamed(OpenModel):
    """Deprecated and renamed: `renamed_to` names the replacement."""

    reason: Literal["renamed"]
    renamed_to: str
    note: str | None = None


class DeprecatedNoted(OpenModel):
    """Deprecated, obsoleted or for another reason, with a note."""

    reason: Literal["obsoleted", "uncategorized", "unspecified"]
    note: str


class ConditionallyRequired(OpenModel):
    """Required under the condition the text gives."""

    conditionally_required: str


class RecommendedWhen(OpenModel):
    """Recommended, with a text."""

    recommended: str


class OptInWhen(OpenModel):
    """Opt-in, with a text."""

    opt_in: str


RequirementLevel = (
    Literal["required", "recommended", "opt_in"] | ConditionallyRequired | RecommendedWhen | OptInWhen
)


class EnumEntry(ClosedModel):
    """A member of an enum attribute type."""

    id: str
    value: ValueSpec | None = None
    brief: str | None = None
    note: str | None = None
    stability: Stability | None = None
    deprecated: DeprecatedRenamed | DeprecatedNoted | None = None
    annotations: dict[str, Any] | None = None


class EnumType(OpenModel):
    """An enum attribute type."""

    members: list[EnumEntry]


class SpanName(ClosedModel):
    """A span's name, described by a note."""

    note: str


class Described(ClosedModel):
    """What every attribute and signal has."""

    brief: str
    note: str = ""
    stability: Stability
    deprecated: DeprecatedRenamed | DeprecatedNoted | None = None
    annotations: dict[str, Any] = Field(default_factory=dict)


# --- the materialized registry ---------------------------------------------------------------------------


class MaterializedProvenance(OpenModel):
    """Where a definition comes from: its file, and the registry of a dependency's."""

    path: str | None = None
    source: str | None = None


class Attribute(Described):
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


class EntityRef(ClosedModel):
    """An entity a signal is associated with."""

    type: str
    provenance: MaterializedProvenance | None = None


class OneOfEntities(OpenModel):
    """Any one of these associations."""

    one_of: list[EntityAssociation]


class AllOfEntities(OpenModel):
    """All of these associations."""

    all_of: list[EntityAssociation]


# weaver 0.25.1 writes an association's leaves as the entity type (a string); its generated schema, like
# weaver after 0.25.1, describes them as `{type, provenance}`: both are accepted.
EntityAssociation = str | EntityRef | OneOfEntities | AllOfEntities


class _Signal(Described):
    provenance: MaterializedProvenance | None = None
    requirement_level: SignalRequirementLevel | None = None


class _Associated(_Signal):
    entity_associations: list[EntityAssociation] = Field(default_factory=list)


class AttributeGroup(Described):
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


class Registry(ClosedModel):
    """The registry's own definitions."""

    attributes: list[Attribute]
    attribute_groups: list[AttributeGroup]
    metrics: list[Metric]
    spans: list[Span]
    events: list[Event]
    entities: list[Entity]


class Refinements(ClosedModel):
    """The refinements of signals."""

    metrics: list[MetricRefinement]
    spans: list[SpanRefinement]
    events: list[EventRefinement]
    entities: list[EntityRefinement]


class MaterializedRegistry(OpenModel):
    """A v2 registry with every reference expanded: what `--v2` templates and policies see."""

    schema_url: str
    registry: Registry
    refinements: Refinements
    dependencies: list[MaterializedRegistry] = Field(default_factory=list)
