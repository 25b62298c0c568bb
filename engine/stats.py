"""`registry stats`: weaver's statistics of a resolved registry, with weaver's JSON field names.

v1 (`ResolvedTelemetrySchema::stats`): `registry_stats` (groups by type, each weaver's `GroupStats` variant)
and `catalog_stats` (the deduplicated attribute catalog). v2 (`v2::Stats`): per-kind counts of the
materialized registry. Both carry `version`, as weaver's stats template context does. Breakdowns that
weaver keeps in hash maps are sorted here so that the output is stable.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from weavergen.resolve import Resolution, ResolvedGroup

_VARIANTS = {
    "attribute_group": "AttributeGroup",
    "metric": "Metric",
    "metric_group": "MetricGroup",
    "event": "Event",
    "resource": "Resource",
    "scope": "Scope",
    "span": "Span",
    "entity": "Entity",
}


def attribute_type_label(type_: Any) -> str:
    """An attribute type as weaver's breakdown names it: `string`, `template[int]`, `enum(card:003)`."""
    if isinstance(type_, dict):
        return f"enum(card:{len(type_.get('members') or []):03d})"
    return str(type_)


def requirement_level_label(level: Any) -> str:
    """`required`, `recommended`, `opt_in` or `conditionally_required`, whatever text comes with it."""
    if isinstance(level, dict):
        return next(iter(level), "recommended")
    return str(level) if level else "recommended"


def _counts(values: Iterable[Any]) -> dict[Any, int]:
    counter = Counter(values)
    return {k: counter[k] for k in sorted(counter, key=lambda k: (isinstance(k, str), k))}


def _common_group_stats(groups: list[ResolvedGroup]) -> dict[str, Any]:
    return {
        "count": len(groups),
        "total_attribute_count": sum(len(g.attributes) for g in groups),
        "total_with_prefix": sum(1 for g in groups if g.fields.get("prefix")),
        "total_with_note": sum(1 for g in groups if g.fields.get("note")),
        "stability_breakdown": _counts(
            g.fields["stability"] for g in groups if g.fields.get("stability") is not None
        ),
        "deprecated_count": sum(1 for g in groups if g.fields.get("deprecated") is not None),
        "attribute_card_breakdown": _counts(len(g.attributes) for g in groups),
    }


def _group_stats(type_: str, groups: list[ResolvedGroup]) -> dict[str, Any]:
    body: dict[str, Any] = {"common_stats": _common_group_stats(groups)}
    if type_ == "metric":
        body["metric_names"] = sorted({str(g.fields.get("metric_name")) for g in groups})
        body["instrument_breakdown"] = _counts(str(g.fields.get("instrument")) for g in groups)
        body["unit_breakdown"] = _counts(str(g.fields.get("unit")) for g in groups)
    elif type_ == "span":
        body["span_kind_breakdown"] = _counts(
            g.fields["span_kind"] for g in groups if g.fields.get("span_kind") is not None
        )
    return {_VARIANTS.get(type_, "Undefined"): body}


def catalog(resolution: Resolution) -> list[dict[str, Any]]:
    """weaver's shared attribute catalog: one entry per distinct attribute (with its overrides)."""
    seen: dict[str, dict[str, Any]] = {}
    for g in resolution.groups:
        for attr in g.attributes:
            seen.setdefault(json.dumps(attr, sort_keys=True, default=str), attr)
    return list(seen.values())


def stats_v1(resolution: Resolution) -> dict[str, Any]:
    """The v1 statistics of a resolution (`version: v1`, `registry_stats`, `catalog_stats`)."""
    by_type: dict[str, list[ResolvedGroup]] = {}
    for g in resolution.groups:
        by_type.setdefault(g.type, []).append(g)
    attrs = catalog(resolution)
    url = resolution.registry.manifest.schema_url if resolution.registry.manifest else ""
    return {
        "version": "v1",
        "registry_stats": [
            {
                "url": url or "",
                "group_count": len(resolution.groups),
                "group_breakdown": {t: _group_stats(t, by_type[t]) for t in sorted(by_type)},
            }
        ],
        "catalog_stats": {
            "attribute_count": len(attrs),
            "attribute_type_breakdown": _counts(attribute_type_label(a.get("type")) for a in attrs),
            "requirement_level_breakdown": _counts(
                requirement_level_label(a.get("requirement_level")) for a in attrs
            ),
            "stability_breakdown": _counts(a["stability"] for a in attrs if a.get("stability") is not None),
            "deprecated_count": sum(1 for a in attrs if a.get("deprecated") is not None),
        },
    }


def _common_signal_stats(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "count": len(items),
        "stability_breakdown": _counts(str(i.get("stability")) for i in items),
        "deprecated_count": sum(1 for i in items if i.get("deprecated") is not None),
        "total_with_note": sum(1 for i in items if i.get("note")),
    }


def stats_v2(materialized: dict[str, Any]) -> dict[str, Any]:
    """The v2 statistics of a materialized registry (`version: v2`, `registry`, `refinements`)."""
    reg = materialized.get("registry", {})
    attributes = reg.get("attributes", [])
    metrics = reg.get("metrics", [])
    spans = reg.get("spans", [])
    events = reg.get("events", [])
    entities = reg.get("entities", [])
    return {
        "version": "v2",
        "registry": {
            "attributes": {
                "attribute_count": len(attributes),
                "attribute_type_breakdown": _counts(attribute_type_label(a.get("type")) for a in attributes),
                "stability_breakdown": _counts(str(a.get("stability")) for a in attributes),
                "deprecated_count": sum(1 for a in attributes if a.get("deprecated") is not None),
            },
            "metrics": {
                "common": _common_signal_stats(metrics),
                "metric_names": sorted({str(m.get("name")) for m in metrics}),
                "instrument_breakdown": _counts(str(m.get("instrument")) for m in metrics),
                "unit_breakdown": _counts(str(m.get("unit")) for m in metrics),
            },
            "spans": {
                "common": _common_signal_stats(spans),
                "span_kind_breakdown": _counts(str(s.get("kind")) for s in spans),
            },
            "events": {
                "common": _common_signal_stats(events),
                "event_names": sorted({str(e.get("name")) for e in events}),
            },
            "entities": {
                "common": _common_signal_stats(entities),
                "entity_types": sorted({str(e.get("type")) for e in entities}),
                "entity_identity_length_distribution": _counts(len(e.get("identity", [])) for e in entities),
            },
            "attribute_groups": {
                "common": {
                    "count": len(reg.get("attribute_groups", [])),
                    "stability_breakdown": {},
                    "deprecated_count": 0,
                    "total_with_note": 0,
                }
            },
        },
        "refinements": {},
    }


def compute_stats(resolution: Resolution, v2: bool) -> dict[str, Any]:
    """weaver's statistics of a resolution, from the v1 resolved schema or (`--v2`) the materialized one."""
    if v2:
        from weavergen.materialize import materialize

        return stats_v2(materialize(resolution))
    return stats_v1(resolution)


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 // whole}%" if whole else "0%"


def _pascal(snake: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in snake.split("_"))


def _lines(title: str, counts: dict[Any, int], indent: str, *, by_value: bool = False) -> list[str]:
    items = sorted(counts.items(), key=lambda kv: -kv[1]) if by_value else list(counts.items())
    return [f"{indent}{title}", *(f"{indent}  - {k}: {v}" for k, v in items)]


def render_text(stats: dict[str, Any]) -> str:
    """A readable summary laid out as weaver's default `stats.txt.j2` template lays it out."""
    return "\n".join(_text_v2(stats) if stats.get("version") == "v2" else _text_v1(stats)) + "\n"


def _text_v1(stats: dict[str, Any]) -> list[str]:
    out = ["Resolved Telemetry Schema Stats:"]
    total_attrs = 0
    for registry in stats["registry_stats"]:
        out += ["Registry", f"  - {registry['group_count']} groups"]
        for type_, variant in registry["group_breakdown"].items():
            group = next(iter(variant.values()))
            common = group["common_stats"]
            total_attrs += common["total_attribute_count"]
            count = common["count"]
            cards = ", ".join(f"{k}: {v}" for k, v in common["attribute_card_breakdown"].items())
            out += [
                f"    - {count} {_pascal(type_)}s",
                f"      - Total number of attributes: {common['total_attribute_count']}",
                f"        - [(attributes card: frequency), ...]: [{cards}]",
                f"      - Number of group with a prefix: {common['total_with_prefix']} "
                f"({_pct(common['total_with_prefix'], count)})",
                f"      - Number of group with a note: {common['total_with_note']} "
                f"({_pct(common['total_with_note'], count)})",
            ]
            if common["stability_breakdown"]:
                share = _pct(sum(common["stability_breakdown"].values()), count)
                out += _lines(f"- Stability breakdown ({share}):", common["stability_breakdown"], "      ")
            if common["deprecated_count"]:
                out.append(
                    f"      - Total number of deprecated groups: {common['deprecated_count']} "
                    f"({_pct(common['deprecated_count'], count)})"
                )
            if "metric_names" in group:
                out.append(f"      - Distinct number of metric names: {len(group['metric_names'])}")
                out += _lines("- Instrument breakdown:", group["instrument_breakdown"], "      ")
                out += _lines("- Unit breakdown:", group["unit_breakdown"], "      ")
            if "span_kind_breakdown" in group:
                kinds = {k.capitalize(): v for k, v in group["span_kind_breakdown"].items()}
                out += _lines("- Span kind breakdown:", kinds, "      ")
    cat = stats["catalog_stats"]
    out.append("Shared Catalog (after resolution and deduplication):")
    if total_attrs:
        out.append(
            f"  - Number of deduplicated attributes: {cat['attribute_count']} "
            f"({_pct(cat['attribute_count'], total_attrs)})"
        )
    out += _lines("- Attribute types breakdown:", cat["attribute_type_breakdown"], "    ")
    out += _lines("- Requirement levels breakdown:", cat["requirement_level_breakdown"], "    ")
    if cat["stability_breakdown"]:
        share = _pct(sum(cat["stability_breakdown"].values()), cat["attribute_count"])
        out += _lines(f"- Stability breakdown ({share}):", cat["stability_breakdown"], "    ")
    if cat["deprecated_count"]:
        out.append(
            f"    - Total number of deprecated attributes: {cat['deprecated_count']} "
            f"({_pct(cat['deprecated_count'], cat['attribute_count'])})"
        )
    return out


def _text_v2(stats: dict[str, Any]) -> list[str]:
    reg = stats["registry"]
    attrs = reg["attributes"]
    out = [
        "Resolved Telemetry Schema Stats:",
        "Registry",
        "- Attributes",
        f"  - count: {attrs['attribute_count']}",
        f"  - deprecated: {attrs['deprecated_count']}",
        *_lines("- type breakdown:", attrs["attribute_type_breakdown"], "  ", by_value=True),
        *_lines("- stability breakdown:", attrs["stability_breakdown"], "  "),
        "- Attribute Groups",
        f"  - count: {reg['attribute_groups']['common']['count']}",
    ]
    for title, key in (
        ("Entities", "entities"),
        ("Events", "events"),
        ("Metrics", "metrics"),
        ("Spans", "spans"),
    ):
        section = reg[key]
        common = section["common"]
        out += [
            f"- {title}",
            f"  - count: {common['count']}",
            f"  - deprecated: {common['deprecated_count']}",
            *_lines("- stability breakdown:", common["stability_breakdown"], "  "),
            f"  - total with note: {common['total_with_note']}",
        ]
        if key == "entities":
            out += _lines(
                "- entity identity length distribution:", section["entity_identity_length_distribution"], "  "
            )
        elif key == "metrics":
            out += _lines("- instrument breakdown:", section["instrument_breakdown"], "  ", by_value=True)
            out += _lines("- unit breakdown:", section["unit_breakdown"], "  ", by_value=True)
        elif key == "spans":
            kinds = {k.capitalize(): v for k, v in section["span_kind_breakdown"].items()}
            out += _lines("- span kind breakdown:", kinds, "  ")
    return out
