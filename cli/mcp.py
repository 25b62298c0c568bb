"""`weavergen registry mcp`: serve a registry to LLM agents over the Model Context Protocol (stdio).

Thin: the flags become `McpSettings`, the engine (`weavergen.mcp`) builds and runs the server. stdout is
the protocol's, so everything else (start-up diagnostics) goes to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from weavergen.cli.registry import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    DiagnosticTemplateOption,
    FollowSymlinksOption,
    IncludeUnreferencedOption,
    RegistryOption,
    V2Option,
    _configure_logging,
    _render,
    _write,
    registry_app,
)

if TYPE_CHECKING:
    from weavergen.cli.main import GlobalOptions


@registry_app.command("mcp")
def mcp_command(
    ctx: typer.Context,
    registry: RegistryOption = None,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    v2: V2Option = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
    advice_policies: Annotated[
        str | None,
        typer.Option(
            "--advice-policies",
            metavar="<ADVICE_POLICIES>",
            help="Folder of Rego policies (package live_check_advice) replacing the default advice of the "
            "live_check tool.",
        ),
    ] = None,
    advice_preprocessor: Annotated[
        str | None,
        typer.Option(
            "--advice-preprocessor",
            metavar="<ADVICE_PREPROCESSOR>",
            help="jq script whose output replaces the registry data given to the advice policies.",
        ),
    ] = None,
    advice_data: Annotated[
        str | None,
        typer.Option(
            "--advice-data",
            metavar="<ADVICE_DATA>",
            help="JSON/YAML files added to the advice policies' data, nested by their path below the glob's "
            "folder (schemas/user.json is data.user).",
        ),
    ] = None,
    namespace_separator: Annotated[
        str,
        typer.Option(
            "--namespace-separator",
            metavar="<NAMESPACE_SEPARATOR>",
            help="Namespace separator of attribute keys, for browse_namespace and search.",
        ),
    ] = ".",
) -> None:
    """Run an MCP (Model Context Protocol) server for the semantic convention registry.

    Exposes the registry to LLMs over stdio (JSON-RPC): weaver's tools search, get_attribute, get_metric,
    get_span, get_event, get_entity, live_check and browse_namespace, plus check and fix. The registry is
    re-read when its files change. Runs until stdin is closed.
    """
    from weavergen.cli.livecheck import _overrides, _project_config
    from weavergen.config import ConfigError, load_project_config, resolve_check_settings
    from weavergen.mcp.server import run_stdio
    from weavergen.mcp.tools import McpSettings, RegistryTools

    options: GlobalOptions = ctx.obj
    _configure_logging(options.debug)
    overrides = _overrides(
        options, registry, None, None, v2, follow_symlinks, include_unreferenced,
        diagnostic_format, diagnostic_stdout, diagnostic_template,
    )  # fmt: skip
    try:
        settings = resolve_check_settings(load_project_config(options.config, Path.cwd()), overrides)
    except ConfigError as exc:
        _write(sys.stderr, f"error: {exc}")
        raise typer.Exit(1) from None
    mcp = McpSettings(
        check=settings.options,
        advice_policies=advice_policies,
        advice_preprocessor=advice_preprocessor,
        advice_data=advice_data,
        namespace_separator=namespace_separator,
        project_config=_project_config(options),
    )
    tools = RegistryTools(mcp)
    state = tools.state()  # checked once before serving: the diagnostics go to stderr, stdout is MCP's
    if state.diagnostics:
        fmt, template = settings.diagnostic_format, settings.diagnostic_template
        _write(
            sys.stderr,
            _render(state.diagnostics, None, fmt, sys.stderr, quiet=options.quiet, template=template),
        )
    if state.resolution is None:
        _write(sys.stderr, f"error: there is no registry at {mcp.check.registry}")
        raise typer.Exit(1)
    run_stdio(tools)  # a registry with errors is still served, so the agent can `check` and `fix` them
