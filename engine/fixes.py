"""Quick fixes: text edits that repair a diagnostic, shared by `weavergen fix` and the language server.

A fix is computed from the diagnostic's code and range and the file's parsed document, so it works for
clients that do not echo diagnostic data back. Edits are in code points; faces convert as they need.
Fixes that leave a value for the user to choose are snippets (`${1:placeholder}`); `plain_text`
gives their text with the placeholders filled in, for the CLI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from weavergen.diagnostics import Diagnostic, Position, Range, Severity
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
                    fix={"kind": "replace_stability", "value": "development"},
                )
            )
    return out


def fixes_for(diagnostic: Diagnostic, spec: SpecFile) -> list[Fix]:
    """The fixes for one diagnostic of a file; empty when none applies."""
    if diagnostic.range is None or spec.document.failed:
        return []
    builder = _BUILDERS.get(diagnostic.code)
    if builder is None:
        return []
    return builder(_Ctx(diagnostic, spec))


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


def _replace_stability(c: _Ctx) -> list[Fix]:
    if c.d.range is None:
        return []
    return c.fix("Replace `experimental` by `development`", [TextEdit(c.d.range, "development")])


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


_BUILDERS: dict[str, Any] = {
    "InvalidGroupStability": lambda c: _add_stability(c) if c.d.fix else [],
    "InvalidAttributeWarning": _attribute_problem,
    "InvalidAttribute": _attribute_problem,
    "InvalidAnyValue": lambda c: _add_stability(c) if c.d.fix else [],
    EXPERIMENTAL: _replace_stability,
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
}


def fix_file(spec: SpecFile, diagnostics: list[Diagnostic], snippets: bool = False) -> tuple[str, list[Fix]]:
    """Apply the first fix of every diagnostic of one file whose edits do not overlap an earlier fix."""
    chosen: list[Fix] = []
    taken: list[Range] = []
    for d in diagnostics:
        if d.file != spec.provenance:
            continue
        for f in fixes_for(d, spec):
            if f.snippet and not snippets:
                continue
            if any(_overlaps(e.range, t) for e in f.edits for t in taken):
                continue
            chosen.append(f)
            taken.extend(e.range for e in f.edits)
            break
    edits = [e for f in chosen for e in f.edits]
    return apply_edits(spec.text, edits), chosen


def _overlaps(a: Range, b: Range) -> bool:
    def key(p: Position) -> tuple[int, int]:
        return (p.line, p.column)

    if key(a.start) == key(a.end) or key(b.start) == key(b.end):
        return key(a.start) == key(b.start)
    return key(a.start) < key(b.end) and key(b.start) < key(a.end)


@dataclass(slots=True)
class FileFixes:
    """What `fix_registry` did to one file: its text before and after, and the fixes applied."""

    path: str
    before: str
    after: str
    applied: list[Fix]


def fix_registry(
    root: str, codes: set[str] | None = None, snippets: bool = False, rounds: int = 5
) -> tuple[list[FileFixes], list[Diagnostic]]:
    """Fix a registry in memory, re-checking after each round; return the changed files and what remains.

    Nothing is written here; the caller decides (the CLI writes atomically or prints a diff).
    """
    from pathlib import Path

    from weavergen.workspace import RegistryWorkspace, WorkspaceOptions

    ws = RegistryWorkspace(Path(root), WorkspaceOptions(skip_policies=True))
    originals: dict[str, str] = {}
    applied: dict[str, list[Fix]] = {}
    for _ in range(rounds):
        progressed = False
        for path in ws.files():
            spec = ws.snapshot().file(path)
            if spec is None:
                continue
            wanted = [d for d in ws.diagnostics(path) if codes is None or d.code in codes]
            text, done = fix_file(spec, wanted, snippets)
            if done and text != spec.text:
                originals.setdefault(path, spec.text)
                applied.setdefault(path, []).extend(done)
                ws.update(path, text)
                progressed = True
        if not progressed:
            break
    changed = [
        FileFixes(p, originals[p], ws.text_of(p) or originals[p], applied[p]) for p in sorted(originals)
    ]
    remaining = [d for ds in ws.all_diagnostics().values() for d in ds]
    return changed, remaining
