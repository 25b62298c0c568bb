"""The quality score: every definition starts at 1 and loses the cost of each of its findings (never
below 0); a namespace scores the mean of its definitions, the registry the mean of all, times 100.

A mean over definitions, rather than a sum of costs, keeps a large registry comparable with a small one
and makes every fixed finding raise the score.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from weavergen.diagnostics import Diagnostic
from weavergen.review.items import Item


@dataclass(frozen=True, slots=True)
class NamespaceScore:
    """One namespace's score, how many definitions it has, and how many findings."""

    namespace: str
    score: float
    definitions: int
    findings: int


def item_scores(items: list[Item], findings: list[Diagnostic]) -> dict[str, float]:
    """Each definition's score (0–1) by its key."""
    cost: dict[str, float] = defaultdict(float)
    for d in findings:
        cost[str(d.extra.get("item"))] += float(d.extra.get("cost", 0.0))
    return {i.key: max(0.0, 1.0 - cost[i.key]) for i in items}


def _percent(values: list[float]) -> float:
    return round(100.0 * sum(values) / len(values), 1) if values else 100.0


def exact_score(items: list[Item], findings: list[Diagnostic]) -> float:
    """The registry's score unrounded: what decides whether an AI proposal improves it (one better brief
    among 1,600 definitions moves the rounded score by less than its last decimal)."""
    scores = list(item_scores(items, findings).values())
    return 100.0 * sum(scores) / len(scores) if scores else 100.0


def registry_score(items: list[Item], findings: list[Diagnostic]) -> float:
    """The registry's score, 0–100 with one decimal (100 for a registry without definitions)."""
    return _percent(list(item_scores(items, findings).values()))


def namespace_scores(items: list[Item], findings: list[Diagnostic]) -> list[NamespaceScore]:
    """Every namespace's score, lowest first (then by name)."""
    scores = item_scores(items, findings)
    by_ns: dict[str, list[float]] = defaultdict(list)
    for item in items:
        by_ns[item.namespace].append(scores[item.key])
    counts: dict[str, int] = defaultdict(int)
    for d in findings:
        counts[str(d.extra.get("namespace"))] += 1
    out = [NamespaceScore(ns, _percent(values), len(values), counts[ns]) for ns, values in by_ns.items()]
    return sorted(out, key=lambda s: (s.score, s.namespace))
