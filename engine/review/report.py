"""`review`: every finding of a resolved registry, its score and its namespaces' scores, the ranked
near-duplicates; and the report as JSON-able data.

Offline and deterministic: findings are sorted by file and position, near-duplicates by similarity then
name, namespaces by score then name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.resolve import Resolution
from weavergen.review.documentation import documentation_findings
from weavergen.review.duplicates import DuplicateIndex, Pair, ReviewCancelled, duplicate_findings, live_pairs
from weavergen.review.items import Item, attribute_index, collect
from weavergen.review.lifecycle import lifecycle_findings
from weavergen.review.naming import naming_findings
from weavergen.review.score import NamespaceScore, exact_score, namespace_scores, registry_score

__all__ = ["ReviewCancelled", "ReviewReport", "pair_data", "review"]


@dataclass(slots=True)
class ReviewReport:
    """What a review found: the findings, the scores, and the near-duplicate pairs, best first."""

    findings: list[Diagnostic]
    score: float
    namespaces: list[NamespaceScore]
    duplicates: list[Pair]
    definitions: int
    items: list[Item] = field(default_factory=list, repr=False)

    @property
    def exact(self) -> float:
        """The score unrounded (see `score.exact_score`)."""
        return exact_score(self.items, self.findings)

    def namespace(self, name: str) -> NamespaceScore | None:
        """One namespace's score."""
        return next((n for n in self.namespaces if n.namespace == name), None)

    def top_findings(self, limit: int | None = None) -> list[Diagnostic]:
        """The costliest findings first (then by place): what to fix first."""
        ordered = sorted(self.findings, key=lambda d: (-float(d.extra.get("cost", 0.0)), *d.sort_key()))
        return ordered if limit is None else ordered[:limit]

    def to_data(self) -> dict[str, Any]:
        """The report as JSON-able data (findings in weavergen's diagnostic JSON)."""
        from weavergen.render import json_items

        ordered = sorted(self.findings, key=Diagnostic.sort_key)
        return {
            "score": self.score,
            "definitions": self.definitions,
            "findings_count": len(self.findings),
            "namespaces": [
                {
                    "namespace": n.namespace,
                    "score": n.score,
                    "definitions": n.definitions,
                    "findings": n.findings,
                }
                for n in self.namespaces
            ],
            "near_duplicates": [pair_data(p) for p in self.duplicates],
            "findings": [
                {**item, "review": {k: d.extra[k] for k in ("item", "namespace", "concern", "cost")}}
                for d, item in zip(ordered, json_items(ordered), strict=True)
            ],
        }


def pair_data(pair: Pair) -> dict[str, Any]:
    """One near-duplicate pair as data: both names, kinds and positions, the similarity and why."""

    def side(item: Item) -> dict[str, Any]:
        rng = item.range
        at = {"line": rng.start.line + 1, "column": rng.start.column + 1} if rng else None
        return {"name": item.name, "kind": item.kind, "file": item.file, "position": at}

    return {"a": side(pair.a), "b": side(pair.b), "similarity": pair.score, "reasons": list(pair.reasons)}


def review(
    resolution: Resolution, namespace: str | None = None, cancelled: Callable[[], bool] | None = None
) -> ReviewReport:
    """Review a resolved registry (or only one root namespace of it; near-duplicates are still sought
    across the whole registry).

    `cancelled()` is asked between stages and while pairs are compared; when it says yes the review
    stops with `ReviewCancelled`, so a background review gives the CPU back to the next edit at once.
    """
    stop = cancelled or (lambda: False)

    def step() -> None:
        if stop():
            raise ReviewCancelled

    items = collect(resolution)
    index = DuplicateIndex(items, stop)
    step()
    pairs = live_pairs(index, items, cancelled=stop)
    step()
    findings = documentation_findings(items)
    step()
    findings += naming_findings(items)
    step()
    findings += lifecycle_findings(items, index, attribute_index(resolution))
    findings += duplicate_findings(pairs, items)
    if namespace is not None:
        items = [i for i in items if i.namespace == namespace]
        findings = [d for d in findings if d.extra.get("namespace") == namespace]
        pairs = [p for p in pairs if namespace in (p.a.namespace, p.b.namespace)]
    findings.sort(key=Diagnostic.sort_key)
    return ReviewReport(
        findings=findings,
        score=registry_score(items, findings),
        namespaces=namespace_scores(items, findings),
        duplicates=pairs,
        definitions=len(items),
        items=items,
    )
