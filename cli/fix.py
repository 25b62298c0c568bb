"""`weavergen fix`: apply the engine's quick fixes to a registry (the same fixes the editor offers)."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer


def _write_atomically(path: Path, text: str) -> None:
    """Write through a temp file in the same folder and rename, so a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fix(
    registry: Annotated[
        Path, typer.Option("-r", "--registry", help="Local registry folder to fix.", file_okay=False)
    ] = Path("."),
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff instead of writing.")] = False,
    snippets: Annotated[
        bool,
        typer.Option(
            "--snippets",
            help="Also apply fixes that insert placeholders to complete (brief, span_kind, examples).",
        ),
    ] = False,
    code: Annotated[
        list[str] | None, typer.Option("--code", help="Only fix diagnostics with this code (repeatable).")
    ] = None,
) -> None:
    """Apply weavergen's quick fixes to a registry's files, re-checking after each round."""
    from weavergen.fixes import fix_registry

    if not registry.is_dir():
        typer.echo(f"error: registry folder not found: {registry}", err=True)
        raise typer.Exit(2)
    changed, remaining = fix_registry(str(registry.resolve()), set(code) if code else None, snippets)
    for f in changed:
        rel = os.path.relpath(f.path)
        if diff:
            typer.echo(
                "".join(
                    difflib.unified_diff(
                        f.before.splitlines(True), f.after.splitlines(True), f"a/{rel}", f"b/{rel}"
                    )
                ),
                nl=False,
            )
        else:
            _write_atomically(Path(f.path), f.after)
        for applied in f.applied:
            start = applied.edits[0].range.start if applied.edits else None
            where = f"{rel}:{start.line + 1}:{start.column + 1}" if start else rel
            typer.echo(
                f"{'would fix' if diff else 'fixed'} {where}: {applied.code}: {applied.title}", err=True
            )
    total = sum(len(f.applied) for f in changed)
    errors = sum(1 for d in remaining if d.is_error)
    typer.echo(
        f"{total} fix(es) {'available' if diff else 'applied'} in {len(changed)} file(s); "
        f"{len(remaining)} diagnostic(s) remain ({errors} error(s)).",
        err=True,
    )
