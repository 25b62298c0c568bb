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
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic, Severity

LOCK_NAME = ".weavergen-lock.json"
LOCK_VERSION = 1
INPUTS = ("registry", "dependencies", "templates", "params")
_SETTINGS = (
    "registry",
    "templates",
    "configs",
    "params",
    "params_file",
    "policies",
    "skip_policies",
    "v2",
    "future",
    "follow_symlinks",
    "include_unreferenced",
)
_PATH_SETTINGS = ("registry", "templates", "params_file")
_PATH_LIST_SETTINGS = ("configs", "policies")
_SKIPPED_DIRS = {"node_modules", ".git", ".venv", "__pycache__"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


# --- Define: the lock file ----------------------------------------------------------------------------


def _portable(value: str, base: Path) -> str:
    """A local path made relative to the lock's folder (a URL stays as it is), keeping `[sub_folder]`."""
    from weavergen.registry import split_vdir
    from weavergen.remote import parse_remote

    source, sub = split_vdir(value)
    if not source or parse_remote(source) is not None:
        return value
    rel = os.path.relpath(Path(source).resolve(), base.resolve())
    return Path(rel).as_posix() + (f"[{sub}]" if sub is not None else "")


def _local(value: str, base: Path) -> str:
    """The inverse of `_portable`: a path relative to the lock's folder, usable from the current folder."""
    from weavergen.registry import split_vdir
    from weavergen.remote import parse_remote

    source, sub = split_vdir(value)
    if not source or parse_remote(source) is not None or Path(source).is_absolute():
        return value
    return os.path.normpath(base / source) + (f"[{sub}]" if sub is not None else "")


def _settings_of(options: Any, base: Path) -> dict[str, Any]:
    settings = {k: getattr(options, k) for k in _SETTINGS}
    for k in _PATH_SETTINGS:
        if settings[k]:
            settings[k] = _portable(str(settings[k]), base)
    for k in _PATH_LIST_SETTINGS:
        settings[k] = [_portable(str(p), base) for p in settings[k] or []]
    settings["configs"] = list(settings["configs"])
    settings["params"] = list(settings["params"] or [])
    return settings


def _options_from(settings: dict[str, Any], targets: list[str], base: Path, output: str) -> Any:
    from weavergen.forge import GenerateOptions

    values: dict[str, Any] = {k: settings.get(k) for k in _SETTINGS if k in settings}
    for k in _PATH_SETTINGS:
        if values.get(k):
            values[k] = _local(str(values[k]), base)
    for k in _PATH_LIST_SETTINGS:
        values[k] = [_local(str(p), base) for p in values.get(k) or []]
    values["params"] = list(values.get("params") or [])
    return GenerateOptions(target=targets[0] if targets else "", output=output, **values)


def _digest_texts(pairs: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for rel, text in sorted(pairs):
        digest.update(f"{rel}\0{_sha(text.encode('utf-8', 'surrogatepass'))}\0".encode())
    return digest.hexdigest()


def _registry_texts(reg: Any) -> list[tuple[str, str]]:
    files = [*reg.files, *([reg.manifest_file] if reg.manifest_file is not None else [])]
    return [(_relative(f.abspath, reg.root), f.text) for f in files]


def registry_digest(registry: str, follow_symlinks: bool = False, loaded: Any = None) -> str:
    """A digest of every file of a registry (path relative to its root, and content).

    `loaded` is the registry already loaded by the generation, which saves loading it again.
    """
    from weavergen.registry import load_registry

    reg = loaded if loaded is not None else load_registry(registry, follow_symlinks=follow_symlinks)
    if not reg.root.is_dir():
        return "missing"
    return _digest_texts(_registry_texts(reg))


def dependencies_digest(loaded: Any) -> str:
    """A digest of every file of the registry's dependencies, recursively."""
    pairs: list[tuple[str, str]] = []
    stack = list(loaded.dependencies)
    while stack:
        dep = stack.pop()
        pairs.extend((f"{dep.name}/{rel}", text) for rel, text in _registry_texts(dep))
        stack.extend(dep.dependencies)
    return _digest_texts(pairs)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def templates_digest(templates: str, targets: Sequence[str], configs: Sequence[str]) -> str:
    """A digest of every file under each target's template folder and of the `-c` config files."""
    from weavergen.forge.config import templates_root

    digest = hashlib.sha256()
    for target in targets:
        root = templates_root(Path(templates), target)
        digest.update(f"target\0{target}\0".encode())
        for path in sorted(_files(root)):
            digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
            digest.update(_sha(_read(path) or b"").encode())
    for config in configs:
        digest.update(f"config\0{_sha(_read(Path(config)) or b'')}\0".encode())
    return digest.hexdigest()


def params_digest(params: Sequence[str], params_file: str | None) -> str:
    """A digest of the `-D` parameters and of the `--params` file's content."""
    file_part = _sha(_read(Path(params_file)) or b"") if params_file else ""
    return _sha(json.dumps([list(params), file_part]).encode())


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(names):
            yield Path(folder) / name


def _inputs(options: Any, targets: Sequence[str], loaded: Any = None) -> dict[str, str]:
    from weavergen.registry import load_registry

    if loaded is None:
        loaded = load_registry(options.registry, follow_symlinks=options.follow_symlinks)
    return {
        "registry": registry_digest(options.registry, options.follow_symlinks, loaded),
        "dependencies": dependencies_digest(loaded),
        "templates": templates_digest(options.templates, targets, options.configs),
        "params": params_digest(options.params, options.params_file),
    }


def lock_path_for(output: Path) -> Path:
    """The lock file of an OUTPUT folder: beside it (in its parent), so OUTPUT holds only generated files."""
    return output.resolve().parent / LOCK_NAME


def entry_id(settings: dict[str, Any], targets: Sequence[str], output: str) -> str:
    """One generation's identity in a lock: OUTPUT, targets, templates, configs, params (not the registry)."""
    key = [output, list(targets), settings.get("templates"), settings.get("configs"), settings.get("params")]
    key.append(settings.get("params_file"))
    return _sha(json.dumps(key, sort_keys=True).encode())[:16]


def read_lock(path: Path) -> dict[str, Any]:
    """A lock file's content; an unreadable or foreign file reads as an empty lock."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": LOCK_VERSION, "generations": {}}
    if not isinstance(data, dict) or not isinstance(data.get("generations"), dict):
        return {"version": LOCK_VERSION, "generations": {}}
    return data


def _write_lock(path: Path, lock: dict[str, Any]) -> None:
    from weavergen.output import write_atomic

    write_atomic(path, json.dumps(lock, indent=2, sort_keys=True) + "\n")


def record_generation(
    options: Any, targets: Sequence[str], written: Sequence[str], loaded: Any = None
) -> list[Diagnostic]:
    """Record a generation's inputs and outputs in OUTPUT's lock file (called after `registry generate`).

    `loaded` is the generation's loaded registry, if at hand. Never raises: a lock that cannot be
    written is a warning, since the generated files themselves are fine.
    """
    output = Path(options.output).resolve()
    lock_path = lock_path_for(output)
    try:
        outputs = {}
        for name in written:
            path = Path(name).resolve()
            data = _read(path)
            if data is not None and path.is_relative_to(output):
                outputs[path.relative_to(output).as_posix()] = _sha(data)
        settings = _settings_of(options, lock_path.parent)
        where = _relative(output, lock_path.parent)
        lock = read_lock(lock_path)
        lock["version"] = LOCK_VERSION
        lock["generations"][entry_id(settings, targets, where)] = {
            "output": where,
            "targets": list(targets),
            "settings": settings,
            "inputs": _inputs(options, targets, loaded),
            "outputs": dict(sorted(outputs.items())),
        }
        _write_lock(lock_path, lock)
    except Exception as exc:  # the files are written: a lock problem must not fail the generation
        return [
            Diagnostic(
                code="LockWriteFailed",
                message=f"The generated files were written, but not the lock file {lock_path}: {exc}",
                severity=Severity.WARNING,
                file=str(lock_path),
                help="`weavergen regenerate` needs the lock file to measure drift; check the folder.",
            )
        ]
    return []


# --- Measure and explore: drift -----------------------------------------------------------------------


@dataclass(slots=True)
class FileDrift:
    """One output out of sync: its path (relative to OUTPUT), why, and what regeneration will do."""

    path: str
    cause: str  # hand-edited, stale, orphaned, deleted, new, foreign
    action: str  # write, keep, delete
    detail: str = ""


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
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
            if LOCK_NAME in names:
                found.append(Path(folder) / LOCK_NAME)
    return sorted(set(found))


def measure(lock_path: Path, *, parallel: bool = True) -> list[TargetDrift]:
    """Regenerate each generation recorded in a lock into a temporary folder and measure its drift."""
    lock = read_lock(lock_path)
    return [
        _measure_one(lock_path, key, entry, parallel)
        for key, entry in sorted(lock["generations"].items())
        if isinstance(entry, dict)
    ]


def _measure_one(lock_path: Path, key: str, entry: dict[str, Any], parallel: bool) -> TargetDrift:
    from weavergen.workflow import run_generate

    base = lock_path.parent
    targets = [str(t) for t in entry.get("targets") or []]
    recorded: dict[str, str] = dict(entry.get("outputs") or {})
    drift = TargetDrift(
        lock_path, key, targets, outputs=len(recorded), output=str(entry.get("output") or ".")
    )
    with tempfile.TemporaryDirectory(prefix="weavergen-regenerate-") as tmp:
        fresh_root = Path(tmp) / "out"
        options = _options_from(dict(entry.get("settings") or {}), targets, base, str(fresh_root))
        report, run = run_generate(options, targets, parallel=parallel)
        drift.diagnostics = [d for d in report.diagnostics if d.is_error]
        if drift.failed:
            return drift
        drift.fresh = {p.relative_to(fresh_root).as_posix(): p.read_bytes() for p in _files(fresh_root)}
        inputs = _inputs(options, targets, run.context.registry)
    old_inputs = entry.get("inputs") or {}
    drift.inputs_changed = [
        f"{k} changed" for k in ("registry", "templates", "params") if old_inputs.get(k) != inputs[k]
    ]
    drift.paths = set(recorded) | set(drift.fresh)
    drift.outputs = len(drift.paths)
    settings = dict(entry.get("settings") or {})
    drift.new_entry = {"output": drift.output, "targets": targets, "settings": settings, "inputs": inputs}
    drift.files = _classify(drift.output_dir, recorded, drift.fresh)
    return drift


def _classify(base: Path, recorded: dict[str, str], fresh: dict[str, bytes]) -> list[FileDrift]:
    out: list[FileDrift] = []
    for rel in sorted(set(recorded) | set(fresh)):
        disk = _read(base / rel)
        was = recorded.get(rel)
        now = fresh.get(rel)
        edited = disk is not None and was is not None and _sha(disk) != was
        if now is None:
            if disk is None:
                continue  # recorded, gone, and no longer generated: nothing to do
            action = "keep" if edited else "delete"
            out.append(FileDrift(rel, "orphaned", action, "edited by hand, kept" if edited else ""))
        elif was is None:
            if disk is None:
                out.append(FileDrift(rel, "new", "write"))
            elif disk != now:
                out.append(FileDrift(rel, "foreign", "keep", "a file the generator did not write is there"))
        elif disk is None:
            out.append(FileDrift(rel, "deleted", "write"))
        elif edited:
            if disk != now:
                out.append(FileDrift(rel, "hand-edited", "keep"))
        elif _sha(now) != was:
            out.append(FileDrift(rel, "stale", "write"))
    return out


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
        old = (_read(path) or b"").decode("utf-8", "replace").splitlines(keepends=True)
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
    """Write the fresh outputs (temp file + rename each), delete unedited orphans, then update the lock."""
    from weavergen.output import OutputError, write_atomic

    result = ApplyResult()
    if drift.failed:
        return result
    for f in drift.files:
        action = _action(f, force)
        path = drift.output_dir / f.path
        try:
            if action == "write":
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, drift.fresh[f.path].decode("utf-8"))
                result.written.append(f.path)
            elif action == "delete":
                path.unlink(missing_ok=True)
                result.deleted.append(f.path)
            else:
                result.kept.append(f.path)
        except (OSError, OutputError, UnicodeDecodeError) as exc:
            result.diagnostics.append(
                Diagnostic(
                    code="WriteGeneratedCodeFailed",
                    message=f"Writing of the generated code {path} failed: {exc}",
                    file=str(path),
                )
            )
    lock = read_lock(drift.lock)
    entry = dict(drift.new_entry)
    entry["outputs"] = {rel: _sha(data) for rel, data in sorted(drift.fresh.items())}
    lock["generations"][drift.key] = entry
    try:
        _write_lock(drift.lock, lock)
    except OutputError as exc:
        result.diagnostics.append(Diagnostic(code="LockWriteFailed", message=str(exc), file=str(drift.lock)))
    return result


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
    source, sub = split_vdir(_local(str(value), base))
    path = Path(source) / sub if sub else Path(source)
    return path.resolve() if path.is_dir() else None


def stale_generations(
    root: Path, texts: Iterable[tuple[str, str]], search: Sequence[Path]
) -> list[StaleGeneration]:
    """Generations of the registry at `root` (its current file texts given) that are out of date.

    Cheap enough for an editor: compares digests of the registry texts, of the template files and of
    the outputs on disk with the lock, without rendering anything.
    """
    root = root.resolve()
    digest = _digest_texts((_relative(Path(p), root), text) for p, text in texts)
    found: list[StaleGeneration] = []
    for lock_path in find_locks(search):
        base = lock_path.parent
        for key, entry in sorted(read_lock(lock_path)["generations"].items()):
            if not isinstance(entry, dict) or _registry_root(entry, base) != root:
                continue
            causes = []
            inputs = entry.get("inputs") or {}
            if inputs.get("registry") != digest:
                causes.append("the registry changed")
            settings = entry.get("settings") or {}
            targets = [str(t) for t in entry.get("targets") or []]
            templates = _local(str(settings.get("templates") or "templates"), base)
            configs = [_local(str(c), base) for c in settings.get("configs") or []]
            if inputs.get("templates") != templates_digest(templates, targets, configs):
                causes.append("the templates changed")
            output = base / str(entry.get("output") or ".")
            edited = [
                rel
                for rel, sha in (entry.get("outputs") or {}).items()
                if (data := _read(output / rel)) is not None and _sha(data) != sha
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
