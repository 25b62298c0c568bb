"""What a schema error costs, and no more: the one field, entry or item to set aside, and what it hid.

weaver rejects a whole file on the first schema error. weavergen keeps everything the error does not
touch: a wrong optional field is dropped from its item, a wrong attribute entry is skipped from its
group, and only an item whose identity (`id`, `key`, `type`, `name`…) or, for a definition, whose type
is wrong is skipped whole. What is set aside is recorded in the file's `FileCheck`: the names it defined
(`broken_names`), or, when its name cannot be read, its lines (`unreadable`), so that resolution says
"could not be checked" instead of inventing an unresolved reference.
"""

from __future__ import annotations

from typing import Any

from weavergen.document import EVERYTHING, REFERENCE_KEYS, Document, FileCheck, Path, Unreadable, value_at

V1_SECTIONS = ("groups",)
V2_IDENTITY = {
    "attributes": "key",
    "entities": "type",
    "events": "name",
    "metrics": "name",
    "spans": "type",
    "attribute_groups": "id",
    "entity_refinements": "id",
    "event_refinements": "id",
    "metric_refinements": "id",
    "span_refinements": "id",
}
_V2_PREFIX = {"entities": "entity.", "events": "event.", "metrics": "metric.", "spans": "span."}
_ENTRY_LISTS = ("attributes", "identity", "description")


class Salvager:
    """Records, error by error, what of one file must be set aside; `finish` marks a cut-off end."""

    def __init__(self, doc: Document, data: dict[Any, Any], fmt: str, check: FileCheck) -> None:
        self.doc = doc
        self.data = data
        self.v2 = fmt == "definition/2"
        self.check = check
        self.absent_lines: list[int] = []

    # -- one schema error ------------------------------------------------------------------------

    def error(self, loc: tuple[str | int, ...], absent: bool = False) -> None:
        """Set aside what the schema error at `loc` (data path, tag tokens removed) makes unusable.

        `absent`: the error is a missing or empty value, what a file cut off at a line end shows.
        """
        if absent:
            span = self.doc.spans.get(loc[:2]) if len(loc) >= 2 else None
            self.absent_lines.append(span[0] if span else 0)
        if not loc:
            return
        section = loc[0]
        if section == "imports":
            self.check.invalid_items.add(("imports",))
            return
        if not self._is_section(section):
            self._unknown_top_level(loc)
            return
        if len(loc) < 2 or not isinstance(loc[1], int):
            self._skip_unreadable((section,), lost=isinstance(value_at(self.data, (section,)), dict))
            return
        item: Path = loc[:2]
        node = value_at(self.data, item)
        if not isinstance(node, dict):
            self._skip_unreadable(item)
            return
        rest = loc[2:]
        in_list = rest and rest[0] in _ENTRY_LISTS and isinstance(node.get(rest[0]), list)
        if in_list and len(rest) >= 2 and isinstance(rest[1], int):
            self._entry_error(item, node, (*item, rest[0], rest[1]), rest[2:])
            return
        field = rest[0] if rest else None
        if field is None or field in self._essential(section, node):
            self._skip_item(item, node, str(field) if field is not None else None)
            return
        if field not in node:  # a missing optional-for-resolution field: the item is usable as it is
            self.check.dropped.add((*item, field))
            return
        if field in _ENTRY_LISTS and not self.v2:
            self._unreadable((*item, field), lost=isinstance(node[field], dict))
        self.check.dropped.add((*item, field))

    def _is_section(self, key: Any) -> bool:
        return key in (V2_IDENTITY if self.v2 else V1_SECTIONS)

    def _essential(self, section: Any, node: dict[str, Any]) -> tuple[str, ...]:
        if not self.v2:
            return ("id", "prefix")
        ident = V2_IDENTITY[str(section)]
        return (ident, "type") if section == "attributes" else (ident, "ref")

    def _unknown_top_level(self, loc: tuple[str | int, ...]) -> None:
        """A misspelt section (`grops:`) may hold any definition."""
        if isinstance(value_at(self.data, loc[:1]), list | dict):
            self._unreadable(loc[:1])

    def _entry_error(
        self, item: Path, group: dict[str, Any], entry: Path, rest: tuple[str | int, ...]
    ) -> None:
        node = value_at(self.data, entry)
        if not isinstance(node, dict):
            self.check.invalid_items.add(entry)
            if not self.v2:
                self._unreadable(entry)
            return
        is_def = not self.v2 and "ref" not in node
        essential = ("id", "type") if is_def else ("ref", "ref_group")
        field = rest[0] if rest else None
        if field is not None and field not in essential:  # a wrong or missing field of its own
            self.check.dropped.add((*entry, field))
            return
        self.check.invalid_items.add(entry)
        if not is_def:
            return
        name = node.get("id")
        if isinstance(name, str) and field != "id":
            self._broken_name(self._prefixed(group, name), entry)
        else:
            self._unreadable(entry)

    def _skip_item(self, item: Path, node: dict[str, Any], field: str | None) -> None:
        """Skip a whole item; keep the names it defined when they can be read."""
        self.check.invalid_items.add(item)
        section = str(item[0])
        ident = V2_IDENTITY[section] if self.v2 else "id"
        name = node.get(ident)
        if field == ident or not isinstance(name, str) or (field is None and ident not in node):
            self._unreadable(item)
            return
        if not self.v2:
            if field == "prefix":
                self._unreadable(item)
                return
            self._broken_name(name, item)
            for j, a in enumerate(node.get("attributes") or []):
                if isinstance(a, dict) and isinstance(a.get("id"), str):
                    self._broken_name(self._prefixed(node, a["id"]), (*item, "attributes", j))
            return
        self._broken_name(_V2_PREFIX.get(section, "") + name, item)

    def _prefixed(self, group: dict[str, Any], name: str) -> str:
        prefix = group.get("prefix")
        return f"{prefix}.{name}" if isinstance(prefix, str) and prefix and not self.v2 else name

    # -- records ---------------------------------------------------------------------------------

    def _lines(self, path: Path) -> tuple[int, int]:
        span = self.doc.spans.get(path)
        if span is None:
            return (0, EVERYTHING)
        return (span[0], max(span[2], span[0] + 1))

    def _broken_name(self, name: str, path: Path) -> None:
        self.check.broken_names.setdefault(name, self._lines(path)[0])

    def _unreadable(self, path: Path, lost: bool = False) -> None:
        """The item at `path` hides names: those among its words, or any when text was `lost` (a list
        that reads as a mapping has lost the line of its first `-` entry, and that entry's name)."""
        start, end = self._lines(path)
        words = None if lost else frozenset(_words(value_at(self.data, path)))
        region = Unreadable(start, end, words and (words | {w.rsplit(".", 1)[-1] for w in words}))
        if region not in self.check.unreadable:
            self.check.unreadable.append(region)

    def _skip_unreadable(self, path: Path, lost: bool = False) -> None:
        self.check.invalid_items.add(path)
        self._unreadable(path, lost)

    # -- after every rule ------------------------------------------------------------------------

    def finish(self) -> None:
        """Mappings that repeat several keys lost an entry's first line; a last item that misses values,
        or has errors on an unterminated last line, may have been cut off there.

        Syntax errors are not looked at here: `recover` already treats an unparsed end as cut off.
        """
        counts: dict[Path, int] = {}
        for path in self.doc.repeated:
            counts[path] = counts.get(path, 0) + 1
        for path, n in counts.items():
            if n >= 2:
                item = self._enclosing_item(path)
                self._unreadable(item if item is not None else path, lost=True)
        last = self._last_item()
        if last is None:
            return
        start, _ = self._lines(last)
        errors = [d.range.start.line for d in self.check.diagnostics if d.is_error and d.range is not None]
        if any(line >= start for line in self.absent_lines) or (
            self.doc.unterminated and any(line >= start for line in errors)
        ):
            self._unreadable_to_end(start)

    def _enclosing_item(self, path: Path) -> Path | None:
        if len(path) >= 2 and self._is_section(path[0]) and isinstance(path[1], int):
            return path[:2]
        return None

    def _last_item(self) -> Path | None:
        best: tuple[int, Path] | None = None
        for key, value in self.data.items():
            if self._is_section(key) and isinstance(value, list) and value:
                path: Path = (key, len(value) - 1)
                span = self.doc.spans.get(path)
                if span is not None and (best is None or span[0] > best[0]):
                    best = (span[0], path)
        return best[1] if best else None

    def _unreadable_to_end(self, start: int) -> None:
        region = Unreadable(start, EVERYTHING)
        if region not in self.check.unreadable:
            self.check.unreadable.append(region)


def _words(node: Any) -> list[str]:
    """Every string value below a node but references: the names it may define are among them."""
    if isinstance(node, dict):
        return [w for k, v in node.items() if k not in REFERENCE_KEYS for w in _words(v)]
    if isinstance(node, list):
        return [w for v in node for w in _words(v)]
    return [node] if isinstance(node, str) else []
