"""A review report as text: `ansi` (a summary, then the top findings as `registry check` prints them),
`markdown` (tables for a pull request or a wiki page), `json` (the report's data) and `sarif` (the
findings, for code scanning).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from weavergen.render import SourceLookup, render
from weavergen.review.duplicates import top_pairs
from weavergen.review.report import ReviewReport
from weavergen.review.rubric import RULES

if TYPE_CHECKING:
    from weavergen.review.ai import AIReviewRun

REVIEW_FORMATS = ("ansi", "json", "markdown", "sarif")
TOP = 20


def render_review(
    report: ReviewReport, fmt: str, *, source: SourceLookup | None = None, color: bool = False, top: int = TOP
) -> str:
    """The report in one of `REVIEW_FORMATS`, ending with a newline."""
    if fmt == "json":
        from weavergen.output import to_json

        return to_json(report.to_data())
    if fmt == "sarif":
        return render(report.findings, "sarif") + "\n"
    if fmt == "markdown":
        return _markdown(report, top)
    if fmt == "ansi":
        return _ansi(report, source, color, top)
    raise ValueError(f"unknown review format {fmt!r}; expected one of: {', '.join(REVIEW_FORMATS)}")


def _counts(report: ReviewReport) -> list[tuple[str, int, float]]:
    counts = Counter(d.code for d in report.findings)
    return [(code, counts[code], RULES[code].cost) for code in RULES if counts[code]]


def _ansi(report: ReviewReport, source: SourceLookup | None, color: bool, top: int) -> str:
    bold = ("\x1b[1m", "\x1b[0m") if color else ("", "")
    lines = [
        f"{bold[0]}Registry quality score: {report.score:.1f}/100{bold[1]} "
        f"({report.definitions} definitions, {len(report.findings)} findings)",
        "",
        "Findings by code (cost each):",
    ]
    lines += [f"  {code:<34} {count:>5}  ({cost:g})" for code, count, cost in _counts(report)] or ["  none"]
    lines += ["", "Lowest-scoring namespaces:"]
    lines += [
        f"  {n.namespace:<24} {n.score:>5.1f}  ({n.definitions} definitions, {n.findings} findings)"
        for n in report.namespaces[:10]
    ]
    pairs = top_pairs(report.duplicates, 10)
    if pairs:
        lines += ["", "Top near-duplicates:"]
        lines += [f"  {p.score:.2f}  {p.a.name}  ~  {p.b.name}" for p in pairs]
    shown = report.top_findings(top or None)
    if shown:
        lines += ["", f"Top {len(shown)} findings (costliest first):", ""]
        # render() sorts by place: one at a time keeps the cost order
        blocks = "\n\n".join(render([d], "ansi", source=source, color=color, summary=False) for d in shown)
        lines.append(blocks)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(report: ReviewReport, top: int) -> str:
    out = [
        "# Registry review",
        "",
        f"**Quality score: {report.score:.1f}/100** — {report.definitions} definitions, "
        f"{len(report.findings)} findings. The rubric is in `docs/review.md`.",
        "",
        "## Findings by code",
        "",
        "| code | findings | cost each |",
        "|---|---:|---:|",
    ]
    out += [f"| `{code}` | {count} | {cost:g} |" for code, count, cost in _counts(report)]
    out += ["", "## Namespaces", "", "| namespace | score | definitions | findings |", "|---|---:|---:|---:|"]
    out += [
        f"| `{n.namespace}` | {n.score:.1f} | {n.definitions} | {n.findings} |" for n in report.namespaces
    ]
    pairs = top_pairs(report.duplicates, top or len(report.duplicates))
    if pairs:
        out += ["", "## Near-duplicates", "", "| similarity | one | other | why |", "|---:|---|---|---|"]
        out += [
            f"| {p.score:.2f} | `{p.a.name}` | `{p.b.name}` | {_cell('; '.join(p.reasons))} |" for p in pairs
        ]
    shown = report.top_findings(top or None)
    if shown:
        out += ["", "## Top findings", "", "| cost | code | where | finding |", "|---:|---|---|---|"]
        for d in shown:
            where = f"{d.file}:{d.range.start.line + 1}" if d.file and d.range else d.file or ""
            out.append(
                f"| {float(d.extra.get('cost', 0)):g} | `{d.code}` | {_cell(where)} | {_cell(d.message)} |"
            )
    return "\n".join(out) + "\n"


def render_ai_review(run: AIReviewRun) -> str:
    """What an AI review kept (score before → after, agreement, rationale) and dropped (and why), then
    the registry's score before → after."""
    lines: list[str] = []
    for ns in run.namespaces:
        lines.append(f"namespace `{ns.namespace}`:")
        for k in ns.kept:
            lines.append(
                f"  kept: {k.title} ({len(k.agreeing)}/{k.asked} models agree): score {k.before:.2f} → "
                f"{k.after:.2f} (namespace {k.namespace_before:.1f} → {k.namespace_after:.1f}) — "
                f"{k.rationale}"
            )
        for d in ns.dropped:
            lines.append(f"  dropped: {d.title} ({', '.join(d.models)}): {d.reason}")
        lines += [f"  no answer: {e}" for e in ns.errors]
        if not (ns.kept or ns.dropped or ns.errors):
            lines.append("  no proposal")
    kept = sum(len(ns.kept) for ns in run.namespaces)
    lines.append(f"AI review: {kept} proposal(s) kept; registry score {run.before:.2f} → {run.after:.2f}")
    return "\n".join(lines) + "\n"


def render_diff(originals: dict[str, str], final: dict[str, str], root: Path) -> str:
    """The unified diff of every changed file, paths relative to the registry root."""
    import difflib
    import os

    out = []
    for path in sorted(final):
        name = os.path.relpath(path, root)
        before, after = originals[path].splitlines(keepends=True), final[path].splitlines(keepends=True)
        out.append("".join(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}")))
    return "".join(out)
