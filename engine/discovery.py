"""Which folders of an editor's workspace are registries, and how each was found.

A registry is the configured `weavergen.registryPath`, else every folder holding a manifest, else —
for a workspace folder without any manifest — the folder of its semantic-convention YAML files
(`groups:` or `file_format: definition/2`), as weaver's own test registries and many company
registries are laid out. Each registry carries one sentence saying how it was found, for the log.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from weavergen.registry import MANIFEST_NAMES

YAML_SUFFIXES = (".yaml", ".yml")
_SEMCONV = re.compile(r"^(?:groups[ \t]*:|file_format[ \t]*:[ \t]*['\"]?definition/2\b)", re.MULTILINE)
_SKIPPED_DIRS = {"node_modules", "target", "build", "dist", "venv", "__pycache__"}
MAX_SCANNED = 5000
MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FoundRegistry:
    """A registry root and how it was found (one sentence, logged once by the server)."""

    root: Path
    how: str


def is_semconv_text(text: str) -> bool:
    """Whether a YAML text is a semantic-convention definition file (v1 `groups:` or definition/2)."""
    return _SEMCONV.search(text) is not None


def find_registry_roots(folder: Path, limit: int = 64) -> list[Path]:
    """Folders below `folder` holding a registry manifest, outermost first; nested ones are skipped."""
    roots: list[Path] = []
    for name in MANIFEST_NAMES:
        for manifest in sorted(folder.rglob(name)):
            if any(part.startswith(".") for part in manifest.relative_to(folder).parts):
                continue
            roots.append(manifest.parent.resolve())
            if len(roots) >= limit:
                break
    roots.sort(key=lambda p: len(p.parts))
    out: list[Path] = []
    for r in roots:
        if not any(r == o or r.is_relative_to(o) for o in out):
            out.append(r)
    return out


def semconv_files(folder: Path) -> list[Path]:
    """The semantic-convention YAML files below a folder (hidden and build folders skipped, bounded)."""
    found: list[Path] = []
    scanned = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIPPED_DIRS)
        for name in sorted(filenames):
            if not name.endswith(YAML_SUFFIXES) or name.startswith(".") or name in MANIFEST_NAMES:
                continue
            scanned += 1
            if scanned > MAX_SCANNED:
                return found
            path = Path(dirpath) / name
            with contextlib.suppress(OSError):
                if path.stat().st_size <= MAX_BYTES and is_semconv_text(
                    path.read_text(encoding="utf-8", errors="replace")
                ):
                    found.append(path)
    return found


def find_registries(folder: Path) -> list[FoundRegistry]:
    """The registries of one workspace folder: its manifests' folders, else its semconv files' folder."""
    roots = find_registry_roots(folder)
    if roots:
        return [
            FoundRegistry(r, f"found by its manifest `{_manifest_name(r)}` in workspace folder {folder}")
            for r in roots
        ]
    files = semconv_files(folder)
    if not files:
        return []
    root = Path(os.path.commonpath([str(p.parent) for p in files])).resolve()
    return [
        FoundRegistry(
            root,
            f"no manifest; {len(files)} semantic-convention YAML file(s) (`groups:` or "
            f"`file_format: definition/2`) found below workspace folder {folder}",
        )
    ]


def _manifest_name(root: Path) -> str:
    return next((n for n in MANIFEST_NAMES if (root / n).is_file()), MANIFEST_NAMES[0])


def discover(folders: list[Path], registry_path: str | None) -> list[FoundRegistry]:
    """The registries of an editor's workspace: the configured path, else each folder's registries."""
    found: list[FoundRegistry] = []
    if registry_path:
        for folder in folders or [Path.cwd()]:
            candidate = Path(registry_path)
            candidate = candidate if candidate.is_absolute() else folder / candidate
            if candidate.is_dir():
                how = f"set by `weavergen.registryPath` ({registry_path})"
                found.append(FoundRegistry(candidate.resolve(), how))
                break
    else:
        for folder in folders:
            with contextlib.suppress(OSError):
                found.extend(find_registries(folder))
    seen: set[Path] = set()
    out = []
    for f in found:
        if f.root not in seen:
            seen.add(f.root)
            out.append(f)
    return out
