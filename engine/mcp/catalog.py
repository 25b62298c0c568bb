"""weaver's `SearchContext` over the materialized v2 registry: scored search, lookups, namespace browsing.

The input is the template schema `registry resolve --v2` writes (`{registry: {attributes, metrics, spans,
events, entities}}`); results are its objects as they are, so a tool's JSON matches weaver's. Scoring is
weaver_search's: exact id 100, id prefix 80, id substring 70, every query token in an id token 60, brief
contains the query 40, every token in the brief 35, note contains it 20, every token in the note 15; a
deprecated item keeps a tenth (at least 1). Ties keep registry order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from weavergen.search_score import score

KINDS = ("attribute", "metric", "span", "event", "entity")
_LIST = {
    "attribute": "attributes",
    "metric": "metrics",
    "span": "spans",
    "event": "events",
    "entity": "entities",
}
_ID = {"attribute": "key", "metric": "name", "span": "type", "event": "name", "entity": "type"}
MAX_RESULTS = 200


def stability_of(item: dict[str, Any]) -> str:
    """An item's stability as weaver compares it (`experimental` is `development`)."""
    value = str(item.get("stability") or "development")
    return "development" if value == "experimental" else value


def is_template(attribute: dict[str, Any]) -> bool:
    """Whether an attribute is a template (`template[string]`, …), looked up by prefix, not by key."""
    return str(attribute.get("type", "")).startswith("template[")


@dataclass(frozen=True, slots=True)
class _Item:
    """One searchable definition, with what scoring reads lower-cased once."""

    kind: str
    id: str
    data: dict[str, Any]
    id_lower: str
    id_tokens: tuple[str, ...]
    brief_lower: str
    note_lower: str
    deprecated: bool


@dataclass(slots=True)
class Catalog:
    """The searchable items of one registry and its lookup tables."""

    items: list[_Item] = field(default_factory=list)
    index: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    separator: str = "."

    @classmethod
    def of(cls, template_schema: dict[str, Any], separator: str = ".") -> Catalog:
        """Index a v2 template schema (`registry resolve --v2`'s document)."""
        registry = template_schema.get("registry") or {}
        catalog = cls(index={kind: {} for kind in KINDS}, separator=separator or ".")
        for kind in KINDS:
            for data in registry.get(_LIST[kind]) or []:
                id_ = str(data.get(_ID[kind], ""))
                item = _Item(
                    kind,
                    id_,
                    data,
                    id_.lower(),
                    tuple(_split(id_.lower(), catalog.separator, False)),
                    str(data.get("brief") or "").lower(),
                    str(data.get("note") or "").lower(),
                    data.get("deprecated") is not None,
                )
                catalog.items.append(item)
                if kind == "attribute" and is_template(data):
                    catalog.templates[item.id] = data
                else:
                    catalog.index[kind][item.id] = data
        return catalog

    def get(self, kind: str, id_: str) -> dict[str, Any] | None:
        """One attribute (by key), metric or event (by name), span or entity (by type); templates excluded."""
        return self.index.get(kind, {}).get(id_)

    def search(
        self, query: str | None, kind: str = "all", stability: str | None = None, limit: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        """The best `limit` matches (or, without a query, the first items) and how many there are in all."""
        limit = min(max(limit, 0), MAX_RESULTS)
        wanted = "development" if stability == "experimental" else stability
        items = [
            i
            for i in self.items
            if (kind == "all" or i.kind == kind) and (wanted is None or stability_of(i.data) == wanted)
        ]
        if not query:
            return [_result(i, 0) for i in items[:limit]], len(items)
        q = query.lower()
        tokens = tuple(t for t in _split(q, self.separator, True) if t)
        scored = [(s, i) for i in items if (s := score(q, i, tokens)) > 0]
        scored.sort(key=lambda pair: -pair[0])
        return [_result(i, s) for s, i in scored[:limit]], len(scored)

    def browse_namespace(self, prefix: str | None) -> dict[str, Any]:
        """weaver's `NamespaceInfo`: child namespaces, direct attributes, count and depth under a prefix."""
        sep = self.separator
        base = (prefix or "").rstrip(sep) if sep else prefix or ""
        children: set[str] = set()
        direct: list[dict[str, Any]] = []
        total = depth = 0
        for key, data in [*self.index["attribute"].items(), *self.templates.items()]:
            if not base:
                rest: str | None = key
            elif key.startswith(base) and key[len(base) :].startswith(sep):
                rest = key[len(base) + len(sep) :]
            else:
                rest = None
            if rest is None:
                continue
            total += 1
            depth = max(depth, rest.count(sep) + 1)
            if sep in rest:
                segment = rest.split(sep, 1)[0]
                children.add(f"{base}{sep}{segment}" if base else segment)
            else:
                direct.append(
                    {"key": key, "brief": str(data.get("brief") or ""), "stability": stability_of(data)}
                )
        direct.sort(key=lambda a: a["key"])
        return {
            "prefix": base,
            "child_namespaces": sorted(children),
            "attributes": direct,
            "total_attribute_count": total,
            "max_depth": depth,
        }


def _result(item: _Item, score: int) -> dict[str, Any]:
    """weaver's `SearchResult`: the object, flattened, tagged with `result_type` and its `score`."""
    return {"result_type": item.kind, "score": score, **item.data}


def _split(text: str, separator: str, whitespace: bool) -> list[str]:
    """Split on any character of the separator and `_` (and white space, for a query), as weaver does."""
    chars = re.escape(separator + "_")
    return re.split(f"[{chars}\\s]" if whitespace else f"[{chars}]", text)
