"""`weavergen registry infer`: draft a v2 registry from the telemetry received or read.

Thin: the flags become the `registry_infer` workflow's parameters; the engine (`weavergen.infer`)
receives, accumulates and writes. This module only checks the output folder up front, announces the
ports, stops on Ctrl-C and reports.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from weavergen.cli.livecheck import INPUT_FORMATS, _on_interrupt, _restore_interrupt
from weavergen.cli.registry import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    DiagnosticTemplateOption,
    _configure_logging,
    _one_of,
    _render,
    _write,
    registry_app,
)

if TYPE_CHECKING:
    from weavergen.cli.main import GlobalOptions


@registry_app.command("infer")
def infer_command(
    ctx: typer.Context,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
    output: Annotated[
        str,
        typer.Option(
            "-o",
            "--output",
            metavar="<OUTPUT>",
            help="Output folder for the generated registry.yaml. An existing registry.yaml is kept unless "
            "--force.",
        ),
    ] = "./inferred-registry/",
    force: Annotated[
        bool, typer.Option("--force", help="Replace a registry.yaml already in the output folder.")
    ] = False,
    grpc_address: Annotated[
        str,
        typer.Option(
            "--grpc-address",
            metavar="<GRPC_ADDRESS>",
            help="Address of the OTLP listeners. Loopback by default, unlike weaver's 0.0.0.0.",
        ),
    ] = "127.0.0.1",
    grpc_port: Annotated[int, typer.Option("--grpc-port", help="Port of the OTLP/gRPC listener.")] = 4317,
    otlp_http_port: Annotated[
        int,
        typer.Option(
            "--otlp-http-port",
            help="Port of an OTLP/HTTP listener (/v1/traces, /v1/metrics, /v1/logs), which weaver lacks; "
            "-1 (the default) leaves it off.",
        ),
    ] = -1,
    admin_port: Annotated[
        int, typer.Option("--admin-port", help="Port of the admin endpoints (POST /stop).")
    ] = 8080,
    inactivity_timeout: Annotated[
        float,
        typer.Option(
            "--inactivity-timeout",
            help="Stop after this many seconds without telemetry; 0 = never.",
        ),
    ] = 60.0,
    input_source: Annotated[
        str,
        typer.Option(
            "--input-source",
            metavar="<INPUT_SOURCE>",
            help="otlp (the listeners), stdin, or a file: weaver's JSON samples, OTLP/JSON, or the OTLP "
            "JSON file exporter's lines, as live-check reads them.",
        ),
    ] = "otlp",
    input_format: Annotated[
        str,
        typer.Option(
            "--input-format",
            metavar="[json|text]",
            help="json, or text (`name` or `name=value` lines); not used for otlp.",
            callback=_one_of(INPUT_FORMATS),
        ),
    ] = "json",
) -> None:
    """Generates a schema file by inferring the schema from OTLP messages.

    Accumulates resource attributes, spans (with their events), metrics and log events, and writes them
    as a v2 registry (registry.yaml) with each attribute's type and up to five example values. Stops on
    POST /stop, Ctrl-C or --inactivity-timeout. Nothing is written when nothing was received.
    """
    from weavergen.check import CheckOptions
    from weavergen.infer import InferOutcome, InferSettings, output_problem
    from weavergen.livecheck.run import LiveCheckControl, register_control, release_control
    from weavergen.operations import RunContext
    from weavergen.workflow import run_workflow

    options: GlobalOptions = ctx.obj
    _configure_logging(options.debug)
    fmt = diagnostic_format or "ansi"
    template = diagnostic_template or "diagnostic_templates"
    problem = output_problem(InferSettings(output=output, force=force))
    if problem is not None:  # found now, not after a long capture that would then be lost
        _write(sys.stderr, f"error: {problem}")
        raise typer.Exit(1)
    control = LiveCheckControl()
    control.on_listening = None if options.quiet else _announce(grpc_address)
    token = register_control(control)
    params: dict[str, Any] = {
        "output": output,
        "force": force,
        "input_source": input_source,
        "input_format": input_format,
        "address": grpc_address,
        "grpc_port": grpc_port,
        "http_port": otlp_http_port,
        "admin_port": admin_port,
        "inactivity_timeout": inactivity_timeout,
        "control": token,
    }
    previous = _on_interrupt(control.stop)
    try:
        run = run_workflow("registry_infer", params, RunContext(CheckOptions(registry="")))
    finally:
        release_control(token)
        _restore_interrupt(previous)
    outcome: InferOutcome | None = run.context.outputs.get("infer")
    diagnostics = [*(outcome.diagnostics if outcome is not None else []), *run.diagnostics]
    if diagnostics:
        stream = sys.stdout if diagnostic_stdout else sys.stderr
        _write(stream, _render(diagnostics, None, fmt, stream, quiet=options.quiet, template=template))
    if outcome is not None and not options.quiet:
        c = outcome.counts
        _write(
            sys.stderr,
            f"inferred {c['resource_attributes']} resource attribute(s), {c['spans']} span(s), "
            f"{c['metrics']} metric(s), {c['events']} event(s) from {outcome.samples} sample(s)",
        )
        _write(
            sys.stderr,
            f"wrote {outcome.written}" if outcome.written else "no telemetry received: no registry written",
        )
    raise typer.Exit(1 if outcome is None or any(d.is_error for d in diagnostics) else 0)


def _announce(address: str) -> Any:
    def announce(ports: dict[str, int]) -> None:
        names = {"grpc": "OTLP/gRPC", "http": "OTLP/HTTP", "admin": "admin"}
        where = ", ".join(f"{names[k]} {address}:{p}" for k, p in ports.items())
        _write(sys.stderr, f"infer listening: {where}")

    return announce
