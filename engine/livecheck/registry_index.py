"""The registry as live-check looks it up (attributes, templates, metrics, events, entities by name),
weaver's finding shape and levels, and what registry coverage counts (non-deprecated definitions only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from weavergen.resolve import Resolution

LEVELS = ("information", "improvement", "violation")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def finding(
    id: str, level: str, message: str, context: dict[str, Any], signal: tuple[str | None, str | None]
) -> dict[str, Any]:
    """A weaver `PolicyFinding` as the report serialises it."""
    return {
        "id": id,
        "context": context,
        "message": message,
        "level": level,
        "signal_type": signal[0],
        "signal_name": signal[1],
    }


def highest_level(findings: Sequence[dict[str, Any]]) -> str | None:
    """The highest level among findings (violation > improvement > information)."""
    ranked = [f["level"] for f in findings if f.get("level") in LEVEL_RANK]
    return max(ranked, key=LEVEL_RANK.__getitem__) if ranked else None


@dataclass(slots=True)
class RegistryIndex:
    """What live-check looks samples up in: attributes, templates, metrics, events and entities by name."""

    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    schema_url: str = ""
    covered: tuple[list[str], list[str], list[str]] = ([], [], [])
    """What registry coverage counts, as weaver's `CumulativeStatistics::new`: the names of the
    non-deprecated attributes (of every group, templates included), metrics and events."""

    @classmethod
    def of(cls, resolution: Resolution) -> RegistryIndex:
        """Index a resolved registry; registry attribute groups win over signal groups' copies."""
        index = cls()
        schema = resolution.template_schema()
        index.schema_url = str(schema.get("registry_url", ""))
        groups = sorted(schema["groups"], key=lambda g: not str(g["id"]).startswith("registry."))
        attributes: dict[str, None] = {}
        metrics: dict[str, None] = {}
        events: dict[str, None] = {}
        for group in groups:
            for attr in group.get("attributes", []):
                target = index.templates if is_template_attribute(attr) else index.attributes
                target.setdefault(str(attr["name"]), attr)
                if not attr.get("deprecated"):
                    attributes[str(attr["name"])] = None
            kind = group.get("type")
            if not group.get("deprecated"):
                if kind == "metric" and group.get("metric_name"):
                    metrics[str(group["metric_name"])] = None
                elif kind == "event" and group.get("name"):
                    events[str(group["name"])] = None
            if kind == "metric" and group.get("metric_name"):
                index.metrics.setdefault(str(group["metric_name"]), group)
            elif kind == "event" and group.get("name"):
                index.events.setdefault(str(group["name"]), group)
            elif kind == "entity" and group.get("name"):
                index.entities.setdefault(str(group["name"]), group)
        index.covered = (list(attributes), list(metrics), list(events))
        return index

    def find_attribute(self, name: str) -> tuple[dict[str, Any] | None, bool]:
        """The registry attribute of a sample name, and whether it matched through a template."""
        if name in self.attributes:
            return self.attributes[name], False
        matches = [t for t in self.templates if name.startswith(t)]
        if not matches:
            return None, False
        return self.templates[max(matches, key=len)], True

    def preprocessor_input(self) -> dict[str, Any]:
        """What a custom `--advice-preprocessor` reads: the registry's attributes and signals by name."""
        return {
            "semconv_attributes": self.attributes,
            "semconv_templates": self.templates,
            "semconv_metrics": self.metrics,
            "semconv_events": self.events,
            "semconv_entities": self.entities,
            "schema_url": self.schema_url,
        }

    def advice_data(self) -> dict[str, Any]:
        """What weaver's default jq preprocessor (`defaults/jq/advice.jq`) gives the Rego policies."""
        namespaces: dict[str, bool] = {}
        for name in self.attributes:
            parts = name.split(".")
            for i in range(1, len(parts)):
                namespaces[".".join(parts[:i])] = True
        return {
            "attributes_set": dict.fromkeys(self.attributes, True),
            "deprecated_attributes_set": {n: True for n, a in self.attributes.items() if a.get("deprecated")},
            "templates_set": dict.fromkeys(self.templates, True),
            "namespaces_to_check_set": namespaces,
            "schema_url": self.schema_url,
            "entities": sorted(self.entities),
        }


def is_template_attribute(attr: dict[str, Any]) -> bool:
    """Whether a resolved attribute is a template (`template[...]` type): samples match it by prefix."""
    kind = attr.get("type")
    return isinstance(kind, str) and kind.startswith("template[")
