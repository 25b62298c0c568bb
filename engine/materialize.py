"""weaver's v2 *materialized* registry: what `--v2` policies and templates see.

Built from the v1 resolution exactly as weaver 0.25.1's `convert_v1_to_v2` and forge v2 do (see
`reference/v2-and-policy-inputs.md` §3): attribute keys instead of names, signals by kind, every
definition repeated as a refinement, empty fields omitted (policies test `not x.deprecated`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from weavergen.resolve import Resolution, ResolvedGroup

_SIGNALS = {"metric": "metrics", "span": "spans", "event": "events", "entity": "entities"}
_MISSING_STABILITY = "alpha"


def _trim(value: str, prefix: str) -> str:
    while value.startswith(prefix):
        value = value[len(prefix) :]
    return value


def _provenance(group: ResolvedGroup, resolution: Resolution) -> dict[str, Any]:
    if group.source.dependency:
        return {"source": _schema_url_of(group, resolution)}
    return {"path": group.source.provenance}


def _schema_url_of(group: ResolvedGroup, resolution: Resolution) -> str:
    for dep in resolution.dependencies:
        if group.id in dep.by_id:
            return dep.registry.schema_url
    return resolution.registry.schema_url


def _group(resolution: Resolution, gid: str) -> ResolvedGroup | None:
    """A resolved group by id: the registry's own, else a dependency's (a refinement may refine those)."""
    found = resolution.by_id.get(gid)
    for dep in resolution.dependencies:
        if found is not None:
            break
        found = dep.by_id.get(gid)
    return found


def _attribute(attr: dict[str, Any], provenance: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"key": attr["name"], "type": attr["type"]}
    if attr.get("examples") is not None:
        out["examples"] = attr["examples"]
    out["brief"] = attr.get("brief", "")
    if attr.get("note"):
        out["note"] = attr["note"]
    out["stability"] = attr.get("stability") or _MISSING_STABILITY
    if attr.get("deprecated") is not None:
        out["deprecated"] = attr["deprecated"]
    if attr.get("annotations"):
        out["annotations"] = attr["annotations"]
    if provenance:
        out["provenance"] = provenance
    return out


def _common(fields: dict[str, Any], into: dict[str, Any]) -> None:
    into["brief"] = fields.get("brief", "")
    if fields.get("note"):
        into["note"] = fields["note"]
    into["stability"] = fields.get("stability") or _MISSING_STABILITY
    if fields.get("deprecated") is not None:
        into["deprecated"] = fields["deprecated"]
    if fields.get("annotations"):
        into["annotations"] = fields["annotations"]


class _Materializer:
    def __init__(self, resolution: Resolution) -> None:
        self.res = resolution
        self.attr_provenance: dict[str, dict[str, Any]] = {}
        for name, d in resolution.definitions.items():
            self.attr_provenance[name] = (
                {"source": resolution.registry.schema_url}
                if d.group.dependency
                else {"path": d.group.provenance}
            )
        for dep in resolution.dependencies:
            for name in dep.definitions:
                self.attr_provenance.setdefault(name, {"source": dep.registry.schema_url})

    def signal_attrs(self, g: ResolvedGroup, span: bool = False) -> list[dict[str, Any]]:
        out = []
        for a in g.attributes:
            m = _attribute(a, self.attr_provenance.get(a["name"]))
            m["requirement_level"] = a.get("requirement_level", "recommended")
            if span and a.get("sampling_relevant") is not None:
                m["sampling_relevant"] = a["sampling_relevant"]
            out.append(m)
        return out

    def signal(self, g: ResolvedGroup, kind: str, base: ResolvedGroup | None) -> dict[str, Any]:
        f = g.fields
        out: dict[str, Any] = {}
        if kind == "metric":
            out["name"] = f.get("metric_name") or (base.fields.get("metric_name") if base else None)
            out["instrument"] = f.get("instrument")
            out["unit"] = f.get("unit")
        elif kind == "span":
            out["type"] = _trim(base.id if base else g.id, "span.")
            out["kind"] = f.get("span_kind") or "internal"
            out["name"] = f.get("span_name") or {"note": ""}
        elif kind == "event":
            out["name"] = f.get("name") or _trim(g.id, "event.")
        else:
            out["type"] = _trim(base.id if base else g.id, "entity.")
        attrs = self.signal_attrs(g, kind == "span")
        if kind == "entity":
            ident = sorted(
                (
                    a
                    for a, src in zip(attrs, g.attributes, strict=True)
                    if src.get("role", "identifying") == "identifying"
                ),
                key=lambda a: a["key"],
            )
            desc = sorted(
                (
                    a
                    for a, src in zip(attrs, g.attributes, strict=True)
                    if src.get("role", "identifying") != "identifying"
                ),
                key=lambda a: a["key"],
            )
            if ident:
                out["identity"] = ident
            if desc:
                out["description"] = desc
        elif attrs:
            out["attributes"] = attrs
        if kind != "entity" and f.get("entity_associations"):
            out["entity_associations"] = f["entity_associations"]
        if f.get("requirement_level") is not None:
            out["requirement_level"] = f["requirement_level"]
        _common(f, out)
        out["provenance"] = _provenance(g, self.res)
        return out

    def build(self) -> dict[str, Any]:
        res = self.res
        registry: dict[str, list[dict[str, Any]]] = {
            "attributes": [],
            "attribute_groups": [],
            "metrics": [],
            "spans": [],
            "events": [],
            "entities": [],
        }
        refinements: dict[str, list[dict[str, Any]]] = {
            "metrics": [],
            "spans": [],
            "events": [],
            "entities": [],
        }
        seen_attrs: set[str] = set()
        for g in res.groups:
            lineage_attrs = g.lineage.get("attributes", {})
            for a in g.attributes:
                if a["name"] not in lineage_attrs and a["name"] not in seen_attrs:
                    seen_attrs.add(a["name"])
                    registry["attributes"].append(_attribute(a, self.attr_provenance.get(a["name"])))
            if g.type == "attribute_group":
                if g.fields.get("visibility") == "public":
                    ag: dict[str, Any] = {
                        "id": _trim(g.id, "attribute_group."),
                        "attributes": self.signal_attrs(g),
                    }
                    _common(g.fields, ag)
                    ag["provenance"] = _provenance(g, res)
                    registry["attribute_groups"].append(ag)
                continue
            kind = g.type
            section = _SIGNALS.get(kind)
            if section is None:
                continue
            base_id = g.lineage.get("extends_group")
            base = _group(res, base_id) if base_id else None
            if base is not None and base.type != kind:
                base = None
            if base is None:
                sig = self.signal(g, kind, None)
                registry[section].append(sig)
                key = "name" if kind in ("metric", "event") else "type"
                refinements[section].append({"id": sig[key], **sig})
            else:
                root = base
                seen = {id(g), id(root)}
                while (parent := root.lineage.get("extends_group")) and (
                    _group(res, parent) or root
                ).type == kind:
                    nxt = _group(res, parent)
                    if nxt is None or id(nxt) in seen:  # two refinements extending each other: a cycle
                        break
                    seen.add(id(nxt))
                    root = nxt
                sig = self.signal(g, kind, root)
                rid = _trim(g.id, f"{kind}.")
                refinements[section].append({"id": rid, **sig})
        registry["attributes"].sort(key=_by("key"))
        registry["metrics"].sort(key=_by("name"))
        registry["events"].sort(key=_by("name"))
        registry["spans"].sort(key=_by("type"))
        registry["entities"].sort(key=_by("type"))
        for lst in refinements.values():
            lst.sort(key=_by("id"))
        return {"schema_url": res.registry.schema_url, "registry": registry, "refinements": refinements}


def _by(key: str) -> Callable[[dict[str, Any]], str]:
    """A sort key by one field; a group that failed its checks (a metric without `metric_name`) may lack
    it, and is sorted first rather than stopping the run."""
    return lambda item: str(item.get(key) or "")


def materialize(resolution: Resolution) -> dict[str, Any]:
    """The v2 materialized registry of a resolution (weaver 0.25.1's `ForgeResolvedRegistry`)."""
    return _Materializer(resolution).build()
