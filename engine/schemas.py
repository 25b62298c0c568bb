"""`registry json-schema`: JSON schemas of weaver's documents, generated from weavergen's own models.

`semconv-group` and `semconv-definition-v2` come from the pydantic models the checker validates files
with (`model.py`), so the schema accepts exactly the files the checker accepts. `resolved-registry` and
`policy-finding` come from the models below, which describe what `registry resolve` writes and what a
Rego policy returns; the manifests, the v2 diff and `.weaver.toml` from `schema_models.py`, the v2
resolved and materialized registries from `schema_models_v2.py`: every kind of weaver 0.25.1.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from weavergen import model, schema_models, schema_models_resolved, schema_models_v2
from weavergen.model import (
    AttributeTypeName,
    GroupType,
    Instrument,
    RequirementLevel,
    Role,
    SpanKind,
    Stability,
)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_KIND = "resolved-registry"
_INTERNAL_GROUP_FIELDS = ("include_groups", "visibility", "is_v2", "span_name", "requirement_level")


class SchemaError(Exception):
    """A `-j` kind that is unknown or not supported; the message lists the kinds that are."""


# --- JSON schemas of the value types pydantic cannot see through ------------------------------------

_SCALAR_TYPES = ("boolean", "integer", "number", "string")
VALUE_SPEC: dict[str, Any] = {
    "description": "A string, integer, double or boolean value.",
    "anyOf": [{"type": t} for t in ("integer", "number", "string", "boolean")],
}
EXAMPLES: dict[str, Any] = {
    "description": "An example value, a list of values of one type, or a list of such lists.",
    "anyOf": [
        *({"type": t} for t in _SCALAR_TYPES),
        {"type": "array", "items": VALUE_SPEC},
        *({"type": "array", "items": {"type": "array", "items": {"type": t}}} for t in _SCALAR_TYPES),
    ],
}


class _SemconvSchema(GenerateJsonSchema):
    """Gives the plain-validated `examples` and enum `value` fields their real JSON schema."""

    def function_plain_schema(self, schema: core_schema.PlainValidatorFunctionSchema) -> JsonSchemaValue:
        """The schema of a `PlainValidator` field, recognised by its validator function."""
        function = schema["function"]["function"]
        if function is model._examples:
            return copy.deepcopy(EXAMPLES)
        if function is model._value_spec:
            return copy.deepcopy(VALUE_SPEC)
        return super().function_plain_schema(schema)


def _any_of(node: Any) -> Any:
    """serde's untagged unions take the first branch that fits: `anyOf`, not `oneOf`."""
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_any_of(v) for v in node]
    return node


def _finish(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    out: dict[str, Any] = {"$schema": DRAFT, "title": title, "description": description}
    out.update({k: v for k, v in schema.items() if k not in ("title", "description")})
    return out


def semconv_group_schema() -> dict[str, Any]:
    """The schema of a v1 semantic-convention file (`groups:` and `imports:`)."""
    schema = _any_of(model.V1_ADAPTER.json_schema(schema_generator=_SemconvSchema))
    group = schema["$defs"]["GroupSpec"]
    for name in _INTERNAL_GROUP_FIELDS:
        group["properties"].pop(name, None)
    return _finish(schema, "SemConvSpecV1", "A v1 semantic convention file: a list of groups and imports.")


def semconv_definition_v2_schema() -> dict[str, Any]:
    """The schema of a `file_format: definition/2` file."""
    schema = _any_of(model.V2_ADAPTER.json_schema(schema_generator=_SemconvSchema))
    schema["properties"] = {
        "file_format": {"description": "The file format version.", "type": "string", "const": "definition/2"},
        **schema["properties"],
    }
    return _finish(schema, "SemConvSpecV2", "A v2 semantic convention file (`file_format: definition/2`).")


# --- the resolved registry (`registry resolve`, v1 templates and after_resolution policies) ----------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeprecatedRenamed(_Out):
    """Replaced by another definition."""

    reason: Literal["renamed"]
    renamed_to: str = Field(description="The definition that replaces this one.")
    note: str = Field(default="", description="More context about the deprecation.")


class DeprecatedOther(_Out):
    """Deprecated for another reason."""

    reason: Literal["obsoleted", "uncategorized", "unspecified"]
    note: str = Field(default="", description="More context about the deprecation.")


ResolvedDeprecated = DeprecatedRenamed | DeprecatedOther


class ResolvedEnumMember(_Out):
    """An enum member, its `value` filled in (the id when the file gives none)."""

    id: str = Field(description="The member's id.")
    value: str | int | float | bool = Field(description="The member's value.")
    brief: str | None = Field(default=None, description="A brief description of the member.")
    note: str | None = Field(default=None, description="A longer description.")
    stability: Stability | None = Field(default=None, description="The member's stability.")
    deprecated: ResolvedDeprecated | None = Field(default=None, description="The member's deprecation.")
    annotations: dict[str, Any] | None = Field(default=None, description="Annotations of the member.")


class ResolvedEnumType(_Out):
    """An enum type."""

    members: list[ResolvedEnumMember] = Field(description="The enum's members.")


class ResolvedAttribute(_Out):
    """An attribute with every ref override applied."""

    name: str = Field(description="The attribute's name (key).")
    type: AttributeTypeName | ResolvedEnumType = Field(
        description="A primitive, array, template or enum type."
    )
    brief: str = Field(description="A brief description.")
    examples: Any = Field(default=None, description="Example values.")
    tag: str | None = Field(default=None, description="A tag (sub-group) of the attribute.")
    requirement_level: RequirementLevel = Field(description="How strongly the attribute is required.")
    sampling_relevant: bool | None = Field(default=None, description="Whether it matters for sampling.")
    note: str = Field(default="", description="A longer description (omitted when empty, as weaver).")
    stability: Stability | None = Field(default=None, description="The attribute's stability.")
    deprecated: ResolvedDeprecated | None = Field(default=None, description="The attribute's deprecation.")
    prefix: bool | None = Field(default=None, description="Whether the group prefix was applied.")
    tags: dict[str, Any] | None = Field(default=None, description="Tags of the attribute.")
    annotations: dict[str, Any] | None = Field(default=None, description="Annotations of the attribute.")
    value: Any = Field(default=None, description="A constant value of the attribute.")
    role: Role | None = Field(default=None, description="identifying or descriptive (entity attributes).")


class AttributeLineage(_Out):
    """Where a group's attribute comes from and which fields it overrides."""

    source_group: str = Field(description="The group that defines the attribute.")
    inherited_fields: list[str] = Field(default_factory=list, description="Fields taken from the definition.")
    locally_overridden_fields: list[str] = Field(
        default_factory=list, description="Fields this group overrides."
    )


class Provenance(_Out):
    """The file a group was defined in."""

    schema_url: str = Field(description="The schema URL of the registry that defines the group.")
    path: str = Field(description="The path of the file that defines the group.")


class GroupLineage(_Out):
    """How a group was assembled."""

    provenance: Provenance = Field(description="Where the group is defined.")
    attributes: dict[str, AttributeLineage] = Field(
        default_factory=dict, description="The lineage of each attribute."
    )
    extends_group: str | None = Field(default=None, description="The group this one extends.")
    includes_group: list[str] = Field(default_factory=list, description="The groups this one includes.")


class ResolvedGroup(_Out):
    """A resolved group: its attributes in full, and its lineage."""

    id: str = Field(description="The group's id.")
    type: GroupType = Field(description="The group's type.")
    brief: str = Field(default="", description="A brief description.")
    note: str = Field(default="", description="A longer description.")
    prefix: str = Field(default="", description="Deprecated attribute prefix.")
    extends: str | None = Field(default=None, description="The group this one extends.")
    stability: Stability | None = Field(default=None, description="The group's stability.")
    deprecated: ResolvedDeprecated | None = Field(default=None, description="The group's deprecation.")
    attributes: list[ResolvedAttribute] = Field(default_factory=list, description="The attributes.")
    span_kind: SpanKind | None = Field(default=None, description="The span kind (spans).")
    events: list[str] = Field(default_factory=list, description="Events of the span.")
    metric_name: str | None = Field(default=None, description="The metric name (metrics).")
    instrument: Instrument | None = Field(default=None, description="The instrument (metrics).")
    unit: str | None = Field(default=None, description="The unit (metrics).")
    name: str | None = Field(default=None, description="The event name or entity type.")
    lineage: GroupLineage | None = Field(default=None, description="How the group was assembled.")
    display_name: str | None = Field(default=None, description="A readable name for registry tables.")
    body: dict[str, Any] | None = Field(default=None, description="The event body (events).")
    entity_associations: list[str] = Field(default_factory=list, description="Associated entity types.")
    annotations: dict[str, Any] | None = Field(default=None, description="Annotations of the group.")


class ResolvedRegistry(_Out):
    """The resolved registry: what `registry resolve`, v1 templates and policies see."""

    registry_url: str = Field(default="", description="The registry's schema URL.")
    groups: list[ResolvedGroup] = Field(description="The resolved groups, sorted by id.")


def resolved_registry_schema() -> dict[str, Any]:
    """The schema of `registry resolve`'s output (weaver's forge `ResolvedRegistry`)."""
    schema = TypeAdapter(ResolvedRegistry).json_schema()
    schema["$defs"]["ResolvedAttribute"]["properties"]["examples"] = copy.deepcopy(EXAMPLES)
    return _finish(schema, "ResolvedRegistry", "A resolved registry, as templates and policies see it.")


# --- policy findings -------------------------------------------------------------------------------


class PolicyFinding(_Out):
    """A finding returned by a Rego policy (`deny` rule)."""

    context: Any = Field(
        default=None, description="The dynamic parts of the message, e.g. {attribute_key: foo.bar}."
    )
    id: str = Field(description="A short, machine-readable id of the finding, e.g. is_deprecated.")
    level: Literal["information", "improvement", "violation"] = Field(
        description="information (context only), improvement (suggested) or violation (breaks a rule)."
    )
    message: str = Field(description="The human-readable message, enough to understand and fix the issue.")
    signal_name: str | None = Field(default=None, description="The signal the finding is about, if any.")
    signal_type: str | None = Field(default=None, description="The type of that signal, e.g. metric.")


def policy_finding_schema() -> dict[str, Any]:
    """The schema of a policy finding."""
    schema = TypeAdapter(PolicyFinding).json_schema()
    return _finish(schema, "PolicyFinding", "A finding returned by a Rego policy.")


def diff_schema() -> dict[str, Any]:
    """The schema of `registry diff --format json` (weaver's v1 `SchemaChanges`)."""
    from weavergen.diff import diff_schema as build

    return build()


def _model_schema(model_type: type[BaseModel], title: str, description: str) -> Any:
    def build() -> dict[str, Any]:
        schema = TypeAdapter(model_type).json_schema(by_alias=True)
        return _finish(schema, title, description)

    return build


SUPPORTED = {
    "resolved-registry": resolved_registry_schema,
    "semconv-group": semconv_group_schema,
    "semconv-definition-v2": semconv_definition_v2_schema,
    "policy-finding": policy_finding_schema,
    "diff": diff_schema,
    "diff-v2": _model_schema(
        schema_models.SchemaChangesV2, "SchemaChanges", "A summary of changes between two v2 registries."
    ),
    "publication-manifest-v2": _model_schema(
        schema_models.PublicationManifest,
        "PublicationRegistryManifest",
        "The manifest of a published registry, written by `registry package`.",
    ),
    "definition-manifest-v2": _model_schema(
        schema_models.DefinitionManifest,
        "DefinitionRegistryManifest",
        "The manifest of a registry being developed (manifest.yaml).",
    ),
    "weaver-config": _model_schema(
        schema_models.WeaverConfig, "WeaverConfigSchema", "The `.weaver.toml` project configuration file."
    ),
    "resolved-registry-v2": _model_schema(
        schema_models_resolved.ResolvedRegistryV2,
        "ResolvedTelemetrySchema",
        "A published v2 registry (`resolved.yaml`): an attribute catalog and signals referring to it.",
    ),
    "materialized-registry-v2": _model_schema(
        schema_models_v2.MaterializedRegistry,
        "ForgeResolvedRegistry",
        "A v2 registry with every reference expanded, as `--v2` templates and policies see it.",
    ),
}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON schema of `kind`; `SchemaError` names the supported kinds when it is not one of them."""
    builder = SUPPORTED.get(kind)
    if builder is not None:
        return builder()
    supported = ", ".join(SUPPORTED)
    close = difflib.get_close_matches(kind, list(SUPPORTED), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise SchemaError(f"unknown JSON schema kind {kind!r}; {hint}supported kinds: {supported}")
