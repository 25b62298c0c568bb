"""Vetting what a lock file names: a `.weavergen-lock.json` arrives in pull requests, so it is untrusted.

Outputs (the OUTPUT folder and every file recorded or about to be written) must resolve inside the lock's
own folder: no absolute path, no `..`, no symbolic link leading out, nothing but regular files. Inputs
(registry, templates, params file, configs, policies) may climb with `..` as `registry generate` records
them, but only within the project: the nearest folder above the lock holding `.git`, else the lock's
folder. An entry that breaks a rule is an `InvalidLockFile` diagnostic and none of its files is touched.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from weavergen.diagnostics import Diagnostic, Range

_INPUT_PATHS = ("registry", "templates", "params_file")
_INPUT_PATH_LISTS = ("configs", "policies")


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path`, every symbolic link followed, lies in `root` (itself resolved)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop or an unrepresentable path
        return False


def _shape_problem(value: object, *, climb: bool) -> str | None:
    """Why a recorded path is not a plain relative path (None when it is)."""
    if not isinstance(value, str) or not value:
        return "is not a path"
    if "\0" in value:
        return "holds a NUL character"
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute() or value.startswith("~"):
        return "is an absolute path"
    if PureWindowsPath(value).drive:
        return "names a drive"
    if not climb and ".." in PurePosixPath(value.replace("\\", "/")).parts:
        return "climbs out with `..`"
    return None


def special_file_problem(path: Path) -> str | None:
    """Why an existing `path` cannot be read or replaced as a generated file (None if regular or absent)."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be inspected ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return "is a folder"
    if not stat.S_ISREG(mode):
        return "is a special file (device, pipe or socket)"
    return None


def output_problem(output_dir: Path, rel: object) -> str | None:
    """Why the generated file `rel` of `output_dir` must not be read, written or deleted (None if fine)."""
    problem = _shape_problem(rel, climb=False)
    if problem is not None:
        return problem
    path = output_dir / str(rel)
    if not is_inside(path, output_dir):
        return "leads out of the output folder through a symbolic link"
    return special_file_problem(path)


def project_root(lock_folder: Path) -> Path:
    """The folder inputs may come from: the nearest one above the lock holding `.git`, else the lock's."""
    folder = lock_folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def _input_problem(value: object, base: Path, root: Path) -> str | None:
    from weavergen.registry import split_vdir
    from weavergen.remote import parse_remote

    if isinstance(value, str) and parse_remote(split_vdir(value)[0]) is not None:
        return None
    problem = _shape_problem(value, climb=True)
    if problem is not None:
        return problem
    path = base / split_vdir(str(value))[0]
    if not is_inside(path, root):
        return f"lies outside the project folder {root}"
    return None if path.is_dir() else special_file_problem(path)


def _position(text: str, value: object) -> Range | None:
    """The line of the first occurrence of `value` (as JSON) in the lock's text."""
    needle = json.dumps(value)
    at = text.find(needle)
    if at < 0:
        return None
    line = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1)
    return Range.of(line, column, line, column + len(needle))


def _targets_problems(entry: dict[str, Any]) -> list[tuple[str, object, str]]:
    targets = entry.get("targets")
    if not isinstance(targets, list):
        return [("the targets", targets, "is not a list")]
    out = []
    for target in targets:
        problem = _shape_problem(target, climb=False)
        if problem is not None:
            out.append(("a target", target, problem))
    return out


def entry_problems(lock_path: Path, entry: object) -> list[tuple[str, object, str]]:
    """Each (what, value, problem) of one generation recorded in a lock; empty when all is safe."""
    if not isinstance(entry, dict):
        return [("a generation", entry, "is not an object")]
    base = lock_path.parent
    output = entry.get("output", ".")
    problem = _shape_problem(output, climb=False)
    if problem is None and not is_inside(base / str(output), base):
        problem = "leads out of the lock's folder through a symbolic link"
    if problem is None and (base / str(output)).exists() and not (base / str(output)).is_dir():
        problem = "is not a folder"
    if problem is not None:
        return [("the output folder", output, problem)]
    out = _targets_problems(entry)
    outputs = entry.get("outputs", {})
    if not isinstance(outputs, dict) or not all(isinstance(v, str) for v in outputs.values()):
        out.append(("the outputs", outputs, "is not a map of file names to digests"))
    else:
        output_dir = base / str(output)
        out.extend(("a generated file", rel, p) for rel in outputs if (p := output_problem(output_dir, rel)))
    settings = entry.get("settings", {})
    if not isinstance(settings, dict):
        return [*out, ("the settings", settings, "is not an object")]
    root = project_root(base)
    for key in _INPUT_PATHS:
        if settings.get(key) and (p := _input_problem(settings[key], base, root)):
            out.append((f"`{key}`", settings[key], p))
    for key in _INPUT_PATH_LISTS:
        values = settings.get(key) or []
        if not isinstance(values, list):
            out.append((f"`{key}`", values, "is not a list"))
            continue
        out.extend((f"`{key}`", v, p) for v in values if (p := _input_problem(v, base, root)))
    return out


def invalid_lock(lock_path: Path, text: str, what: str, value: object, problem: str) -> Diagnostic:
    """The diagnostic of a lock entry naming something it must not: nothing of its generation is touched."""
    shown = value if isinstance(value, str) else json.dumps(value)[:80]
    return Diagnostic(
        code="InvalidLockFile",
        message=f"The lock file {lock_path} names `{shown}` as {what}, which {problem}; "
        "this generation is neither read nor written.",
        file=str(lock_path),
        range=_position(text, value),
        help="A lock names only files inside its own folder. Run `weavergen registry generate` again "
        "to record this output, or delete the entry from the lock.",
    )
