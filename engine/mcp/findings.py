"""The compact views of checked samples that weaver's MCP `live_check` offers: `findings_only` (one entry
per sample with findings) and `counts_only` (findings counted by id), walking the nodes as weaver does."""

from __future__ import annotations

from collections import Counter
from typing import Any

from weavergen.livecheck.samples import Sample


def _findings(node: dict[str, Any]) -> list[dict[str, Any]]:
    result = node.get("live_check_result") or {}
    return [
        {"id": f.get("id"), "level": f.get("level"), "message": f.get("message")}
        for f in result.get("all_advice") or []
    ]


def _attribute_findings(attributes: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    out = []
    for a in attributes or []:
        found = _findings(a)
        if found:
            out.append({"name": a.get("name"), "findings": found})
    return out


def compact_findings(samples: list[Sample]) -> list[dict[str, Any]]:
    """weaver's `collect_compact_findings`: who has findings, with `{id, level, message}` each."""
    out: list[dict[str, Any]] = []
    for sample in samples:
        ((kind, body),) = sample.items()
        if kind == "attribute":
            found = _findings(body)
            if found:
                out.append({"name": body.get("name"), "findings": found})
        elif kind == "span":
            own, attrs = _findings(body), _attribute_findings(body.get("attributes"))
            if own or attrs:
                out.append({"type": "span", "findings": own, "attribute_findings": attrs})
            for event in body.get("span_events") or []:
                attrs = _attribute_findings(event.get("attributes"))
                if attrs:
                    out.append({"type": "span_event", "attribute_findings": attrs})
        elif kind == "metric":
            found = _findings(body)
            if found:
                out.append({"name": body.get("name"), "type": "metric", "findings": found})
        else:
            attrs = _attribute_findings(body.get("attributes"))
            if attrs:
                out.append({"type": kind, "attribute_findings": attrs})
    return out


def _count(node: dict[str, Any], counts: Counter[str], attributes: bool = True) -> None:
    for f in (node.get("live_check_result") or {}).get("all_advice") or []:
        counts[str(f.get("id"))] += 1
    if attributes:
        for a in node.get("attributes") or []:
            _count(a, counts, attributes=False)


def finding_counts(samples: list[Sample]) -> dict[str, int]:
    """weaver's `collect_finding_counts`: every finding of every sample, counted by its id."""
    counts: Counter[str] = Counter()
    for sample in samples:
        ((kind, body),) = sample.items()
        if kind == "metric":
            _count(body, counts, attributes=False)
            continue
        _count(body, counts)
        if kind == "span":
            for nested in [*(body.get("span_events") or []), *(body.get("span_links") or [])]:
                _count(nested, counts)
    return dict(counts)
