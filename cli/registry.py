"""`weavergen registry …`: the commands that work on a semantic-convention registry.

Each command turns its flags into engine settings, calls the engine and renders what comes back; the
engine, pydantic and rich are imported inside the command so `--help` does not pay for them.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from weavergen.cli.options import (
    DiagnosticFormatOption as DiagnosticFormatOption,
)
from weavergen.cli.options import (
    DiagnosticStdoutOption as DiagnosticStdoutOption,
)
from weavergen.cli.options import (
    DiagnosticTemplateOption as DiagnosticTemplateOption,
)
from weavergen.cli.options import (
    FollowSymlinksOption as FollowSymlinksOption,
)
from weavergen.cli.options import (
    FutureOption as FutureOption,
)
from weavergen.cli.options import (
    IncludeUnreferencedOption as IncludeUnreferencedOption,
)
from weavergen.cli.options import (
    PolicyOption as PolicyOption,
)
from weavergen.cli.options import (
    RegistryOption as RegistryOption,
)
from weavergen.cli.options import (
    SkipPoliciesOption as SkipPoliciesOption,
)
from weavergen.cli.options import (
    V2Option as V2Option,
)
from weavergen.cli.progress import progress_bar

if TYPE_CHECKING:
    from weavergen.check import CheckReport
    from weavergen.cli.main import GlobalOptions
    from weavergen.config import CheckOverrides, CheckSettings
    from weavergen.diagnostics import Diagnostic
    from weavergen.workflow import WorkflowRun


registry_app = typer.Typer(
    help="Manage Semantic Convention Registry.", no_args_is_help=True, rich_markup_mode=None
)


@registry_app.command("check")
def check(
    ctx: typer.Context,
    registry: RegistryOption = None,
    policy: PolicyOption = None,
    skip_policies: SkipPoliciesOption = None,
    baseline_registry: Annotated[
        str | None,
        typer.Option(
            "--baseline-registry", metavar="<REGISTRY>", help="Baseline registry for the comparison policies."
        ),
    ] = None,
    v2: V2Option = None,
    future: FutureOption = False,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Minimal output: no progress bar, no summary.")
    ] = False,
) -> None:
    """Validates a semantic convention registry.

    Loads and parses every file of the registry, resolves references and extends clauses, and checks the
    result against the Rego policies. Exits 1 if an error remains (with --future, any warning), else 0.
    """
    from weavergen.config import CheckOverrides

    options: GlobalOptions = ctx.obj
    overrides = CheckOverrides(
        registry=registry,
        policies=list(policy or []),
        skip_policies=skip_policies,
        baseline_registry=baseline_registry,
        v2=v2,
        future=future or options.future,
        follow_symlinks=follow_symlinks,
        include_unreferenced=include_unreferenced,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
        diagnostic_template=diagnostic_template,
    )
    raise typer.Exit(run_check(overrides, options, quiet=quiet or options.quiet))


def run_check(overrides: CheckOverrides, options: GlobalOptions, *, quiet: bool) -> int:
    """Layer the settings, run the check workflow, render its diagnostics; return weaver's exit code."""
    code, _, _ = _checked(overrides, options, quiet=quiet, render_empty=True)
    return code


def _checked(
    overrides: CheckOverrides,
    options: GlobalOptions,
    *,
    quiet: bool,
    render_empty: bool,
    workflow: str = "registry_check",
    params: dict[str, Any] | None = None,
) -> tuple[int, WorkflowRun | None, CheckSettings | None]:
    """The one run path of every registry command: settings, its workflow, diagnostics, exit code."""
    from weavergen.config import ConfigError, load_project_config, resolve_check_settings
    from weavergen.diagnostics import has_error, without_codes

    _configure_logging(options.debug)
    try:
        settings = resolve_check_settings(load_project_config(options.config, Path.cwd()), overrides)
    except ConfigError as exc:
        _write(sys.stderr, f"error: {exc}")
        return 1, None, None
    diagnostics, run = _run_workflow(settings, workflow, params or {}, quiet=quiet, debug=options.debug)
    diagnostics = without_codes(diagnostics, (*settings.ignore, *options.ignore))
    report = run.context.report if run is not None else None
    if diagnostics or render_empty:
        stream = sys.stdout if settings.diagnostic_stdout else sys.stderr
        _write(
            stream,
            _render(
                diagnostics,
                report,
                settings.diagnostic_format,
                stream,
                quiet=quiet,
                template=settings.diagnostic_template,
            ),
        )
    return (1 if has_error(diagnostics) else 0), run, settings


def _run_workflow(
    settings: CheckSettings, workflow: str, params: dict[str, Any], *, quiet: bool, debug: int
) -> tuple[list[Diagnostic], WorkflowRun | None]:
    """Run a registry workflow; the report's diagnostics plus the run's own (a failed task, bad spans)."""
    from weavergen.diagnostics import internal_error
    from weavergen.operations import RunContext
    from weavergen.workflow import run_workflow

    # NO_COLOR asks for no escape sequences at all on the terminal: the bar draws with them too.
    show_bar = (
        settings.diagnostic_format == "ansi"
        and not quiet
        and sys.stderr.isatty()
        and not os.environ.get("NO_COLOR")
    )
    try:
        with progress_bar(show_bar) as progress:
            run = run_workflow(workflow, params, RunContext(settings.options, progress))
    except Exception as exc:
        if debug:
            traceback.print_exc()
        return [internal_error(f"{type(exc).__name__}: {exc}")], None
    if debug and run.failure is not None and run.failure.traceback:
        sys.stderr.write(run.failure.traceback)
    report = run.context.report
    return (list(report.diagnostics) if report is not None else []) + run.diagnostics, run


def _render(
    diagnostics: list[Diagnostic],
    report: CheckReport | None,
    fmt: str,
    stream: TextIO,
    *,
    quiet: bool,
    template: str | None = None,
) -> str:
    source = report.source if report is not None else None
    return render_diagnostics(diagnostics, source, fmt, stream, quiet=quiet, template=template)


def render_diagnostics(
    diagnostics: list[Diagnostic],
    source: Any,
    fmt: str,
    stream: TextIO,
    *,
    quiet: bool,
    template: str | None = None,
) -> str:
    """Diagnostics in `fmt`: by the user's `<template>/<fmt>` folder when there is one (weaver's
    diagnostic templates), else by the built-in renderer."""
    from weavergen.diagnostic_templates import render_with_template
    from weavergen.render import render

    if template is not None and diagnostics:
        text = render_with_template(diagnostics, fmt, template, source=source)
        if text is not None:
            return text
    if not diagnostics and fmt not in ("ansi", "concise", "sarif"):
        return ""  # weaver renders nothing at all when a run collected no diagnostic
    color = fmt in ("ansi", "concise") and stream.isatty() and not os.environ.get("NO_COLOR")
    return render(diagnostics, fmt, source=source, color=color, summary=not quiet)


def _write(stream: TextIO, text: str) -> None:
    if text:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()


def _configure_logging(debug: int) -> None:
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if debug >= 2:
        logging.getLogger().setLevel(logging.DEBUG)
    elif debug == 1:
        logging.getLogger("weavergen").setLevel(logging.DEBUG)


# --- resolve, stats, json-schema, search --------------------------------------------------------------

RESOLVE_FORMATS = ("yaml", "json", "jsonl", "mute")
STATS_FORMATS = ("text", "json", "yaml", "jsonl", "mute")
SEARCH_FORMATS = ("table", "json")


def _one_of(choices: tuple[str, ...]) -> Any:
    """A Typer callback that accepts only `choices`, naming them in the usage error."""

    def check(value: str) -> str:
        if value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of: {', '.join(choices)}")
        return value

    return check


@registry_app.command("resolve")
def resolve_command(
    ctx: typer.Context,
    registry: RegistryOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="<OUTPUT>", help="Write to this file (atomically), not stdout."
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "-f",
            "--format",
            metavar="[yaml|json|jsonl|mute]",
            help="yaml, json, jsonl (one group per line; with --v2 one object per attribute, group or "
            "signal) or mute (write nothing). [default: yaml]",
            callback=_one_of(RESOLVE_FORMATS),
        ),
    ] = "yaml",
    v2: V2Option = None,
    policy: PolicyOption = None,
    skip_policies: SkipPoliciesOption = None,
    future: FutureOption = False,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
    lineage: Annotated[
        bool, typer.Option("--lineage", help="Accepted for weaver compatibility (no-op).")
    ] = False,
) -> None:
    """Resolves a registry and writes it: weaver's template schema, or with --v2 the materialized registry.

    The registry is checked first, as `registry check` does: diagnostics go to stderr, and an error (with
    --future, any warning) exits 1 without writing the registry.
    """
    from weavergen.config import CheckOverrides
    from weavergen.output import OutputError, write_atomic

    options: GlobalOptions = ctx.obj
    overrides = CheckOverrides(
        registry=registry,
        policies=list(policy or []),
        skip_policies=skip_policies,
        v2=v2,
        future=future or options.future,
        follow_symlinks=follow_symlinks,
        include_unreferenced=include_unreferenced,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
        diagnostic_template=diagnostic_template,
    )
    code, outputs = _run_command("registry_resolve", {"format": fmt}, overrides, options)
    text = outputs.get("text")
    if not isinstance(text, str):
        raise typer.Exit(code)
    try:
        if output is not None:
            write_atomic(output, text)
        else:
            sys.stdout.write(text)
    except OutputError as exc:
        _write(sys.stderr, f"error: {exc}")
        raise typer.Exit(1) from None
    raise typer.Exit(code)


@registry_app.command("stats")
def stats_command(
    ctx: typer.Context,
    registry: RegistryOption = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="[text|json|yaml|jsonl|mute]",
            help="text (a readable summary), json, yaml, jsonl (one line) or mute. [default: text]",
            callback=_one_of(STATS_FORMATS),
        ),
    ] = "text",
    v2: V2Option = None,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
) -> None:
    """Calculate a set of general statistics on a semantic convention registry.

    Groups by type, attributes by type, requirement level and stability, metrics by instrument and unit,
    spans by kind, events and entities, with weaver's field names. Policies are not run, as in weaver.
    """
    from weavergen.config import CheckOverrides
    from weavergen.output import to_json, to_jsonl, to_yaml
    from weavergen.stats import render_text

    options: GlobalOptions = ctx.obj
    overrides = CheckOverrides(
        registry=registry,
        skip_policies=True,
        v2=v2,
        future=options.future,
        follow_symlinks=follow_symlinks,
        include_unreferenced=include_unreferenced,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
        diagnostic_template=diagnostic_template,
    )
    code, outputs = _run_command("registry_stats", {}, overrides, options)
    stats = outputs.get("stats")
    if stats is None or fmt == "mute":
        raise typer.Exit(code)
    render = {"text": render_text, "json": to_json, "yaml": to_yaml, "jsonl": lambda s: to_jsonl([s])}[fmt]
    sys.stdout.write(render(stats))
    raise typer.Exit(code)


@registry_app.command("json-schema")
def json_schema_command(
    kind: Annotated[
        str,
        typer.Option(
            "-j",
            "--json-schema",
            metavar="<JSON_SCHEMA>",
            help="resolved-registry, semconv-group, semconv-definition-v2, resolved-registry-v2, "
            "materialized-registry-v2, diff, diff-v2, publication-manifest-v2, definition-manifest-v2, "
            "policy-finding or weaver-config. [default: resolved-registry]",
        ),
    ] = "resolved-registry",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="<OUTPUT>", help="Write to this file (atomically), not stdout."
        ),
    ] = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
) -> None:
    """Generate the JSON Schema of a registry file, the resolved registry, or a policy finding."""
    from weavergen.check import CheckOptions
    from weavergen.operations import RunContext
    from weavergen.output import OutputError, to_json, write_atomic
    from weavergen.workflow import run_workflow

    run = run_workflow("registry_json_schema", {"kind": kind}, RunContext(CheckOptions(registry="")))
    if run.failed or "schema" not in run.context.outputs:
        stream = sys.stdout if diagnostic_stdout else sys.stderr
        _write(
            stream,
            _render(
                run.diagnostics,
                None,
                diagnostic_format or "ansi",
                stream,
                quiet=False,
                template=diagnostic_template or "diagnostic_templates",
            ),
        )
        raise typer.Exit(1)
    try:
        text = to_json(run.context.outputs["schema"])
        if output is not None:
            write_atomic(output, text)
        else:
            sys.stdout.write(text)
    except OutputError as exc:
        _write(sys.stderr, f"error: {exc}")
        raise typer.Exit(1) from None


@registry_app.command("search")
def search_command(
    ctx: typer.Context,
    query: Annotated[
        str, typer.Argument(metavar="SEARCH_STRING", help="What to look for (id, name or brief).")
    ],
    registry: RegistryOption = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="[table|json]",
            help="table, or json: a list of {kind, id, brief, stability, deprecated, score}. "
            "[default: table]",
            callback=_one_of(SEARCH_FORMATS),
        ),
    ] = "table",
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Show at most this many results; 0 shows all. [default: 20]")
    ] = 20,
    v2: V2Option = None,
    lineage: Annotated[
        bool, typer.Option("--lineage", help="Accepted for weaver compatibility (no-op).")
    ] = False,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
) -> None:
    """Search the attributes, metrics, spans, events and entities of a registry, best match first.

    Exact id > id prefix > id substring (query words joined by `.` or `_`) > id words > brief words.
    """
    from weavergen.config import CheckOverrides
    from weavergen.output import to_json
    from weavergen.search import render_table

    options: GlobalOptions = ctx.obj
    overrides = CheckOverrides(
        registry=registry,
        skip_policies=True,
        v2=v2,
        future=options.future,
        follow_symlinks=follow_symlinks,
        include_unreferenced=include_unreferenced,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
        diagnostic_template=diagnostic_template,
    )
    code, outputs = _run_command("registry_search", {"query": query, "limit": limit}, overrides, options)
    hits = outputs.get("hits")
    if hits is None:
        raise typer.Exit(code)
    if fmt == "json":
        sys.stdout.write(to_json([h.as_dict() for h in hits]))
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        sys.stdout.write(render_table(hits, query, color=color))
    raise typer.Exit(code)


def _run_command(
    workflow: str, params: dict[str, Any], overrides: CheckOverrides, options: GlobalOptions
) -> tuple[int, dict[str, Any]]:
    """Run a command's workflow (check first, as `registry check`); its exit code and its outputs.

    The outputs are empty when the registry had errors: the workflow then ends without producing them.
    """
    code, run, _ = _checked(
        overrides, options, quiet=options.quiet, render_empty=False, workflow=workflow, params=params
    )
    return code, (run.context.outputs if run is not None and code == 0 else {})
