"""Drift: regenerate a recorded generation into a temporary folder and compare it with the lock and the disk.

Each output is in one of three states — what the lock recorded, what is on disk, what the generator
produces now — and each drifted output gets a cause (edited by hand, stale, orphaned, deleted, new, in
the way); each target gets an entropy score, the share of its outputs out of sync.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.lockfile import (
    LOCK_NAME,
    SKIPPED_DIRS,
    files_under,
    inputs_of,
    options_from,
    read_bytes,
    read_lock_text,
    sha,
)
from weavergen.lockpaths import entry_problems, invalid_lock, output_problem


@dataclass(slots=True)
class FileDrift:
    """One output out of sync: its path (relative to OUTPUT), why, and what regeneration will do."""

    path: str
    cause: str  # hand-edited, stale, orphaned, deleted, new, foreign
    action: str  # write, keep, delete
    detail: str = ""
    disk: str | None = None  # the digest of the file on disk when measured (None: there was none)


@dataclass(slots=True)
class TargetDrift:
    """The drift of one recorded generation: score, causes and the files out of sync."""

    lock: Path
    key: str
    targets: list[str]
    outputs: int
    files: list[FileDrift] = field(default_factory=list)
    inputs_changed: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fresh: dict[str, bytes] = field(default_factory=dict, repr=False)
    new_entry: dict[str, Any] = field(default_factory=dict, repr=False)

    output: str = "."
    paths: set[str] = field(default_factory=set)
    kept: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """The hand edits kept earlier that still hold (same file on disk, same generated file): in sync."""

    @property
    def output_dir(self) -> Path:
        """The OUTPUT folder of this generation (recorded relative to the lock's folder)."""
        return self.lock.parent / self.output

    @property
    def failed(self) -> bool:
        """The generation could not run again (an error in the registry or the templates)."""
        return any(d.is_error for d in self.diagnostics)

    @property
    def score(self) -> float:
        """Entropy: the share of outputs out of sync, 0 (in sync) to 1; a failed regeneration is 1."""
        if self.failed:
            return 1.0
        return round(len(self.files) / max(1, self.outputs), 4)

    def target_scores(self) -> dict[str, float]:
        """The entropy of each target: with several, each wrote into its own OUTPUT/<target> folder."""
        if len(self.targets) <= 1:
            return {self.targets[0] if self.targets else "": self.score}
        out = {}
        for name, folder in _target_folders(self.targets).items():
            mine = [p for p in self.paths if p.split("/", 1)[0] == folder]
            drifted = [f for f in self.files if f.path.split("/", 1)[0] == folder]
            out[name] = 1.0 if self.failed else round(len(drifted) / max(1, len(mine)), 4)
        return out

    def causes(self) -> list[str]:
        """Why the outputs drifted, one line per cause with the files it affects."""
        by_cause: dict[str, list[str]] = {}
        for f in self.files:
            by_cause.setdefault(f.cause, []).append(f.path)
        out = []
        labels = {
            "hand-edited": "edited by hand",
            "stale": "stale (" + (", ".join(self.inputs_changed) or "generator changed") + ")",
            "orphaned": "orphaned (no longer generated)",
            "deleted": "deleted (still generated)",
            "new": "new (not generated before)",
            "foreign": "in the way (a file the generator did not write)",
        }
        for cause, paths in by_cause.items():
            out.append(f"{len(paths)} {labels[cause]}: {', '.join(paths)}")
        if self.failed:
            out.append("regeneration failed: " + "; ".join(d.message for d in self.diagnostics if d.is_error))
        return out

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able summary (`regenerate --format json`)."""
        return {
            "output": str(self.output_dir),
            "targets": self.targets,
            "score": self.score,
            "target_scores": self.target_scores(),
            "outputs": self.outputs,
            "inputs_changed": self.inputs_changed,
            "causes": self.causes(),
            "files": [asdict(f) for f in self.files],
        }


def _target_folders(targets: Sequence[str]) -> dict[str, str]:
    """Each target's sub-folder of OUTPUT when a generation has several (the rule of the write step);
    a target named twice is keyed `<index>-<target>`."""
    out = {}
    for index, target in enumerate(targets):
        label = target.strip("./") or "target"
        if list(targets).count(target) == 1:
            out[target] = label
        else:
            out[f"{index}-{target}"] = f"{index}-{label}"
    return out


def find_locks(paths: Sequence[Path]) -> list[Path]:
    """Lock files named directly, in the given folders, or anywhere below them (hidden folders skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
            continue
        for folder, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
            if LOCK_NAME in names:
                found.append(Path(folder) / LOCK_NAME)
    return sorted(set(found))


def measure(
    lock_path: Path, *, parallel: bool = True, keys: Sequence[str] | None = None
) -> list[TargetDrift]:
    """Regenerate each generation recorded in a lock (those of `keys` only, when given) into a temporary
    folder and measure its drift."""
    lock, text = read_lock_text(lock_path)
    out = []
    for key, entry in sorted(lock["generations"].items()):
        if keys is not None and key not in keys:
            continue
        problems = entry_problems(lock_path, entry)
        if problems:
            drift = TargetDrift(lock_path, str(key), [], outputs=0, output=".")
            drift.diagnostics = [invalid_lock(lock_path, text, *p) for p in problems]
            out.append(drift)
        else:
            out.append(_measure_one(lock_path, key, entry, parallel))
    return out


def _measure_one(lock_path: Path, key: str, entry: dict[str, Any], parallel: bool) -> TargetDrift:
    from weavergen.workflow_commands import run_generate

    base = lock_path.parent
    targets = [str(t) for t in entry.get("targets") or []]
    recorded: dict[str, str] = dict(entry.get("outputs") or {})
    drift = TargetDrift(
        lock_path, key, targets, outputs=len(recorded), output=str(entry.get("output") or ".")
    )
    with tempfile.TemporaryDirectory(prefix="weavergen-regenerate-") as tmp:
        fresh_root = Path(tmp) / "out"
        options = options_from(dict(entry.get("settings") or {}), targets, base, str(fresh_root))
        report, run = run_generate(options, targets, parallel=parallel, record=False)
        drift.diagnostics = [d for d in report.diagnostics if d.is_error]
        if drift.failed:
            return drift
        drift.fresh = {p.relative_to(fresh_root).as_posix(): p.read_bytes() for p in files_under(fresh_root)}
        inputs = inputs_of(options, targets, run.context.registry)
    drift.diagnostics = [
        invalid_lock(lock_path, "", "a generated file", rel, problem)
        for rel in sorted(drift.fresh)
        if (problem := output_problem(drift.output_dir, rel)) is not None
    ]
    if drift.failed:
        return drift
    old_inputs = entry.get("inputs") or {}
    drift.inputs_changed = [
        f"{k} changed" for k in ("registry", "templates", "params") if old_inputs.get(k) != inputs[k]
    ]
    drift.paths = set(recorded) | set(drift.fresh)
    drift.outputs = len(drift.paths)
    settings = dict(entry.get("settings") or {})
    drift.new_entry = {"output": drift.output, "targets": targets, "settings": settings, "inputs": inputs}
    if "system" in entry:
        drift.new_entry = {"system": entry["system"], **drift.new_entry}
    kept = entry.get("kept")
    kept = kept if isinstance(kept, dict) else {}
    drift.files, drift.kept = _classify(drift.output_dir, recorded, drift.fresh, kept)
    return drift


def kept_record(disk: str | None, fresh: bytes | None) -> dict[str, str | None]:
    """What the lock keeps of a hand edit kept over a generated file: both digests (fresh None: an
    orphan kept). The edit counts as in sync while both still hold."""
    return {"disk": disk, "fresh": None if fresh is None else sha(fresh)}


def _classify(
    base: Path, recorded: dict[str, str], fresh: dict[str, bytes], kept: dict[str, Any]
) -> tuple[list[FileDrift], dict[str, dict[str, str | None]]]:
    out: list[FileDrift] = []
    still_kept: dict[str, dict[str, str | None]] = {}
    for rel in sorted(set(recorded) | set(fresh)):
        disk = read_bytes(base / rel)
        digest = None if disk is None else sha(disk)
        was = recorded.get(rel)
        now = fresh.get(rel)
        if disk is not None and kept.get(rel) == (record := kept_record(digest, now)):
            still_kept[rel] = record
            continue
        edited = disk is not None and was is not None and sha(disk) != was
        if now is None:
            if disk is None:
                continue  # recorded, gone, and no longer generated: nothing to do
            action = "keep" if edited else "delete"
            out.append(
                FileDrift(rel, "orphaned", action, "edited by hand, kept" if edited else "", disk=digest)
            )
        elif was is None:
            if disk is None:
                out.append(FileDrift(rel, "new", "write", disk=digest))
            elif disk != now:
                out.append(
                    FileDrift(
                        rel, "foreign", "keep", "a file the generator did not write is there", disk=digest
                    )
                )
        elif disk is None:
            out.append(FileDrift(rel, "deleted", "write", disk=digest))
        elif edited:
            if disk != now:
                out.append(FileDrift(rel, "hand-edited", "keep", disk=digest))
        elif sha(now) != was:
            out.append(FileDrift(rel, "stale", "write", disk=digest))
    return out, still_kept
