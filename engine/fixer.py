"""Applying quick fixes: to one file (non-overlapping, first fix of each diagnostic) and to a whole
registry in memory, re-checking after each round, for `weavergen fix`."""

from __future__ import annotations

from dataclasses import dataclass

from weavergen.diagnostics import Diagnostic, Position, Range
from weavergen.fixes import Fix, apply_edits, fixes_for
from weavergen.registry import SpecFile


def fix_file(spec: SpecFile, diagnostics: list[Diagnostic], snippets: bool = False) -> tuple[str, list[Fix]]:
    """Apply the first fix of every diagnostic of one file whose edits do not overlap an earlier fix."""
    chosen: list[Fix] = []
    taken: list[Range] = []
    for d in diagnostics:
        if d.file != spec.provenance:
            continue
        for f in fixes_for(d, spec):
            if f.snippet and not snippets:
                continue
            if any(_overlaps(e.range, t) for e in f.edits for t in taken):
                continue
            chosen.append(f)
            taken.extend(e.range for e in f.edits)
            break
    edits = [e for f in chosen for e in f.edits]
    return apply_edits(spec.text, edits), chosen


def _overlaps(a: Range, b: Range) -> bool:
    def key(p: Position) -> tuple[int, int]:
        return (p.line, p.column)

    if key(a.start) == key(a.end) or key(b.start) == key(b.end):
        return key(a.start) == key(b.start)
    return key(a.start) < key(b.end) and key(b.start) < key(a.end)


@dataclass(slots=True)
class FileFixes:
    """What `fix_registry` did to one file: its text before and after, and the fixes applied."""

    path: str
    before: str
    after: str
    applied: list[Fix]


def fix_registry(
    root: str, codes: set[str] | None = None, snippets: bool = False, rounds: int = 5
) -> tuple[list[FileFixes], list[Diagnostic]]:
    """Fix a registry in memory, re-checking after each round; return the changed files and what remains.

    Nothing is written here; the caller decides (the CLI writes atomically or prints a diff).
    """
    from pathlib import Path

    from weavergen.workspace import RegistryWorkspace, WorkspaceOptions

    ws = RegistryWorkspace(Path(root), WorkspaceOptions(skip_policies=True))
    originals: dict[str, str] = {}
    applied: dict[str, list[Fix]] = {}
    for _ in range(rounds):
        progressed = False
        for path in ws.files():
            spec = ws.snapshot().file(path)
            if spec is None:
                continue
            wanted = [d for d in ws.diagnostics(path) if codes is None or d.code in codes]
            text, done = fix_file(spec, wanted, snippets)
            if done and text != spec.text:
                originals.setdefault(path, spec.text)
                applied.setdefault(path, []).extend(done)
                ws.update(path, text)
                progressed = True
        if not progressed:
            break
    changed = [
        FileFixes(p, originals[p], ws.text_of(p) or originals[p], applied[p]) for p in sorted(originals)
    ]
    remaining = [d for ds in ws.all_diagnostics().values() for d in ds]
    return changed, remaining
