"""`weavergen validate PATH [--format rich|json|sarif|mermaid]`: check a registry, or one file of it.

A thin face over the `registry_check` workflow: for a file, the registry around it is loaded and checked
whole (references need the other files) and only that file's diagnostics are shown. `mermaid` draws the
check workflow as it ran (`weavergen.mermaid.run_flowchart`). Exit codes as `registry check`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from weavergen.cli.main import GlobalOptions, app
from weavergen.cli.registry import (
    FutureOption,
    PolicyOption,
    SkipPoliciesOption,
    V2Option,
    _configure_logging,
    _one_of,
    _run_workflow,
    _write,
)

if TYPE_CHECKING:
    pass

if TYPE_CHECKING:
    from weavergen.diagnostics import Diagnostic
    from weavergen.workflow import WorkflowRun

FORMATS = ("rich", "json", "sarif", "mermaid")


@app.command("validate")
def validate(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH", help="A registry folder, or one file inside a registry.", show_default=False
        ),
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="[rich|json|sarif|mermaid]",
            help="rich text, weaver's JSON, SARIF 2.1.0, or a Mermaid flowchart of the check as it ran.",
            callback=_one_of(FORMATS),
        ),
    ] = "rich",
    policy: PolicyOption = None,
    skip_policies: SkipPoliciesOption = None,
    v2: V2Option = None,
    future: FutureOption = False,
) -> None:
    """Validate a registry, or one of its files, and show the diagnostics (exit 1 if any is an error).

    For a file, the whole registry around it is checked (the nearest folder above it with a registry
    manifest, else its own folder) and the diagnostics of that file are shown.
    """
    from weavergen.config import CheckOverrides, ConfigError, load_project_config, resolve_check_settings
    from weavergen.diagnostics import has_error, of_file, without_codes
    from weavergen.registry import registry_root_of

    options: GlobalOptions = ctx.obj
    _configure_logging(options.debug)
    if not path.exists():
        _write(sys.stderr, f"error: {path} does not exist; give a registry folder or a file inside one")
        raise typer.Exit(1)
    root = registry_root_of(path)
    overrides = CheckOverrides(
        registry=str(root),
        policies=list(policy or []),
        skip_policies=skip_policies,
        v2=v2,
        future=future or options.future,
        diagnostic_format="json" if fmt == "json" else "ansi",
    )
    try:
        settings = resolve_check_settings(load_project_config(options.config, Path.cwd()), overrides)
    except ConfigError as exc:
        _write(sys.stderr, f"error: {exc}")
        raise typer.Exit(1) from None
    quiet = options.quiet or fmt != "rich"
    diagnostics, run = _run_workflow(settings, "registry_check", {}, quiet=quiet, debug=options.debug)
    diagnostics = without_codes(diagnostics, (*settings.ignore, *options.ignore))
    shown = of_file(diagnostics, path) if path.is_file() else diagnostics
    if fmt == "mermaid":
        _write(sys.stdout, _mermaid(run))
    else:
        _write(sys.stdout, _render(shown, run, fmt, quiet=options.quiet))
    if path.is_file() and len(shown) < len(diagnostics) and fmt == "rich" and not options.quiet:
        others = len(diagnostics) - len(shown)
        _write(
            sys.stderr,
            f"({others} more diagnostic(s) in other files of {root}; validate the folder to see them)",
        )
    raise typer.Exit(1 if has_error(shown) else 0)


def _render(diagnostics: list[Diagnostic], run: WorkflowRun | None, fmt: str, *, quiet: bool) -> str:
    """The shown diagnostics in the chosen format (rich is weaver's ansi rendering)."""
    from weavergen.render import render

    report = run.context.report if run is not None else None
    source = report.source if report is not None else None
    if fmt == "json" and not diagnostics:
        return "[]"
    color = fmt == "rich" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    kind = "ansi" if fmt == "rich" else fmt
    return render(diagnostics, kind, source=source, color=color, summary=not quiet)


def _mermaid(run: WorkflowRun | None) -> str:
    """The check workflow as it ran, as a Mermaid flowchart."""
    from weavergen.mermaid import run_flowchart, write_flowchart
    from weavergen.workflow_library import builtin_library

    info = builtin_library().find("registry_check")
    return write_flowchart(run_flowchart(info.file, info.id, run.spans if run is not None else []))
