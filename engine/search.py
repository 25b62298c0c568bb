"""`registry search`: find attributes and signals of a resolved registry by id, name or brief.

Ranking, best first: the exact id (or name) > an id that starts with the query > an id that contains it
(the words of a query joined by `.` or `_` count: "request duration" finds `http.server.request.duration`)
> an id holding every word of the query > a brief whose words contain every word of the query. Case is
ignored; ties put stable before development and deprecated last, then kind, then the shorter id.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from weavergen.resolve import Resolution

SCORE_EXACT = 100
SCORE_PREFIX = 75
SCORE_SUBSTRING = 50
SCORE_ID_WORDS = 40
SCORE_BRIEF = 25
NARROW = 100
"""Below this many columns the table would squeeze the brief: hits are listed, brief under the id."""
_KIND_ORDER = ("attribute", "metric", "span", "event", "entity")
_WORD = re.compile(r"[\w.-]+")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One match: what it is, its id, brief, stability, whether it is deprecated, and its score."""

    kind: str
    id: str
    brief: str
    stability: str | None
    deprecated: bool
    score: int

    def as_dict(self) -> dict[str, Any]:
        """The hit as `--format json` prints it."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str
    id: str
    names: tuple[str, ...]
    brief: str
    stability: str | None
    deprecated: bool


def _entries(resolution: Resolution) -> list[_Entry]:
    """Every attribute once, and every metric, span, event and entity group."""
    out: list[_Entry] = []
    seen: set[str] = set()
    for g in resolution.groups:
        for a in g.attributes:
            name = str(a.get("name"))
            if name not in seen:
                seen.add(name)
                out.append(_entry("attribute", name, (name,), a))
    for g in resolution.groups:
        if g.type not in ("metric", "span", "event", "entity"):
            continue
        f = g.fields
        signal_name = f.get("metric_name") if g.type == "metric" else f.get("name")
        names = (g.id, str(signal_name)) if signal_name else (g.id,)
        out.append(_entry(g.type, g.id, names, f))
    return out


def _entry(kind: str, id_: str, names: tuple[str, ...], fields: dict[str, Any]) -> _Entry:
    stability = fields.get("stability")
    return _Entry(
        kind=kind,
        id=id_,
        names=names,
        brief=str(fields.get("brief") or "").strip(),
        stability=str(stability) if stability is not None else None,
        deprecated=fields.get("deprecated") is not None,
    )


def score(entry_names: tuple[str, ...], brief: str, query: str) -> int:
    """How well `query` matches: 100 exact id, 75 id prefix, 50 id substring, 25 brief words, 0 none."""
    q = query.strip().lower()
    if not q:
        return 0
    names = [n.lower() for n in entry_names]
    if q in names:
        return SCORE_EXACT
    if any(n.startswith(q) for n in names):
        return SCORE_PREFIX
    wanted = [w.strip(".-") for w in _WORD.findall(q)]
    joined = {sep.join(wanted) for sep in (".", "_")} if len(wanted) > 1 else {q}
    if any(j in n for j in joined for n in names):
        return SCORE_SUBSTRING
    segments = {part for n in names for part in re.split(r"[._-]", n)}
    if len(wanted) > 1 and all(w in segments for w in wanted):
        return SCORE_ID_WORDS
    words = {w.strip(".-") for w in _WORD.findall(brief.lower())}
    if wanted and all(any(w in bw for bw in words) for w in wanted):
        return SCORE_BRIEF
    return 0


def search(resolution: Resolution, query: str, limit: int | None = None) -> list[SearchHit]:
    """The attributes and signals matching `query`, best first, at most `limit` of them."""
    hits = []
    for e in _entries(resolution):
        s = score(e.names, e.brief, query)
        if s:
            hits.append(SearchHit(e.kind, e.id, e.brief, e.stability, e.deprecated, s))
    hits.sort(
        key=lambda h: (
            -h.score,
            h.deprecated,
            h.stability != "stable",
            _KIND_ORDER.index(h.kind),
            len(h.id),
            h.id,
        )
    )
    return hits if limit is None else hits[:limit]


def _shorten(brief: str, limit: int = 80) -> str:
    """The first line of a brief, cut at a word boundary to at most `limit` characters."""
    line = brief.splitlines()[0] if brief else ""
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + "…"


def _render_list(hits: list[SearchHit], query: str, console: Any) -> str:
    """Narrow terminals: `kind id (stability)` on one line, the brief wrapped under it."""
    import textwrap

    lines = [f"{len(hits)} result{'s' if len(hits) != 1 else ''} for {query!r}", ""]
    for h in hits:
        stability = (h.stability or "") + (", deprecated" if h.deprecated else "")
        lines.append(f"{h.kind:<9} {h.id}" + (f"  ({stability})" if stability else ""))
        brief = " ".join(h.brief.split())
        if brief:
            lines.extend(
                textwrap.wrap(
                    brief,
                    width=max(console.width - 10, 20),
                    initial_indent=" " * 10,
                    subsequent_indent=" " * 10,
                )
            )
    return "\n".join(lines) + "\n"


def render_table(hits: list[SearchHit], query: str, *, width: int | None = None, color: bool = False) -> str:
    """The hits as a rich table (kind, id, stability, brief), or a line saying nothing matched."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=width, color_system="auto" if color else None, force_terminal=color, record=True)
    if not hits:
        return f"No attribute or signal matches {query!r}.\n"
    if console.width < NARROW:
        return _render_list(hits, query, console)
    table = Table(title=f"{len(hits)} result{'s' if len(hits) != 1 else ''} for {query!r}")
    table.add_column("kind", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("stability")
    table.add_column("brief", overflow="fold")
    for h in hits:
        stability = (h.stability or "") + (", deprecated" if h.deprecated else "")
        table.add_row(h.kind, h.id, stability, _shorten(h.brief))
    with console.capture() as capture:
        console.print(table)
    return capture.get()
