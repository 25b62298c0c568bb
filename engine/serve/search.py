"""weaver serve's registry search: weaver_search's scoring over the v2 materialized registry.

Scores, best first (weaver_search `score_fields`): 100 exact id, 80 id prefix, 70 id substring, 60 every
query token inside some id token, 40 brief contains the query, 20 note contains it, 35 / 15 every token in
the brief / note; a deprecated item keeps a tenth of its score (at least 1). Ties keep registry order
(attributes, metrics, spans, events, entities, each sorted by id), as weaver's stable sort does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from weavergen.search_score import score, tokens_of

KINDS = ("attribute", "metric", "span", "event", "entity")
SECTIONS = {
    "attribute": "attributes",
    "metric": "metrics",
    "span": "spans",
    "event": "events",
    "entity": "entities",
}
ID_FIELD = {"attribute": "key", "metric": "name", "span": "type", "event": "name", "entity": "type"}
STABILITIES = ("stable", "development", "alpha", "beta", "release_candidate", "deprecated")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_ID_SPLIT = re.compile(r"[._]")


@dataclass(frozen=True, slots=True)
class Item:
    """One searchable definition, with its lower-cased texts computed once."""

    kind: str
    id: str
    body: dict[str, Any]
    id_lower: str
    id_tokens: tuple[str, ...]
    brief_lower: str
    note_lower: str
    stability: str
    deprecated: bool

    @classmethod
    def of(cls, kind: str, body: dict[str, Any]) -> Item:
        """An item of a materialized attribute or signal."""
        ident = str(body.get(ID_FIELD[kind], ""))
        lower = ident.lower()
        return cls(
            kind=kind,
            id=ident,
            body=body,
            id_lower=lower,
            id_tokens=tuple(_ID_SPLIT.split(lower)),
            brief_lower=str(body.get("brief") or "").lower(),
            note_lower=str(body.get("note") or "").lower(),
            stability=str(body.get("stability") or ""),
            deprecated=body.get("deprecated") is not None,
        )

    @property
    def id_key(self) -> tuple[str, str]:
        """The item's kind and id."""
        return (self.kind, self.id)

    def result(self, score: int) -> dict[str, Any]:
        """weaver's `SearchResult`: `result_type`, `score` and the whole object flattened in."""
        return {"result_type": self.kind, "score": score, **self.body}


def items_of(materialized: dict[str, Any]) -> list[Item]:
    """Every attribute and signal of a materialized registry, in weaver's browse order."""
    registry = materialized.get("registry", {})
    return [Item.of(kind, body) for kind in KINDS for body in registry.get(SECTIONS[kind], [])]


class Blob:
    """One text field of every item, for finding which items contain a substring."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def having(self, needle: str) -> set[int]:
        """Indexes of the items whose text contains `needle`."""
        return {i for i, text in enumerate(self.texts) if needle in text}


class SearchIndex:
    """The items of one registry generation and their id, brief and note blobs."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.ids = Blob([i.id_lower for i in items])
        self.briefs = Blob([i.brief_lower for i in items])
        self.notes = Blob([i.note_lower for i in items])
        self._json: dict[tuple[str, str], str] = {}

    def candidates(self, q: str, tokens: tuple[str, ...]) -> list[Item]:
        """A superset of the items `score` can match, in registry order (every rule needs a substring)."""
        found = self.ids.having(q) | self.briefs.having(q) | self.notes.having(q)
        for blob in (self.ids, self.briefs, self.notes):
            if tokens and tokens != (q,):
                common = blob.having(tokens[0])
                for t in tokens[1:]:
                    common &= blob.having(t)
                found |= common
        return [self.items[i] for i in sorted(found)]

    def page(
        self,
        query: str | None,
        kind: str = "all",
        stability: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> tuple[list[tuple[int, Item]], int]:
        """One page of (score, item), best first, and the total number of matches; no (or an empty)
        query lists everything in registry order with score 0 (weaver's browse mode)."""
        limit = min(limit, MAX_LIMIT)
        if not query:
            chosen = [i for i in self.items if _wanted(i, kind, stability)]
            return [(0, i) for i in chosen[offset : offset + limit]], len(chosen)
        q = query.lower()
        tokens = tokens_of(q)
        scored = [
            (s, i)
            for i in self.candidates(q, tokens)
            if _wanted(i, kind, stability) and (s := score(q, i, tokens))
        ]
        scored.sort(key=lambda pair: -pair[0])
        return scored[offset : offset + limit], len(scored)

    def search(self, query: str | None, *args: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
        """`page` with each result as weaver's `SearchResult` object."""
        found, total = self.page(query, *args, **kwargs)
        return [i.result(s) for s, i in found], total

    def result_json(self, score_: int, item: Item) -> str:
        """One result as JSON text; the item's own JSON is encoded once per generation."""
        body = self._json.get(item.id_key)
        if body is None:
            body = self._json[item.id_key] = json.dumps(item.body, ensure_ascii=False)
        head = f'{{"result_type": "{item.kind}", "score": {score_}'
        return head + ("}" if body == "{}" else ", " + body[1:])


def _wanted(item: Item, kind: str, stability: str | None) -> bool:
    return (kind == "all" or item.kind == kind) and (stability is None or item.stability == stability)
