"""The review's finding codes and what each costs: the rubric `docs/review.md` explains.

A finding is an ordinary `Diagnostic` (severity `Advice`, so it never fails a run) with the code below,
the reviewed definition in `extra["item"]`, its namespace in `extra["namespace"]` and its cost in
`extra["cost"]`, so every renderer (ansi, json, sarif) and the language server show it as they show
weaver's diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weavergen.diagnostics import Diagnostic, Range, Related, Severity


@dataclass(frozen=True, slots=True)
class Rule:
    """One finding code: its concern, what one finding costs its definition, and how the editor shows it."""

    code: str
    concern: str
    cost: float
    hint: bool = False
    """Shown as a Hint (a heuristic worth a look) rather than Information (a definite gap)."""


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("ReviewMissingBrief", "documentation", 0.5),
        Rule("ReviewBriefRepeatsId", "documentation", 0.25),
        Rule("ReviewMissingNote", "documentation", 0.15),
        Rule("ReviewEmptyNote", "documentation", 0.05),
        Rule("ReviewEnumMemberWithoutBrief", "documentation", 0.05),
        Rule("ReviewStringWithoutExamples", "documentation", 0.1),
        Rule("ReviewNameNotSnakeCase", "naming", 0.4),
        Rule("ReviewNamespacePattern", "naming", 0.15, hint=True),
        Rule("ReviewInvalidUnit", "naming", 0.4),
        Rule("ReviewUnitNameMismatch", "naming", 0.2, hint=True),
        Rule("ReviewNearDuplicate", "near-duplicates", 0.3, hint=True),
        Rule("ReviewDeprecatedWithoutRenamedTo", "lifecycle", 0.2, hint=True),
        Rule("ReviewRenamedToDeprecated", "lifecycle", 0.4),
        Rule("ReviewStableUsesDevelopment", "lifecycle", 0.3),
    )
}
"""Every finding code, with its cost: a definition starts at 1 and loses the cost of each of its findings."""

MIN_SCORE = 0.0


def finding(
    code: str,
    item: Any,
    message: str,
    *,
    at: Range | None = None,
    help: str | None = None,
    fix: dict[str, Any] | None = None,
    related: tuple[Related, ...] = (),
    weight: float = 1.0,
    **extra: Any,
) -> Diagnostic:
    """A finding of rule `code` about `item` (a review `Item`), at `at` (default: where it is named).

    `weight` scales the rule's cost (a near-duplicate's similarity, for instance).
    """
    rule = RULES[code]
    tags = ("hint",) if rule.hint else ()
    return Diagnostic(
        code=code,
        message=message,
        severity=Severity.ADVICE,
        file=item.file,
        range=at if at is not None else item.range,
        related=related,
        help=help,
        tags=tags,
        fix=fix,
        attribute_id=item.name if item.kind == "attribute" else None,
        extra={
            "review": True,
            "item": item.key,
            "namespace": item.namespace,
            "concern": rule.concern,
            "cost": round(rule.cost * weight, 4),
            **extra,
        },
    )


def is_review(diagnostic: Diagnostic) -> bool:
    """Whether a diagnostic is a review finding (not one of weaver's checks)."""
    return diagnostic.code in RULES
