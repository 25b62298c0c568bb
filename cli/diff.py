"""`weavergen registry diff`: the schema changes from a baseline registry to the current one.

A thin adapter: the `registry_diff` process checks the registry, loads the baseline and diffs them
(`weavergen.diff`); this renders the diff in the asked format to stdout or to `OUTPUT/diff.<ext>`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from weavergen.cli.registry import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    FollowSymlinksOption,
    IncludeUnreferencedOption,
    RegistryOption,
    _one_of,
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
            metavar="[ansi|json|yaml|jsonl|markdown|ansi-stats|mute]",
            help="How to render the changes. [default: ansi]",
            callback=_one_of(DIFF_FORMATS),
        ),
    ] = "ansi",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="<OUTPUT>",
            help="Folder to write `diff.<ext>` into (atomically); without it, stdout.",
        ),
    ] = None,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
) -> None:
    """Generate a diff between two versions of a semantic convention registry.

    Lists the registry attributes, metrics, events and entities added, renamed, obsoleted, uncategorized
    or removed since the baseline. Exits 1 when either registry has errors.
    """
    from weavergen.config import CheckOverrides
    from weavergen.diff import file_name, render
    from weavergen.output import OutputError, write_atomic

    options: GlobalOptions = ctx.obj
    overrides = CheckOverrides(
        registry=registry,
        skip_policies=True,
        baseline_registry=baseline_registry,
        future=options.future,
        follow_symlinks=follow_symlinks,
        include_unreferenced=include_unreferenced,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
    )
    code, outputs = _run_command("registry_diff", {}, overrides, options)
    diff = outputs.get("diff")
    if diff is None:
        raise typer.Exit(code or 1)
    to_tty = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    text = render(diff, fmt, color=to_tty)
    try:
        if output is not None and fmt != "mute":
            write_atomic(output / file_name(fmt), text)
        else:
            sys.stdout.write(text)
    except OutputError as exc:
        _write(sys.stderr, f"error: {exc}")
        raise typer.Exit(1) from None
    raise typer.Exit(code)
