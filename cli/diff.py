"""`weavergen registry diff`: the schema changes from a baseline registry to the current one.

A thin adapter: the `registry_diff` process checks the registry, loads the baseline and diffs them
(`weavergen.diff`); this renders the diff in the asked format to stdout or to `OUTPUT/diff.<ext>`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from weavergen.cli.registry import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    DiagnosticTemplateOption,
    FollowSymlinksOption,
    IncludeUnreferencedOption,
    RegistryOption,
    V2Option,
    _run_command,
    _write,
    registry_app,
)

if TYPE_CHECKING:
    from weavergen.cli.main import GlobalOptions

DIFF_FORMATS = ("ansi", "json", "yaml", "jsonl", "markdown", "ansi-stats", "mute")


@registry_app.command("diff")
def diff_command(
    ctx: typer.Context,
    baseline_registry: Annotated[
        str,
        typer.Option(
            "--baseline-registry",
            metavar="<BASELINE_REGISTRY>",
            help="The baseline registry (older version) to compare the registry with.",
        ),
    ],
    registry: RegistryOption = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "--diff-format",
            metavar="<FORMAT>",
            help="ansi, json, yaml, jsonl, markdown, ansi-stats, mute, or the name of a folder of "
            "--templates. [default: ansi]",
        ),
    ] = "ansi",
    templates: Annotated[
        str,
        typer.Option(
            "--templates",
            metavar="<TEMPLATES>",
            help="Folder of diff templates: `<TEMPLATES>/<FORMAT>/` (weaver.yaml and templates, `ctx` is the "
            "diff) wins over the built-in format of that name. [default: diff_templates]",
        ),
    ] = "diff_templates",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="<OUTPUT>",
            help="Folder to write `diff.<ext>` into (atomically); without it, stdout.",
        ),
    ] = None,
    v2: V2Option = None,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
) -> None:
    """Generate a diff between two versions of a semantic convention registry.

    Lists the registry attributes, metrics, events and entities added, renamed, obsoleted, uncategorized
    or removed since the baseline; with --v2, of the v2 registries (spans and attribute groups too).
    Exits 1 when either registry has errors.
    """
    from weavergen.config import CheckOverrides
    from weavergen.diff import render_templates
    from weavergen.forge.config import templates_root

    options: GlobalOptions = ctx.obj
    if fmt not in DIFF_FORMATS and not templates_root(Path(templates), fmt).is_dir():
        choices = ", ".join(DIFF_FORMATS)
        message = f"{fmt!r} is neither a built-in format ({choices}) nor a folder of {templates}"
        raise typer.BadParameter(message, param_hint="'--format'")
    overrides = CheckOverrides(
        registry=registry,
        skip_policies=True,
        baseline_registry=baseline_registry,
        v2=v2,
        future=options.future,
        follow_symlinks=follow_symlinks,
        include_unreferenced=include_unreferenced,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
        diagnostic_template=diagnostic_template,
    )
    code, outputs = _run_command("registry_diff", {}, overrides, options)
    diff = outputs.get("diff")
    if diff is None:
        raise typer.Exit(code or 1)
    rendered = render_templates(diff, templates, fmt)
    if rendered is None:
        raise typer.Exit(_builtin(diff, fmt, output) or code)
    files, diagnostics = rendered
    for d in diagnostics:
        _write(sys.stderr, f"{'error' if d.is_error else 'warning'}[{d.code}]: {d.message}")
    if any(d.is_error for d in diagnostics):
        raise typer.Exit(1)
    raise typer.Exit(_custom(files, output) or code)


def _builtin(diff: dict[str, Any], fmt: str, output: Path | None) -> int:
    """Write a built-in format to stdout or `OUTPUT/diff.<ext>`; the exit code of that."""
    from weavergen.diff import file_name, render
    from weavergen.output import OutputError, write_atomic

    to_tty = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    text = render(diff, fmt, color=to_tty)
    try:
        if output is not None and fmt != "mute":
            write_atomic(output / file_name(fmt), text)
        else:
            sys.stdout.write(text)
    except OutputError as exc:
        _write(sys.stderr, f"error: {exc}")
        return 1
    return 0


def _custom(files: list[Any], output: Path | None) -> int:
    """Write the files of custom diff templates inside OUTPUT, or print them to stdout one after another."""
    from weavergen.forge import write_outputs

    if output is None:
        for f in files:
            sys.stdout.write(f.content)
        return 0
    _, diagnostics = write_outputs(output, files)
    for d in diagnostics:
        _write(sys.stderr, f"error[{d.code}]: {d.message}")
    return 1 if diagnostics else 0
