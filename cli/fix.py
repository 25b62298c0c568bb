"""`weavergen fix`: list or apply the engine's quick fixes and, with `--ai`, verified AI-suggested fixes.

Nothing is written without `--apply`; files are then replaced atomically.
"""

from __future__ import annotations

import asyncio
import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from weavergen.ai import AIFixRun


def _diff(path: str, before: str, after: str) -> str:
    rel = os.path.relpath(path)
    return "".join(
        difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{rel}", f"b/{rel}")
    )


def _where(path: str, line: int | None, column: int | None) -> str:
    rel = os.path.relpath(path)
    return f"{rel}:{line + 1}:{(column or 0) + 1}" if line is not None else rel


def fix(
    path: Annotated[
        Path | None, typer.Argument(help="A registry folder, or one file of a registry. [default: .]")
    ] = None,
    registry: Annotated[
        Path | None,
        typer.Option("-r", "--registry", help="The registry folder (same as PATH).", file_okay=False),
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the fixes (atomically). Without it, nothing is written.")
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print the unified diff of every change.")] = False,
    snippets: Annotated[
        bool,
        typer.Option(
            "--snippets",
            help="Also use fixes that insert placeholders to complete (brief, span_kind, examples).",
        ),
    ] = False,
    code: Annotated[
        list[str] | None, typer.Option("--code", help="Only fix diagnostics with this code (repeatable).")
    ] = None,
    ai: Annotated[
        bool, typer.Option("--ai", help="Ask AI models for the diagnostics no quick fix covers.")
    ] = False,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            metavar="PROVIDER:MODEL",
            help="A model to ask (repeatable; several models vote). [default: $WEAVERGEN_AI_MODELS]",
        ),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            metavar="URL",
            help="An OpenAI-compatible endpoint (Ollama, vLLM…). [default: $WEAVERGEN_AI_ENDPOINT]",
        ),
    ] = None,
    max_ai: Annotated[
        int, typer.Option("--max-ai", min=1, help="Send at most this many diagnostics to the models.")
    ] = 10,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for each model.")
    ] = 60.0,
) -> None:
    """List the fixes for a registry's diagnostics; --apply writes them; --ai adds verified AI fixes.

    AI fixes are offered only after the engine has applied them to an in-memory copy of the registry and
    re-checked it: the diagnostic must go away and no new error may appear.
    """
    from weavergen.fixer import fix_registry
    from weavergen.output import OutputError, replace_text
    from weavergen.registry import registry_root_of

    target = (registry or path or Path(".")).resolve()
    if not target.exists():
        typer.echo(f"error: {target} does not exist; give a registry folder or a file of one", err=True)
        raise typer.Exit(2)
    root = registry_root_of(target)
    only = {str(target)} if target.is_file() else None
    codes = set(code) if code else None
    changed, remaining = fix_registry(str(root), codes, snippets)
    changed = [c for c in changed if only is None or c.path in only]
    after = {c.path: c.after for c in changed}
    before = {c.path: c.before for c in changed}
    for c in changed:
        for applied in c.applied:
            start = applied.edits[0].range.start if applied.edits else None
            where = _where(c.path, start.line if start else None, start.column if start else None)
            typer.echo(f"{'fixed' if apply else 'fix'} {where}: {applied.code}: {applied.title}", err=True)
    ai_fixes = 0
    if ai:
        ai_run = _ai_fixes(root, after, model, endpoint, codes, max_ai, timeout, only)
        if ai_run is not None:
            for d, found in ai_run.suggestions:
                start = d.range.start if d.range else None
                where = _where(d.file or "", start.line if start else None, start.column if start else None)
                if not found.fixes:
                    why = "; ".join(found.rejected + found.errors) or "no proposal"
                    typer.echo(f"no AI fix {where}: {d.code}: {why}", err=True)
                    continue
                best = found.fixes[0]
                typer.echo(
                    f"{'fixed' if apply else 'fix'} {where}: {d.code}: {best.label} — {best.rationale}",
                    err=True,
                )
                ai_fixes += 1
            for p, text in ai_run.originals.items():
                before.setdefault(p, text)
            after.update(ai_run.final)
    refused = 0
    for p in sorted(after):
        if after[p] == before.get(p):
            continue
        if diff:
            typer.echo(_diff(p, before[p], after[p]), nl=False)
        if apply:
            try:
                replace_text(Path(p), before[p], after[p])
            except OutputError as exc:
                typer.echo(f"error: {exc}", err=True)
                refused += 1
    total = sum(len(c.applied) for c in changed) + ai_fixes
    files = sum(1 for p in after if after[p] != before.get(p))
    errors = sum(1 for d in remaining if d.is_error)
    verb = "applied" if apply else "available (nothing written; pass --apply to write)"
    typer.echo(
        f"{total} fix(es) {verb} in {files} file(s); {len(remaining)} diagnostic(s) remain after the quick "
        f"fixes ({errors} error(s)).",
        err=True,
    )
    if refused:
        raise typer.Exit(1)


def _ai_fixes(
    root: Path,
    changed: dict[str, str],
    models: list[str] | None,
    endpoint: str | None,
    codes: set[str] | None,
    limit: int,
    timeout: float,
    only: set[str] | None,
) -> AIFixRun | None:
    """Run the AI fixer over the registry as the quick fixes left it; None (with the reason said) when off."""
    from weavergen.ai import AISettings, ai_fix_registry
    from weavergen.workspace import RegistryWorkspace, WorkspaceOptions

    settings = AISettings.from_env(models, endpoint, timeout)
    reason = settings.unavailable_reason()
    if reason is not None:
        typer.echo(reason, err=True)
        return None
    ws = RegistryWorkspace(root, WorkspaceOptions(skip_policies=True))
    for p, text in changed.items():
        ws.update(p, text)
    return asyncio.run(ai_fix_registry(ws, settings.models, settings, codes, limit, only))
