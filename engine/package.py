"""`registry package`: a v2 registry with a manifest → a self-contained published artifact.

As weaver 0.25.1's `src/registry/package.rs`: the registry is checked and resolved, then `resolved.yaml`
(the `resolved/2.0` schema: a deduplicated attribute catalog and signals that name catalog entries by
index) and `manifest.yaml` (a `manifest/2.0` publication manifest) are written to the output folder.
Another registry then depends on that folder as on any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.materialize import materialize
from weavergen.resolve import Resolution

RESOLVED_FORMAT = "resolved/2.0"
PUBLICATION_FORMAT = "manifest/2.0"
_SECTIONS = ("attribute_groups", "spans", "metrics", "events", "entities")
_REFINEMENTS = ("spans", "metrics", "events", "entities")
_REF_KEYS = ("requirement_level", "sampling_relevant")


class _Catalog:
    """The attribute catalog: each distinct attribute once, sorted by key, refs as indexes into it."""

    def __init__(self, dependencies: dict[str, int]) -> None:
        self.dependencies = dependencies
        self.entries: dict[str, dict[str, Any]] = {}

    def entry(self, attr: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attr.items() if k not in (*_REF_KEYS, "provenance")}
        source = (attr.get("provenance") or {}).get("source")
        if source is not None and source in self.dependencies:
            out["provenance"] = {"source": self.dependencies[source]}
        return out

    def add(self, attr: dict[str, Any]) -> None:
        e = self.entry(attr)
        self.entries.setdefault(json.dumps(e, sort_keys=True), e)

    def freeze(self) -> None:
        ordered = sorted(self.entries.items(), key=lambda kv: (str(kv[1].get("key")), kv[0]))
        self.index = {k: i for i, (k, _) in enumerate(ordered)}
        self.ordered = [e for _, e in ordered]

    def ref(self, attr: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"base": self.index[json.dumps(self.entry(attr), sort_keys=True)]}
        for k in _REF_KEYS:
            if k in attr:
                out[k] = attr[k]
        return out


def _as_in(attr: dict[str, Any], signal: dict[str, Any]) -> dict[str, Any]:
    """A signal's attribute has the signal's provenance: a dependency's own signal (imported) names the
    dependency, a local signal (a refinement of a dependency's too) names none."""
    return {**attr, "provenance": signal.get("provenance") or {}}


def _attribute_lists(item: dict[str, Any]) -> list[str]:
    return [k for k in ("attributes", "identity", "description") if isinstance(item.get(k), list)]


def resolved_v2(resolution: Resolution) -> dict[str, Any]:
    """The `resolved/2.0` schema of a resolution: what `registry package` writes as `resolved.yaml`."""
    materialized = materialize(resolution)
    urls = sorted({d.registry.schema_url for d in resolution.dependencies})
    catalog = _Catalog({u: i for i, u in enumerate(urls)})
    registry = materialized["registry"]
    refinements = {k: materialized["refinements"].get(k, []) for k in _REFINEMENTS}
    for attr in registry["attributes"]:
        catalog.add(attr)
    for items in (*(registry[s] for s in _SECTIONS), *refinements.values()):
        for item in items:
            for key in _attribute_lists(item):
                for attr in item[key]:
                    catalog.add(_as_in(attr, item))
    catalog.freeze()

    def signal(item: dict[str, Any]) -> dict[str, Any]:
        out = dict(item)
        for key in _attribute_lists(item):
            out[key] = [catalog.ref(_as_in(a, item)) for a in item[key]]
        source = (item.get("provenance") or {}).get("source")
        out.pop("provenance", None)
        if source is not None and source in catalog.dependencies:
            out["provenance"] = {"source": catalog.dependencies[source]}
        return out

    attributes = sorted({catalog.ref(a)["base"] for a in registry["attributes"]})
    out: dict[str, Any] = {
        "file_format": RESOLVED_FORMAT,
        "schema_url": resolution.registry.schema_url,
        "attribute_catalog": catalog.ordered,
        "registry": {"attributes": attributes, **{s: [signal(i) for i in registry[s]] for s in _SECTIONS}},
        "refinements": {k: [signal(i) for i in v] for k, v in refinements.items()},
    }
    if urls:
        out["dependencies"] = urls
    return out


def publication_manifest(resolution: Resolution, resolved_registry_uri: str) -> dict[str, Any]:
    """The `manifest/2.0` publication manifest of a packaged definition registry."""
    manifest = resolution.registry.manifest
    assert manifest is not None
    out: dict[str, Any] = {"file_format": PUBLICATION_FORMAT, "schema_url": manifest.schema_url}
    if manifest.description is not None:
        out["description"] = manifest.description
    out["stability"] = manifest.stability or "development"
    out["resolved_registry_uri"] = resolved_registry_uri
    deps = [{"schema_url": d.schema_url} for d in manifest.dependencies if d.schema_url]
    if deps:
        out["dependencies"] = deps
    return out


@dataclass(slots=True)
class PackageOptions:
    """What `weavergen registry package` was asked to do (weaver's flags)."""

    registry: str
    output: str = "output"
    resolved_registry_uri: str | None = None
    v2: bool = False
    policies: list[str] = field(default_factory=list)
    skip_policies: bool = False
    future: bool = False
    follow_symlinks: bool = False
    include_unreferenced: bool = False


def package_problem(options: PackageOptions, resolution: Resolution | None) -> Diagnostic | None:
    """Why this registry cannot be packaged as asked (weaver's checks, in weaver's order), or None."""
    if not options.resolved_registry_uri:
        return Diagnostic(
            code="Config",
            message="resolved_registry_uri is required (set via --resolved-registry-uri or [package] config)",
            error={"Config": {"error": "resolved_registry_uri is required"}},
            help="Pass `--resolved-registry-uri <where resolved.yaml will be published>`.",
        )
    if not options.v2:
        return Diagnostic(
            code="PackagingRequiresV2",
            message="Packaging is only supported for v2 registries. Pass `--v2` to enable v2 schema.",
            error={"PackagingRequiresV2": None},
            help="Run `weavergen registry package --v2 …`.",
        )
    if resolution is None:
        return None
    manifest = resolution.registry.manifest
    if manifest is None:
        return Diagnostic(
            code="PackagingRequiresManifest",
            message=f"Registry `{options.registry}` does not contain a manifest file",
            error={"PackagingRequiresManifest": {"registry": options.registry}},
            help="Add a `manifest.yaml` with `schema_url: https://<host>/<path>/<version>`.",
        )
    if manifest.is_publication:
        return Diagnostic(
            code="UnexpectedPublicationManifest",
            message=f"Registry `{manifest.schema_url}` contains a publication manifest; "
            "`weaver registry package` requires a definition registry as input.",
            file=manifest.provenance,
            error={"UnexpectedPublicationManifest": {"schema_url": manifest.schema_url}},
            help="Package the definition registry it was produced from.",
        )
    return None


def write_package(resolution: Resolution, output: Path, resolved_registry_uri: str) -> list[Path]:
    """Write `resolved.yaml` and `manifest.yaml` into `output` (created if missing), each atomically."""
    from weavergen.output import to_yaml, write_atomic

    output.mkdir(parents=True, exist_ok=True)
    resolved = output / "resolved.yaml"
    manifest = output / "manifest.yaml"
    write_atomic(resolved, to_yaml(resolved_v2(resolution)))
    write_atomic(manifest, to_yaml(publication_manifest(resolution, resolved_registry_uri)))
    return [resolved, manifest]
