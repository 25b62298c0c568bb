"""Systems: the generations recorded in lock files, addressed by label (`weavergen regeneration … ID`).

A system is one generation recorded in a `.weavergen-lock.json` (registry, templates, targets, params,
OUTPUT). Its label is given with `generate --system ID`, else it is the target's. Labels are unique in a
project (the folder holding `.git` above the lock, else the lock's folder): a generation recorded
without a label gets its target's name, or `<target>-2`, `-3`, … when that is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.lockfile import (
    SYSTEM_LABEL,
    default_label,
    generation_key,
    read_lock,
    read_lock_text,
    write_lock,
)


@dataclass(slots=True)
class System:
    """One recorded generation: its label, the lock holding it and its entry there."""

    label: str
    lock: Path
    key: str
    entry: dict[str, Any]
    problems: list[Diagnostic] = field(default_factory=list)
    """The lock's entry names something it must not (`InvalidLockFile`): nothing of it is touched."""

    @property
    def output(self) -> str:
        """OUTPUT, relative to the lock's folder."""
        return str(self.entry.get("output") or ".")

    @property
    def output_dir(self) -> Path:
        """The OUTPUT folder."""
        return self.lock.parent / self.output

    @property
    def targets(self) -> list[str]:
        """The generation's targets."""
        targets = self.entry.get("targets")
        return [str(t) for t in targets] if isinstance(targets, list) else []


def read_systems(locks: Sequence[Path]) -> list[System]:
    """Every generation of these lock files, labelled: a recorded label as it is; one without, its
    target's, made unique against the recorded ones and each other (in lock and key order)."""
    from weavergen.lockpaths import entry_problems, invalid_lock

    found: list[tuple[System, bool]] = []
    for lock in sorted({p.resolve() for p in locks}):
        data, text = read_lock_text(lock)
        for key, entry in sorted(data["generations"].items()):
            problems = [invalid_lock(lock, text, *p) for p in entry_problems(lock, entry)]
            entry = entry if isinstance(entry, dict) else {}
            recorded = entry.get("system")
            explicit = isinstance(recorded, str) and SYSTEM_LABEL.match(recorded) is not None
            system = System(str(recorded) if explicit else "", lock, str(key), entry, problems)
            found.append((system, explicit))
    taken = {s.label for s, explicit in found if explicit}
    for system, explicit in found:
        if not explicit:
            system.label = _unique(default_label(system.targets), taken)
            taken.add(system.label)
    return [s for s, _ in found]


def _unique(base: str, taken: set[str]) -> str:
    label, n = base, 2
    while label in taken:
        label = f"{base[:60]}-{n}"
        n += 1
    return label


def systems_near(lock_path: Path) -> list[System]:
    """Every system of the project `lock_path` belongs to (that lock included, even when elsewhere)."""
    from weavergen.drift import find_locks
    from weavergen.lockpaths import project_root

    root = project_root(lock_path.parent)
    locks = find_locks([root]) if root.is_dir() else []
    return read_systems([*locks, *([lock_path] if lock_path.is_file() else [])])


def free_label(lock_path: Path, key: str, base: str) -> str:
    """`base`, or `base-2`, `base-3`, … : a label no other system of the project has."""
    taken = {s.label for s in systems_near(lock_path) if (s.lock, s.key) != (lock_path.resolve(), key)}
    return _unique(base, taken)


def label_problem(options: Any, targets: Sequence[str]) -> Diagnostic | None:
    """Why `options.system` cannot label this generation (malformed, or another system's), else None."""
    label = getattr(options, "system", None)
    if not label:
        return None
    if SYSTEM_LABEL.match(label) is None:
        return Diagnostic(
            code="InvalidSystemLabel",
            message=f"`{label}` is not a system label: use up to 64 letters, digits, `.`, `_` or `-`, "
            "starting with a letter or digit.",
            help="For example `--system api-python`.",
        )
    lock_path, key = generation_key(options, targets)
    for other in systems_near(lock_path):
        if other.label == label and (other.lock, other.key) != (lock_path.resolve(), key):
            return Diagnostic(
                code="SystemLabelTaken",
                message=f"The system label `{label}` already names the generation of `{other.output_dir}` "
                f"({', '.join(other.targets)}) in {other.lock}; two systems never share a label.",
                file=str(other.lock),
                help=f"Choose another --system, or drop the old one: "
                f"`weavergen regeneration forget {label}`.",
            )
    return None


def find_system(label: str, search: Sequence[Path]) -> tuple[System | None, Diagnostic | None]:
    """The system labelled `label` among the lock files found below `search`, or why there is none."""
    from weavergen.drift import find_locks

    systems = read_systems(find_locks(search))
    matches = [s for s in systems if s.label == label]
    if len(matches) == 1:
        return matches[0], None
    where = ", ".join(str(p) for p in search)
    if not matches:
        known = ", ".join(sorted(s.label for s in systems)) or "none"
        return None, Diagnostic(
            code="UnknownSystem",
            message=f"No system `{label}` is recorded in the lock files under {where} (systems: {known}).",
            help="Record one with `weavergen generate TARGET --system ID` "
            "or `weavergen regeneration define ID`.",
        )
    locks = "; ".join(f"{s.lock} ({s.output})" for s in matches)
    return None, Diagnostic(
        code="AmbiguousSystem",
        message=f"The label `{label}` names {len(matches)} systems: {locks}.",
        file=str(matches[0].lock),
        help="Forget one (`weavergen regeneration forget ID --lock LOCK`) or generate it again with "
        "another --system.",
    )


def forget(system: System) -> None:
    """Remove a system from its lock file (its outputs and staging folder stay where they are)."""
    lock = read_lock(system.lock)
    lock["generations"].pop(system.key, None)
    write_lock(system.lock, lock)


def stale_reason(system: System) -> str | None:
    """Why a system can no longer be regenerated as recorded (its registry, templates or OUTPUT gone)."""
    from weavergen.lockfile import local_path, templates_path
    from weavergen.registry import split_vdir
    from weavergen.remote import parse_remote

    settings = system.entry.get("settings") or {}
    base = system.lock.parent
    registry = str(settings.get("registry") or "")
    source = split_vdir(registry)[0]
    if (
        source
        and parse_remote(source) is None
        and not Path(split_vdir(local_path(registry, base))[0]).exists()
    ):
        return f"its registry {registry} is gone"
    templates = str(settings.get("templates") or "templates")
    if parse_remote(split_vdir(templates)[0]) is None and not Path(templates_path(templates, base)).exists():
        return f"its templates {templates} are gone"
    if system.entry.get("outputs") and not system.output_dir.is_dir():
        return f"its output folder {system.output} is gone"
    return None
