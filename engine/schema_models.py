"""Models of weaver's manifests, v2 diff and `.weaver.toml`, for `registry json-schema`'s `-j
definition-manifest-v2`, `publication-manifest-v2`, `diff-v2` and `weaver-config`.

They describe the documents as weaver reads and writes them. Like weaver's generated schemas they do not
forbid unknown keys (serde ignores them there), with one deliberate difference: a schema URL is the string
weaver serialises (`schema_url: https://…/1.0.0`), where schemars describes weaver's `SchemaUrl` type as
an object `{url}` that no real document has.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ManifestStability = Literal["deprecated", "stable", "development", "alpha", "beta", "release_candidate"]
FindingLevel = Literal["information", "improvement", "violation"]
FailOnLevel = Literal["violation", "improvement", "information", "none"]

SCHEMA_URL = (
    "The schema URL of a registry, `http[s]://server[:port]/path/<version>`: it identifies the registry "
    "and its version."
)


class _Open(BaseModel):
    """A document or table whose unknown keys are tolerated, as serde does without deny_unknown_fields."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --- manifests -------------------------------------------------------------------------------------------


class ManifestDependency(_Open):
    """A dependency of a registry."""

    schema_url: str = Field(description=SCHEMA_URL)
    registry_path: str | None = Field(
        default=None,
        description="Where the dependency is: a published manifest, or a folder, archive or git URL of "
        "its definition files (`source[@ref][[sub_folder]]`).",
    )


class DefinitionManifest(_Open):
    """`manifest.yaml` of a registry being developed (before `registry package` publishes it)."""

    schema_url: str = Field(description=SCHEMA_URL)
    description: str | None = Field(default=None, description="A markdown description of the registry.")
    stability: ManifestStability = Field(default="development", description="The stability of the registry.")
    dependencies: list[ManifestDependency] = Field(
        default_factory=list, description="The registry's dependencies."
    )


class PublicationManifest(_Open):
    """`manifest.yaml` of a published registry, written by `registry package`."""

    file_format: Literal["manifest/2.0"] = Field(description="Always `manifest/2.0` in this version.")
    schema_url: str = Field(description=SCHEMA_URL)
    resolved_registry_uri: str = Field(description="Where the resolved registry of this package is.")
    description: str | None = Field(default=None, description="A markdown description of the registry.")
    stability: ManifestStability = Field(default="development", description="The stability of the registry.")
    dependencies: list[ManifestDependency] = Field(
        default_factory=list, description="The registry's dependencies."
    )


# --- the v2 diff -----------------------------------------------------------------------------------------


class _Change(BaseModel):
    model_config = ConfigDict(extra="allow")


class Added(_Change):
    """A telemetry object added in the head registry."""

    type: Literal["added"]
    name: str = Field(description="The name of the added object.")


class Renamed(_Change):
    """An object of the baseline renamed in the head registry."""

    type: Literal["renamed"]
    old_name: str = Field(description="Its name in the baseline.")
    new_name: str = Field(description="Its name in the head registry.")
    note: str = Field(description="A note giving more context.")


class Updated(_Change):
    """Fields of an object changed (a placeholder in weaver)."""

    type: Literal["updated"]


class Obsoleted(_Change):
    """An object discontinued without a replacement."""

    type: Literal["obsoleted"]
    name: str = Field(description="The name of the obsoleted object.")
    note: str = Field(description="The deprecation note.")


class Uncategorized(_Change):
    """A change that fits no other category."""

    type: Literal["uncategorized"]
    name: str = Field(description="The name of the object.")
    note: str = Field(description="A note giving more context.")


class Removed(_Change):
    """An object of the baseline missing from the head registry."""

    type: Literal["removed"]
    name: str = Field(description="The name of the removed object.")


SchemaItemChange = Annotated[
    Added | Renamed | Updated | Obsoleted | Uncategorized | Removed, Field(discriminator="type")
]


class RegistryChanges(_Change):
    """The changes of each kind of registry item."""

    attribute_changes: list[SchemaItemChange] = Field(description="Changes of the registry attributes.")
    attribute_group_changes: list[SchemaItemChange] = Field(description="Changes of the attribute groups.")
    entity_changes: list[SchemaItemChange] = Field(description="Changes of the entities.")
    event_changes: list[SchemaItemChange] = Field(description="Changes of the events.")
    metric_changes: list[SchemaItemChange] = Field(description="Changes of the metrics.")
    span_changes: list[SchemaItemChange] = Field(description="Changes of the spans.")


class SchemaChangesV2(_Change):
    """The changes between two versions of a v2 registry."""

    head_schema_url: str = Field(description="Schema URL of the head (newer) registry.")
    baseline_schema_url: str = Field(description="Schema URL of the baseline (older) registry.")
    registry: RegistryChanges = Field(description="The changes of the registry.")


# --- .weaver.toml ----------------------------------------------------------------------------------------


class _Table(_Open):
    pass


class RegistryTable(_Table):
    """`[registry]`."""

    path: str | None = Field(default=None, description="The registry (folder, archive or git URL).")
    v2: bool | None = Field(default=None, description="Use the v2 schema for templates and policies.")
    follow_symlinks: bool | None = Field(default=None, description="Follow symbolic links when loading.")
    include_unreferenced: bool | None = Field(default=None, description="Keep unreferenced dependency items.")


class PolicyTable(_Table):
    """`[policy]`."""

    paths: list[str] | None = Field(default=None, description="Rego policy files or folders.")
    skip: bool | None = Field(default=None, description="Skip the policy checks.")
    display_policy_coverage: bool | None = Field(default=None, description="Print the policy coverage.")


class DiagnosticsTable(_Table):
    """`[diagnostics]`."""

    format: str | None = Field(default=None, description="ansi, json or gh_workflow_command.")
    template: str | None = Field(default=None, description="Folder of the diagnostic templates.")
    stdout: bool | None = Field(default=None, description="Write diagnostics to stdout instead of stderr.")


class GenerateTable(_Table):
    """`[generate]`."""

    output: str = Field(default="output", description="Output folder.")
    target: str = Field(default="", description="Template target.")
    templates: str = Field(default="templates", description="Templates folder.")


class StatsTable(_Table):
    """`[stats]`."""

    format: str = Field(default="text", description="text, json, yaml, jsonl or mute.")
    output: str | None = Field(default=None, description="Output folder.")
    templates: str = Field(default="stats_templates", description="Templates folder.")


class DiffTable(_Table):
    """`[diff]`."""

    format: str = Field(default="ansi", description="ansi, json, markdown…")
    output: str | None = Field(default=None, description="Output folder.")
    templates: str = Field(default="diff_templates", description="Templates folder.")


class EmitTable(_Table):
    """`[emit]`."""

    endpoint: str = Field(default="http://localhost:4317", description="OTLP endpoint.")
    stdout: bool = Field(default=False, description="Write the telemetry to stdout.")


class InferTable(_Table):
    """`[infer]`."""

    admin_port: int = Field(default=8080, description="Admin HTTP port.")
    grpc_address: str = Field(default="0.0.0.0", description="OTLP gRPC address.")
    grpc_port: int = Field(default=4317, description="OTLP gRPC port.")
    inactivity_timeout: int = Field(default=60, description="Seconds of inactivity before stopping.")
    output: str = Field(default="./inferred-registry/", description="Output folder.")


class McpTable(_Table):
    """`[mcp]`."""

    advice_data: str | None = Field(default=None, description="Advice data files.")
    advice_policies: str | None = Field(default=None, description="Advice policies folder.")
    advice_preprocessor: str | None = Field(default=None, description="jq preprocessor.")
    namespace_separator: str = Field(default=".", description="Namespace separator.")


class PackageTable(_Table):
    """`[package]`."""

    output: str = Field(default="output", description="Output folder.")
    resolved_registry_uri: str | None = Field(default=None, description="URI of the resolved registry.")


class ResolveTable(_Table):
    """`[resolve]`."""

    schema_url_overrides: dict[str, str] = Field(
        default_factory=dict, description="Schema URL → folder, git repository or archive to use instead."
    )


class ServeTable(_Table):
    """`[serve]`."""

    bind: str = Field(default="127.0.0.1:8080", description="Address to listen on.")
    cors_origins: str | None = Field(default=None, description="Allowed CORS origins.")


class TemplateTable(_Table):
    """`[template]`: applied on top of every weaver.yaml."""

    acronyms: list[str] | None = Field(default=None, description="Acronyms kept as written by case filters.")
    text_maps: dict[str, dict[str, str]] | None = Field(
        default=None, description="Named text maps of the map_text filter."
    )


class UpdateMarkdownTable(_Table):
    """`[update-markdown]`."""

    attribute_registry_base_url: str | None = Field(default=None, description="Base URL of attribute links.")
    dry_run: bool = Field(default=False, description="Change nothing; fail when files would change.")
    markdown_dir: str | None = Field(default=None, description="Folder of the markdown files.")
    target: str | None = Field(default=None, description="Template target.")
    templates: str = Field(default="templates", description="Templates folder.")


class FindingFilter(_Table):
    """A `[[live-check.finding_filters]]` entry."""

    exclude: list[str] | None = Field(default=None, description="Finding ids to drop.")
    exclude_samples: list[str] = Field(default_factory=list, description="Sample names to drop.")
    min_level: FindingLevel | None = Field(default=None, description="Drop findings below this level.")
    sample_names: list[str] = Field(default_factory=list, description="Apply only to these samples.")
    signal_type: str | None = Field(default=None, description="Apply only to this signal type.")


class FindingLevelOverride(_Table):
    """A `[[live-check.finding_level_overrides]]` entry."""

    ids: list[str] | None = Field(default=None, description="Finding ids to change.")
    level: FindingLevel = Field(description="The new level.")
    sample_names: list[str] = Field(default_factory=list, description="Apply only to these samples.")
    signal_type: str | None = Field(default=None, description="Apply only to this signal type.")


class LiveCheckEmit(_Table):
    """`[live-check.emit]`."""

    otlp_logs: bool = Field(default=False, description="Send findings as OTLP log records.")
    otlp_logs_endpoint: str = Field(default="http://localhost:4317", description="OTLP endpoint.")
    otlp_logs_stdout: bool = Field(default=False, description="Write the log records to stdout.")


class LiveCheckOtlp(_Table):
    """`[live-check.otlp]`."""

    admin_port: int = Field(default=4320, description="Admin HTTP port.")
    grpc_address: str = Field(default="0.0.0.0", description="OTLP gRPC address.")
    grpc_port: int = Field(default=4317, description="OTLP gRPC port.")
    inactivity_timeout: int = Field(default=10, description="Seconds of inactivity before stopping.")


class LiveCheckTable(_Table):
    """`[live-check]`."""

    advice_data: str | None = Field(default=None, description="Advice data files.")
    advice_policies: str | None = Field(default=None, description="Advice policies folder.")
    advice_preprocessor: str | None = Field(default=None, description="jq preprocessor.")
    emit: LiveCheckEmit = Field(default_factory=LiveCheckEmit, description="Findings as OTLP logs.")
    fail_on: FailOnLevel = Field(default="violation", description="Level that fails the run.")
    finding_filters: list[FindingFilter] = Field(default_factory=list, description="Finding filters.")
    finding_level_overrides: list[FindingLevelOverride] = Field(
        default_factory=list, description="Finding level overrides."
    )
    format: str = Field(default="ansi", description="Report format.")
    input_format: str = Field(default="json", description="json or text.")
    input_source: str = Field(default="otlp", description="otlp, stdin or a file.")
    no_stats: bool = Field(default=False, description="Keep no statistics.")
    no_stream: bool = Field(default=False, description="Print the report at the end.")
    otlp: LiveCheckOtlp = Field(default_factory=LiveCheckOtlp, description="OTLP receiver.")
    output: str | None = Field(default=None, description="Output folder.")
    templates: str = Field(default="live_check_templates", description="Templates folder.")


AUTH_ENTRY: dict[str, Any] = {
    "description": "A `[[auth]]` entry: a URL prefix and exactly one of `token`, `token_env` or "
    "`token_command`.",
    "type": "object",
    "properties": {
        "name": {"description": "A name for diagnostics.", "type": ["string", "null"], "default": None},
        "url_prefix": {"description": "URLs starting with this prefix use this token.", "type": "string"},
    },
    "oneOf": [
        {"type": "object", "properties": {"token": {"type": "string"}}, "required": ["token"]},
        {"type": "object", "properties": {"token_env": {"type": "string"}}, "required": ["token_env"]},
        {
            "type": "object",
            "properties": {"token_command": {"type": "array", "items": {"type": "string"}}},
            "required": ["token_command"],
        },
    ],
    "required": ["url_prefix"],
    "unevaluatedProperties": False,
}


class WeaverConfig(_Open):
    """`.weaver.toml`: project settings layered between the defaults and the command line."""

    auth: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Tokens for remote registries.",
        json_schema_extra={"items": AUTH_ENTRY},
    )
    check: dict[str, Any] = Field(default_factory=dict, description="`registry check` settings.")
    diagnostics: DiagnosticsTable = Field(default_factory=DiagnosticsTable)
    diff: DiffTable = Field(default_factory=DiffTable)
    emit: EmitTable = Field(default_factory=EmitTable)
    generate: GenerateTable = Field(default_factory=GenerateTable)
    infer: InferTable = Field(default_factory=InferTable)
    live_check: LiveCheckTable = Field(default_factory=LiveCheckTable, alias="live-check")
    mcp: McpTable = Field(default_factory=McpTable)
    package: PackageTable = Field(default_factory=PackageTable)
    policy: PolicyTable = Field(default_factory=PolicyTable)
    registry: RegistryTable = Field(default_factory=RegistryTable)
    resolve: ResolveTable = Field(default_factory=ResolveTable)
    serve: ServeTable = Field(default_factory=ServeTable)
    stats: StatsTable = Field(default_factory=StatsTable)
    template: TemplateTable = Field(default_factory=TemplateTable)
    update_markdown: UpdateMarkdownTable = Field(default_factory=UpdateMarkdownTable, alias="update-markdown")
