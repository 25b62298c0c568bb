"""`weavergen serve`: weaver's registry API and a live dashboard (the engine's `weavergen.serve`)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from weavergen.cli.options import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    DiagnosticTemplateOption,
    FollowSymlinksOption,
    IncludeUnreferencedOption,
    PolicyOption,
    RegistryOption,
    SkipPoliciesOption,
    V2Option,
)


def serve_command(
    ctx: typer.Context,
    registry: RegistryOption = None,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    v2: V2Option = None,
    policy: PolicyOption = None,
    skip_policies: SkipPoliciesOption = None,
    display_policy_coverage: Annotated[
        bool, typer.Option("--display-policy-coverage", help="Accepted for weaver compatibility (no-op).")
    ] = False,
    bind: Annotated[
        str,
        typer.Option(
            "--bind", metavar="<BIND>", help="Address to bind the server to. [default: 127.0.0.1:8080]"
        ),
    ] = "127.0.0.1:8080",
    cors_origins: Annotated[
        str | None,
        typer.Option(
            "--cors-origins",
            metavar="<CORS_ORIGINS>",
            help="Allowed CORS origins (comma-separated). Use '*' for any origin. "
            "If not specified, CORS is disabled (same-origin only).",
        ),
    ] = None,
    live_check: Annotated[
        bool,
        typer.Option(
            "--live-check", help="Also run live-check's OTLP receivers and stream coverage and findings."
        ),
    ] = False,
    otlp_grpc_port: Annotated[
        int, typer.Option("--otlp-grpc-port", help="OTLP/gRPC port with --live-check.")
    ] = 4317,
    otlp_http_port: Annotated[
        int, typer.Option("--otlp-http-port", help="OTLP/HTTP port with --live-check.")
    ] = 4318,
    exit_after: Annotated[
        float | None,
        typer.Option(
            "--exit-after", metavar="SECONDS", help="Stop by itself after this many seconds (tests, CI)."
        ),
    ] = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
) -> None:
    """Start the API server and the live dashboard (weaver's experimental `serve`, kept live).

    The registry is watched: a saved edit is reloaded and its diagnostics stream to the dashboard.
    Binds 127.0.0.1:8080 by default; CORS is off unless --cors-origins is given.
    """
    from weavergen.cli.main import GlobalOptions
    from weavergen.cli.registry import _configure_logging, render_diagnostics
    from weavergen.config import CheckOverrides, ConfigError, load_project_config, resolve_check_settings
    from weavergen.livecheck.receiver import ReceiverOptions
    from weavergen.registry import locate
    from weavergen.serve import BindError, parse_bind, start
    from weavergen.serve.state import ServeOptions
    from weavergen.workspace import WorkspaceOptions

    options: GlobalOptions = ctx.obj
    _configure_logging(options.debug)
    overrides = CheckOverrides(
        registry=registry,
        policies=list(policy or []),
        skip_policies=skip_policies,
        v2=v2,
        future=options.future,
        follow_symlinks=follow_symlinks,
        include_unreferenced=include_unreferenced,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
        diagnostic_template=diagnostic_template,
    )
    try:
        settings = resolve_check_settings(load_project_config(options.config, Path.cwd()), overrides)
        parse_bind(bind)
    except (ConfigError, BindError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    root, problem = locate(settings.options.registry)
    if root is None:
        stream = sys.stdout if settings.diagnostic_stdout else sys.stderr
        assert problem is not None
        stream.write(
            render_diagnostics([problem], None, settings.diagnostic_format, stream, quiet=options.quiet)
        )
        raise typer.Exit(1)
    workspace = WorkspaceOptions(
        policies=list(settings.options.policies),
        skip_policies=settings.options.skip_policies,
        future=options.future,
        v2=settings.options.v2,
    )
    live = (
        ReceiverOptions(grpc_port=otlp_grpc_port, http_port=otlp_http_port, admin_port=None)
        if live_check
        else None
    )
    try:
        server = start(ServeOptions(root, workspace), bind=bind, cors=cors_origins, live=live)
    except OSError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    with server:
        typer.echo(f"weavergen serve: {server.url} (registry {root})", err=True)
        if server.state.live is not None:
            ports = ", ".join(f"{k} {v}" for k, v in sorted(server.state.live.receiver.ports.items()))
            typer.echo(f"live-check OTLP receivers: {ports}", err=True)
        try:
            deadline = None if exit_after is None else time.monotonic() + exit_after
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
