"""`weavergen regenerate`: measure the drift of generated outputs against their lock file, then fix it.

A thin adapter over `weavergen.regenerate`: it finds the lock files, prints each generation's entropy
score and causes (or JSON), and with confirmation applies the fresh outputs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from weavergen.cli.main import app
from weavergen.cli.registry import _one_of, _write
from weavergen.diagnostics import Diagnostic


def _shown(diag: Diagnostic) -> str:
    """A diagnostic as `registry check` shows it: where it is (the value in the lock file), and the line."""
    from weavergen.render import ansi_message

    def read(file: str) -> str | None:
        try:
            return Path(file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    return ansi_message(diag, read, color=color)


@app.command("regenerate")
def regenerate_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="Lock files, or folders to search for `.weavergen-lock.json` (default: the current folder).",
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only measure: exit 1 if any output drifted (for CI), else 0.")
    ] = False,
    auto_confirm: Annotated[
        bool, typer.Option("--auto-confirm", "-y", help="Apply without asking for confirmation.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite (or delete) outputs edited by hand too.")
    ] = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="[text|json]",
            help="text, or json: one object per generation with its score, causes and files. [default: text]",
            callback=_one_of(("text", "json")),
        ),
    ] = "text",
) -> None:
    """Measure drift of generated outputs (hand edits, stale outputs, orphans) and regenerate them.

    Each generation recorded by `registry generate` gets an entropy score (0 = in sync) and its causes.
    Without --check, the changes are shown as a diff and applied after confirmation, all or nothing;
    files edited by hand are kept (and recorded as kept) unless --force. The short form of
    `weavergen regeneration` over every system found.
    """
    from weavergen.regenerate import apply, diff_text, find_locks, measure

    locks = find_locks(paths or [Path(".")])
    if not locks:
        where = ", ".join(str(p) for p in paths or [Path(".")])
        _write(
            sys.stderr, f"error: no `.weavergen-lock.json` found in {where}; run `registry generate` first"
        )
        raise typer.Exit(1)
    drifts = [d for lock in locks for d in measure(lock)]
    if fmt == "json":
        sys.stdout.write(json.dumps([d.as_dict() for d in drifts], indent=2, ensure_ascii=False) + "\n")
    else:
        for d in drifts:
            label = f"{d.output_dir} ({', '.join(d.targets) or 'default target'})"
            state = "in sync" if d.score == 0 else f"{len(d.files)} of {d.outputs} outputs out of sync"
            _write(sys.stdout, f"{label}: entropy {d.score:.3f}, {state}")
            if len(d.targets) > 1:
                for target, score in d.target_scores().items():
                    _write(sys.stdout, f"  target {target}: entropy {score:.3f}")
            for cause in d.causes():
                _write(sys.stdout, f"  - {cause}")
    failed = [d for d in drifts if d.failed]
    for d in failed:
        for diag in d.diagnostics:
            _write(sys.stderr, _shown(diag))
    drifted = [d for d in drifts if (d.files or (force and d.kept)) and not d.failed]
    if check or not drifted:
        raise typer.Exit(1 if failed or drifted else 0)
    for d in drifted:
        _write(sys.stdout, diff_text(d, force=force))
    if not auto_confirm and not typer.confirm("Apply these changes?", default=False, err=True):
        _write(sys.stderr, "Nothing was changed.")
        raise typer.Exit(1)
    code = 1 if failed else 0
    for d in drifted:
        result = apply(d, force=force)
        _write(
            sys.stdout,
            f"{d.output_dir}: {len(result.written)} written, {len(result.deleted)} deleted, "
            f"{len(result.kept)} kept" + (f" ({', '.join(result.kept)})" if result.kept else ""),
        )
        for diag in result.diagnostics:
            _write(sys.stderr, _shown(diag))
            code = 1
    raise typer.Exit(code)
