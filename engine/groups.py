"""Unresolved groups: every definition file turned into weaver's v1 group shape, with source positions.

v1 files give their `groups` as written; v2 files are translated exactly as weaver's
`SemConvSpecV2::into_v1_specification` does (synthetic `registry.<file>` groups, `metric.<name>`,
`span.<type>`, refinements as `extends`, `ref_group` as `include_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from weavergen.diagnostics import Range
from weavergen.document import Path, section_items
from weavergen.registry import SpecFile
from weavergen.salvage import V2_IDENTITY

_DEPRECATED_NOTES = {"obsoleted": "Obsoleted.", "uncategorized": "Uncategorized."}


@dataclass(slots=True)
class AttrEntry:
    """One attribute entry of a group (`id` definition or `ref`), and where it was written."""

    spec: dict[str, Any]
    path: Path
    file: SpecFile | None
    origin: str | None = None
    inherited: bool = False
    overridden: list[str] | None = None
    name: str | None = None

    @property
    def key(self) -> str:
        """The attribute name this entry defines or refers to (a `prefix: true` ref: the prefixed name)."""
        if self.name is not None:
            return self.name
        return str(self.spec.get("id") if "id" in self.spec else self.spec.get("ref", ""))

    @property
    def is_ref(self) -> bool:
        """Whether the entry refers to an attribute defined elsewhere."""
        return "id" not in self.spec

    def id_range(self) -> Range | None:
        """Where the entry names its attribute: `id`/`ref` (v1) or `key`/`ref` (v2), else its first line."""
        if self.file is None:
            return None
        doc = self.file.document
        for k in ("id", "key", "ref"):
            if (*self.path, k) in doc.spans:
                return doc.range_of((*self.path, k))
        return doc.head_range(self.path)


@dataclass(slots=True)
class UGroup:
    """A group before resolution, in weaver's v1 shape, with its file and document path."""

    id: str
    spec: dict[str, Any]
    attrs: list[AttrEntry]
    file: SpecFile | None
    path: Path
    is_v2: bool = False
    include_groups: list[str] = field(default_factory=list)
    registry: str = ""
    dependency: bool = False

    @property
    def type(self) -> str:
        """The group type (`undefined` when absent, as weaver)."""
        t = self.spec.get("type") or "undefined"
        return "entity" if t == "resource" else str(t)

    @property
    def is_refinement(self) -> bool:
        """A v2 refinement (translated to a group that extends its base)."""
        return self.is_v2 and bool(self.spec.get("extends"))

    def range(self, *keys: str | int, key: bool = False) -> Range | None:
        """The range of this group's node (or of a field below it) in its file."""
        if self.file is None:
            return None
        return self.file.document.range_of((*self.path, *keys), key=key)

    def field_range(self, *names: str) -> Range | None:
        """The range of the first of these fields the group has in its file."""
        if self.file is None:
            return None
        doc = self.file.document
        for name in names:
            if (*self.path, name) in doc.spans:
                return doc.range_of((*self.path, name))
        return None

    def id_range(self) -> Range | None:
        """Where an editor should point for the group as a whole: its id (v1), or the key that names a
        v2 item (`type` of a span or entity, `name` of an event or metric, `id` of a refinement)."""
        if self.file is None:
            return None
        doc = self.file.document
        own = V2_IDENTITY.get(str(self.path[0])) if self.is_v2 and len(self.path) == 2 else None
        for k in (*((own,) if own else ()), "id", "name", "type", "key"):
            if (*self.path, k) in doc.spans:
                return doc.range_of((*self.path, k))
        return doc.head_range(self.path)

    @property
    def provenance(self) -> str:
        """The file this group was written in."""
        return self.file.provenance if self.file else ""


def norm_stability(value: Any) -> Any:
    """`experimental` is an alias of `development`."""
    return "development" if value == "experimental" else value


def norm_deprecated(value: Any) -> dict[str, Any] | None:
    """weaver's canonical deprecation `{reason, renamed_to?, note}`; a legacy string is `unspecified`."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"reason": "unspecified", "note": value}
    if not isinstance(value, dict):
        return None
    reason = value.get("reason", "unspecified")
    out: dict[str, Any] = {"reason": reason}
    if reason == "renamed":
        out["renamed_to"] = value.get("renamed_to")
        note = value.get("note")
        out["note"] = note if note is not None else f"Replaced by `{value.get('renamed_to')}`."
    else:
        note = value.get("note")
        out["note"] = note if note is not None else _DEPRECATED_NOTES.get(str(reason), "")
    return out


def norm_type(value: Any) -> Any:
    """Enum members get their `value` (default: the id), canonical stability and deprecation."""
    if not isinstance(value, dict):
        return value
    members = []
    for m in value.get("members") or []:
        if not isinstance(m, dict):
            continue
        out: dict[str, Any] = {"id": m.get("id"), "value": m.get("value", m.get("id"))}
        for k in ("brief", "note"):
            if m.get(k) is not None:
                out[k] = m[k]
        if m.get("stability") is not None:
            out["stability"] = norm_stability(m["stability"])
        dep = norm_deprecated(m.get("deprecated"))
        if dep is not None:
            out["deprecated"] = dep
        if m.get("annotations"):
            out["annotations"] = m["annotations"]
        members.append(out)
    return {"members": members}


def synthetic_file_name(provenance: str) -> str:
    """weaver's `registry.<file>` suffix: normal path components, each reduced to its stem, joined by dots."""
    parts = [p for p in PurePosixPath(provenance.replace("\\", "/")).parts if p not in ("/", ".", "..")]
    stems = [p.rsplit(".", 1)[0] if "." in p[1:] else p for p in parts]
    return ".".join(stems)


def kept(spec: SpecFile, node: Any, path: Path) -> Any:
    """An item as resolution may read it: without the fields whose schema is broken (see `salvage`)."""
    dropped = spec.check.dropped
    if not dropped or not isinstance(node, dict):
        return node
    return {k: v for k, v in node.items() if (*path, k) not in dropped}


def v1_groups(spec: SpecFile, registry: str, dependency: bool) -> list[UGroup]:
    """The groups of a v1 file, as written (items and fields with a broken schema are skipped)."""
    data = spec.document.data
    out: list[UGroup] = []
    for i, g in section_items(data, "groups", spec.check.invalid_items):
        path: Path = ("groups", i)
        if "id" not in g:
            continue
        g = kept(spec, g, path)
        attrs = [
            AttrEntry(dict(kept(spec, a, (*path, "attributes", j))), (*path, "attributes", j), spec)
            for j, a in enumerate(g.get("attributes") or [])
            if isinstance(a, dict) and (*path, "attributes", j) not in spec.check.invalid_items
        ]
        prefix = g.get("prefix")
        if prefix:
            for a in attrs:
                if not a.is_ref:
                    a.spec["id"] = f"{prefix}.{a.spec['id']}"
                elif a.spec.get("prefix") is True:
                    # weaver: a `prefix: true` ref defines `<group prefix>.<ref>` from the referenced one.
                    a.name = f"{prefix}.{a.spec.get('ref')}"
        out.append(
            UGroup(
                id=str(g["id"]),
                spec=g,
                attrs=attrs,
                file=spec,
                path=path,
                include_groups=list(g.get("include_groups") or []),
                registry=registry,
                dependency=dependency,
            )
        )
    return out


_COMMON = ("brief", "note", "stability", "deprecated", "annotations")


def _v2_ref(entry: dict[str, Any], span: bool) -> dict[str, Any]:
    out = {"ref": entry["ref"]}
    for k in ("brief", "examples", "requirement_level", "note", "stability", "deprecated", "annotations"):
        if entry.get(k) is not None and not (k == "annotations" and not entry[k]):
            out[k] = entry[k]
    if span and entry.get("sampling_relevant") is not None:
        out["sampling_relevant"] = entry["sampling_relevant"]
    return out


def v2_groups(spec: SpecFile, registry: str, dependency: bool) -> list[UGroup]:
    """Translate a v2 file into v1 groups, in weaver's order (attributes, entities, events, metrics, …)."""
    data = spec.document.data
    invalid = spec.check.invalid_items
    out: list[UGroup] = []

    def group(
        gid: str, fields: dict[str, Any], path: Path, attrs: list[AttrEntry], includes: list[str]
    ) -> None:
        out.append(
            UGroup(
                id=gid,
                spec=fields,
                attrs=attrs,
                file=spec,
                path=path,
                is_v2=True,
                include_groups=includes,
                registry=registry,
                dependency=dependency,
            )
        )

    def refs(item: dict[str, Any], path: Path, key: str, span: bool, role: str | None = None) -> tuple:
        attrs: list[AttrEntry] = []
        includes: list[str] = []
        for j, a in enumerate(item.get(key) or []):
            if not isinstance(a, dict) or (*path, key, j) in invalid:
                continue
            a = kept(spec, a, (*path, key, j))
            if "ref_group" in a:
                includes.append(str(a["ref_group"]))
                continue
            if "ref" not in a:
                continue
            r = _v2_ref(a, span)
            if role is not None:
                r["role"] = role
            attrs.append(AttrEntry(r, (*path, key, j), spec))
        return attrs, includes

    def common(item: dict[str, Any], refinement: bool = False) -> dict[str, Any]:
        f: dict[str, Any] = {}
        for k in _COMMON:
            if item.get(k) is not None and not (k == "annotations" and not item[k]):
                f[k] = item[k]
        if refinement:
            f.setdefault("note", "")
        if item.get("entity_associations"):
            f["entity_associations"] = item["entity_associations"]
        if not refinement and item.get("requirement_level") is not None:
            f["requirement_level"] = item["requirement_level"]
        return f

    attributes = [
        (j, kept(spec, a, ("attributes", j))) for j, a in section_items(data, "attributes", invalid)
    ]
    if attributes:
        entries = []
        for j, a in attributes:
            d: dict[str, Any] = {"id": a.get("key"), "type": a.get("type"), "brief": a.get("brief")}
            if a.get("examples") is not None:
                d["examples"] = a["examples"]
            d["requirement_level"] = "recommended"
            for k in ("note", "stability", "deprecated"):
                if a.get(k) is not None:
                    d[k] = a[k]
            if a.get("annotations"):
                d["annotations"] = a["annotations"]
            entries.append(AttrEntry(d, ("attributes", j), spec))
        gid = f"registry.{synthetic_file_name(spec.provenance)}"
        group(
            gid,
            {"id": gid, "type": "attribute_group", "brief": "<synthetic v2>"},
            ("attributes",),
            entries,
            [],
        )

    def each(section: str) -> list[tuple[int, dict[str, Any]]]:
        return [(j, kept(spec, x, (section, j))) for j, x in section_items(data, section, invalid)]

    for j, e in each("entities"):
        p: Path = ("entities", j)
        ident, _ = refs(e, p, "identity", False, "identifying")
        desc, _ = refs(e, p, "description", False, "descriptive")
        gid = f"entity.{e.get('type')}"
        group(gid, {"id": gid, "type": "entity", "name": e.get("type"), **common(e)}, p, ident + desc, [])
    for j, e in each("events"):
        p = ("events", j)
        attrs, inc = refs(e, p, "attributes", False)
        gid = f"event.{e.get('name')}"
        group(gid, {"id": gid, "type": "event", "name": e.get("name"), **common(e)}, p, attrs, inc)
    for j, m in each("metrics"):
        p = ("metrics", j)
        attrs, inc = refs(m, p, "attributes", False)
        gid = f"metric.{m.get('name')}"
        fields = {
            "id": gid,
            "type": "metric",
            "metric_name": m.get("name"),
            "instrument": m.get("instrument"),
            "unit": m.get("unit"),
            **common(m),
        }
        group(gid, fields, p, attrs, inc)
    for j, s in each("spans"):
        p = ("spans", j)
        attrs, inc = refs(s, p, "attributes", True)
        gid = f"span.{s.get('type')}"
        fields = {
            "id": gid,
            "type": "span",
            "name": s.get("type"),
            "span_kind": s.get("kind"),
            "span_name": s.get("name"),
            **common(s),
        }
        group(gid, fields, p, attrs, inc)
    for j, g in each("attribute_groups"):
        p = ("attribute_groups", j)
        attrs, inc = refs(g, p, "attributes", False)
        gid = str(g.get("id"))
        if g.get("visibility") == "public":
            fields = {"id": gid, "type": "attribute_group", "visibility": "public", **common(g)}
            fields.setdefault("note", "")
        else:
            fields = {
                "id": gid,
                "type": "attribute_group",
                "brief": gid,
                "note": "",
                "visibility": "internal",
            }
        group(gid, fields, p, attrs, inc)
    for section, kind in (
        ("entity_refinements", "entity"),
        ("event_refinements", "event"),
        ("metric_refinements", "metric"),
        ("span_refinements", "span"),
    ):
        for j, r in each(section):
            p = (section, j)
            gid = str(r.get("id"))
            fields = {"id": gid, "type": kind, "extends": f"{kind}.{r.get('ref')}", **common(r, True)}
            if kind == "entity":
                ident, _ = refs(r, p, "identity", False, "identifying")
                desc, _ = refs(r, p, "description", False, "descriptive")
                attrs, inc = ident + desc, []
                fields["name"] = gid
            else:
                attrs, inc = refs(r, p, "attributes", kind == "span")
            if kind in ("event", "span"):
                fields["name"] = gid
            if kind == "span" and r.get("name") is not None:
                fields["span_name"] = r["name"]
            group(gid, fields, p, attrs, inc)
    return out


def file_groups(spec: SpecFile, registry: str, dependency: bool) -> list[UGroup]:
    """The v1 groups of any definition file."""
    if not spec.usable:
        return []
    if spec.check.file_format == "definition/2":
        return v2_groups(spec, registry, dependency)
    return v1_groups(spec, registry, dependency)
