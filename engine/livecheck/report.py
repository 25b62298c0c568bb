"""The live-check report: weaver's statistics (with registry coverage), its formats, and `--fail-on`.

`LiveCheckSession` checks samples one at a time and hands each annotated sample to a sink, so the CLI
can stream (ansi, jsonl) while the statistics accumulate; `report()` is weaver's `{samples, statistics}`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from weavergen.livecheck.checker import LEVEL_RANK, LEVELS, LiveChecker, RegistryIndex, highest_level
from weavergen.livecheck.samples import Sample

FORMATS = ("ansi", "json", "jsonl", "yaml")
FAIL_ON = ("violation", "improvement", "information", "none")
STREAMING_FORMATS = ("ansi", "jsonl")


@dataclass(slots=True)
class Statistics:
    """weaver's `CumulativeStatistics`: entity and advice counts, seen names, registry coverage."""

    registry_attributes: dict[str, int]
    registry_metrics: dict[str, int]
    registry_events: dict[str, int]
    total_entities: int = 0
    total_entities_by_type: Counter[str] = field(default_factory=Counter)
    total_advisories: int = 0
    advice_level_counts: Counter[str] = field(default_factory=Counter)
    highest_advice_level_counts: Counter[str] = field(default_factory=Counter)
    no_advice_count: int = 0
    advice_type_counts: Counter[str] = field(default_factory=Counter)
    advice_message_counts: Counter[str] = field(default_factory=Counter)
    seen_non_registry_attributes: Counter[str] = field(default_factory=Counter)
    seen_non_registry_metrics: Counter[str] = field(default_factory=Counter)
    seen_non_registry_events: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, index: RegistryIndex) -> Statistics:
        """Start with every non-deprecated registry attribute (templates included), metric and event
        unseen: deprecated definitions do not count toward coverage, as in weaver."""
        attributes, metrics, events = index.covered
        return cls(dict.fromkeys(attributes, 0), dict.fromkeys(metrics, 0), dict.fromkeys(events, 0))

    def add(self, kind: str, node: dict[str, Any]) -> None:
        """Count one checked node of a sample (every kind of data point counts as weaver's `data_point`)."""
        self.total_entities += 1
        self.total_entities_by_type["data_point" if kind.endswith("data_point") else kind] += 1
        result = node.get("live_check_result") or {}
        advice = result.get("all_advice", [])
        self.total_advisories += len(advice)
        for item in advice:
            self.advice_level_counts[item["level"]] += 1
            self.advice_type_counts[item["id"]] += 1
            self.advice_message_counts[item["message"]] += 1
        if result.get("highest_advice_level"):
            self.highest_advice_level_counts[result["highest_advice_level"]] += 1
        else:
            self.no_advice_count += 1
        if kind == "attribute":
            name = str(node.get("template") or node.get("name", ""))
            self._seen(name, self.registry_attributes, self.seen_non_registry_attributes)
        elif kind == "metric":
            self._seen(str(node.get("name", "")), self.registry_metrics, self.seen_non_registry_metrics)
        elif kind == "log" and node.get("event_name"):
            self._seen(str(node["event_name"]), self.registry_events, self.seen_non_registry_events)

    @staticmethod
    def _seen(name: str, registry: dict[str, int], other: Counter[str]) -> None:
        if name in registry:
            registry[name] += 1
        else:
            other[name] += 1

    @property
    def registry_coverage(self) -> float:
        """Seen registry attributes, metrics and events over all of them (0 for an empty registry)."""
        every = [
            *self.registry_attributes.values(),
            *self.registry_metrics.values(),
            *self.registry_events.values(),
        ]
        return sum(1 for n in every if n) / len(every) if every else 0.0

    @property
    def highest_level(self) -> str | None:
        """The highest level of any finding so far."""
        ranked = [level for level, n in self.advice_level_counts.items() if n]
        return max(ranked, key=LEVEL_RANK.__getitem__) if ranked else None

    def as_dict(self) -> dict[str, Any]:
        """weaver's serialised statistics (maps sorted by key)."""

        def srt(counts: dict[str, int]) -> dict[str, int]:
            return dict(sorted(counts.items()))

        return {
            "total_entities": self.total_entities,
            "total_entities_by_type": srt(self.total_entities_by_type),
            "total_advisories": self.total_advisories,
            "advice_level_counts": srt(self.advice_level_counts),
            "highest_advice_level_counts": srt(self.highest_advice_level_counts),
            "no_advice_count": self.no_advice_count,
            "advice_type_counts": srt(self.advice_type_counts),
            "advice_message_counts": srt(self.advice_message_counts),
            "seen_registry_attributes": srt(self.registry_attributes),
            "seen_non_registry_attributes": srt(self.seen_non_registry_attributes),
            "seen_registry_metrics": srt(self.registry_metrics),
            "seen_non_registry_metrics": srt(self.seen_non_registry_metrics),
            "seen_registry_events": srt(self.registry_events),
            "seen_non_registry_events": srt(self.seen_non_registry_events),
            "registry_coverage": self.registry_coverage,
        }


def should_fail(highest: str | None, fail_on: str) -> bool:
    """weaver's `should_fail`: the highest finding level reaches `--fail-on` (`none` never fails)."""
    if fail_on == "none" or highest is None:
        return False
    return LEVEL_RANK[highest] >= LEVEL_RANK[fail_on]


Sink = Callable[[Sample], None]


class LiveCheckSession:
    """Checks samples in arrival order, keeps them (unless streaming only) and their statistics."""

    def __init__(
        self, checker: LiveChecker, *, sink: Sink | None = None, keep: bool = True, stats: bool = True
    ) -> None:
        self.checker = checker
        self.statistics = Statistics.of(checker.index) if stats else None
        self.samples: list[Sample] = []
        self.count = 0
        self._sink = sink
        self._keep = keep
        self.highest: str | None = None

    def add(self, sample: Sample) -> list[dict[str, Any]]:
        """Check one sample, count it, pass it to the sink; its findings."""
        found = self.checker.check(sample)
        self.count += 1
        level = highest_level([*found, *([{"level": self.highest}] if self.highest else [])])
        self.highest = level
        if self.statistics is not None:
            ((kind, body),) = sample.items()
            for node_kind, node in _counted(kind, body):
                self.statistics.add(node_kind, node)
        if self._keep:
            self.samples.append(sample)
        if self._sink is not None:
            self._sink(sample)
        return found

    def add_all(self, samples: Iterable[Sample]) -> None:
        """Check every sample of an iterable."""
        for sample in samples:
            self.add(sample)

    def report(self) -> dict[str, Any]:
        """weaver's `LiveCheckReport`: `{samples, statistics}`."""
        out: dict[str, Any] = {"samples": self.samples}
        if self.statistics is not None:
            out["statistics"] = self.statistics.as_dict()
        return out


def _counted(kind: str, body: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    from weavergen.livecheck.checker import _nodes

    for node_kind, node, _ in _nodes(kind, body):
        yield node_kind, node


# --- rendering ---------------------------------------------------------------------------------------

_LEVEL_STYLE = {"violation": "\x1b[31m", "improvement": "\x1b[33m", "information": "\x1b[36m"}


def render_sample_ansi(sample: Sample, color: bool = False) -> str:
    """One sample as text: its name and, indented, each finding of each node with its level."""
    from weavergen.livecheck.checker import _nodes

    ((kind, body),) = sample.items()
    title = body.get("name") or body.get("event_name") or ""
    lines = [f"{kind} {title}".rstrip()]
    for node_kind, node, _ in _nodes(kind, body):
        result = node.get("live_check_result") or {}
        for advice in result.get("all_advice", []):
            label = advice["level"]
            if color:
                label = f"{_LEVEL_STYLE.get(label, '')}{label}\x1b[0m"
            where = f"{node_kind} {node.get('name', '')}".rstrip() if node is not body else node_kind
            lines.append(f"  {where}: {label} {advice['id']}: {advice['message']}")
    if len(lines) == 1:
        lines.append("  no findings")
    return "\n".join(lines) + "\n"


def render_statistics_ansi(stats: dict[str, Any]) -> str:
    """The statistics block that ends an ansi report."""
    lines = ["", "Statistics", f"  total entities: {stats['total_entities']}"]
    for kind, n in stats["total_entities_by_type"].items():
        lines.append(f"    {kind}: {n}")
    lines.append(f"  total advisories: {stats['total_advisories']}")
    for level in reversed(LEVELS):
        if stats["advice_level_counts"].get(level):
            lines.append(f"    {level}: {stats['advice_level_counts'][level]}")
    lines.append(f"  entities without advice: {stats['no_advice_count']}")
    lines.append("  findings by id:" if stats["advice_type_counts"] else "  no findings")
    for advice_id, n in stats["advice_type_counts"].items():
        lines.append(f"    {advice_id}: {n}")
    lines.append(f"  registry coverage: {stats['registry_coverage'] * 100:.1f}%")
    return "\n".join(lines) + "\n"


def render_report(report: dict[str, Any], fmt: str, color: bool = False) -> str:
    """A whole report as ansi, json, yaml or jsonl (one sample per line, then the statistics)."""
    from weavergen.output import to_json, to_jsonl, to_yaml

    if fmt == "json":
        return to_json(report)
    if fmt == "yaml":
        return to_yaml(report)
    stats = report.get("statistics")
    if fmt == "jsonl":
        return to_jsonl([*report["samples"], *([{"statistics": stats}] if stats else [])])
    text = "".join(render_sample_ansi(s, color) for s in report["samples"])
    return text + (render_statistics_ansi(stats) if stats else "")
