"""What a model is asked when it reviews one namespace: the instructions, the answer's shape, and the
prompt (the namespace's score and findings, and the numbered lines of the files that define it)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from weavergen.ai import LineEdit
from weavergen.review.report import ReviewReport

if TYPE_CHECKING:
    from weavergen.workspace import RegistryWorkspace

MAX_FINDINGS = 30
WHOLE_FILE_LINES = 400
WINDOW = 12

INSTRUCTIONS = """You review one namespace of an OpenTelemetry semantic-convention registry (YAML, weaver's
format) to raise its quality. You get the namespace's review findings and the numbered lines of the files
that define it. Propose at most three improvements, each independent of the others, for example: a better
brief (say what the value is, where it comes from or when it is set, not its name again), a rename of a
badly named attribute with a deprecation of the old name (`deprecated: {reason: renamed, renamed_to: …}`),
a merged near-duplicate (deprecate one with `renamed_to` the other), a UCUM unit. Each edit replaces whole
lines `start_line`..`end_line` (1-based, inclusive) of `file` (as named in the prompt) by `new_text`
(complete lines, original indentation kept); to insert, set `end_line` to `start_line - 1`. Change as
little as possible and never invent facts the context does not support. `title` is a short imperative
phrase; `rationale` one sentence."""


class FileEdit(LineEdit):
    """Replace lines of one file of the registry."""

    file: str = Field(min_length=1)


class ReviewProposal(BaseModel):
    """One improvement proposed by a model."""

    title: str = Field(max_length=120)
    rationale: str = Field(max_length=400)
    edits: list[FileEdit] = Field(min_length=1, max_length=12)


class ReviewProposals(BaseModel):
    """A model's answer: up to three improvements of the namespace."""

    proposals: list[ReviewProposal] = Field(max_length=5)


def review_prompt(ws: RegistryWorkspace, report: ReviewReport, namespace: str) -> str:
    """The namespace's score, its costliest findings, and the lines of the files that define it."""
    ns = report.namespace(namespace)
    findings = [d for d in report.top_findings() if d.extra.get("namespace") == namespace][:MAX_FINDINGS]
    parts = [
        f"Namespace `{namespace}`: quality score {ns.score if ns else 100:.1f}/100 over "
        f"{ns.definitions if ns else 0} definitions (registry: {report.score:.1f}).",
        "",
        "Findings (costliest first):" if findings else "No findings: propose only clear improvements.",
    ]
    for d in findings:
        where = (
            f"{relative(d.file or '', ws)}:{d.range.start.line + 1}"
            if d.range
            else relative(d.file or "", ws)
        )
        parts.append(f"- {d.code} at {where}: {d.message}" + (f" Hint: {d.help}" if d.help else ""))
    lines_wanted: dict[str, set[int]] = {}
    for item in report.items:
        if item.namespace == namespace and item.file and item.range:
            lines_wanted.setdefault(item.file, set()).add(item.range.start.line)
    for path in sorted(lines_wanted):
        text = ws.text_of(path) or ""
        parts += ["", f"File {relative(path, ws)}:", _numbered(text, lines_wanted[path])]
    return "\n".join(parts)


def _numbered(text: str, around: set[int]) -> str:
    """The file's lines, numbered; for a long file only windows around the given lines."""
    lines = text.splitlines()
    keep: list[int]
    if len(lines) <= WHOLE_FILE_LINES:
        keep = list(range(len(lines)))
    else:
        keep = sorted({i for line in around for i in range(line - 2, line + WINDOW) if 0 <= i < len(lines)})
    out: list[str] = []
    last = -2
    for i in keep:
        if i != last + 1 and out:
            out.append("  ... |")
        out.append(f"{i + 1:>5} | {lines[i]}")
        last = i
    return "\n".join(out)


def relative(path: str, ws: RegistryWorkspace) -> str:
    """A registry file's path as the prompt names it (relative to the registry root)."""
    try:
        return os.path.relpath(path, ws.root) if path else "(registry)"
    except ValueError:
        return path


def absolute(name: str, ws: RegistryWorkspace) -> str | None:
    """The registry file a model named (as the prompt named it), or None when it names no file of it."""
    candidate = os.path.normpath(os.path.join(str(ws.root), name))
    return candidate if candidate in set(ws.files()) else None
