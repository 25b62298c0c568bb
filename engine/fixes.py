"""Quick fixes: text edits that repair a diagnostic, shared by `weavergen fix` and the language server.

A diagnostic that proposes a replacement ("Did you mean …?") carries it as fix data from the moment the
engine makes it (`diagnostics.replacement`); one provider turns that into an edit. Every other fix is
computed from the diagnostic's code and range and the file's parsed document. Either way the fix comes
from the engine's own diagnostics, so it works for clients that do not echo diagnostic data back.
Edits are in code points; faces convert as they need. Fixes that leave a value for the user to choose
are snippets (`${1:placeholder}`); `plain_text` gives their text with the placeholders filled in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from weavergen.diagnostics import REPLACE, Diagnostic, Position, Range, Severity, replacement
from weavergen.document import Document, Path, value_at
from weavergen.registry import SpecFile

EXPERIMENTAL = "ExperimentalStability"
_SNIPPET = re.compile(r"\$\{\d+(?::([^}]*)|\|([^,|}]*)[^}]*\|)\}")
_RENAMED = re.compile(r"(?:replaced|renamed) (?:by|to) `([^`]+)`", re.IGNORECASE)
SPAN_KINDS = ("client", "server", "internal", "producer", "consumer")


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace `range` of a file by `new_text` (an insertion when the range is empty)."""

    range: Range
    new_text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """One repair of one diagnostic: a title, the file it edits, and its edits."""

    title: str
    code: str
    file: str
    edits: tuple[TextEdit, ...]
    snippet: bool = False
    preferred: bool = True


def plain_text(text: str) -> str:
    """A snippet's text with each placeholder replaced by its default (first choice of a choice list)."""
    return _SNIPPET.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def apply_edits(text: str, edits: list[TextEdit] | tuple[TextEdit, ...]) -> str:
    """Apply non-overlapping edits to a text, snippets filled with their defaults."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(p: Position) -> int:
        if p.line >= len(lines):
            return len(text)
        return min(starts[p.line] + p.column, starts[p.line + 1])

    out = text
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.column), reverse=True):
        out = out[: offset(e.range.start)] + plain_text(e.new_text) + out[offset(e.range.end) :]
    return out


T = TypeVar("T")


def per_document(fn: Callable[[SpecFile], list[T]]) -> Callable[[SpecFile], list[T]]:
    """Memoise a per-file computation by file and content digest, so an edit recomputes one file."""
    cache: dict[tuple[str, str], list[T]] = {}

    def wrapper(spec: SpecFile) -> list[T]:
        key = (spec.provenance, spec.document.digest)
        found = cache.get(key)
        if found is None:
            if len(cache) > 4096:
                cache.clear()
            found = cache[key] = fn(spec)
        return found

    wrapper.__doc__ = fn.__doc__
    return wrapper


@per_document
def hints(spec: SpecFile) -> list[Diagnostic]:
    """Editor hints beyond weaver's checks: `stability: experimental` is an alias of `development`."""
    doc = spec.document
    out = []
    for path, span in doc.spans.items():
        if path and path[-1] == "stability" and value_at(doc.data, path) == "experimental":
            out.append(
                Diagnostic(
                    code=EXPERIMENTAL,
                    message="`experimental` is a deprecated alias of `development`.",
                    severity=Severity.ADVICE,
                    file=spec.provenance,
                    range=Range.of(*span),
                    tags=("deprecated",),
                    help="Write `development`; weaver resolves both to `development`.",
                    fix=replacement("development"),
                )
            )
    return out


def fixes_for(diagnostic: Diagnostic, spec: SpecFile) -> list[Fix]:
    """The fixes for one diagnostic of a file; empty when none applies.

    A diagnostic that proposes a replacement carries it as fix data (`diagnostics.replacement`), however
    the engine chose it; every other fix is built from the diagnostic's code and the document.
    """
    if diagnostic.range is None or spec.document.failed:
        return []
    if diagnostic.fix is not None and diagnostic.fix.get("kind") == REPLACE:
        return _replace(_Ctx(diagnostic, spec))
    builder = _BUILDERS.get(diagnostic.code)
    if builder is None:
        return []
    return builder(_Ctx(diagnostic, spec))


def _replace(c: _Ctx) -> list[Fix]:
    """Replace the diagnostic's range (or the range its fix data names) by the suggested text, keeping
    the quotes the old text was written with."""
    assert c.d.fix is not None
    at = c.d.fix.get("range")
    rng = Range.of(*at) if at else c.d.range
    new = str(c.d.fix.get("text", ""))
    if rng is None or not new:
        return []
    old = c.text_of(rng)
    if old is None:
        return []
    quote = old[0] if len(old) >= 2 and old[0] == old[-1] and old[0] in "'\"" else ""
    bare = old[1:-1] if quote else old
    if bare == new:
        return []
    return c.fix(f"Replace `{bare}` by `{new}`", [TextEdit(rng, f"{quote}{new}{quote}")])


class _Ctx:
    """A diagnostic and the document it points into, with helpers to find nodes and build edits."""

    def __init__(self, diagnostic: Diagnostic, spec: SpecFile) -> None:
        self.d = diagnostic
        self.spec = spec
        self.doc: Document = spec.document
        self.lines = spec.text.splitlines(keepends=True)

    def at(self, key: bool = False) -> Path | None:
        """The node whose value (or key) span starts where the diagnostic does."""
        table = self.doc.key_spans if key else self.doc.spans
        start = self.d.range.start if self.d.range else None
        best: Path | None = None
        for path, span in table.items():
            hit = start is not None and (span[0], span[1]) == (start.line, start.column)
            if hit and (best is None or len(path) > len(best)):
                best = path
        return best

    def text_of(self, rng: Range) -> str | None:
        """The text of a single-line range of the document; None when it spans lines or is out of bounds."""
        if rng.start.line != rng.end.line or rng.start.line >= len(self.lines):
            return None
        return self.lines[rng.start.line][rng.start.column : rng.end.column]

    def fix(self, title: str, edits: list[TextEdit], snippet: bool = False) -> list[Fix]:
        return [Fix(title, self.d.code, self.spec.provenance, tuple(edits), snippet)]

    def insert_after(self, mapping: Path, key: str, text: str) -> TextEdit | None:
        """Insert `key_line(s)` into a mapping after the line of its first key, indented like that key."""
        keys = [p for p in self.doc.key_spans if len(p) == len(mapping) + 1 and p[:-1] == mapping]
        if not keys:
            return None
        first = min(keys, key=lambda p: self.doc.key_spans[p][:2])
        kl, kc = self.doc.key_spans[first][:2]
        span = self.doc.spans.get(mapping)
        if span is not None and self._is_flow(span):
            end = Position(span[2], span[3] - 1)
            flat = text.replace("\n", " ").strip()
            return TextEdit(Range(end, end), f", {key}: {flat}")
        vend = self.doc.spans.get(first, (kl, kc, kl, kc))[2]
        line = vend + 1
        block = _indent(f"{key}: {text}", kc)
        if line >= len(self.lines):
            last = len(self.lines) - 1
            col = len(self.lines[last].rstrip("\r\n")) if self.lines else 0
            pos = Position(max(last, 0), col)
            return TextEdit(Range(pos, pos), "\n" + block.rstrip("\n"))
        return TextEdit(Range.of(line, 0, line, 0), block)

    def _is_flow(self, span: tuple[int, int, int, int]) -> bool:
        line = self.lines[span[0]] if span[0] < len(self.lines) else ""
        return line[span[1] : span[1] + 1] == "{"

    def delete_item(self, item: Path) -> TextEdit | None:
        """Delete a block-sequence item: the lines from its `-` to the end of its last value."""
        span = self.doc.spans.get(item)
        if span is None:
            return None
        line = self.lines[span[0]] if span[0] < len(self.lines) else ""
        if not line[: span[1]].rstrip().endswith("-"):
            return None
        ends = [
            s[2] - 1 if s[3] == 0 and s[2] > s[0] else s[2]
            for p, s in self.doc.spans.items()
            if p[: len(item)] == item
        ]
        return TextEdit(Range.of(span[0], 0, max(ends) + 1, 0), "")


def _indent(text: str, column: int) -> str:
    pad = " " * column
    return "".join(pad + line + "\n" for line in text.split("\n"))


def _add_stability(c: _Ctx) -> list[Fix]:
    path = c.at()
    if path is None or not path:
        return []
    edit = c.insert_after(path[:-1], "stability", "development")
    return c.fix("Add `stability: development`", [edit]) if edit else []


def _structure_deprecated(c: _Ctx) -> list[Fix]:
    path = c.at()
    if path is None or path not in c.doc.key_spans:
        return []
    note = value_at(c.doc.data, path)
    if not isinstance(note, str):
        return []
    k = c.doc.key_spans[path]
    v = c.doc.spans[path]
    renamed = _RENAMED.search(note)
    lines = ["deprecated:"]
    if renamed:
        lines += ["  reason: renamed", f"  renamed_to: {renamed.group(1)}"]
    else:
        lines.append("  reason: uncategorized")
    lines.append(f"  note: {json.dumps(note, ensure_ascii=False)}")
    text = ("\n" + " " * k[1]).join(lines)
    return c.fix(
        "Use a structured `deprecated` (reason, note)", [TextEdit(Range.of(k[0], k[1], v[2], v[3]), text)]
    )


def _add_field(key: str, snippet: str, title: str) -> Any:
    def build(c: _Ctx) -> list[Fix]:
        path = c.at()
        if path is None or not path:
            return []
        edit = c.insert_after(path[:-1], key, snippet)
        return c.fix(title, [edit], snippet=True) if edit else []

    return build


def _attribute_problem(c: _Ctx) -> list[Fix]:
    if "does not contain a brief field" in c.d.message:
        return _add_field("brief", "${1:Describe the attribute.}", "Add a `brief`")(c)
    if "Missing stability field" in c.d.message:
        return _add_stability(c)
    return []


def _examples_fix(c: _Ctx) -> list[Fix]:
    if "does not contain any examples" not in c.d.message:
        return []
    value = '["${1:example}"]' if "string array" not in c.d.message else '[["${1:example}"]]'
    return _add_field("examples", value, "Add `examples`")(c)


def _remove_duplicate_ref(c: _Ctx) -> list[Fix]:
    path = c.at()
    if path is None or len(path) < 2:
        return []
    edit = c.delete_item(path[:-1])
    return c.fix("Remove the duplicate ref", [edit]) if edit else []


def _expand_prefix(c: _Ctx) -> list[Fix]:
    path = c.at(key=True)
    if path is None or path[-1] != "prefix":
        return []
    group = path[:-1]
    prefix = value_at(c.doc.data, path)
    if not isinstance(prefix, str):
        return []
    edits = []
    for j, attr in enumerate(value_at(c.doc.data, (*group, "attributes")) or []):
        id_path = (*group, "attributes", j, "id")
        if isinstance(attr, dict) and "id" in attr and id_path in c.doc.spans:
            edits.append(TextEdit(Range.of(*c.doc.spans[id_path]), f"{prefix}.{attr['id']}"))
    k, v = c.doc.key_spans[path], c.doc.spans[path]
    if c.lines[k[0]][: k[1]].strip():
        return []
    edits.append(TextEdit(Range.of(k[0], 0, v[2] + 1, 0), ""))
    return c.fix("Replace `prefix` by fully qualified attribute ids", edits)


def _add_requirement_level(c: _Ctx) -> list[Fix]:
    path = c.at()
    if path is None or not path:
        return []
    edit = c.insert_after(path[:-1], "requirement_level", "recommended")
    return c.fix("Add `requirement_level: recommended`", [edit]) if edit else []


def _manifest_schema_url(c: _Ctx) -> list[Fix]:
    """`schema_base_url` + `semconv_version` written as the one `schema_url` they stand for."""
    base, version = (value_at(c.doc.data, (k,)) for k in ("schema_base_url", "semconv_version"))
    keys = ("semconv_version", "schema_base_url")
    spans = [(c.doc.key_spans.get((k,)), c.doc.spans.get((k,))) for k in keys]
    if not isinstance(base, str) or version is None or any(k is None or v is None for k, v in spans):
        return []
    (vk, vv), (bk, bv) = spans
    assert vk is not None and vv is not None and bk is not None and bv is not None
    if vk[0] != vv[2] or bk[0] != bv[2] or bk[1] != 0:
        return []  # only single-line top-level keys
    url = f"{base.rstrip('/')}/{version}"
    edits = [
        TextEdit(Range.of(vk[0], vk[1], vv[2], vv[3]), f"schema_url: {url}"),
        TextEdit(Range.of(bk[0], 0, bk[0] + 1, 0), ""),
    ]
    return c.fix(f"Replace `schema_base_url` and `semconv_version` by `schema_url: {url}`", edits)


_BUILDERS: dict[str, Any] = {
    "InvalidGroupStability": lambda c: _add_stability(c) if c.d.fix else [],
    "InvalidAttributeWarning": _attribute_problem,
    "InvalidAttribute": _attribute_problem,
    "InvalidAnyValue": lambda c: _add_stability(c) if c.d.fix else [],
    "UnstructuredDeprecatedProperty": _structure_deprecated,
    "InvalidSpanMissingSpanKind": _add_field(
        "span_kind",
        "${1|" + ",".join(SPAN_KINDS[2:3] + SPAN_KINDS[:2] + SPAN_KINDS[3:]) + "|}",
        "Add `span_kind`",
    ),
    "InvalidExampleWarning": _examples_fix,
    "InvalidGroupDuplicateAttributeRef": _remove_duplicate_ref,
    "InvalidGroupUsesPrefix": _expand_prefix,
    "MissingRequirementLevelWarning": _add_requirement_level,
    "DeprecatedSyntaxInRegistryManifest": _manifest_schema_url,
}
