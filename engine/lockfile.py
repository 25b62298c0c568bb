"""The lock file `.weavergen-lock.json`: what `registry generate` wrote, and from which inputs.

Every generation records, beside its OUTPUT folder, the digests of its inputs (registry files, template
files, params) and of every output written, with its settings as paths relative to the lock's folder.
Regeneration (`weavergen.regenerate`) reads it back to measure drift.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
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
SKIPPED_DIRS = {"node_modules", ".git", ".venv", "__pycache__"}


LOCK_MAX_BYTES = 64 * 1024 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path, limit: int | None = None) -> bytes | None:
    """A regular file's bytes; None for a missing or unreadable file, a device, pipe or socket (never
    blocks on a FIFO nor reads `/dev/zero` without end), or a file longer than `limit`."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):
                return None
            return handle.read() if limit is None else handle.read(limit + 1)
        except OSError:
            return None


# --- Define: the lock file ----------------------------------------------------------------------------


def portable_path(value: str, base: Path) -> str:
    """A local path made relative to the lock's folder (a URL stays as it is), keeping `[sub_folder]`."""
    from weavergen.registry import split_vdir
    from weavergen.remote import parse_remote

    source, sub = split_vdir(value)
    if not source or parse_remote(source) is not None:
        return value
    rel = os.path.relpath(Path(source).resolve(), base.resolve())
    return Path(rel).as_posix() + (f"[{sub}]" if sub is not None else "")


def local_path(value: str, base: Path) -> str:
    """The inverse of `portable_path`: a path relative to the lock's folder, usable from here."""
    from weavergen.registry import split_vdir
    from weavergen.remote import parse_remote

    source, sub = split_vdir(value)
    if not source or parse_remote(source) is not None or Path(source).is_absolute():
        return value
    return os.path.normpath(base / source) + (f"[{sub}]" if sub is not None else "")


def settings_of(options: Any, base: Path) -> dict[str, Any]:
    settings = {k: getattr(options, k) for k in _SETTINGS}
    for k in _PATH_SETTINGS:
        if settings[k]:
            settings[k] = portable_path(str(settings[k]), base)
    for k in _PATH_LIST_SETTINGS:
        settings[k] = [portable_path(str(p), base) for p in settings[k] or []]
    settings["configs"] = list(settings["configs"])
    settings["params"] = list(settings["params"] or [])
    return settings


def options_from(settings: dict[str, Any], targets: list[str], base: Path, output: str) -> Any:
    from weavergen.forge import GenerateOptions

    values: dict[str, Any] = {k: settings.get(k) for k in _SETTINGS if k in settings}
    for k in _PATH_SETTINGS:
        if values.get(k):
            values[k] = local_path(str(values[k]), base)
    for k in _PATH_LIST_SETTINGS:
        values[k] = [local_path(str(p), base) for p in values.get(k) or []]
    values["params"] = list(values.get("params") or [])
    return GenerateOptions(target=targets[0] if targets else "", output=output, **values)


def digest_texts(pairs: Iterable[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for rel, text in sorted(pairs):
        digest.update(f"{rel}\0{sha(text.encode())}\0".encode())
    return digest.hexdigest()


def _registry_texts(reg: Any) -> list[tuple[str, str]]:
    files = [*reg.files, *([reg.manifest_file] if reg.manifest_file is not None else [])]
    return [(relative_path(f.abspath, reg.root), f.text) for f in files]


def registry_digest(registry: str, follow_symlinks: bool = False, loaded: Any = None) -> str:
    """A digest of every file of a registry (path relative to its root, and content).

    `loaded` is the registry already loaded by the generation, which saves loading it again.
    """
    from weavergen.registry import load_registry

    reg = loaded if loaded is not None else load_registry(registry, follow_symlinks=follow_symlinks)
    if not reg.root.is_dir():
        return "missing"
    return digest_texts(_registry_texts(reg))


def dependencies_digest(loaded: Any) -> str:
    """A digest of every file of the registry's dependencies, recursively."""
    pairs: list[tuple[str, str]] = []
    stack = list(loaded.dependencies)
    while stack:
        dep = stack.pop()
        pairs.extend((f"{dep.name}/{rel}", text) for rel, text in _registry_texts(dep))
        stack.extend(dep.dependencies)
    return digest_texts(pairs)


def relative_path(path: Path, root: Path) -> str:
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
        for path in sorted(files_under(root)):
            digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
            digest.update(sha(read_bytes(path) or b"").encode())
    for config in configs:
        digest.update(f"config\0{sha(read_bytes(Path(config)) or b'')}\0".encode())
    return digest.hexdigest()


def params_digest(params: Sequence[str], params_file: str | None) -> str:
    """A digest of the `-D` parameters and of the `--params` file's content."""
    file_part = sha(read_bytes(Path(params_file)) or b"") if params_file else ""
    return sha(json.dumps([list(params), file_part]).encode())


def files_under(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(names):
            yield Path(folder) / name


def inputs_of(options: Any, targets: Sequence[str], loaded: Any = None) -> dict[str, str]:
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
    return sha(json.dumps(key, sort_keys=True).encode())[:16]


def read_lock(path: Path) -> dict[str, Any]:
    """A lock file's content; an unreadable or foreign file reads as an empty lock."""
    return read_lock_text(path)[0]


def read_lock_text(path: Path) -> tuple[dict[str, Any], str]:
    """A lock file's content and text; an unreadable, special, oversized or foreign file is an empty lock."""
    empty: dict[str, Any] = {"version": LOCK_VERSION, "generations": {}}
    data = read_bytes(path, LOCK_MAX_BYTES)
    if data is None or len(data) > LOCK_MAX_BYTES:
        return empty, ""
    try:
        text = data.decode("utf-8")
        lock = json.loads(text)
    except (ValueError, RecursionError):
        return empty, ""
    if not isinstance(lock, dict) or not isinstance(lock.get("generations"), dict):
        return empty, text
    return lock, text


def write_lock(path: Path, lock: dict[str, Any]) -> None:
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
            data = read_bytes(path)
            if data is not None and path.is_relative_to(output):
                outputs[path.relative_to(output).as_posix()] = sha(data)
        settings = settings_of(options, lock_path.parent)
        where = relative_path(output, lock_path.parent)
        lock = read_lock(lock_path)
        lock["version"] = LOCK_VERSION
        lock["generations"][entry_id(settings, targets, where)] = {
            "output": where,
            "targets": list(targets),
            "settings": settings,
            "inputs": inputs_of(options, targets, loaded),
            "outputs": dict(sorted(outputs.items())),
        }
        write_lock(lock_path, lock)
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
