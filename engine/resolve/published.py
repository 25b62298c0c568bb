"""Published registries: a `manifest/2.0` folder whose `resolved.yaml` (weaver's `resolved/2.0`, the output of
`registry package`) stands in for definition files when another registry depends on it.

The resolved schema is turned into resolved groups as weaver's resolver sees a v2 dependency: signals keep
their own ids (a metric is `<name>`, a span `<type>`), attributes come from the catalog with the signal's
requirement level, and lineage names the published schema URL with an empty path.
"""

from __future__ import annotations

from typing import Any

from weavergen.diagnostics import Diagnostic, Range
from weavergen.groups import AttrEntry, UGroup, norm_deprecated
from weavergen.registry import LoadedRegistry
from weavergen.resolve.attributes import ordered
from weavergen.resolve.model import Definition, Resolution, ResolvedGroup

PUBLISHED_FORMAT = "resolved/2.0"
_KINDS = (  # (section, v1 type, name key); weaver's order, which also decides whose requirement level wins
    ("attribute_groups", "attribute_group", "id"),
    ("spans", "span", "type"),
    ("metrics", "metric", "name"),
    ("events", "event", "name"),
    ("entities", "entity", "type"),
)


def published_problem(registry: LoadedRegistry) -> Diagnostic | None:
    """Why the published schema of a registry cannot be used, or None when it can."""
    data = registry.published
    where = registry.published_path or registry.path
    if not isinstance(data, dict):
        return _invalid(registry, f"{where} is not a YAML mapping")
    if data.get("file_format") != PUBLISHED_FORMAT:
        return Diagnostic(
            code="InvalidFileFormat",
            message=f"Invalid file format `{data.get('file_format')}` for the key `file_format` in {where}. "
            f"A published registry's schema has `file_format: {PUBLISHED_FORMAT}`.",
            file=where,
            range=Range.of(0, 0, 0, 0),
            error={
                "InvalidFileFormat": {
                    "path_or_url": where,
                    "key": "file_format",
                    "value": data.get("file_format"),
                }
            },
        )
    if not isinstance(data.get("attribute_catalog") or [], list) or not isinstance(
        data.get("registry"), dict
    ):
        return _invalid(registry, f"in {where}, `attribute_catalog` must be a list and `registry` a mapping")
    return None


def _invalid(registry: LoadedRegistry, why: str) -> Diagnostic:
    return invalid_publication(
        registry.manifest.provenance if registry.manifest else None, registry.path, why
    )


def invalid_publication(manifest: str | None, where: str, why: str) -> Diagnostic:
    """weaver's InvalidPublicationManifest, on the publication manifest (or the registry path)."""
    path = manifest or where
    return Diagnostic(
        code="InvalidPublicationManifest",
        message=f"The publication manifest at {path} is invalid: {why}",
        file=path,
        range=Range.of(0, 0, 0, 0),
        error={"InvalidPublicationManifest": {"path": path, "details": why}},
        help="Produce a published registry with `weavergen registry package` (or weaver's).",
    )


class _Builder:
    """Resolved groups and attribute definitions out of one `resolved/2.0` document."""

    def __init__(self, registry: LoadedRegistry) -> None:
        data = registry.published if isinstance(registry.published, dict) else {}
        self.registry = registry
        self.url = str(data.get("schema_url") or registry.schema_url)
        self.name = self.url.rstrip("/").rpartition("/")[0] or self.url
        self.catalog = [a for a in data.get("attribute_catalog") or [] if isinstance(a, dict)]
        sections = data.get("registry")
        self.sections: dict[str, Any] = sections if isinstance(sections, dict) else {}
        self.groups: list[ResolvedGroup] = []
        self.definitions: dict[str, Definition] = {}

    def attribute(self, ref: Any, role: str | None) -> dict[str, Any] | None:
        """A signal's `{base, requirement_level}` as a full v1 attribute."""
        if (
            not isinstance(ref, dict)
            or not isinstance(ref.get("base"), int)
            or ref["base"] >= len(self.catalog)
        ):
            return None
        src = self.catalog[ref["base"]]
        out: dict[str, Any] = {
            "name": src.get("key"),
            "type": src.get("type"),
            "brief": src.get("brief") or "",
        }
        for k in ("examples",):
            if src.get(k) is not None:
                out[k] = src[k]
        out["requirement_level"] = ref.get("requirement_level", "recommended")
        if ref.get("sampling_relevant") is not None:
            out["sampling_relevant"] = ref["sampling_relevant"]
        if src.get("note"):
            out["note"] = src["note"]
        if src.get("stability") is not None:
            out["stability"] = src["stability"]
        if src.get("deprecated") is not None:
            out["deprecated"] = norm_deprecated(src["deprecated"])
        out["annotations"] = dict(src.get("annotations") or {})
        if role is not None:
            out["role"] = role
        return ordered(out)

    def group(self, kind: str, item: dict[str, Any], key: str) -> None:
        gid = str(item.get(key))
        fields: dict[str, Any] = {"brief": item.get("brief") or ""}
        for k in ("note", "stability"):
            if item.get(k):
                fields[k] = item[k]
        if item.get("deprecated") is not None:
            fields["deprecated"] = norm_deprecated(item["deprecated"])
        if kind == "span":
            fields["span_kind"] = item.get("kind")
            fields["name"] = gid
            if item.get("name") is not None:
                fields["span_name"] = item["name"]
        elif kind == "metric":
            fields.update(metric_name=gid, instrument=item.get("instrument"), unit=item.get("unit"))
        elif kind in ("event", "entity"):
            fields["name"] = gid
        fields["annotations"] = dict(item.get("annotations") or {})
        if item.get("entity_associations"):
            fields["entity_associations"] = item["entity_associations"]
        if item.get("requirement_level") is not None:
            fields["requirement_level"] = item["requirement_level"]
        refs: list[tuple[Any, str | None]] = []
        if kind == "entity":
            refs = [(r, "identifying") for r in item.get("identity") or []]
            refs += [(r, "descriptive") for r in item.get("description") or []]
        else:
            refs = [(r, None) for r in item.get("attributes") or []]
        attrs = [a for a in (self.attribute(r, role) for r, role in refs) if a is not None]
        attrs.sort(key=lambda a: str(a["name"]))
        source = UGroup(gid, {"id": gid, "type": kind}, [], None, (), registry=self.name, dependency=True)
        # weaver gives a v2 dependency's attribute groups no lineage, its signals the published URL.
        lineage = {} if kind == "attribute_group" else {"provenance": {"schema_url": self.url, "path": ""}}
        self.groups.append(ResolvedGroup(gid, kind, fields, attrs, lineage, source))
        for a in attrs:
            name = str(a["name"])
            if name not in self.definitions:
                spec = {"id": name, **{k: v for k, v in a.items() if k not in ("name", "role")}}
                root = {k: v for k, v in a.items() if k != "role"}
                self.definitions[name] = Definition(root, source, AttrEntry(spec, (), None, gid))

    def build(self) -> Resolution:
        # Refs resolve against the registry's own definitions (`registry.attributes`) first; their
        # requirement level is serde's default, `required`. Attributes only signals use come next.
        gid = f"registry.{self.name}"
        registry_group = UGroup(gid, {}, [], None, (), registry=self.name, dependency=True)
        for i in self.sections.get("attributes") or []:
            a = self.attribute({"base": i, "requirement_level": "required"}, None)
            if a is not None and str(a["name"]) not in self.definitions:
                entry = AttrEntry({"id": a["name"]}, (), None, gid)
                self.definitions[str(a["name"])] = Definition(a, registry_group, entry)
        for section, kind, key in _KINDS:
            for item in self.sections.get(section) or []:
                if isinstance(item, dict) and item.get(key) is not None:
                    self.group(kind, item, key)
        groups = sorted(self.groups, key=lambda g: g.id)
        by_id: dict[str, ResolvedGroup] = {}
        for g in groups:
            by_id.setdefault(g.id, g)
        for g in groups:  # a v2 refinement extends `metric.<name>`, `span.<type>`, …: the v1 group ids
            if g.type != "attribute_group":
                by_id.setdefault(f"{g.type}.{g.id}", g)
        return Resolution(
            registry=self.registry,
            groups=groups,
            definitions=self.definitions,
            diagnostics=[],
            all_groups={g.id: [g.source] for g in groups},
            dependencies=[],
            by_id=by_id,
        )


def published_resolution(registry: LoadedRegistry) -> Resolution:
    """A published registry (its `resolved/2.0` schema) as a resolution other registries can depend on."""
    return _Builder(registry).build()
