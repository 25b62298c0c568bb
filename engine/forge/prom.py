"""Prometheus naming filters: `prometheus_unit_name`, `prometheus_metric_name`, `prometheus_metric_names`.

Written from the OpenTelemetry-to-Prometheus compatibility rules (unit words, `_per_`, `_total`, `_ratio`,
underscore escaping) and the translation strategies of Prometheus' OTLP receiver; not yet checked
byte for byte against weaver (docs/generate.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from weavergen.forge.filters import FilterFailure

UNITS = {
    "d": "days",
    "h": "hours",
    "min": "minutes",
    "s": "seconds",
    "ms": "milliseconds",
    "us": "microseconds",
    "ns": "nanoseconds",
    "By": "bytes",
    "KiBy": "kibibytes",
    "MiBy": "mebibytes",
    "GiBy": "gibibytes",
    "TiBy": "tibibytes",
    "KBy": "kilobytes",
    "MBy": "megabytes",
    "GBy": "gigabytes",
    "TBy": "terabytes",
    "m": "meters",
    "V": "volts",
    "A": "amperes",
    "J": "joules",
    "W": "watts",
    "g": "grams",
    "Cel": "celsius",
    "Hz": "hertz",
    "1": "",
    "%": "percent",
}
PER_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}
STRATEGIES = (
    "UnderscoreEscapingWithSuffixes",
    "UnderscoreEscapingWithoutSuffixes",
    "NoUTF8EscapingWithSuffixes",
    "NoTranslation",
)
_ANNOTATION = re.compile(r"\{[^}]*\}")


def prometheus_unit_name(unit: Any) -> str:
    """`ms` → `milliseconds`, `By/s` → `bytes_per_second`; annotations `{…}` dropped; unknown units kept."""
    text = _ANNOTATION.sub("", "" if unit is None else str(unit)).strip()
    main, _, per = text.partition("/")
    words = [UNITS.get(main, main)] if main else []
    if per:
        words.append("per_" + PER_UNITS.get(per, per))
    return "_".join(w for w in words if w)


def _escape(name: str) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9:]+", name) if p]
    out = "_".join(parts)
    return "_" + out if out[:1].isdigit() else out


def _metric_parts(metric: Any) -> tuple[str, str, str]:
    if isinstance(metric, str):
        return metric, "", ""
    if isinstance(metric, dict):
        name = metric.get("metric_name") or metric.get("name")
        if isinstance(name, str):
            return name, str(metric.get("unit") or ""), str(metric.get("instrument") or "")
    raise FilterFailure("Expected a metric (an object with `metric_name` or `name`) or a metric name")


def prometheus_metric_name(metric: Any, translation_strategy: Any = None) -> str:
    """The name Prometheus stores a metric under with the given OTLP translation strategy."""
    if translation_strategy not in STRATEGIES:
        raise FilterFailure(f"translation_strategy must be one of: {', '.join(STRATEGIES)}")
    name, unit, instrument = _metric_parts(metric)
    if translation_strategy == "NoTranslation":
        return name
    escape = translation_strategy.startswith("UnderscoreEscaping")
    base = _escape(name) if escape else name
    if translation_strategy.endswith("WithoutSuffixes"):
        return base
    suffixes = []
    unit_word = prometheus_unit_name(unit)
    if unit_word and not base.endswith(unit_word):
        suffixes.append(unit_word)
    if unit.strip() == "1" and instrument == "gauge" and not base.endswith("ratio"):
        suffixes.append("ratio")
    if instrument == "counter" and not base.endswith("total"):
        suffixes.append("total")
    return "_".join([base, *suffixes])


def prometheus_metric_names(
    metric: Any,
    translation_strategy: Any = "UnderscoreEscapingWithSuffixes",
    expand_summary_and_histogram: Any = False,
) -> list[str]:
    """The Prometheus name, or with expansion a histogram's `_bucket`, `_count` and `_sum` series."""
    name = prometheus_metric_name(metric, translation_strategy)
    _, _, instrument = _metric_parts(metric)
    if expand_summary_and_histogram and instrument == "histogram":
        return [f"{name}_bucket", f"{name}_count", f"{name}_sum"]
    return [name]


PROM_FILTERS: dict[str, Callable[..., Any]] = {
    "prometheus_unit_name": prometheus_unit_name,
    "prometheus_metric_name": prometheus_metric_name,
    "prometheus_metric_names": prometheus_metric_names,
}
