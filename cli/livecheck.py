"""`weavergen registry live-check` and `registry emit`: telemetry checked against or emitted from a registry.

Thin adapters: the flags become workflow parameters, the engine (`weavergen.livecheck`, `weavergen.emit`)
does the work; this module only streams the annotated samples, prints the report and sets the exit code.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from weavergen.cli.main import BOOL_FLAGS
from weavergen.cli.registry import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    DiagnosticTemplateOption,
    FollowSymlinksOption,
    IncludeUnreferencedOption,
    PolicyOption,
    RegistryOption,
    SkipPoliciesOption,
    V2Option,
    _checked,
    _one_of,
    _render,
    _write,
    registry_app,
)

if TYPE_CHECKING:
    from weavergen.cli.main import GlobalOptions
    from weavergen.config import CheckOverrides
    from weavergen.livecheck.run import LiveCheckOutcome

BOOL_FLAGS.setdefault("--no-stream", "--stream")
BOOL_FLAGS.setdefault("--no-stats", "--stats")
BOOL_FLAGS.setdefault("--stdout", "--no-stdout")
BOOL_FLAGS.setdefault("--emit-otlp-logs", "--no-emit-otlp-logs")
BOOL_FLAGS.setdefault("--otlp-logs-stdout", "--no-otlp-logs-stdout")

REPORT_FORMATS = ("ansi", "json", "jsonl", "yaml")
INPUT_FORMATS = ("json", "text")
FAIL_ON = ("violation", "improvement", "information", "none")
_EXTENSIONS = {"ansi": "txt", "json": "json", "jsonl": "jsonl", "yaml": "yaml"}


def _overrides(
    options: GlobalOptions,
    registry: str | None,
    policy: list[str] | None,
    skip_policies: bool | None,
    v2: bool | None,
    follow_symlinks: bool | None,
    include_unreferenced: bool | None,
    diagnostic_format: str | None,
    diagnostic_stdout: bool | None,
    diagnostic_template: str | None,
) -> CheckOverrides:
    from weavergen.config import CheckOverrides

    return CheckOverrides(
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


@registry_app.command("live-check")
def live_check_command(
    ctx: typer.Context,
    registry: RegistryOption = None,
    policy: PolicyOption = None,
    skip_policies: SkipPoliciesOption = None,
    v2: V2Option = None,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
    input_source: Annotated[
        str,
        typer.Option(
            "--input-source", metavar="<INPUT_SOURCE>", help="otlp, stdin, or a file path. [default: otlp]"
        ),
    ] = "otlp",
    input_format: Annotated[
        str,
        typer.Option(
            "--input-format",
            metavar="[json|text]",
            help="json (weaver's samples, or OTLP/JSON) or text (`name` or `name=value` lines); not used "
            "for otlp. [default: json]",
            callback=_one_of(INPUT_FORMATS),
        ),
    ] = "json",
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="<FORMAT>",
            help="ansi, json, jsonl, yaml, or the name of a template folder in --templates. [default: ansi]",
        ),
    ] = "ansi",
    templates: Annotated[
        str,
        typer.Option(
            "--templates",
            metavar="<DIR>",
            help="Folder of report templates (<DIR>/<FORMAT>/weaver.yaml and MiniJinja templates, the "
            "report as `ctx`). [default: live_check_templates]",
        ),
    ] = "live_check_templates",
    no_stream: Annotated[
        bool,
        typer.Option("--no-stream/--stream", help="Build the whole report before printing it (ansi, jsonl)."),
    ] = False,
    no_stats: Annotated[
        bool,
        typer.Option("--no-stats/--stats", help="Do not accumulate statistics (then --fail-on never fires)."),
    ] = False,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="[violation|improvement|information|none]",
            help="Exit 1 when a finding reaches this level; none never fails. [default: violation]",
            callback=_one_of(FAIL_ON),
        ),
    ] = "violation",
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="<OUTPUT>",
            help="Folder to write the report into (live_check.<format>), `none` for no report, or `http` "
            "to send it as the answer to POST /stop.",
        ),
    ] = None,
    otlp_grpc_address: Annotated[
        str,
        typer.Option(
            "--otlp-grpc-address",
            metavar="<ADDRESS>",
            help="Address of the OTLP listeners (gRPC and HTTP). Loopback by default, unlike weaver's "
            "0.0.0.0. [default: 127.0.0.1]",
        ),
    ] = "127.0.0.1",
    otlp_grpc_port: Annotated[
        int, typer.Option("--otlp-grpc-port", help="Port of the OTLP/gRPC listener; -1 turns it off.")
    ] = 4317,
    otlp_http_port: Annotated[
        int,
        typer.Option(
            "--otlp-http-port",
            help="Port of the OTLP/HTTP listener (/v1/traces, /v1/metrics, /v1/logs; protobuf or JSON; "
            "gzip); -1 turns it off.",
        ),
    ] = 4318,
    admin_port: Annotated[
        int, typer.Option("--admin-port", help="Port of the admin endpoints (GET /health, POST /stop).")
    ] = 4320,
    inactivity_timeout: Annotated[
        float,
        typer.Option(
            "--inactivity-timeout", help="Stop after this many seconds without telemetry; 0 = never."
        ),
    ] = 10.0,
    advice_policies: Annotated[
        str | None,
        typer.Option(
            "--advice-policies",
            metavar="<DIR>",
            help="Folder of Rego policies (package live_check_advice) replacing the default advice.",
        ),
    ] = None,
    advice_preprocessor: Annotated[
        str | None,
        typer.Option(
            "--advice-preprocessor",
            metavar="<FILE>",
            help="jq script whose output replaces the registry data given to the advice policies.",
        ),
    ] = None,
    advice_data: Annotated[
        str | None,
        typer.Option(
            "--advice-data",
            metavar="<GLOB>",
            help="JSON/YAML files added to the advice policies' data, nested by their path below the "
            "glob's folder (schemas/user.json is data.user).",
        ),
    ] = None,
    emit_otlp_logs: Annotated[
        bool,
        typer.Option("--emit-otlp-logs/--no-emit-otlp-logs", help="Also send each finding as an OTLP log."),
    ] = False,
    otlp_logs_endpoint: Annotated[
        str,
        typer.Option("--otlp-logs-endpoint", metavar="<ENDPOINT>", help="OTLP/gRPC endpoint of those logs."),
    ] = "http://localhost:4317",
    otlp_logs_stdout: Annotated[
        bool,
        typer.Option("--otlp-logs-stdout/--no-otlp-logs-stdout", help="Write those logs to stdout instead."),
    ] = False,
) -> None:
    """Perform a live check on sample telemetry by comparing it to a semantic convention registry.

    Samples come from the OTLP receivers (gRPC, and HTTP which weaver lacks), from stdin or from a file
    (weaver's JSON samples, OTLP/JSON, or the OTLP JSON file exporter's lines). Exits 1 when a finding
    reaches --fail-on or the input is invalid.
    """
    from weavergen.forge.context_render import template_target
    from weavergen.livecheck.run import LiveCheckControl, register_control, release_control

    options: GlobalOptions = ctx.obj
    templated = fmt not in ("json", "jsonl", "yaml") and template_target(templates, fmt)
    if not templated and fmt not in REPORT_FORMATS:
        raise typer.BadParameter(
            f"{fmt!r} is not one of {', '.join(REPORT_FORMATS)} nor a folder of {templates}",
            param_hint="'--format'",
        )
    overrides = _overrides(
        options, registry, policy, skip_policies, v2, follow_symlinks, include_unreferenced,
        diagnostic_format, diagnostic_stdout, diagnostic_template,
    )  # fmt: skip
    stream = not no_stream and output is None and fmt in ("ansi", "jsonl") and not templated
    color = fmt == "ansi" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    if output not in (None, "none", "http"):
        from weavergen.output import output_folder_problem

        problem = output_folder_problem(Path(output))
        if problem is not None:  # found now, not after a long session whose report would be lost
            _write(sys.stderr, f"error: {problem}")
            raise typer.Exit(1)
    control = LiveCheckControl(sink=_stream_sink(fmt, color) if stream else None)
    control.on_listening = None if options.quiet else _announce(otlp_grpc_address, control)
    token = register_control(control)
    params: dict[str, Any] = {
        "input_source": input_source,
        "input_format": input_format,
        "fail_on": fail_on,
        "no_stats": no_stats,
        "keep_samples": not stream,
        "advice_policies": advice_policies,
        "advice_preprocessor": advice_preprocessor,
        "advice_data": advice_data,
        "emit_otlp_logs": emit_otlp_logs or otlp_logs_stdout,
        "otlp_logs_endpoint": otlp_logs_endpoint,
        "otlp_logs_stdout": otlp_logs_stdout,
        "http_report": fmt if output == "http" else None,
        "project_config": _project_config(options),
        "address": otlp_grpc_address,
        "grpc_port": otlp_grpc_port,
        "http_port": otlp_http_port,
        "admin_port": admin_port,
        "inactivity_timeout": inactivity_timeout,
        "control": token,
    }
    previous = _on_interrupt(control.stop)
    try:
        code, run, settings = _checked(
            overrides, options, quiet=options.quiet, render_empty=False, workflow="registry_live_check",
            params=params,
        )  # fmt: skip
    finally:
        release_control(token)
        _restore_interrupt(previous)
    outcome: LiveCheckOutcome | None = run.context.outputs.get("live_check") if run is not None else None
    if outcome is None or settings is None:
        raise typer.Exit(code or 1)
    if outcome.diagnostics:
        err = sys.stdout if settings.diagnostic_stdout else sys.stderr
        _write(
            err,
            _render(
                outcome.diagnostics,
                None,
                settings.diagnostic_format,
                err,
                quiet=options.quiet,
                template=settings.diagnostic_template,
            ),
        )
    if templated:
        code = max(code, _write_templated(outcome, templates, fmt, output, settings.diagnostic_format))
    else:
        _write_report(outcome, fmt, output, stream, color)
    raise typer.Exit(max(code, outcome.exit_code))


def _write_templated(
    outcome: LiveCheckOutcome, templates: str, fmt: str, output: str | None, diag_fmt: str
) -> int:
    """The report rendered by the user's templates: to stdout, or as files into the -o folder."""
    from weavergen.forge import write_outputs
    from weavergen.forge.context_render import render_with_templates

    if output in ("none", "http"):
        return 0
    files, diagnostics = render_with_templates(outcome.report, templates, fmt)
    if output is not None:
        _, problems = write_outputs(output, files)
        diagnostics.extend(problems)
    else:
        for file in files:
            sys.stdout.write(file.content)
    if diagnostics:
        _write(sys.stderr, _render(diagnostics, None, diag_fmt, sys.stderr, quiet=False))
    return 1 if any(d.is_error for d in diagnostics) else 0


def _project_config(options: GlobalOptions) -> str | None:
    """The `.weaver.toml` whose `[live_check]` rules apply (`--config`, else found upwards), if any."""
    from weavergen.config import discover

    if options.config is not None:
        return str(options.config)
    found = discover(Path.cwd())
    return str(found) if found is not None else None


def _stream_sink(fmt: str, color: bool) -> Any:
    """Print each checked sample as soon as it is checked (ansi text, or one JSON line)."""
    from weavergen.livecheck.report import render_sample_ansi
    from weavergen.output import to_jsonl

    def sink(sample: dict[str, Any]) -> None:
        sys.stdout.write(render_sample_ansi(sample, color) if fmt == "ansi" else to_jsonl([sample]))
        sys.stdout.flush()

    return sink


def _announce(address: str, control: Any) -> Any:
    def announce(ports: dict[str, int]) -> None:
        names = {"grpc": "OTLP/gRPC", "http": "OTLP/HTTP", "admin": "admin"}
        where = ", ".join(f"{names[k]} {address}:{p}" for k, p in ports.items())
        _write(sys.stderr, f"live-check listening: {where}")
        if "admin" in ports and control.receiver is not None:
            token = control.receiver.stop_token
            _write(
                sys.stderr, f"live-check stop token (X-Weavergen-Token, for POST /stop from a page): {token}"
            )

    return announce


def _write_report(
    outcome: LiveCheckOutcome, fmt: str, output: str | None, streamed: bool, color: bool
) -> None:
    """The report (or, after streaming, only the statistics) to stdout or into the -o folder."""
    from weavergen.livecheck.report import render_report, render_statistics_ansi
    from weavergen.output import OutputError, to_jsonl, write_atomic

    if output in ("none", "http"):
        return
    report = outcome.report
    if streamed:
        stats = report.get("statistics")
        if stats:
            sys.stdout.write(
                render_statistics_ansi(stats) if fmt == "ansi" else to_jsonl([{"statistics": stats}])
            )
        return
    text = render_report(report, fmt, color and output is None)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        write_atomic(Path(output) / f"live_check.{_EXTENSIONS[fmt]}", text)
    except OutputError as exc:
        _write(sys.stderr, f"error: {exc}")
        raise typer.Exit(1) from None


def _on_interrupt(stop: Any) -> Any:
    """Ctrl-C ends the run and still prints the report (weaver stops on SIGINT too)."""
    if sys.platform == "win32":
        return None
    try:
        return signal.signal(signal.SIGINT, lambda *_: stop())
    except ValueError:  # not the main thread
        return None


def _restore_interrupt(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)


@registry_app.command("emit")
def emit_command(
    ctx: typer.Context,
    registry: RegistryOption = None,
    policy: PolicyOption = None,
    skip_policies: SkipPoliciesOption = None,
    v2: V2Option = None,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
    stdout: Annotated[
        bool, typer.Option("--stdout/--no-stdout", help="Write the telemetry to standard output.")
    ] = False,
    endpoint: Annotated[
        str,
        typer.Option(
            "--endpoint",
            metavar="<ENDPOINT>",
            help="OTLP/gRPC endpoint; OTEL_EXPORTER_OTLP_ENDPOINT overrides it. [default: http://localhost:4317]",
        ),
    ] = "http://localhost:4317",
) -> None:
    """Emits a semantic convention registry as example signals to your OTLP receiver.

    Every span, metric and event of the registry, with example attribute values, through the OpenTelemetry
    SDK over OTLP/gRPC (or to stdout). The registry is checked first; an error exits 1 and emits nothing.
    """
    options: GlobalOptions = ctx.obj
    overrides = _overrides(
        options, registry, policy, skip_policies, v2, follow_symlinks, include_unreferenced,
        diagnostic_format, diagnostic_stdout, diagnostic_template,
    )  # fmt: skip
    params = {"endpoint": endpoint, "stdout": stdout}
    code, run, _ = _checked(
        overrides, options, quiet=options.quiet, render_empty=False, workflow="registry_emit", params=params
    )
    emitted = run.context.outputs.get("emitted") if run is not None else None
    if emitted is None:
        raise typer.Exit(code or 1)
    if not options.quiet:
        counts = emitted.summary()
        _write(
            sys.stderr,
            f"emitted {counts['spans']} spans, {counts['metrics']} metrics, {counts['events']} events",
        )
    raise typer.Exit(code)
