"""The regeneration cycle over one system (DMEDI): define, measure, explore, develop, implement.

Define shows (or records) what a system is; measure regenerates it into a temporary folder and scores
its entropy (`drift.TargetDrift.score`); explore lists, per drifted file, the options and their diffs;
develop renders the system into a staging folder beside its lock (`.weavergen-staging/<ID>`) and shows
the full diff, changing nothing in place; implement applies the staged set all or nothing
(`regenerate.apply`) and measures again. `regeneration_ops` runs the five as a BPMN process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.drift import FileDrift, TargetDrift, measure
from weavergen.lockfile import read_bytes, read_lock, sha, write_lock
from weavergen.lockpaths import invalid_lock, output_problem
from weavergen.regenerate import ApplyResult, apply, diff_text, file_diff
from weavergen.systems import System

STAGING = ".weavergen-staging"
"""The folder, beside a lock, holding each developed system's staged outputs and plan."""


# --- Define --------------------------------------------------------------------------------------------


def describe(system: System) -> dict[str, Any]:
    """What a system is, as recorded: its lock, OUTPUT, targets, inputs and outputs."""
    settings = system.entry.get("settings") or {}
    return {
        "system": system.label,
        "lock": str(system.lock),
        "output": str(system.output_dir),
        "targets": system.targets,
        "registry": settings.get("registry"),
        "templates": settings.get("templates"),
        "params": list(settings.get("params") or []),
        "params_file": settings.get("params_file"),
        "outputs": len(system.entry.get("outputs") or {}),
        "kept": sorted(system.entry.get("kept") or {}),
        "inputs": dict(system.entry.get("inputs") or {}),
    }


def record_system(label: str, options: Any, targets: list[str]) -> System:
    """Record a system without generating it (`regeneration define ID -r … --target …`): a new one has
    no outputs, so measuring it shows every file as new until it is implemented; redefining a recorded
    generation (same OUTPUT, targets, templates, params) keeps what it recorded of its outputs."""
    from weavergen.lockfile import LOCK_VERSION, generation_key, relative_path, settings_of

    lock_path, key = generation_key(options, targets)
    lock = read_lock(lock_path)
    lock["version"] = LOCK_VERSION
    old = lock["generations"].get(key)
    old = old if isinstance(old, dict) else {}
    entry = {
        "system": label,
        "output": relative_path(Path(options.output).resolve(), lock_path.parent),
        "targets": list(targets),
        "settings": settings_of(options, lock_path.parent),
        "inputs": old.get("inputs") or {},
        "outputs": old.get("outputs") or {},
        **({"kept": old["kept"]} if old.get("kept") else {}),
    }
    lock["generations"][key] = entry
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    write_lock(lock_path, lock)
    return System(label, lock_path.resolve(), key, entry)


# --- Measure -------------------------------------------------------------------------------------------


def measure_system(system: System, *, parallel: bool = True) -> TargetDrift:
    """Regenerate the system into a temporary folder and compare: its entropy, causes and files."""
    if system.problems:
        drift = TargetDrift(system.lock, system.key, system.targets, outputs=0, output=system.output)
        drift.diagnostics = list(system.problems)
        return drift
    found = measure(system.lock, parallel=parallel, keys=[system.key])
    if not found:  # forgotten meanwhile
        drift = TargetDrift(system.lock, system.key, system.targets, outputs=0, output=system.output)
        drift.diagnostics = [
            invalid_lock(system.lock, "", "a system", system.label, "is no longer recorded in it")
        ]
        return drift
    return found[0]


@dataclass(slots=True)
class SystemStatus:
    """One line of `regeneration status`: a system, its entropy and state."""

    system: str
    output: str
    entropy: float
    state: str
    stale: str | None = None
    """Why the system can no longer be regenerated as recorded (registry, templates or OUTPUT gone)."""


def status(search: Sequence[Path]) -> list[SystemStatus]:
    """Every system recorded below `search`, measured; a stale one (see `systems.stale_reason`) scores 1."""
    from weavergen.drift import find_locks
    from weavergen.systems import read_systems, stale_reason

    rows = []
    for system in read_systems(find_locks(search)):
        stale = stale_reason(system)
        row = SystemStatus(system.label, str(system.output_dir), 1.0, f"stale: {stale}", stale)
        if stale is None:
            drift = measure_system(system)
            row.entropy = drift.score
            if drift.failed:
                row.state = "cannot be regenerated: " + "; ".join(d.message for d in drift.diagnostics)
            elif drift.files:
                row.state = f"{len(drift.files)} of {drift.outputs} outputs out of sync"
            else:
                row.state = "in sync"
        rows.append(row)
    return rows


# --- Explore -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class FileOption:
    """One way to settle a drifted file: what it does, whether it is the default, and its diff."""

    name: str
    summary: str
    default: bool
    diff: str = ""


@dataclass(slots=True)
class FileExploration:
    """A drifted file, its cause and the options to settle it."""

    path: str
    cause: str
    options: list[FileOption] = field(default_factory=list)


def explore(drift: TargetDrift) -> list[FileExploration]:
    """Per drifted file, the options (the default first) and the diff each would make on disk."""
    out = []
    for f in drift.files:
        disk = read_bytes(drift.output_dir / f.path)
        fresh = drift.fresh.get(f.path)
        keep = FileOption("keep", "leave the file as it is (remembered as a kept hand edit)", True)
        write = FileOption(
            "write", "write what the generator produces now", False, file_diff(f.path, disk, fresh)
        )
        delete = FileOption(
            "delete", "delete the file, no longer generated", False, file_diff(f.path, disk, None)
        )
        if f.action == "write":
            write.default, options = True, [write]
        elif f.action == "delete":
            delete.default, options = True, [delete, keep]
            keep.default = False
        elif f.cause == "orphaned":
            delete.summary += " (--force)"
            options = [keep, delete]
        else:
            write.summary += " (--force)"
            options = [keep, write]
        out.append(FileExploration(f.path, f.cause, options))
    return out


def explore_text(drift: TargetDrift) -> str:
    """The exploration as text: each file, its cause, each option with its diff."""
    chunks = []
    for item in explore(drift):
        chunks.append(f"{item.path}: {item.cause}\n")
        for option in item.options:
            mark = " (default)" if option.default else ""
            chunks.append(f"  option {option.name}{mark}: {option.summary}\n")
            chunks.extend(f"    {line}\n" for line in option.diff.splitlines())
    return "".join(chunks)


# --- Develop -------------------------------------------------------------------------------------------


def staging_dir(system: System) -> Path:
    """Where `develop` stages a system: `.weavergen-staging/<ID>` beside its lock."""
    return system.lock.parent / STAGING / system.label


def _entry_digest(entry: dict[str, Any]) -> str:
    text = json.dumps({k: v for k, v in entry.items() if k != "system"}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def develop(system: System, drift: TargetDrift, *, force: bool = False) -> str:
    """Stage the fresh render of the system (every output) with the plan `implement` will apply, and
    return the full diff against OUTPUT. Nothing in OUTPUT changes."""
    from weavergen.output import write_atomic

    folder = staging_dir(system)
    if folder.exists():
        shutil.rmtree(folder)
    files = folder / "files"
    for rel, data in drift.fresh.items():
        (files / rel).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(files / rel, data)
    plan = {
        "system": system.label,
        "key": system.key,
        "entry": _entry_digest(system.entry),
        "force": force,
        "outputs": drift.outputs,
        "inputs": drift.new_entry.get("inputs", {}),
        "inputs_changed": drift.inputs_changed,
        "kept": drift.kept,
        "files": [asdict(f) for f in drift.files],
        "fresh": {rel: sha(data) for rel, data in sorted(drift.fresh.items())},
    }
    write_atomic(folder / "plan.json", json.dumps(plan, indent=2, sort_keys=True) + "\n")
    return diff_text(drift, force=force)


def staged_drift(system: System) -> tuple[TargetDrift | None, bool, Diagnostic | None]:
    """The drift `develop` staged for the system (None when nothing is staged), whether it was developed
    with --force, or why the staging cannot be used (changed since, or naming what it must not)."""
    folder = staging_dir(system)
    data = read_bytes(folder / "plan.json", 64 * 1024 * 1024)
    if data is None:
        return None, False, None
    stale = Diagnostic(
        code="StagingOutOfDate",
        message=f"What `develop` staged in {folder} no longer matches the system `{system.label}`.",
        file=str(folder / "plan.json"),
        help=f"Run `weavergen regeneration develop {system.label}` again.",
    )
    try:
        plan = json.loads(data)
        if plan.get("key") != system.key or plan.get("entry") != _entry_digest(system.entry):
            return None, False, stale
        fresh: dict[str, bytes] = {}
        for rel, digest in dict(plan["fresh"]).items():
            blob = None if output_problem(folder / "files", rel) else read_bytes(folder / "files" / rel)
            if blob is None or sha(blob) != digest:
                return None, False, stale
            fresh[rel] = blob
        drift = TargetDrift(system.lock, system.key, system.targets, outputs=int(plan["outputs"]))
        drift.output = system.output
        drift.fresh = fresh
        drift.files = [
            FileDrift(**{k: f[k] for k in ("path", "cause", "action", "detail", "disk")})
            for f in plan["files"]
        ]
        drift.kept = {str(k): dict(v) for k, v in dict(plan["kept"]).items()}
        drift.inputs_changed = [str(c) for c in plan["inputs_changed"]]
        drift.paths = set(system.entry.get("outputs") or {}) | set(fresh)
        drift.new_entry = {
            **{k: system.entry[k] for k in ("system", "output", "targets", "settings") if k in system.entry},
            "inputs": {str(k): str(v) for k, v in dict(plan["inputs"]).items()},
        }
        return drift, bool(plan.get("force")), None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None, False, stale


# --- Implement -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Implemented:
    """What implement did, and the system measured again afterwards."""

    result: ApplyResult
    after: TargetDrift | None
    staged: bool


def implement(system: System, *, force: bool = False, parallel: bool = True) -> Implemented:
    """Apply the staged set (developed anew when nothing is staged) all or nothing, keeping hand edits
    unless `force`, then measure again; the staging folder is removed once applied."""
    drift, staged_force, problem = staged_drift(system)
    if problem is not None:
        return Implemented(ApplyResult(diagnostics=[problem]), None, True)
    staged = drift is not None
    if drift is None:
        drift = measure_system(system, parallel=parallel)
        if drift.failed:
            return Implemented(ApplyResult(diagnostics=list(drift.diagnostics)), drift, False)
    result = apply(drift, force=force or staged_force)
    if result.diagnostics and not (result.written or result.deleted):
        return Implemented(result, None, staged)
    if staged:
        forget_staging(system)
    return Implemented(result, measure_system(_reread(system), parallel=parallel), staged)


def _reread(system: System) -> System:
    entry = read_lock(system.lock)["generations"].get(system.key) or {}
    return System(system.label, system.lock, system.key, entry, system.problems)


def forget_staging(system: System) -> None:
    """Remove the system's staging folder, and `.weavergen-staging` once it is empty."""
    folder = staging_dir(system)
    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):  # other systems are staged there
        folder.parent.rmdir()
