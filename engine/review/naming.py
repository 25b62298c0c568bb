"""Naming findings: segments that are not snake_case, names that break their namespace's pattern
(singular vs. plural, unit suffixes, `.count` vs. `_count`), metric units that are not UCUM or that
disagree with the name.

A namespace's pattern is what most of its names do: the finding names how many do it the other way.
"""

from __future__ import annotations

import re
from collections import Counter

from weavergen.diagnostics import Diagnostic, replacement
from weavergen.review.items import Item
from weavergen.review.rubric import finding
from weavergen.review.text import stem
from weavergen.review.units import is_valid, name_disagreement, ucum_spelling

SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
UNIT_SUFFIXES = (
    "ms", "us", "ns", "sec", "secs", "seconds", "millis", "milliseconds", "bytes", "kb", "mb", "gb",
    "kib", "mib", "gib", "percent", "pct",
)  # fmt: skip
"""Name endings that spell a unit, which belongs in `unit`, not in the name (`request_duration_ms`)."""


def naming_findings(items: list[Item]) -> list[Diagnostic]:
    """The naming and unit findings of every definition that is not deprecated."""
    live = [i for i in items if i.deprecated is None]
    segments = _segment_counts(items)
    counts = _count_styles(items)
    out: list[Diagnostic] = []
    for item in live:
        out.extend(_snake_case(item))
        out.extend(_plural(item, segments))
        out.extend(_unit_suffix(item))
        out.extend(_count_style(item, counts))
        if item.kind == "metric":
            out.extend(_unit(item))
    return out


def _snake_case(item: Item) -> list[Diagnostic]:
    bad = [s for s in item.name.split(".") if not SNAKE.match(s)]
    if not bad:
        return []
    return [
        finding(
            "ReviewNameNotSnakeCase",
            item,
            f"`{item.name}` has segments that are not snake_case: {', '.join(f'`{s}`' for s in bad)}.",
            help="Semantic-convention names are dot-separated snake_case segments (lower case, digits, `_`).",
        )
    ]


def _segment_counts(items: list[Item]) -> dict[str, Counter[str]]:
    """Per root namespace, how many names use each segment."""
    out: dict[str, Counter[str]] = {}
    for item in items:
        out.setdefault(item.namespace, Counter()).update(set(item.name.split(".")))
    return out


def _plural(item: Item, segments: dict[str, Counter[str]]) -> list[Diagnostic]:
    counts = segments.get(item.namespace, Counter())
    for segment in item.name.split(".")[:-1]:  # a last word may count things (`k8s.pod.restarts`)
        singular = stem(segment) if segment.endswith("s") else segment
        if singular == segment or counts[singular] < 2 or counts[singular] < 1.5 * counts[segment]:
            continue
        return [
            finding(
                "ReviewNamespacePattern",
                item,
                f"`{item.name}` says `{segment}` where {counts[singular]} names of namespace "
                f"`{item.namespace}` say `{singular}`.",
                help=f"Use the singular `{singular}`, as the rest of the namespace does.",
                pattern="plural",
            )
        ]
    return []


def _unit_suffix(item: Item) -> list[Diagnostic]:
    last = re.split(r"[._]", item.name)[-1]
    if last not in UNIT_SUFFIXES or "." not in item.name:
        return []
    return [
        finding(
            "ReviewNamespacePattern",
            item,
            f"`{item.name}` ends with the unit `{last}`.",
            help="Leave the unit out of the name: a metric states it in `unit`, an attribute in its brief.",
            pattern="unit_suffix",
        )
    ]


def _count_styles(items: list[Item]) -> dict[str, Counter[str]]:
    """Per root namespace, how many names end with `.count` and how many with `_count`."""
    out: dict[str, Counter[str]] = {}
    for item in items:
        style = _count_of(item.name)
        if style:
            out.setdefault(item.namespace, Counter())[style] += 1
    return out


def _count_of(name: str) -> str | None:
    last = name.rsplit(".", 1)[-1]
    if last == "count":
        return ".count"
    return "_count" if last.endswith("_count") else None


def _count_style(item: Item, styles: dict[str, Counter[str]]) -> list[Diagnostic]:
    mine = _count_of(item.name)
    counts = styles.get(item.namespace, Counter())
    other = "_count" if mine == ".count" else ".count"
    if mine is None or counts[other] <= counts[mine]:
        return []
    return [
        finding(
            "ReviewNamespacePattern",
            item,
            f"`{item.name}` ends with `{mine}`; {counts[other]} names of namespace `{item.namespace}` end "
            f"with `{other}`.",
            help=f"Write `{other}`, as the rest of the namespace does.",
            pattern="count",
        )
    ]


def _unit(item: Item) -> list[Diagnostic]:
    unit = item.fields.get("unit")
    if not isinstance(unit, str):
        return []
    at = item.field_range("unit")
    if not is_valid(unit):
        better = ucum_spelling(unit)
        return [
            finding(
                "ReviewInvalidUnit",
                item,
                f"The unit `{unit}` of metric `{item.name}` is not valid UCUM.",
                at=at,
                help=f"Write `{better}`." if better else "Write a UCUM unit (`s`, `By`, `1`, `{request}`…).",
                fix=replacement(better) if better else None,
            )
        ]
    why = name_disagreement(item.name, unit)
    if why is None:
        return []
    return [
        finding(
            "ReviewUnitNameMismatch",
            item,
            f"The unit `{unit}` of metric `{item.name}` disagrees with its name: {why}.",
            at=at,
            help="Change the unit, or the name if it says the wrong thing.",
        )
    ]
