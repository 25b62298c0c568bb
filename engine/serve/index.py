"""One generation of a served registry: the v2 materialized registry, its search items, lookups, the
attribute namespace tree, and where each definition is written and mentioned.

Built once per reload (in the watcher thread); requests only read it, so a request never sees half a
reload.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from weavergen.materialize import materialize
from weavergen.navigation import Occurrence, occurrences
from weavergen.serve.search import ID_FIELD, KINDS, SECTIONS, Item, SearchIndex, items_of
from weavergen.stats import stats_v2
from weavergen.workspace import Snapshot


def _signal_id(kind: str, group_id: str, fields: dict[str, Any]) -> str:
    """The id a v1 or v2 signal group has in the materialized registry (as `materialize` names it)."""
    prefix = f"{kind}."
    trimmed = group_id[len(prefix) :] if group_id.startswith(prefix) else group_id
    if kind == "metric":
        return str(fields.get("metric_name") or trimmed)
    if kind == "event":
        return str(fields.get("name") or trimmed)
    return trimmed


def _where(o: Occurrence) -> dict[str, Any]:
    """A mention as JSON: file, 1-based line and column, and whether it is the definition."""
    return {
        "file": o.file,
        "line": o.range.start.line + 1,
        "column": o.range.start.column + 1,
        "definition": o.definition,
    }


@dataclass(slots=True)
class RegistryView:
    """Everything the API answers from, for one generation of the registry."""

    generation: int
    materialized: dict[str, Any]
    items: list[Item]
    lookup: dict[str, dict[str, dict[str, Any]]]
    index: SearchIndex
    mentions: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    used_by: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    _stats: dict[str, Any] | None = None

    @classmethod
    def of(cls, snapshot: Snapshot) -> RegistryView:
        """Build the view of a workspace snapshot."""
        materialized = materialize(snapshot.resolution)
        items = items_of(materialized)
        lookup: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in KINDS}
        for item in items:
            lookup[item.kind].setdefault(item.id, item.body)
        view = cls(snapshot.generation, materialized, items, lookup, SearchIndex(items))
        view._index_mentions(snapshot)
        view._index_usage()
        return view

    def _index_mentions(self, snapshot: Snapshot) -> None:
        by_group: dict[str, list[Occurrence]] = defaultdict(list)
        for spec in snapshot.registry.files:
            for o in occurrences(spec):
                if o.kind == "attribute":
                    self.mentions.setdefault(("attribute", o.name), []).append(_where(o))
                else:
                    by_group[o.name].append(o)
        for g in snapshot.resolution.groups:
            if g.type not in KINDS or g.type == "attribute":
                continue
            sid = _signal_id(g.type, g.id, g.fields)
            found = by_group.get(g.id, []) + (
                by_group.get(f"{g.type}.{sid}", []) if g.id != f"{g.type}.{sid}" else []
            )
            self.mentions.setdefault((g.type, sid), []).extend(_where(o) for o in found)
        for places in self.mentions.values():
            places.sort(key=lambda w: (not w["definition"], w["file"], w["line"], w["column"]))

    def _index_usage(self) -> None:
        registry = self.materialized.get("registry", {})
        for kind in KINDS[1:]:
            for body in registry.get(SECTIONS[kind], []):
                sid = str(body.get(ID_FIELD[kind]))
                for section in ("attributes", "identity", "description"):
                    for a in body.get(section, []) or []:
                        self.used_by.setdefault(str(a.get("key")), []).append({"kind": kind, "id": sid})
        for group in registry.get("attribute_groups", []):
            for a in group.get("attributes", []) or []:
                self.used_by.setdefault(str(a.get("key")), []).append(
                    {"kind": "attribute_group", "id": str(group.get("id"))}
                )

    def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        """An attribute or signal by its id (attribute key, metric or event name, span or entity type)."""
        return self.lookup[kind].get(ident)

    def stats(self) -> dict[str, Any]:
        """`registry stats --v2` of this generation, with the registry's schema URL (computed once)."""
        if self._stats is None:
            self._stats = {"schema_url": self.materialized.get("schema_url"), **stats_v2(self.materialized)}
        return self._stats

    def details(self, kind: str, ident: str) -> dict[str, Any]:
        """Beyond weaver: where a definition is written and mentioned, and which signals use it."""
        out: dict[str, Any] = {"mentions": self.mentions.get((kind, ident), [])}
        if kind == "attribute":
            out["used_by"] = self.used_by.get(ident, [])
        return out

    def namespaces(self) -> dict[str, Any]:
        """The attribute keys as a tree of namespaces: `{name, path, attributes, children}`."""
        root: dict[str, Any] = {"name": "", "path": "", "attributes": [], "children": {}}
        for item in self.items:
            if item.kind != "attribute":
                continue
            parts = item.id.split(".")
            node = root
            for depth, part in enumerate(parts[:-1]):
                path = ".".join(parts[: depth + 1])
                node = node["children"].setdefault(
                    part, {"name": part, "path": path, "attributes": [], "children": {}}
                )
            node["attributes"].append(
                {"key": item.id, "stability": item.stability, "deprecated": item.deprecated}
            )
        return _listed(root)


def _listed(node: dict[str, Any]) -> dict[str, Any]:
    """A tree node with its children as a sorted list and its total attribute count."""
    children = [_listed(c) for _, c in sorted(node["children"].items())]
    total = len(node["attributes"]) + sum(c["total"] for c in children)
    return {**node, "children": children, "total": total}
