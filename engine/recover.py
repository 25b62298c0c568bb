"""Reading what is still readable in a YAML file with a syntax error, one top-level item at a time.

While someone types, a file is mostly fine and broken in one place. The text is cut into its top-level
sections (lines at column 0) and each section's list into its items (lines starting with `-` left of
the item's keys); each piece is parsed alone and its positions moved back to the whole file's. Pieces
that parse are merged into the document's data; the lines of the others are `unparsed`: any name might
be defined there.
"""

from __future__ import annotations

import re
from typing import Any

from weavergen.diagnostics import Range
from weavergen.document import EVERYTHING, Document, Unreadable, compose
from weavergen.yaml_budget import YamlBudget

_TOP_KEY = re.compile(r"^[^\s#\-][^:]*:(\s|$)")
_DASH = re.compile(r"^(\s*)-(\s+|$)")


def _region(lines: list[str], start: int, end: int) -> Unreadable:
    """Unparsed lines; the last region of a file may have been cut off, so it could define anything."""
    if end >= len(lines):
        return Unreadable(start, EVERYTHING)
    return Unreadable.of_text(start, end, "".join(lines[start:end]))


def _is_top(line: str) -> bool:
    return bool(_TOP_KEY.match(line)) and not line.startswith(("---", "..."))


def _sections(lines: list[str]) -> list[tuple[int, int]]:
    """`[start, end)` line ranges of the top-level keys; lines before the first belong to none."""
    starts = [i for i, line in enumerate(lines) if _is_top(line)]
    return [(s, starts[k + 1] if k + 1 < len(starts) else len(lines)) for k, s in enumerate(starts)]


def _items(lines: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """`[start, end)` ranges of a block sequence's items between lines start (exclusive) and end."""
    out: list[tuple[int, int]] = []
    content = -1
    for i in range(start + 1, end):
        m = _DASH.match(lines[i])
        if m is None:
            continue
        indent = len(m.group(1))
        if content < 0 or indent < content:
            out.append((i, end))
            rest = lines[i][m.end() :]
            content = m.end() if rest.strip() else indent + 2
    return [(s, out[k + 1][0] if k + 1 < len(out) else end) for k, (s, _) in enumerate(out)]


def _piece(
    lines: list[str], keep: list[tuple[int, int]], doc: Document, budget: YamlBudget
) -> Document | None:
    """Parse only the kept line ranges, and move every position back to its line in the whole file.

    A list item's own syntax error is added to the document's unless one is already reported on its
    line (parsed again with the other lines blank, so that the parser's message names the right line).
    """
    real = [n for s, e in keep for n in range(s, e)]
    piece = Document(path=doc.path, digest="")
    if compose("".join(lines[n] for n in real), piece, budget):
        _move(piece, real)
        return piece
    if len(keep) > 1:
        padded = ["\n"] * max(e for _, e in keep)
        for s, e in keep:
            padded[s:e] = lines[s:e]
        failed = Document(path=doc.path, digest="")
        compose("".join(padded), failed, budget)
        known = {d.range.start.line for d in doc.diagnostics if d.range is not None}
        doc.diagnostics.extend(
            d for d in failed.diagnostics if d.range is None or d.range.start.line not in known
        )
    return None


def _move(piece: Document, real: list[int]) -> None:
    """Piece line numbers to file line numbers (`real[i]` is the file line of piece line i)."""

    def line(n: int) -> int:
        return real[n] if n < len(real) else real[-1] + n - len(real) + 1

    for table in (piece.spans, piece.key_spans):
        for p, (sl, sc, el, ec) in table.items():
            table[p] = (line(sl), sc, line(el), ec)
    for d in piece.diagnostics:
        if d.range is not None:
            d.range = Range.of(
                line(d.range.start.line), d.range.start.column, line(d.range.end.line), d.range.end.column
            )


def _merge(doc: Document, piece: Document, key: Any, index: int | None, at: int) -> None:
    """Copy a piece's nodes into the document; a list item moves from index 0 to `at`."""
    doc.diagnostics.extend(piece.diagnostics)
    for table, target in ((piece.spans, doc.spans), (piece.key_spans, doc.key_spans)):
        for p, span in table.items():
            if not p:
                continue
            if index is not None and len(p) >= 2 and p[1] == 0:
                target[(p[0], at, *p[2:])] = span
            elif index is None or len(p) == 1:
                target.setdefault(p, span)
    doc.repeated.extend(
        (p[0], at, *p[2:]) if index is not None and len(p) >= 2 else p for p in piece.repeated
    )


def recover(text: str, doc: Document, budget: YamlBudget) -> None:
    """Fill a document that failed to parse with every top-level section or list item that parses alone."""
    lines = text.splitlines(keepends=True)
    data: dict[Any, Any] = {}
    unparsed: list[Unreadable] = []
    for start, end in _sections(lines):
        piece = _piece(lines, [(start, end)], doc, budget)
        if piece is not None and isinstance(piece.data, dict) and len(piece.data) == 1:
            key, value = next(iter(piece.data.items()))
            if key not in data:
                data[key] = value
                _merge(doc, piece, key, None, 0)
                continue
        _recover_items(lines, start, end, doc, data, unparsed, budget)
    first = _sections(lines)[0][0] if _sections(lines) else len(lines)
    if any(line.strip() and not line.lstrip().startswith("#") for line in lines[:first]):
        unparsed.append(_region(lines, 0, first))
    doc.data = data
    doc.spans.setdefault((), (0, 0, max(len(lines) - 1, 0), 0))
    doc.unparsed = unparsed


def _recover_items(
    lines: list[str],
    start: int,
    end: int,
    doc: Document,
    data: dict[Any, Any],
    unparsed: list[Unreadable],
    budget: YamlBudget,
) -> None:
    """A section that does not parse whole: keep each of its list items that parses alone."""
    items = _items(lines, start, end)
    header = _piece(lines, [(start, start + 1)], doc, budget)
    key = (
        next(iter(header.data))
        if header is not None and isinstance(header.data, dict) and header.data
        else None
    )
    if key is None or key in data or not items:
        unparsed.append(_region(lines, start, end))
        return
    if any(line.strip() and not line.lstrip().startswith("#") for line in lines[start + 1 : items[0][0]]):
        unparsed.append(_region(lines, start, end))  # text before the first item: the split is unsure
        return
    kept: list[Any] = []
    for s, e in items:
        piece = _piece(lines, [(start, start + 1), (s, e)], doc, budget)
        value = piece.data.get(key) if piece is not None and isinstance(piece.data, dict) else None
        if piece is None or not isinstance(value, list) or len(value) != 1:
            unparsed.append(_region(lines, s, e))
            continue
        _merge(doc, piece, key, 0, len(kept))
        kept.append(value[0])
    data[key] = kept
    doc.key_spans.setdefault((key,), (start, 0, start, len(str(key))))
    first, last = items[0][0], items[-1][1]
    doc.spans.setdefault((key,), (first, 0, last, 0))
