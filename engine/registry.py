"""Loading a registry: its files, manifest, policies and dependencies, each file parsed once.

Paths follow weaver's virtual-directory syntax `source[[sub_folder]]`, where source is a folder or a
`.zip` / `.tar.gz` archive. Unlike weaver, a file that fails to parse does not stop the others: its
diagnostics are kept and the rest of the registry is still resolved and checked.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavergen.cache import DiskCache
from weavergen.diagnostics import Diagnostic, Range, Severity
from weavergen.document import Document, FileCheck, digest_of, parse
from weavergen.sources import is_dir, locate, not_utf8_name, walk_files
from weavergen.sources import split_vdir as split_vdir  # importable from here, where it used to live
from weavergen.yaml_budget import YamlBudget
from weavergen.yaml_errors import char_diagnostic, decode, deserialization_error

MANIFEST_NAMES = ("manifest.yaml", "registry_manifest.yaml")
_SKIPPED = {"schema-next.yaml", *MANIFEST_NAMES}
MAX_DEPENDENCY_DEPTH = 10
PUBLICATION_FORMAT = "manifest/2.0"


@dataclass(slots=True)
class SpecFile:
    """One definition file of a registry, parsed and validated."""

    provenance: str
    abspath: Path
    text: str
    document: Document
    check: FileCheck

    @property
    def usable(self) -> bool:
        """Whether resolution can read this file (it parsed, and has a known format)."""
        return self.check.file_format is not None and isinstance(self.document.data, dict)


@dataclass(slots=True)
class Dependency:
    """A dependency declared by a manifest."""

    schema_url: str | None
    registry_path: str | None
    name: str | None = None


@dataclass(slots=True)
class Manifest:
    """What a registry's manifest says of the registry and its dependencies."""

    schema_url: str
    name: str
    version: str
    description: str | None = None
    stability: str | None = None
    dependencies: list[Dependency] = field(default_factory=list)
    provenance: str | None = None
    file_format: str | None = None
    resolved_registry_uri: str | None = None

    @property
    def is_publication(self) -> bool:
        """A publication manifest (`manifest/2.0`): the registry is its resolved schema, not definitions."""
        return self.file_format == PUBLICATION_FORMAT


@dataclass(slots=True)
class LoadedRegistry:
    """A registry's files and manifest, and the registries it depends on."""

    path: str
    root: Path
    files: list[SpecFile] = field(default_factory=list)
    manifest: Manifest | None = None
    manifest_file: SpecFile | None = None
    policy_files: list[Path] = field(default_factory=list)
    dependencies: list[LoadedRegistry] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    cyclic: bool = False
    found: bool = False
    """Whether the registry path led to a folder (else `root` is only the path as given)."""
    published: Any = None
    published_path: str | None = None

    @property
    def schema_url(self) -> str:
        """The manifest's schema URL, or weaver's placeholder for a registry without one."""
        return self.manifest.schema_url if self.manifest else "https://unknown/unknown"

    @property
    def name(self) -> str:
        """The registry name (the schema URL without its version)."""
        return self.manifest.name if self.manifest else "unknown"

    def all_diagnostics(self) -> list[Diagnostic]:
        """Loading diagnostics of this registry and of its files (not of its dependencies)."""
        out = list(self.diagnostics)
        if self.manifest_file is not None:
            out.extend(self.manifest_file.check.diagnostics)
        for spec in self.files:
            out.extend(spec.check.diagnostics)
        return out

    def sources(self) -> dict[str, str]:
        """Text of every file by provenance path."""
        out = {f.provenance: f.text for f in self.files}
        if self.manifest_file is not None:
            out[self.manifest_file.provenance] = self.manifest_file.text
        return out


Progress = Callable[[str, int, int], None]
_DOCS = DiskCache("documents")


def registry_root_of(path: Path) -> Path:
    """The registry folder of a path: itself if a folder, else the nearest parent with a manifest."""
    if path.is_dir():
        return path
    for parent in path.parents:
        if any((parent / name).is_file() for name in MANIFEST_NAMES):
            return parent
    return path.parent


def provenance_of(given: str, rel: str) -> str:
    """weaver's provenance: the registry path as given, then the path relative to its root."""
    rel = rel.replace(os.sep, "/")
    if not given:
        return rel
    return f"{given}{rel}" if given.endswith("/") else f"{given}/{rel}"


def load_file(abspath: Path, provenance: str, text: str | None = None) -> SpecFile:
    """Parse and validate one definition file, from the cache when its content was seen before."""
    bad = None
    if text is None:
        text, bad = decode(abspath.read_bytes())
    digest = digest_of(text)
    budget = YamlBudget.current()
    key = hashlib.blake2b(f"{provenance}\0{digest}\0{budget.key}".encode(), digest_size=16).hexdigest()
    cached = _DOCS.get(key)
    if isinstance(cached, tuple) and len(cached) == 2:
        doc, check = cached
        doc.lines = None
    else:
        from weavergen.validate import validate_document

        doc = parse(text, provenance, digest, budget)
        if bad is not None:
            doc.diagnostics.insert(0, _not_utf8(text, bad, provenance))
        check = validate_document(doc)
        check.diagnostics[:0] = doc.diagnostics
        _DOCS.put(key, (doc, check))
    return SpecFile(provenance=provenance, abspath=abspath, text=text, document=doc, check=check)


def _name_not_utf8(provenance: str) -> Diagnostic:
    shown = not_utf8_name(provenance) or provenance
    message = f"file name `{shown}` is not valid UTF-8, so this file is not read"
    return Diagnostic(
        code="DeserializationError",
        message=message,
        file=shown,
        range=Range.of(0, 0, 0, 0),
        error=deserialization_error(shown, message),
        help="Rename the file with UTF-8 characters only (weaver cannot name it in its output either).",
    )


def _read(path: Path) -> str:
    return decode(path.read_bytes())[0]


def _not_utf8(text: str, index: int, provenance: str) -> Diagnostic:
    return char_diagnostic(
        text,
        index,
        provenance,
        "stream did not contain valid UTF-8",
        "Save the file as UTF-8; the bytes here were read as U+FFFD.",
    )


def _load_manifest(reg: LoadedRegistry) -> None:
    for name in MANIFEST_NAMES:
        path = reg.root / name
        if not path.is_file():
            continue
        prov = provenance_of(reg.path, name)
        text = _read(path)
        budget = YamlBudget.current()
        key = f"manifest\0{prov}\0{digest_of(text)}\0{budget.key}"
        key = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        cached = _DOCS.get(key)
        if isinstance(cached, tuple) and len(cached) == 3:
            doc, diags, manifest = cached
        else:
            from weavergen.validate import validate_manifest

            doc = parse(text, prov, budget=budget)
            model, diags = validate_manifest(doc)
            diags[:0] = doc.diagnostics
            manifest = _manifest_from(model, prov) if model is not None else None
            _DOCS.put(key, (doc, diags, manifest))
        if name == "registry_manifest.yaml":
            diags = [
                *diags,
                Diagnostic(
                    code="LegacyRegistryManifest",
                    message=f"The registry manifest at {prov} is using a legacy file name. "
                    "Please rename it to `manifest.yaml`.",
                    severity=Severity.WARNING,
                    file=prov,
                    range=Range.of(0, 0, 0, 0),
                    error={"LegacyRegistryManifest": {"path": prov}},
                ),
            ]
        reg.manifest_file = SpecFile(prov, path, text, doc, FileCheck("manifest", diags, set()))
        reg.manifest = manifest
        return


def _manifest_from(model: Any, provenance: str) -> Manifest:
    schema_url = getattr(model, "schema_url", None)
    name = getattr(model, "name", None)
    version = getattr(model, "semconv_version", None)
    if not schema_url:
        base = (getattr(model, "schema_base_url", None) or "https://unknown").rstrip("/")
        schema_url = f"{base}/{version or 'unknown'}"
    head, _, tail = schema_url.rstrip("/").rpartition("/")
    deps = [
        Dependency(
            schema_url=getattr(d, "schema_url", None),
            registry_path=getattr(d, "registry_path", None),
            name=getattr(d, "name", None),
        )
        for d in (getattr(model, "dependencies", None) or [])
    ]
    return Manifest(
        schema_url=schema_url,
        name=name or head,
        version=version or tail,
        description=getattr(model, "description", None),
        stability=getattr(model, "stability", None),
        dependencies=deps,
        provenance=provenance,
        file_format=getattr(model, "file_format", None),
        resolved_registry_uri=getattr(model, "resolved_registry_uri", None)
        or getattr(model, "resolved_schema_uri", None),
    )


def load_registry(
    path: str,
    *,
    follow_symlinks: bool = False,
    progress: Progress | None = None,
    _chain: tuple[str, ...] = (),
    _base: Path | None = None,
) -> LoadedRegistry:
    """Load a registry and, recursively, the dependencies its manifest declares."""
    root, problem = locate(path, _base)
    reg = LoadedRegistry(path=path, root=root or Path(path))
    if problem is not None:
        reg.diagnostics.append(problem)
        return reg
    assert root is not None
    reg.found = is_dir(root)
    _load_manifest(reg)
    if reg.manifest is not None and reg.name in _chain:
        reg.cyclic = True
        return reg
    if reg.manifest is not None and reg.manifest.is_publication:
        _load_published(reg, root)
        return reg
    candidates: list[Path] = []
    for file in walk_files(root, follow_symlinks):
        if file.suffix in (".yaml", ".yml") and file.name not in _SKIPPED:
            candidates.append(file)
        elif file.suffix == ".rego":
            reg.policy_files.append(file)
    total = len(candidates)
    for i, file in enumerate(candidates):
        rel = file.relative_to(root).as_posix()
        if not_utf8_name(rel) is not None:
            reg.diagnostics.append(_name_not_utf8(provenance_of(path, rel)))
            continue
        try:
            reg.files.append(load_file(file, provenance_of(path, rel)))
        except OSError as exc:
            reg.diagnostics.append(
                Diagnostic(
                    code="RegistryNotFound",
                    message=f"The semantic convention registry is not found (path_or_url: {path}). "
                    f"Cannot read {rel}: {exc.strerror}",
                    file=provenance_of(path, rel),
                )
            )
        if progress is not None and (i % 16 == 0 or i == total - 1):
            progress("load", i + 1, total)
    _load_dependencies(reg, follow_symlinks, (*_chain, reg.name))
    return reg


def _load_published(reg: LoadedRegistry, root: Path) -> None:
    """A published registry is its `resolved/2.0` schema; its dependencies are already folded into it."""
    from weavergen.resolve.published import invalid_publication, published_problem

    assert reg.manifest is not None
    uri = reg.manifest.resolved_registry_uri or "resolved.yaml"
    # A URL names where the artifact is published; the folder `registry package` wrote holds it under
    # the URL's file name, and that copy is what is read (weavergen does not download single files).
    local = uri.rsplit("/", 1)[-1] if "://" in uri else uri
    reg.published_path = provenance_of(reg.path, local)
    try:
        doc = parse(_read(root / local), reg.published_path)
    except (OSError, ValueError) as exc:  # missing, a name too long, a NUL byte
        why = f"cannot read `{local}` (resolved_registry_uri: {uri}): {getattr(exc, 'strerror', None) or exc}"
        reg.diagnostics.append(invalid_publication(reg.manifest.provenance, reg.path, why))
        return
    reg.diagnostics.extend(doc.diagnostics)
    reg.published = doc.data
    problem = published_problem(reg) if doc.ok else None
    if problem is not None:
        reg.diagnostics.append(problem)


def _load_dependencies(reg: LoadedRegistry, follow_symlinks: bool, chain: tuple[str, ...]) -> None:
    if reg.manifest is None:
        return
    for index, dep in enumerate(reg.manifest.dependencies):
        target = dep.registry_path or dep.schema_url
        if not target:
            continue
        if len(chain) > MAX_DEPENDENCY_DEPTH:
            reg.diagnostics.append(
                Diagnostic(
                    code="MaximumDependencyDepth",
                    message=f"Maximum dependency depth reached for registry `{reg.name}`. "
                    "Cannot load further dependencies.",
                    file=reg.manifest.provenance,
                    error={"MaximumDependencyDepth": {"registry_name": reg.name}},
                )
            )
            return
        child = load_registry(target, follow_symlinks=follow_symlinks, _chain=chain, _base=reg.root)
        if child.cyclic:
            cycle = " -> ".join((*chain, child.name))
            reg.diagnostics.append(
                Diagnostic(
                    code="CircularDependency",
                    message=f"Circular dependency detected: registry '{child.name}' depends on itself "
                    f"through the chain: {cycle}",
                    file=reg.manifest.provenance,
                    error={"CircularDependency": {"registry_name": child.name, "chain": cycle}},
                )
            )
            continue
        where = _dependency_range(reg, index, "registry_path" if dep.registry_path else "schema_url")
        for d in child.diagnostics:
            if d.file is None:
                d.file, d.range = reg.manifest.provenance, where
        reg.dependencies.append(child)


def _dependency_range(reg: LoadedRegistry, index: int, key: str) -> Range | None:
    """Where the manifest names dependency `index`: its `registry_path` or `schema_url` value."""
    if reg.manifest_file is None:
        return None
    return reg.manifest_file.document.range_of(("dependencies", index, key))
