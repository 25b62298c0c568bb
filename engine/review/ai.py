"""AI review: models propose improvements of one namespace at a time; the engine keeps a proposal only
after applying it to an in-memory copy of the registry, where it must add no error and raise the score.

Equivalent proposals from different models are grouped (by the YAML data they produce) and verified
once; the groups most models agree on are tried first, so a tie in score goes to the consensus. Each kept
proposal changes the state the next one is verified against (its score before → after is its own gain);
a proposal whose lines overlap a kept one is dropped as a conflict. Nothing is written to disk but by
`write_kept`, which the user asks for (`registry review --ai --apply`, `generate --ai-enhance`).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from weavergen.ai import AISettings, ModelAnswer, _normal_form, ask, model_label, to_edit
from weavergen.diagnostics import Diagnostic
from weavergen.fixes import TextEdit, apply_edits
from weavergen.review.ai_prompt import INSTRUCTIONS, ReviewProposal, ReviewProposals, absolute, review_prompt
from weavergen.review.report import ReviewReport, review

if TYPE_CHECKING:
    from pydantic_ai.models import Model

    from weavergen.workspace import RegistryWorkspace


@dataclass(slots=True)
class KeptProposal:
    """A verified improvement: what it changes, who proposed it, and the scores before and after it."""

    title: str
    rationale: str
    agreeing: list[str]
    asked: int
    before: float
    after: float
    namespace_before: float
    namespace_after: float
    texts: dict[str, tuple[str, str]]
    """Per file, its text before and after this proposal."""


@dataclass(slots=True)
class DroppedProposal:
    """A proposal the engine refused, and why."""

    title: str
    models: list[str]
    reason: str


@dataclass(slots=True)
class NamespaceReview:
    """What the models proposed for one namespace and what became of it."""

    namespace: str
    kept: list[KeptProposal] = field(default_factory=list)
    dropped: list[DroppedProposal] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AIReviewRun:
    """An AI review of several namespaces: per namespace its outcome, and the files changed in memory."""

    namespaces: list[NamespaceReview] = field(default_factory=list)
    before: float = 0.0
    after: float = 0.0
    originals: dict[str, str] = field(default_factory=dict)
    final: dict[str, str] = field(default_factory=dict)
    root: str = ""
    """The registry folder, for paths relative to it in a diff."""


@dataclass(slots=True)
class _Group:
    proposal: ReviewProposal
    models: list[str]
    edits: dict[str, list[TextEdit]]


def _key(d: Diagnostic) -> tuple[str, str, str]:
    return (d.code, d.file or "", d.message)


def _group(ws: RegistryWorkspace, answers: Sequence[ModelAnswer], out: NamespaceReview) -> list[_Group]:
    """Proposals grouped by the registry text they produce, most agreed first (then by title)."""
    groups: dict[str, _Group] = {}
    for answer in answers:
        for proposal in answer.proposals:
            edits: dict[str, list[TextEdit]] = {}
            unknown = [e.file for e in proposal.edits if absolute(e.file, ws) is None]
            if unknown:
                out.dropped.append(DroppedProposal(proposal.title, [answer.model], f"no file `{unknown[0]}`"))
                continue
            for e in proposal.edits:
                path = absolute(e.file, ws) or ""
                lines = (ws.text_of(path) or "").splitlines(keepends=True)
                edits.setdefault(path, []).append(to_edit(e, lines))
            if any(_overlapping(es) for es in edits.values()):
                out.dropped.append(DroppedProposal(proposal.title, [answer.model], "its edits overlap"))
                continue
            key = "\n".join(
                f"{p}:{_normal_form(apply_edits(ws.text_of(p) or '', es))}" for p, es in sorted(edits.items())
            )
            if key in groups:
                if answer.model not in groups[key].models:
                    groups[key].models.append(answer.model)
            else:
                groups[key] = _Group(proposal, [answer.model], edits)
    return sorted(groups.values(), key=lambda g: (-len(g.models), g.proposal.title))


def _overlapping(edits: list[TextEdit]) -> bool:
    spans = sorted((e.range.start.line, e.range.end.line) for e in edits)
    return any(b[0] < a[1] for a, b in itertools.pairwise(spans))


def verify(
    ws: RegistryWorkspace, texts: dict[str, str], baseline: set[tuple[str, str, str]], namespace: str
) -> tuple[ReviewReport | None, str | None]:
    """The review of the registry with these file texts, or why the texts are refused (a new error)."""
    by_file, resolution = ws.what_if_resolved(texts)
    for d in (d for ds in by_file.values() for d in ds):
        if d.is_error and _key(d) not in baseline:
            return None, f"it adds {d.code}: {d.message}"
    return review(resolution), None


def consensus(
    ws: RegistryWorkspace, namespace: str, answers: Sequence[ModelAnswer], report: ReviewReport
) -> NamespaceReview:
    """Verify a namespace's grouped proposals one after the other, keeping each that raises the score."""
    out = NamespaceReview(namespace, errors=[f"{a.model}: {a.error}" for a in answers if a.error])
    baseline = {_key(d) for ds in ws.all_diagnostics().values() for d in ds}
    applied: dict[str, list[TextEdit]] = {}
    current: dict[str, str] = {}
    score = report.exact
    ns_score = _namespace_exact(report, namespace)
    for group in _group(ws, answers, out):
        clash = [p for p, es in group.edits.items() if _overlapping(applied.get(p, []) + es)]
        if clash:
            out.dropped.append(
                DroppedProposal(group.proposal.title, group.models, "it conflicts with a kept proposal")
            )
            continue
        texts = {
            p: apply_edits(ws.text_of(p) or "", applied.get(p, []) + es) for p, es in group.edits.items()
        }
        after, why = verify(ws, {**current, **texts}, baseline, namespace)
        if after is None or after.exact <= score:
            reason = why or f"the score does not go up ({score:.2f} → {after.exact if after else score:.2f})"
            out.dropped.append(DroppedProposal(group.proposal.title, group.models, reason))
            continue
        ns_after = _namespace_exact(after, namespace)
        before_texts = {p: current.get(p, ws.text_of(p) or "") for p in texts}
        out.kept.append(
            KeptProposal(
                group.proposal.title.strip(),
                group.proposal.rationale.strip(),
                group.models,
                len(answers),
                score,
                after.exact,
                ns_score,
                ns_after,
                {p: (before_texts[p], texts[p]) for p in texts},
            )
        )
        for p, es in group.edits.items():
            applied.setdefault(p, []).extend(es)
        current.update(texts)
        score, ns_score = after.exact, ns_after
    return out


def _namespace_exact(report: ReviewReport, namespace: str) -> float:
    from weavergen.review.score import exact_score

    items = [i for i in report.items if i.namespace == namespace]
    return exact_score(items, [d for d in report.findings if d.extra.get("namespace") == namespace])


def namespaces_to_review(report: ReviewReport, wanted: Sequence[str] | None, limit: int) -> list[str]:
    """The namespaces asked for, or the `limit` lowest-scoring ones that have findings."""
    if wanted:
        return [n for n in wanted if report.namespace(n) is not None]
    return [n.namespace for n in report.namespaces if n.findings][:limit]


async def review_namespace(
    ws: RegistryWorkspace, namespace: str, models: Sequence[Model | str], settings: AISettings
) -> NamespaceReview:
    """Ask every model about one namespace at once, then verify and keep what improves the registry."""
    report = review(ws.snapshot().resolution)
    prompt = review_prompt(ws, report, namespace)
    labels = [model_label(m) for m in models]
    labels = [f"{lb}#{i + 1}" if labels.count(lb) > 1 else lb for i, lb in enumerate(labels)]
    answers = await asyncio.gather(
        *(
            ask(m, prompt, settings.timeout, settings, label, ReviewProposals, INSTRUCTIONS)
            for m, label in zip(models, labels, strict=True)
        )
    )
    return consensus(ws, namespace, answers, report)


async def ai_review(
    ws: RegistryWorkspace,
    models: Sequence[Model | str],
    settings: AISettings,
    namespaces: Sequence[str] | None = None,
    limit: int = 3,
) -> AIReviewRun:
    """Review namespaces one at a time, applying each namespace's kept proposals in memory before the next."""
    first = review(ws.snapshot().resolution)
    run = AIReviewRun(before=first.exact, root=str(ws.root))
    for namespace in namespaces_to_review(first, namespaces, limit):
        found = await review_namespace(ws, namespace, models, settings)
        run.namespaces.append(found)
        final: dict[str, str] = {}
        for kept in found.kept:
            for path, (before, after) in kept.texts.items():
                run.originals.setdefault(path, before)
                final[path] = after
        for path, text in final.items():
            ws.update(path, text)
    run.final = {p: ws.text_of(p) or "" for p in run.originals}
    run.after = review(ws.snapshot().resolution).exact if run.originals else run.before
    return run


def write_kept(run: AIReviewRun) -> tuple[list[str], list[str]]:
    """Write the run's changed files (atomically, only the changed lines): the paths written, and why
    nothing was written. Every file must still hold the text the review read; if one changed on disk,
    none is written, so the registry never holds half of a verified set of proposals."""
    from pathlib import Path

    from weavergen.output import OutputError, replace_text

    changed = []
    for path in sorted(run.final):
        try:
            disk = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            changed.append(f"cannot read {path}: {exc}")
            continue
        if disk != run.originals[path]:
            changed.append(
                f"{path} changed on disk since the review read it; nothing was written. Run again."
            )
    if changed:
        return [], changed
    written, errors = [], []
    for path in sorted(run.final):
        try:
            replace_text(Path(path), run.originals[path], run.final[path])
        except OutputError as exc:
            errors.append(str(exc))
        else:
            written.append(path)
    return written, errors
