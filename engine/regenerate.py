"""Regeneration: what `registry generate` produced is recorded in a lock file, and drift is measured from it.

Define: every generation writes `OUTPUT/.weavergen-lock.json` — per generation (targets, templates,
params) the digests of its inputs (registry files, template files, params) and of every output written.
Measure: regenerate into a temporary folder and compare three states of each output: what the lock
recorded, what is on disk, and what the generator produces now. Explore: each drifted output gets a cause
(edited by hand, stale against the registry / templates / params, orphaned, deleted, new) and each
target an entropy score, the share of its outputs out of sync (0 = in sync, 1 = nothing is). Develop and
implement: apply the fresh outputs file by file (temp file + rename), keeping hand-edited files unless
forced and deleting only orphans the generator wrote and nobody edited; then record the new lock.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic, Severity
from weavergen.drift import FileDrift, TargetDrift, find_locks, measure
from weavergen.lockfile import (
    LOCK_NAME,
    digest_texts,
    local_path,
    read_bytes,
    read_lock,
    record_generation,
    relative_path,
    sha,
    templates_digest,
    write_lock,
)
from weavergen.lockpaths import entry_problems, invalid_lock, is_inside, output_problem

__all__ = [
    "LOCK_NAME",
    "ApplyResult",
    "FileDrift",
    "StaleGeneration",
    "TargetDrift",
    "apply",
    "diff_text",
    "find_locks",
    "measure",
    "read_lock",
    "record_generation",
    "regenerate_one",
    "stale_diagnostic",
    "stale_generations",
]


# --- Develop and implement: apply ---------------------------------------------------------------------


def diff_text(drift: TargetDrift, *, force: bool = False) -> str:
    """A unified diff of what regeneration would change on disk (kept files are listed, not diffed)."""
    chunks: list[str] = []
    for f in drift.files:
        action = _action(f, force)
        path = drift.output_dir / f.path
        if action == "keep":
            chunks.append(f"# kept: {path} ({f.cause}; --force to overwrite)\n")
            continue
        old = (read_bytes(path) or b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = drift.fresh.get(f.path, b"").decode("utf-8", "replace").splitlines(keepends=True)
        if action == "delete":
            new = []
        lines = difflib.unified_diff(old, new, fromfile=f"a/{f.path}", tofile=f"b/{f.path}")
        chunks.append("".join(line if line.endswith("\n") else line + "\n" for line in lines))
    return "".join(chunks)


def _action(f: FileDrift, force: bool) -> str:
    if f.action == "keep" and force:
        return "delete" if f.cause == "orphaned" else "write"
    return f.action


@dataclass(slots=True)
class ApplyResult:
    """What `apply` did: files written, deleted and kept."""

    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def apply(drift: TargetDrift, *, force: bool = False) -> ApplyResult:
    """Write the fresh outputs (temp file + rename each), delete unedited orphans, then update the lock.

    Each file is checked again just before it is touched: one changed since `measure` (an edit made while
    the user read the diff) is kept, and a path that now leads out of OUTPUT is refused.
    """
    from weavergen.output import OutputError, write_atomic

    result = ApplyResult()
    if drift.failed:
        return result
    if not is_inside(drift.output_dir, drift.lock.parent):
        result.diagnostics.append(
            invalid_lock(
                drift.lock, "", "the output folder", drift.output, "now leads out of the lock's folder"
            )
        )
        return result
    for f in drift.files:
        action = _action(f, force)
        path = drift.output_dir / f.path
        if action == "keep":
            result.kept.append(f.path)
            continue
        problem = _changed_since_measured(drift, f)
        if problem is not None:
            result.kept.append(f.path)
            result.diagnostics.append(problem)
            continue
        try:
            if action == "write":
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, drift.fresh[f.path])
                result.written.append(f.path)
            else:
                path.unlink(missing_ok=True)
                result.deleted.append(f.path)
        except (OSError, OutputError) as exc:
            result.diagnostics.append(
                Diagnostic(
                    code="WriteGeneratedCodeFailed",
                    message=f"Writing of the generated code {path} failed: {exc}",
                    file=str(path),
                )
            )
    lock = read_lock(drift.lock)
    entry = dict(drift.new_entry)
    entry["outputs"] = {rel: sha(data) for rel, data in sorted(drift.fresh.items())}
    lock["generations"][drift.key] = entry
    try:
        write_lock(drift.lock, lock)
    except OutputError as exc:
        result.diagnostics.append(Diagnostic(code="LockWriteFailed", message=str(exc), file=str(drift.lock)))
    return result


def _changed_since_measured(drift: TargetDrift, f: FileDrift) -> Diagnostic | None:
    """Why `f` must not be touched now (None when it is as `measure` saw it and still inside OUTPUT)."""
    path = drift.output_dir / f.path
    problem = output_problem(drift.output_dir, f.path)
    if problem is not None:
        return invalid_lock(drift.lock, "", "a generated file", f.path, problem)
    data = read_bytes(path)
    if (None if data is None else sha(data)) == f.disk:
        return None
    return Diagnostic(
        code="OutputChangedDuringRegenerate",
        message=f"{path} changed after the drift was measured; it was kept as it is now.",
        severity=Severity.WARNING,
        file=str(path),
        help="Run `weavergen regenerate` again to see the new drift.",
    )


# --- The editor's view: a cheap staleness check, no regeneration ---------------------------------------


@dataclass(slots=True)
class StaleGeneration:
    """A recorded generation whose registry or templates changed, or whose outputs were edited by hand."""

    lock: Path
    key: str
    output: str
    targets: list[str]
    causes: list[str]

    @property
    def output_dir(self) -> Path:
        """The OUTPUT folder of the generation."""
        return self.lock.parent / self.output


def _registry_root(entry: dict[str, Any], base: Path) -> Path | None:
    from weavergen.registry import split_vdir

    value = (entry.get("settings") or {}).get("registry")
    if not value:
        return None
    source, sub = split_vdir(local_path(str(value), base))
    path = Path(source) / sub if sub else Path(source)
    return path.resolve() if path.is_dir() else None


def stale_generations(
    root: Path, texts: Iterable[tuple[str, str]], search: Sequence[Path], locks: Sequence[Path] | None = None
) -> list[StaleGeneration]:
    """Generations of the registry at `root` (its current file texts given) that are out of date.

    Cheap enough for an editor: compares digests of the registry texts, of the template files and of
    the outputs on disk with the lock, without rendering anything. `texts` is read only when a lock
    records a generation of this registry; `locks` (found below `search` when not given) lets a caller
    look for lock files less often than it checks them.
    """
    locks = find_locks(search) if locks is None else locks
    if not locks:
        return []
    root = root.resolve()
    digest: str | None = None
    found: list[StaleGeneration] = []
    for lock_path in locks:
        base = lock_path.parent
        for key, entry in sorted(read_lock(lock_path)["generations"].items()):
            if entry_problems(lock_path, entry) or _registry_root(entry, base) != root:
                continue
            if digest is None:
                digest = digest_texts((relative_path(Path(p), root), text) for p, text in texts)
            causes = []
            inputs = entry.get("inputs") or {}
            if inputs.get("registry") != digest:
                causes.append("the registry changed")
            settings = entry.get("settings") or {}
            targets = [str(t) for t in entry.get("targets") or []]
            templates = local_path(str(settings.get("templates") or "templates"), base)
            configs = [local_path(str(c), base) for c in settings.get("configs") or []]
            if inputs.get("templates") != templates_digest(templates, targets, configs):
                causes.append("the templates changed")
            output = base / str(entry.get("output") or ".")
            edited = [
                rel
                for rel, recorded in (entry.get("outputs") or {}).items()
                if (data := read_bytes(output / rel)) is not None and sha(data) != recorded
            ]
            if edited:
                causes.append(f"{len(edited)} output(s) edited by hand")
            if causes:
                found.append(
                    StaleGeneration(lock_path, key, str(entry.get("output") or "."), targets, causes)
                )
    return found


def stale_diagnostic(stale: StaleGeneration, manifest: str, first_line: str) -> Diagnostic:
    """The manifest diagnostic of a stale generation; `fix` carries what the regenerate action needs."""
    from weavergen.diagnostics import Range

    targets = ", ".join(stale.targets) or "default target"
    return Diagnostic(
        code="StaleGeneratedOutput",
        message=f"Generated output `{stale.output_dir}` ({targets}) is out of date: "
        f"{'; '.join(stale.causes)}.",
        severity=Severity.WARNING,
        file=manifest,
        range=Range.of(0, 0, 0, len(first_line)),
        help="Run `weavergen regenerate` (or the `Regenerate` code action); hand-edited files are kept.",
        fix={"command": "regenerate", "lock": str(stale.lock), "key": stale.key},
    )


def regenerate_one(lock: Path, key: str, *, force: bool = False) -> ApplyResult | None:
    """Measure one recorded generation and apply its fresh outputs (hand edits kept unless `force`)."""
    for drift in measure(lock, parallel=False):
        if drift.key == key:
            result = apply(drift, force=force)
            result.diagnostics[:0] = drift.diagnostics
            return result
    return None
