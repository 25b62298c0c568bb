"""A registry kept in memory for an editor: every file loaded once, open documents overlaid on disk.

An edit re-parses and re-validates only the changed file; the other files' documents and validation
are reused, dependencies stay resolved, and only the registry's own resolution re-runs. Diagnostics are
grouped by file so a caller can publish exactly the files whose diagnostics changed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from weavergen.check import CheckOptions, _dependency_errors, _unique, run_policies
from weavergen.diagnostics import Diagnostic, Range, apply_future, internal_error
from weavergen.document import digest_of, parse
from weavergen.fixes import Fix, fixes_for, hints
from weavergen.incremental import Reresolver
from weavergen.registry import MANIFEST_NAMES, LoadedRegistry, SpecFile, load_file, load_registry
from weavergen.resolve import Resolution, resolve, resolve_dependencies
from weavergen.unchecked import is_good, shadow_sources
from weavergen.validate import validate_document

YAML_SUFFIXES = (".yaml", ".yml")
RECENT_VERSIONS = 16


@dataclass(slots=True)
class WorkspaceOptions:
    """The settings that change what a workspace reports (the editor's `weavergen.*` settings)."""

    policies: list[str] = field(default_factory=list)
    skip_policies: bool = False
    future: bool = False
    v2: bool = False


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A consistent view of a workspace at one generation, safe to read from another thread."""

    generation: int
    registry: LoadedRegistry
    resolution: Resolution

    def file(self, path: str) -> SpecFile | None:
        """The loaded file at an absolute path, if it belongs to the registry."""
        for spec in self.registry.files:
            if spec.provenance == path:
                return spec
        mf = self.registry.manifest_file
        return mf if mf is not None and mf.provenance == path else None


class RegistryWorkspace:
    """One registry root: its loaded files, overlays of open documents, resolution and diagnostics."""

    def __init__(self, root: Path, options: WorkspaceOptions | None = None) -> None:
        self.root = root.resolve()
        self.found_by = ""
        self.options = options or WorkspaceOptions()
        self.overlays: dict[str, str] = {}
        self.policy_diagnostics: list[Diagnostic] = []
        self.generation = 0
        self.revision = 0
        self._policy_generation = -1
        self.last_good: dict[str, SpecFile] = {}
        self._recent: dict[tuple[str, str], SpecFile] = {}
        self._lock = threading.Lock()
        self._by_file: dict[str, list[Diagnostic]] = {}
        self._disk = _disk_state(self.root)
        self.registry, self._deps = self._load()
        self._resolver = Reresolver(self._deps)
        self.resolution = self._resolve()
        self._recompute()

    # -- membership ---------------------------------------------------------------------------

    def contains(self, path: str) -> bool:
        """Whether a path is a YAML file of this registry (its files, or its manifest)."""
        p = Path(path)
        return p.suffix in YAML_SUFFIXES and p.is_relative_to(self.root) and not _hidden(p, self.root)

    def is_manifest(self, path: str) -> bool:
        """Whether a path is this registry's manifest, whose change reloads the whole registry."""
        p = Path(path)
        return p.parent == self.root and p.name in MANIFEST_NAMES

    def files(self) -> list[str]:
        """Every file that can carry diagnostics: the registry's files, its manifest, and the files of
        its dependencies that have errors."""
        out = [f.provenance for f in self.registry.files]
        if self.registry.manifest_file is not None:
            out.append(self.registry.manifest_file.provenance)
        known = set(out)
        out.extend(f for f in self._by_file if f not in known)
        return out

    def text_of(self, path: str) -> str | None:
        """The current text of a file of the registry (the open document's, else the loaded one); for a
        dependency's file, its text on disk."""
        if path in self.overlays:
            return self.overlays[path]
        spec = self.snapshot().file(path)
        if spec is not None:
            return spec.text
        if path in self._by_file:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                return Path(path).read_text(encoding="utf-8")
        return None

    def _absolute(self, file: str | None) -> str | None:
        """A diagnostic's file as an absolute path: dependencies name theirs relative to this registry."""
        if file is None or os.path.isabs(file):
            return file
        for base in (self.root, Path.cwd()):
            candidate = (base / file).resolve()
            if candidate.exists():
                return str(candidate)
        return None

    def usable_file(self, path: str) -> SpecFile | None:
        """The file as last parsed successfully: what completion reads while a line is half typed."""
        spec = self.snapshot().file(path)
        if spec is not None and spec.document.failed:
            return self.last_good.get(path, spec)
        return spec

    def snapshot(self) -> Snapshot:
        """The current generation, registry and resolution, read together."""
        with self._lock:
            return Snapshot(self.generation, self.registry, self.resolution)

    # -- changes ------------------------------------------------------------------------------

    def update(self, path: str, text: str | None) -> set[str]:
        """Set a file's text (None: re-read it from disk, or drop it when gone); return files to republish.

        Only this file is re-parsed; the manifest reloads everything, since it names the dependencies.
        """
        return self.update_many({path: text})

    def update_many(self, changes: dict[str, str | None]) -> set[str]:
        """Set several files' texts at once (a branch switch, a formatter): one resolution for all."""
        files = self.registry.files
        for path, text in changes.items():
            if text is not None:
                self.overlays[path] = text
            else:
                self.overlays.pop(path, None)
            if self.is_manifest(path):
                return self.reload()
            spec = self._load_one(path, text)
            if spec is not None and is_good(spec):
                self.last_good[path] = spec
            files = _replaced(files, path, spec)
        registry = replace(self.registry, files=files)
        resolution = self._resolve(registry)
        with self._lock:
            self.registry, self.resolution = registry, resolution
            self.generation += 1
        return self._recompute() | set(changes)

    def open(self, path: str, text: str) -> set[str]:
        """An editor opened a file: its text overlays the disk; re-check only if the texts differ."""
        if self.text_of(path) == text and self.snapshot().file(path) is not None:
            self.overlays[path] = text
            return {path}
        return self.update(path, text)

    def disk_changes(self) -> list[str]:
        """Files created, changed or deleted on disk since the last call: the fallback for file watching."""
        now = _disk_state(self.root)
        before, self._disk = self._disk, now
        return sorted(p for p in set(now) | set(before) if now.get(p) != before.get(p) and self.contains(p))

    def close(self, path: str) -> set[str]:
        """An open document was closed: the disk text applies again."""
        if path not in self.overlays:
            return set()
        return self.update(path, None)

    def reload(self) -> set[str]:
        """Reload the whole registry from disk, keeping open documents' text."""
        registry, deps = self._load()
        with self._lock:
            self.registry, self._deps = registry, deps
            self._resolver = Reresolver(deps)
        resolution = self._resolve(registry)
        with self._lock:
            self.resolution = resolution
            self.generation += 1
        return self._recompute()

    def set_policy_diagnostics(self, generation: int, diagnostics: list[Diagnostic]) -> set[str]:
        """Store policy findings computed at `generation`, unless newer ones are already stored."""
        if generation < self._policy_generation:
            return set()
        self._policy_generation = generation
        self.policy_diagnostics = diagnostics
        return self._recompute()

    def compute_policies(self, snapshot: Snapshot) -> list[Diagnostic]:
        """Run the Rego policies over a snapshot (slow: call it off the event loop); never raises."""
        if self.options.skip_policies:
            return []
        options = CheckOptions(
            registry=str(self.root), policies=list(self.options.policies), v2=self.options.v2
        )
        try:
            return run_policies(options, snapshot.registry, snapshot.resolution)
        except Exception as exc:  # a policy run must not take the editor down
            return [internal_error(f"policy evaluation failed: {exc}", str(self.root))]

    def has_policies(self) -> bool:
        """Whether a policy run can find anything: the registry has `.rego` files or policies are set."""
        return not self.options.skip_policies and bool(self.registry.policy_files or self.options.policies)

    # -- diagnostics --------------------------------------------------------------------------

    def diagnostics(self, path: str) -> list[Diagnostic]:
        """The diagnostics of one file of the registry, sorted by position."""
        return list(self._by_file.get(path, ()))

    def fixes_at(self, path: str, rng: Range) -> list[tuple[Diagnostic, Fix]]:
        """The quick fixes of the diagnostics of a file that touch a range, each with its diagnostic."""
        spec = self.snapshot().file(path)
        if spec is None:
            return []
        start, end = (rng.start.line, rng.start.column), (rng.end.line, rng.end.column)
        out: list[tuple[Diagnostic, Fix]] = []
        seen: set[tuple[str, tuple[Any, ...]]] = set()  # one action for the same edit of several groups
        for d in self.diagnostics(path):
            if d.range is None:
                continue
            if (d.range.start.line, d.range.start.column) <= end and start <= (
                d.range.end.line,
                d.range.end.column,
            ):
                for f in fixes_for(d, spec):
                    if (f.title, f.edits) not in seen:
                        seen.add((f.title, f.edits))
                        out.append((d, f))
        return out

    def all_diagnostics(self) -> dict[str, list[Diagnostic]]:
        """Diagnostics of every file, including files with none."""
        return {f: self.diagnostics(f) for f in self.files()}

    def what_if(self, changes: dict[str, str]) -> dict[str, list[Diagnostic]]:
        """Diagnostics by file (without policies) if these files had these texts; nothing is changed.

        What a proposed fix is verified against before it is offered.
        """
        return self.what_if_resolved(changes)[0]

    def what_if_resolved(self, changes: dict[str, str]) -> tuple[dict[str, list[Diagnostic]], Resolution]:
        """`what_if`, with the resolution of that state: what an AI review proposal is scored on."""
        files = self.registry.files
        for path, text in changes.items():
            files = _replaced(files, path, self._load_one(path, text))
        registry = replace(self.registry, files=files)
        resolution = self._resolve(registry, keep=False)
        return self._grouped(registry, resolution, []), resolution

    def _grouped(
        self, reg: LoadedRegistry, resolution: Resolution, policy: list[Diagnostic]
    ) -> dict[str, list[Diagnostic]]:
        """Every diagnostic of a registry state, grouped by file and sorted by position."""
        found = reg.all_diagnostics()
        found.extend(_dependency_errors(reg))
        found.extend(resolution.diagnostics)
        found.extend(policy)
        found = apply_future(found, self.options.future)
        for spec in reg.files:
            found.extend(hints(spec))
        manifest = reg.manifest_file.provenance if reg.manifest_file else None
        by_file: dict[str, list[Diagnostic]] = defaultdict(list)
        for d in _unique(found):
            target = self._absolute(d.file) or manifest
            if target is not None and target != d.file:
                related = tuple(replace(r, file=self._absolute(r.file) or r.file) for r in d.related)
                d = replace(d, file=target, related=related)
            if target is not None:
                by_file[target].append(d)
        for diags in by_file.values():
            diags.sort(key=Diagnostic.sort_key)
        return by_file

    def _recompute(self) -> set[str]:
        """Regroup every diagnostic by file; return the files whose diagnostics changed."""
        snap = self.snapshot()
        by_file = self._grouped(snap.registry, snap.resolution, self.policy_diagnostics)
        changed = {
            f
            for f in set(by_file) | set(self._by_file)
            if _keys(by_file.get(f)) != _keys(self._by_file.get(f))
        }
        self._by_file = dict(by_file)
        self.revision += 1
        return changed

    # -- loading ------------------------------------------------------------------------------

    def _load(self) -> tuple[LoadedRegistry, list[Resolution]]:
        registry = load_registry(str(self.root))
        for path, text in self.overlays.items():
            if not self.is_manifest(path):
                registry.files = _replaced(registry.files, path, self._load_one(path, text))
        self.last_good.update((f.provenance, f) for f in registry.files if is_good(f))
        return registry, resolve_dependencies(registry)

    def _load_one(self, path: str, text: str | None) -> SpecFile | None:
        """Parse and validate one file from `text` or from disk; None when it is gone or not ours.

        Editor text is parsed in memory and kept for a few versions (undo, redo), never written to the
        disk cache: a cache entry per keystroke would only fill the disk.
        """
        p = Path(path)
        if not self.contains(path) or p.name in ("schema-next.yaml", *MANIFEST_NAMES):
            return None
        if text is None:
            try:
                return load_file(p, path)
            except OSError:
                return None
        key = (path, digest_of(text))
        spec = self._recent.pop(key, None)
        if spec is None:
            doc = parse(text, path, key[1])
            check = validate_document(doc)
            check.diagnostics[:0] = doc.diagnostics
            spec = SpecFile(provenance=path, abspath=p, text=text, document=doc, check=check)
        self._recent[key] = spec
        while len(self._recent) > RECENT_VERSIONS:
            self._recent.pop(next(iter(self._recent)))
        return spec

    def _resolve(self, registry: LoadedRegistry | None = None, keep: bool = True) -> Resolution:
        """Resolve a version of the registry, re-resolving only what changed since the last one kept."""
        reg = registry if registry is not None else self.registry
        if not reg.found:
            return resolve(reg)
        # a broken file lends the definitions of its last good version
        return self._resolver.run(reg, keep, shadow_sources(reg, self.last_good))


def _replaced(files: list[SpecFile], path: str, spec: SpecFile | None) -> list[SpecFile]:
    """A new file list with the file at `path` replaced in place (appended when new, dropped when None)."""
    out = [f for f in files if f.provenance != path]
    if spec is not None:
        index = next((i for i, f in enumerate(files) if f.provenance == path), len(out))
        out.insert(index, spec)
    return out


def _disk_state(root: Path) -> dict[str, tuple[int, int]]:
    """Modification time and size of every visible YAML file below root."""
    out: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                path = os.path.join(dirpath, name)
                with contextlib.suppress(OSError):
                    st = os.stat(path)
                    out[path] = (st.st_mtime_ns, st.st_size)
    return out


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _keys(diags: list[Diagnostic] | None) -> list[Any]:
    if not diags:
        return []
    return [(d.code, d.message, d.range, d.severity, d.related, d.tags) for d in diags]


def open_workspaces(
    folders: list[Path], registry_path: str | None, options: WorkspaceOptions
) -> list[RegistryWorkspace]:
    """The registries of an editor's workspace (see `discovery`), each with how it was found."""
    from weavergen.discovery import discover

    out = []
    for found in discover(folders, registry_path):
        ws = RegistryWorkspace(found.root, options)
        ws.found_by = found.how
        out.append(ws)
    return out
