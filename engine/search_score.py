"""weaver_search's relevance score (`score_fields`), the one scoring of `serve`'s search and of the
`search` tool of `registry mcp`.

Best first: 100 exact id, 80 id prefix, 70 id substring, 60 every query token inside some id token, 40
brief contains the query, 20 note contains it, 35 / 15 every token in the brief / note; a deprecated item
keeps a tenth of its score (at least 1).
"""

from __future__ import annotations

import re
from typing import Protocol

_QUERY_SPLIT = re.compile(r"[._\s]+")


def tokens_of(query_lower: str) -> tuple[str, ...]:
    """A lower-cased query's tokens: split at `.`, `_` and white space."""
    return tuple(t for t in _QUERY_SPLIT.split(query_lower) if t)


class Searchable(Protocol):
    """What scoring reads of an item, lower-cased once (serve's `Item`, the MCP catalog's items)."""

    @property
    def id_lower(self) -> str: ...
    @property
    def id_tokens(self) -> tuple[str, ...]: ...
    @property
    def brief_lower(self) -> str: ...
    @property
    def note_lower(self) -> str: ...
    @property
    def deprecated(self) -> bool: ...


def score(query_lower: str, item: Searchable, tokens: tuple[str, ...] | None = None) -> int:
    """weaver_search's relevance of an item for a lower-cased query (0: no match)."""
    if tokens is None:
        tokens = tokens_of(query_lower)
    ident = item.id_lower
    value = 0
    if ident == query_lower:
        value = 100
    elif ident.startswith(query_lower):
        value = 80
    elif query_lower in ident:
        value = 70
    elif (
        tokens
        and all(t in ident for t in tokens)  # a cheap test first: most items fail it
        and all(any(t in it for it in item.id_tokens) for t in tokens)
    ):
        value = 60
    elif query_lower in item.brief_lower:
        value = 40
    elif query_lower in item.note_lower:
        value = 20
    elif tokens and all(t in item.brief_lower for t in tokens):
        value = 35
    elif tokens and all(t in item.note_lower for t in tokens):
        value = 15
    if item.deprecated and value:
        value = max(value // 10, 1)
    return value
