"""Render diagnostics for people and machines: ansi text, weaver's JSON, GitHub workflow commands, SARIF.

Every renderer sorts by `Diagnostic.sort_key()` so the same findings always give the same bytes. Positions
are zero-based code points inside a `Diagnostic`; each format converts them to what its readers expect.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

from weavergen.diagnostics import Diagnostic, Position, Range, Related, Severity
from weavergen.sourcelines import SourceLines as SourceLines
from weavergen.sourcelines import SourceLookup as SourceLookup

FORMATS: tuple[str, ...] = ("ansi", "concise", "json", "gh_workflow_command", "sarif")
"""weaver's four formats, and `concise`: one line per diagnostic (ours)."""


_MESSAGE_BREAK = re.compile("\r\n|[\r\n]")
_DEBUG_QUOTED = re.compile(r"""'"((?:[^"\\]|\\.)*)"'""")
"""weaver's `'{:?}'` of a path (`'"reg/a.yaml"'`): kept in JSON and SARIF, quoted once for people."""
_MAX_SNIPPET_LINES = 4
_TAB = "    "

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_YELLOW = "\x1b[33m"
_BLUE = "\x1b[34m"
_CYAN = "\x1b[36m"

_SEVERITY_STYLE = {Severity.ERROR: _RED, Severity.WARNING: _YELLOW, Severity.ADVICE: _CYAN}
_SEVERITY_WORD = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.ADVICE: "advice"}
_GH_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.ADVICE: "notice"}


def render(
    diagnostics: Sequence[Diagnostic],
    fmt: str,
    *,
    source: SourceLookup | None = None,
    color: bool = False,
    summary: bool = True,
) -> str:
    """Render `diagnostics` in one of `FORMATS`, without a trailing newline.

    `source(file)` gives a file's text so `ansi` (and `ansi_message` in `json`) can quote the source line;
    `color` adds ANSI escapes to `ansi`; `summary` appends the summary line to `ansi` (only `ansi` has one).
    """
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    if fmt == "ansi":
        return _render_ansi(ordered, source, color, summary)
    if fmt == "concise":
        return _render_concise(ordered, color, summary)
    if fmt == "json":
        return _render_json(ordered, source)
    if fmt == "gh_workflow_command":
        return _render_gh(ordered)
    if fmt == "sarif":
        from weavergen.render_sarif import render_sarif

        return render_sarif(ordered)
    raise ValueError(f"unknown diagnostic format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def summary_line(diagnostics: Sequence[Diagnostic]) -> str:
    """One line counting errors, warnings and advice and the files they are in, for the end of a report."""
    if not diagnostics:
        return "✔ No problems found"
    counts = Counter(d.severity for d in diagnostics)
    parts = [
        _plural(counts[sev], word, plural)
        for sev, word, plural in (
            (Severity.ERROR, "error", "errors"),
            (Severity.WARNING, "warning", "warnings"),
            (Severity.ADVICE, "advice", "advice"),
        )
        if counts[sev]
    ]
    files = {d.file for d in diagnostics if d.file}
    where = f" in {_plural(len(files), 'file', 'files')}" if files else ""
    mark = "✗" if counts[Severity.ERROR] else "⚠"
    return f"{mark} {', '.join(parts)}{where}"


def ansi_message(
    diagnostic: Diagnostic, source: SourceLookup | SourceLines | None = None, color: bool = True
) -> str:
    """The human-readable block for one diagnostic: location, message, quoted source, help and docs."""
    lines = _policy_block(diagnostic, color) if diagnostic.is_policy else _plain_block(diagnostic, color)
    lines.extend(
        _snippet(diagnostic, source if isinstance(source, SourceLines) else SourceLines(source), color)
    )
    if diagnostic.help:
        lines.append(f"  = {_paint('help', color, _BOLD)}: {_indent_rest(diagnostic.help, 4)}")
    for rel in diagnostic.related:
        where = _location(rel.file, rel.range)
        lines.append(f"  = {_paint('related', color, _BOLD)}: {where}: {_indent_rest(rel.message, 4)}")
    lines.append(f"  = {_paint('docs', color, _BOLD)}: {diagnostic.docs_url}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- ansi


def _render_ansi(ordered: list[Diagnostic], source: SourceLookup | None, color: bool, summary: bool) -> str:
    lines = SourceLines(source)
    blocks = [ansi_message(d, lines, color) for d in ordered]
    if summary:
        line = summary_line(ordered)
        style = _RED if any(d.is_error for d in ordered) else _YELLOW if ordered else _GREEN
        blocks.append(_paint(line, color, _BOLD, style))
    return "\n\n".join(blocks)


def human_message(message: str) -> str:
    """A message for people: weaver's doubly quoted paths (`'"a.yaml"'`) quoted once (`'a.yaml'`)."""
    return _DEBUG_QUOTED.sub(lambda m: "'" + re.sub(r"\\(.)", r"\1", m.group(1)) + "'", message)


def _render_concise(ordered: list[Diagnostic], color: bool, summary: bool) -> str:
    """One line per diagnostic, `file:line:column: severity[Code]: message`, then the summary line."""
    lines = []
    for d in ordered:
        label = _paint(f"{_SEVERITY_WORD[d.severity]}[{d.code}]", color, _BOLD, _SEVERITY_STYLE[d.severity])
        message = " ".join(human_message(d.message).split())
        lines.append(f"{_location(d.file, d.range)}: {label}: {message}" if d.file else f"{label}: {message}")
    if summary:
        style = _RED if any(d.is_error for d in ordered) else _YELLOW if ordered else _GREEN
        lines.append(_paint(summary_line(ordered), color, _BOLD, style))
    return "\n".join(lines)


def _plain_block(d: Diagnostic, color: bool) -> list[str]:
    style = _SEVERITY_STYLE[d.severity]
    label = _paint(f"{_SEVERITY_WORD[d.severity]}[{d.code}]", color, _BOLD, style)
    first, *rest = _MESSAGE_BREAK.split(human_message(d.message))
    head = f"{label}: {_paint(first, color, _BOLD)}"
    if d.file:
        head = f"{_paint(_location(d.file, d.range), color, _BOLD)}: {head}"
    return [head, *(f"  {line}" for line in rest)]


def _policy_block(d: Diagnostic, color: bool) -> list[str]:
    # The layout of weaver's ansi diagnostic template for policy violations, plus where it happened.
    err = d.error or {}
    violation = err.get("violation") or {}
    ident = str(violation.get("id", d.code))
    lines = [
        f"Violation: {_paint(ident, color, _BOLD, _GREEN)}",
        f"  - Message   : {_paint(_indent_rest(str(violation.get('message', d.message)), 16), color, _CYAN)}",
        f"  - Level     : {_paint(str(violation.get('level', '')), color, _CYAN)}",
        "  - Context   :",
    ]
    context = violation.get("context")
    if isinstance(context, dict):
        for key in sorted(context):
            lines.append(f"    - {key} : {_paint(_context_text(context[key]), color, _CYAN)}")
    lines.append(f"  - Provenance: {_paint(str(err.get('provenance', '')), color, _CYAN)}")
    if d.file:
        lines.append(f"  - Location  : {_paint(_location(d.file, d.range), color, _BOLD)}")
    return lines


def _context_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _location(file: str, rng: Range | None) -> str:
    if rng is None:
        return file
    return f"{file}:{rng.start.line + 1}:{rng.start.column + 1}"


def _snippet(d: Diagnostic, source: SourceLines, color: bool) -> list[str]:
    """The source lines of the range with a caret underline, rustc style; nothing when the text is unknown."""
    if d.file is None or d.range is None:
        return []
    lines = source(d.file)
    if lines is None:
        return []
    start, end = d.range.start, d.range.end
    if end.line > start.line and end.column == 0:
        # A range that stops at the start of a line really ends with the line before.
        end = Position(end.line - 1, len(lines[end.line - 1]) if end.line - 1 < len(lines) else 0)
    if end.line < start.line or (end.line == start.line and end.column < start.column):
        end = start
    if not 0 <= start.line < len(lines):
        return []
    last = min(end.line, len(lines) - 1)
    numbers = list(range(start.line, last + 1))
    if len(numbers) > _MAX_SNIPPET_LINES:
        numbers = [*numbers[: _MAX_SNIPPET_LINES - 1], -1, numbers[-1]]
    width = len(str(last + 1))
    gutter = _paint(" " * width + " |", color, _BOLD, _BLUE)
    caret_style = _SEVERITY_STYLE[d.severity]
    out = [gutter]
    for number in numbers:
        if number < 0:
            out.append(_paint("." * width, color, _BOLD, _BLUE))
            continue
        line = lines[number]
        lo = start.column if number == start.line else len(line) - len(line.lstrip())
        hi = end.column if number == end.line else len(line)
        lo = min(lo, len(line))
        hi = max(min(hi, len(line)), lo)
        pad = _display_width(line[:lo])
        marks = max(_display_width(line[lo:hi]), 1)
        num = _paint(f"{number + 1:>{width}} |", color, _BOLD, _BLUE)
        shown = line.replace("\t", _TAB)
        out.append(f"{num} {shown}".rstrip())
        out.append(f"{gutter} {' ' * pad}{_paint('^' * marks, color, _BOLD, caret_style)}")
    return out


def _display_width(text: str) -> int:
    """Terminal cells taken by `text`: wide East Asian characters take two, combining marks none."""
    width = 0
    for ch in text:
        if ch == "\t":
            width += len(_TAB)
        elif unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 2
        else:
            width += 1
    return width


def _indent_rest(text: str, spaces: int) -> str:
    return _MESSAGE_BREAK.sub("\n" + " " * spaces, text)


def _paint(text: str, color: bool, *styles: str) -> str:
    if not color or not text:
        return text
    return "".join(styles) + text + _RESET


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# ---------------------------------------------------------------------------------------------- json


def json_items(
    diagnostics: Sequence[Diagnostic], source: SourceLookup | SourceLines | None = None
) -> list[dict[str, Any]]:
    """weaver's list of `DiagnosticMessage`s, sorted: what `json` prints and diagnostic templates see."""
    lines = source if isinstance(source, SourceLines) else SourceLines(source)
    return [_json_item(d, lines) for d in sorted(diagnostics, key=Diagnostic.sort_key)]


def _render_json(ordered: list[Diagnostic], source: SourceLookup | None) -> str:
    items = json_items(ordered, source)
    text = json.dumps(items, indent=2, ensure_ascii=False)
    # minijinja's `tojson`, which weaver's template uses, escapes these HTML-sensitive characters.
    for ch in "<>&'":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def _json_item(d: Diagnostic, source: SourceLines) -> dict[str, Any]:
    """One weaver `DiagnosticMessage`: `error` is the payload the producer filled (weaver's serde of its
    error); `labels` comes from `extra["labels"]`, or, for a schema error, from its byte span as weaver's."""
    error = d.error if d.error is not None else {d.code: {"message": d.message}}
    diag: dict[str, Any] = {"message": d.message, "ansi_message": ansi_message(d, source, color=True)}
    if not d.is_policy:
        diag["code"] = d.code
        diag["severity"] = d.severity.value
    if d.help is not None:
        diag["help"] = d.help
    diag["url"] = d.docs_url
    labels = d.extra.get("labels")
    if d.code == "InvalidSemConvSpec" and isinstance(error.get(d.code), dict):
        # miette's code and label of weaver's `InvalidSemConvSpecError`, with the byte span of the node.
        span = source.byte_span(d.file, d.range)
        error = {d.code: {**error[d.code], "err_span": span}}
        diag["code"] = "invalid_semconv_group"
        if span is not None and labels is None:
            labels = [{"label": "somewhere in this block", "span": span, "primary": False}]
    if isinstance(labels, list):
        diag["labels"] = labels
    if d.file is not None:
        diag["file"] = d.file
    if d.range is not None:
        diag["range"] = _json_range(d.range)
    if d.related:
        diag["related"] = [_json_related(r) for r in d.related]
    return {"error": error, "diagnostic": diag}


def _json_range(rng: Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": rng.start.line, "column": rng.start.column},
        "end": {"line": rng.end.line, "column": rng.end.column},
    }


def _json_related(rel: Related) -> dict[str, Any]:
    out: dict[str, Any] = {"file": rel.file}
    if rel.range is not None:
        out["range"] = _json_range(rel.range)
    out["message"] = rel.message
    return out


# ---------------------------------------------------------------------------------- gh workflow command


def _render_gh(ordered: list[Diagnostic]) -> str:
    out: list[str] = []
    for title, members in (
        ("Policy violation report", [d for d in ordered if d.is_policy]),
        ("Diagnostic report", [d for d in ordered if not d.is_policy]),
    ):
        if members:
            out.append(f"::group::{title}")
            out.extend(_gh_command(d) for d in members)
            out.append("::endgroup::")
    return "\n".join(out)


def _gh_command(d: Diagnostic) -> str:
    props: list[tuple[str, str]] = []
    file = d.file
    if file is None and d.is_policy and d.error is not None and d.error.get("provenance"):
        file = str(d.error["provenance"])
    if file is not None:
        props.append(("file", file))
    if file is not None and d.range is not None:
        start, end = d.range.start, d.range.end
        props.append(("line", str(start.line + 1)))
        # GitHub honours columns only on single-line annotations.
        if start.line == end.line:
            props.append(("col", str(start.column + 1)))
        # A range that stops at the start of a line ends on the line before it.
        end_line = end.line if end.line > start.line and end.column == 0 else end.line + 1
        props.append(("endLine", str(end_line)))
        if start.line == end.line:
            props.append(("endColumn", str(end.column + 1)))
    props.append(("title", d.code))
    message = display_message(d)
    if d.help:
        message = f"{message}\nhelp: {d.help}"
    joined = ",".join(f"{key}={_gh_escape_property(value)}" for key, value in props)
    return f"::{_GH_COMMAND[d.severity]} {joined}::{_gh_escape_data(message)}"


def _gh_escape_data(text: str) -> str:
    """GitHub's escaping of a workflow command's message (`escapeData` in @actions/core)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_property(text: str) -> str:
    """GitHub's escaping of a workflow command's property value (`escapeProperty` in @actions/core)."""
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def display_message(d: Diagnostic) -> str:
    """The finding's own message for a policy violation, weaver's full text otherwise."""
    if d.is_policy and d.error is not None:
        violation = d.error.get("violation")
        if isinstance(violation, dict) and isinstance(violation.get("message"), str):
            return violation["message"]
    return d.message
