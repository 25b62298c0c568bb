"""The `registry mcp` server: `RegistryTools` registered on the official MCP SDK's `MCPServer`, over stdio.

Tool names, parameters and descriptions are weaver 0.25.1's (`crates/weaver_mcp/src/service.rs`); every
tool answers with text content only, as weaver's do. `check` and `fix` are weavergen's additions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from weavergen.mcp.tools import RegistryTools

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

INSTRUCTIONS = (
    "MCP server for OpenTelemetry semantic conventions. Use 'search' to find conventions, 'get_*' tools to "
    "get details, and 'live_check' to validate samples. Use 'check' for the registry's diagnostics and "
    "'fix' for verified fixes of them."
)

SearchType = Literal["all", "attribute", "metric", "span", "event", "entity"]
StabilityParam = Literal["stable", "development", "experimental"]
LiveCheckOutput = Literal["full", "findings_only", "counts_only"]

DESCRIPTIONS = {
    "search": "Search OpenTelemetry and custom semantic conventions. Supports searching by keywords across "
    "attributes, metrics, spans, events, and entities. Query terms are AND-matched (all must appear). "
    "Returns matching definitions with relevance scores. Use short queries like 'http.request', "
    "'db system', or 'server duration'.",
    "get_attribute": "Get detailed information about a specific semantic convention attribute by its key. "
    "Returns type, examples, stability, deprecation info, and full documentation.",
    "get_metric": "Get detailed information about a specific semantic convention metric by its name. Returns "
    "instrument type, unit, attributes, stability, and full documentation.",
    "get_span": "Get detailed information about a specific semantic convention span by its type. Returns "
    "span kind, attributes, events, stability, and full documentation.",
    "get_event": "Get detailed information about a specific semantic convention event by its name. Returns "
    "attributes, stability, and full documentation.",
    "get_entity": "Get detailed information about a specific semantic convention entity by its type. "
    "Returns attributes, stability, and full documentation.",
    "live_check": "Run live-check on telemetry samples against the semantic conventions registry. Control "
    "output verbosity with the 'output' parameter: 'full' (default) returns all samples with complete "
    "details; 'findings_only' returns a compact list of just the findings (name, id, level, message) "
    "omitting clean samples; 'counts_only' returns aggregate counts by finding type.",
    "browse_namespace": "Browse the namespace hierarchy of semantic convention attributes. Pass no prefix to "
    "see top-level namespaces (e.g., 'http', 'db', 'cloud'). Pass a prefix like 'http.request' to see its "
    "children and attributes. Returns child namespaces, direct attributes, total count, and depth.",
    "check": "Check the semantic convention registry (or one of its files) as `weaver registry check` does. "
    "Returns every diagnostic with its code, severity, message, file and 1-based line/column, a help "
    "text when there is one, and a link to its documentation. The registry is re-read when its files "
    "change, so call it again after editing.",
    "fix": "List the engine's quick fixes for the registry's diagnostics (or one file's), each verified by "
    "re-checking the registry with it applied. Returns the fixes, their unified diff and what remains. "
    "Nothing is written unless 'apply' is true; files are then replaced atomically, and a file changed "
    "since it was read is refused.",
}


def build_server(tools: RegistryTools) -> MCPServer:
    """The MCP server with the ten tools over one registry (not yet running)."""
    from mcp.server.mcpserver import MCPServer

    from weavergen import __version__

    server: MCPServer = MCPServer(
        name="weavergen", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )

    def search(
        query: Annotated[
            str | None,
            Field(description="Search query (keywords, attribute names, etc.). Omit for browse mode."),
        ] = None,
        type: Annotated[SearchType, Field(description="Filter results by type.")] = "all",
        stability: Annotated[
            StabilityParam | None,
            Field(description="Filter by stability level (development = experimental)."),
        ] = None,
        limit: Annotated[int, Field(description="Maximum results to return (1-100, default 20).", ge=0)] = 20,
    ) -> str:
        return tools.search(query, type, stability, limit)

    def get_attribute(
        key: Annotated[str, Field(description="Attribute key (e.g., 'http.request.method', 'db.system').")],
    ) -> str:
        return tools.get("attribute", key)

    def get_metric(
        name: Annotated[str, Field(description="Metric name (e.g., 'http.server.request.duration').")],
    ) -> str:
        return tools.get("metric", name)

    def get_span(
        type: Annotated[str, Field(description="Span type (e.g., 'http.client', 'db.query').")],
    ) -> str:
        return tools.get("span", type)

    def get_event(
        name: Annotated[str, Field(description="Event name (e.g., 'exception', 'session.start').")],
    ) -> str:
        return tools.get("event", name)

    def get_entity(
        type: Annotated[str, Field(description="Entity type (e.g., 'service', 'host', 'container').")],
    ) -> str:
        return tools.get("entity", type)

    def live_check(
        samples: Annotated[
            list[dict[str, Any]],
            Field(
                description="Array of telemetry samples to check (attributes, spans, metrics, logs, or "
                "resources)."
            ),
        ],
        output: Annotated[
            LiveCheckOutput,
            Field(
                description='Controls the output format. Default: "full" (all samples with full details). '
                'Use "findings_only" for compact output, or "counts_only" for aggregate counts.'
            ),
        ] = "full",
    ) -> str:
        return tools.live_check(samples, output)

    def browse_namespace(
        prefix: Annotated[
            str | None,
            Field(
                description='Namespace prefix to browse (e.g., "http", "http.request", "db"). Omit or pass '
                "empty string to list top-level namespaces."
            ),
        ] = None,
    ) -> str:
        return tools.browse_namespace(prefix)

    def check(
        file: Annotated[
            str | None,
            Field(
                description="A file of the registry (absolute, or relative to the registry); omit for all."
            ),
        ] = None,
    ) -> str:
        return tools.check(file)

    def fix(
        file: Annotated[
            str | None, Field(description="Only fix this file of the registry; omit for the whole registry.")
        ] = None,
        codes: Annotated[
            list[str] | None,
            Field(description="Only fix diagnostics with these codes (e.g. 'InvalidAttribute')."),
        ] = None,
        apply: Annotated[
            bool, Field(description="Write the fixes to disk (default: only report them).")
        ] = False,
    ) -> str:
        return tools.fix(file, codes, apply)

    for fn in (search, get_attribute, get_metric, get_span, get_event, get_entity, live_check,
               browse_namespace, check, fix):  # fmt: skip
        server.add_tool(fn, name=fn.__name__, description=DESCRIPTIONS[fn.__name__], structured_output=False)
    return server


def run_stdio(tools: RegistryTools) -> None:
    """Serve the registry over stdin/stdout until the client closes stdin."""
    build_server(tools).run("stdio")
