"""One YAML file: its plain data, the source span of every node, and its syntax diagnostics.

The text is composed with libyaml (PyYAML's C parser) into a node tree and walked once, which is
cheaper than `yaml.load` followed by a search for positions. Scalars are resolved with the YAML 1.2
core schema, as serde_yaml (weaver's parser) does: `yes`, `on`, `no` stay strings.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from weavergen.diagnostics import Diagnostic, Range
from weavergen.yaml_budget import YamlBudget, measure
from weavergen.yaml_errors import (
    budget_diagnostic,
    deserialization_error,
    reader_diagnostic,
    surrogate_diagnostic,
    syntax_diagnostic,
)

try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        """The pure-Python parser, for PyYAML builds without libyaml."""

        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

        def dispose(self) -> None:
            """Nothing to release."""


Span = tuple[int, int, int, int]
Path = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")


class _CoreResolver(yaml.resolver.BaseResolver):
    """Implicit tags of the YAML 1.2 core schema."""


_CoreResolver.add_implicit_resolver(_BOOL, _BOOL_RE, list("tTfF"))
_CoreResolver.add_implicit_resolver(_INT, _INT_RE, list("-+0123456789"))
_CoreResolver.add_implicit_resolver(_FLOAT, _FLOAT_RE, list("-+0123456789."))
_CoreResolver.add_implicit_resolver(_NULL, _NULL_RE, ["~", "n", "N", ""])


class _Composer(_Parser, yaml.composer.Composer, _CoreResolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        _CoreResolver.__init__(self)


_INT_RANGE = (-(2**63), 2**64 - 1)  # serde_yaml's i64 and u64: a larger integer is not a number to weaver
_MAX_INT_DIGITS = 20


class ScalarError(ValueError):
    """A scalar its tag cannot hold (`!!int xyz`, an integer beyond 64 bits): the value is kept as text."""


def _int(value: str) -> int:
    digits = value.lstrip("+-")
    if len(digits) > _MAX_INT_DIGITS and not digits.startswith(("0x", "0o")):
        raise ScalarError(f"integer with {len(digits):,} digits is out of range (64 bits at most)")
    if digits.startswith("0o"):
        number = int(value.replace("0o", "", 1), 8)
    elif digits.startswith("0x"):
        number = int(value.replace("0x", "", 1), 16) if len(digits) <= 18 else _INT_RANGE[1] + 1
    else:
        number = int(value)
    if not _INT_RANGE[0] <= number <= _INT_RANGE[1]:
        raise ScalarError(f"integer `{value[:40]}` is out of range (64 bits at most)")
    return number


def _scalar(node: ScalarNode) -> Any:
    """The value of a scalar; `ScalarError` when an explicit tag (`!!int`…) does not fit the text."""
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag == _INT:
        if not _INT_RE.match(value):
            raise ScalarError(f"invalid value `{value[:40]}` for tag `!!int`: expected an integer")
        return _int(value)
    if tag == _FLOAT:
        if _INT_RE.match(value) and not value.startswith(("0x", "0o")):
            return float(_int(value))
        if not _FLOAT_RE.match(value):
            raise ScalarError(f"invalid value `{value[:40]}` for tag `!!float`: expected a number")
        low = value.lower()
        if low.endswith(".inf"):
            return -math.inf if low.startswith("-") else math.inf
        if low == ".nan":
            return math.nan
        return float(value)
    if tag == _BOOL:
        if not _BOOL_RE.match(value):
            raise ScalarError(f"invalid value `{value[:40]}` for tag `!!bool`: expected true or false")
        return value[0] in "tT"
    if tag == _NULL:
        if not _NULL_RE.match(value):
            raise ScalarError(f"invalid value `{value[:40]}` for tag `!!null`: expected null")
        return None
    return value


_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_REFERENCE = re.compile(r"\b(?:ref|ref_group|extends)\s*:\s*\S+|[A-Za-z0-9_.\-]+\s*:(?=\s|$)")
REFERENCE_KEYS = ("ref", "ref_group", "extends")
EVERYTHING = 1 << 30


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Lines `[start, end)` of a file whose definitions could not be read, and the words written there.

    A name may be defined there if it (or its last dotted part, for a `prefix`ed id) is one of the words
    (names written after `ref:`, `ref_group:` or `extends:` are only referred to, so not among them);
    `words` is None when text was lost (a cut-off end, merged entries): then any name may be.
    """

    start: int
    end: int
    words: frozenset[str] | None = None

    @classmethod
    def of_text(cls, start: int, end: int, text: str) -> Unreadable:
        """A region and the words of its values, but for the names it only refers to."""
        found = _WORD.findall(_REFERENCE.sub(" ", text))
        return cls(start, end, frozenset(found) | {w.rsplit(".", 1)[-1] for w in found})

    def could_define(self, name: str) -> bool:
        """Whether `name` may be defined in this region."""
        return self.words is None or name in self.words or name.rsplit(".", 1)[-1] in self.words


@dataclass(slots=True)
class Document:
    """A parsed YAML file. `spans[path]` is the span of the value at `path`; `key_spans[path]` of its key.

    `failed` is a syntax error: `data` then holds what could be recovered around it (see `recover`).
    `repeated` lists the mappings that repeat a key: two entries most likely merged into one there.
    `unparsed` are the parts that recovery could not read; `unterminated` text ends mid-line.
    """

    path: str
    digest: str
    data: Any = None
    spans: dict[Path, Span] = field(default_factory=dict)
    key_spans: dict[Path, Span] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lines: list[str] | None = None
    failed: bool = False
    repeated: list[Path] = field(default_factory=list)
    unparsed: list[Unreadable] = field(default_factory=list)
    unterminated: bool = False

    @property
    def ok(self) -> bool:
        """Whether the YAML parsed; a duplicate key is reported but keeps the data usable."""
        return not self.failed

    def range_of(self, path: Path, key: bool = False) -> Range | None:
        """The range of the node at `path` (its key when `key`), or of its nearest ancestor that exists."""
        table = self.key_spans if key else self.spans
        p = path
        while True:
            span = table.get(p)
            if span is not None:
                return Range.of(*span)
            if key:
                table, key = self.spans, False
                continue
            if not p:
                return None
            p = p[:-1]

    def head_range(self, path: Path) -> Range | None:
        """The first line of the node at `path`: where an editor should underline a whole mapping."""
        r = self.range_of(path)
        if r is None:
            return None
        if r.end.line == r.start.line:
            return r
        line = self.line_text(r.start.line)
        end = len(line.rstrip()) if line is not None else r.start.column + 1
        return Range.of(r.start.line, r.start.column, r.start.line, max(end, r.start.column + 1))

    def line_text(self, line: int) -> str | None:
        """The source text of a zero-based line, when the text was kept."""
        if self.lines is None or not 0 <= line < len(self.lines):
            return None
        return self.lines[line]


@dataclass(slots=True)
class FileCheck:
    """What validation learnt about one file: format, diagnostics, and the items resolution must skip.

    `invalid_items` are skipped, `dropped` fields of otherwise usable items are ignored. What that
    loses is kept for resolution: `broken_names` (attribute or group names defined by a skipped item,
    with its zero-based line) and `unreadable` regions whose names could not be read.
    It lives here, beside Document, so that reading both from the cache needs no schema models.
    """

    file_format: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    invalid_items: set[Path] = field(default_factory=set)
    dropped: set[Path] = field(default_factory=set)
    broken_names: dict[str, int] = field(default_factory=dict)
    unreadable: list[Unreadable] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        """Whether some definitions of the file could not be read: names in them go unchecked."""
        return bool(self.broken_names or self.unreadable)


def value_at(data: Any, path: Path) -> Any:
    """The plain value at a document path, or None when the path does not exist."""
    node = data
    for k in path:
        if isinstance(node, dict):
            node = node.get(k)
        elif isinstance(node, list) and isinstance(k, int) and 0 <= k < len(node):
            node = node[k]
        else:
            return None
    return node


def section_items(data: Any, section: str, invalid: set[Path]) -> list[tuple[int, dict[str, Any]]]:
    """The schema-valid mapping items of a list section (`groups`, `metrics`…) with their indexes.

    A section that is not a list, or that validation marked invalid as a whole, has none: whatever shape
    a stranger's file has, what comes after validation only ever sees items of the expected shape.
    """
    items = data.get(section) if isinstance(data, dict) else None
    if not isinstance(items, list) or (section,) in invalid:
        return []
    return [
        (i, item) for i, item in enumerate(items) if isinstance(item, dict) and (section, i) not in invalid
    ]


def digest_of(text: str) -> str:
    """The content hash that names a document in the cache."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def parse(text: str, path: str, digest: str | None = None, budget: YamlBudget | None = None) -> Document:
    """Parse YAML text into a Document; a syntax error becomes a positioned diagnostic, never an exception.

    A document past the `budget` (alias expansion, nesting depth; the environment's when omitted) is
    refused with a positioned diagnostic before it is walked, so an alias bomb costs linear time.
    After a syntax or budget error the document still holds every top-level item that parses on its own.
    """
    doc = Document(path=path, digest=digest or digest_of(text))
    doc.unterminated = bool(text) and not text.endswith("\n")
    budget = budget or YamlBudget.current()
    if not compose(text, doc, budget):
        from weavergen.recover import recover

        doc.failed = True
        recover(text, doc, budget)
    return doc


def compose(text: str, doc: Document, budget: YamlBudget | None = None) -> bool:
    """Parse `text` into `doc` (data, spans, diagnostics); False after a syntax or budget error."""
    try:
        composer = _Composer(text)
    except UnicodeEncodeError as exc:  # a lone UTF-16 surrogate, which an editor buffer may hold
        doc.diagnostics.append(surrogate_diagnostic(text, exc.start, doc.path))
        return False
    try:
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
    except yaml.MarkedYAMLError as exc:
        doc.diagnostics.append(syntax_diagnostic(exc, doc.path))
        return False
    except yaml.reader.ReaderError as exc:  # a control character (NUL, ESC…) anywhere in the text
        doc.diagnostics.append(reader_diagnostic(text, exc, doc.path, _Parser.__module__ == "yaml._yaml"))
        return False
    except yaml.YAMLError as exc:
        doc.diagnostics.append(
            Diagnostic(
                code="DeserializationError",
                message=str(exc),
                file=doc.path,
                error=deserialization_error(doc.path, str(exc)),
            )
        )
        return False
    if node is not None:
        problem = measure(node, budget or YamlBudget.current(), anchors="&" in text)
        if problem is not None:
            doc.diagnostics.append(budget_diagnostic(problem, doc.path))
            return False
        doc.data = _walk(node, (), doc)
    return True


def _span(node: Node) -> Span:
    s, e = node.start_mark, node.end_mark
    return (s.line, s.column, e.line, e.column)


def _scalar_of(node: ScalarNode, doc: Document) -> Any:
    """A scalar's value; one its tag cannot hold is a positioned error and stays text."""
    try:
        return _scalar(node)
    except ScalarError as exc:
        mark = node.start_mark
        doc.diagnostics.append(
            Diagnostic(
                code="DeserializationError",
                message=f"{exc} at line {mark.line + 1} column {mark.column + 1}",
                file=doc.path,
                range=Range.of(*_span(node)),
                error=deserialization_error(
                    doc.path, f"{exc} at line {mark.line + 1} column {mark.column + 1}"
                ),
                help="Write a value the tag allows, or quote the value to keep it as text.",
            )
        )
        return node.value


def _walk(node: Node, path: Path, doc: Document) -> Any:
    doc.spans[path] = _span(node)
    if isinstance(node, ScalarNode):
        return _scalar_of(node, doc)
    if isinstance(node, SequenceNode):
        return [_walk(child, (*path, i), doc) for i, child in enumerate(node.value)]
    if isinstance(node, MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = (
                _scalar_of(key_node, doc)
                if isinstance(key_node, ScalarNode)
                else _walk(key_node, (*path, "?"), doc)
            )
            if not isinstance(key, str | int | float | bool) and key is not None:
                key = str(key)
            child = (*path, key)
            if key in out:
                doc.repeated.append(path)
                doc.diagnostics.append(
                    Diagnostic(
                        code="DeserializationError",
                        message=f'duplicate entry with key "{key}"',
                        file=doc.path,
                        error=deserialization_error(doc.path, f'duplicate entry with key "{key}"'),
                        range=Range.of(*_span(key_node)),
                        help="Remove one of the two entries; YAML mappings may not repeat a key.",
                    )
                )
            doc.key_spans[child] = _span(key_node)
            out[key] = _walk(value_node, child, doc)
        return out
    return None
