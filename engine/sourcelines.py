"""Source texts for rendering, each split once per file: lines to quote and UTF-8 byte offsets.

Rendering thousands of diagnostics of one large file must cost linear time: splitting the text (or
encoding its prefix) once per diagnostic made 220 KB of `groups: []` take minutes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from weavergen.diagnostics import Position, Range

SourceLookup = Callable[[str], str | None]
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # PyYAML's line breaks, so line numbers agree


class SourceLines:
    """A source lookup that splits each file into lines once, so quoting many diagnostics of one large
    file costs linear time, not a split per diagnostic."""

    def __init__(self, source: SourceLookup | None) -> None:
        self.source = source
        self.cache: dict[str, list[str] | None] = {}
        self.offsets: dict[str, tuple[str, list[int], list[int]] | None] = {}

    def __call__(self, file: str) -> list[str] | None:
        if file not in self.cache:
            text = self.source(file) if self.source is not None else None
            self.cache[file] = LINE_BREAK.split(text) if text is not None else None
        return self.cache[file]

    def byte_span(self, file: str | None, rng: Range | None) -> dict[str, int] | None:
        """miette's `SourceSpan` (`{offset, length}` in UTF-8 bytes) of a range of a file's text."""
        if file is None or rng is None:
            return None
        if file not in self.offsets:
            text = self.source(file) if self.source is not None else None
            self.offsets[file] = _line_offsets(text) if text is not None else None
        found = self.offsets[file]
        if found is None:
            return None
        text, starts, byte_starts = found

        def offset(pos: Position) -> int:
            if pos.line >= len(starts):
                return byte_starts[-1]
            begin = starts[pos.line]
            piece = text[begin : min(begin + pos.column, len(text))]
            return byte_starts[pos.line] + len(piece.encode("utf-8", "surrogatepass"))

        start = offset(rng.start)
        return {"offset": start, "length": max(offset(rng.end) - start, 0)}


def _line_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """The text, the code-point offset of each line start, and the UTF-8 byte offset of each (and of the
    end)."""
    starts = [0, *(m.end() for m in LINE_BREAK.finditer(text))]
    byte_starts = [0]
    for a, b in zip(starts, [*starts[1:], len(text)], strict=True):
        byte_starts.append(byte_starts[-1] + len(text[a:b].encode("utf-8", "surrogatepass")))
    return text, starts, byte_starts
