"""What a resolution produces: resolved groups, attribute definitions, and the resolved registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.groups import AttrEntry, UGroup
from weavergen.registry import LoadedRegistry


@dataclass(slots=True)
class Definition:
    """An attribute definition (an `id` entry) and the group that defines it."""

    attribute: dict[str, Any]
    group: UGroup
    entry: AttrEntry


@dataclass(slots=True)
class ResolvedGroup:
    """A group after resolution: full attribute objects, lineage, and its unresolved origin."""

    id: str
    type: str
    fields: dict[str, Any]
    attributes: list[dict[str, Any]]
    lineage: dict[str, Any]
    source: UGroup
    attribute_entries: list[AttrEntry] = field(default_factory=list)

    def template(self) -> dict[str, Any]:
        """The group as weaver's template/policy schema (forge `ResolvedGroup`) serialises it."""
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        f = self.fields
        for k in ("brief", "note", "prefix"):
            if f.get(k):
                out[k] = f[k]
        for k in ("stability", "deprecated"):
            if f.get(k) is not None:
                out[k] = f[k]
        if self.attributes:
            out["attributes"] = self.attributes
        if f.get("span_kind") is not None:
            out["span_kind"] = f["span_kind"]
        if f.get("events"):
            out["events"] = f["events"]
        for k in ("metric_name", "instrument", "unit", "name"):
            if f.get(k) is not None:
                out[k] = f[k]
        if self.lineage:
            out["lineage"] = self.lineage
        for k in ("display_name", "body"):
            if f.get(k) is not None:
                out[k] = f[k]
        if f.get("entity_associations"):
            out["entity_associations"] = f["entity_associations"]
        if f.get("annotations") is not None:
            out["annotations"] = f["annotations"]
        return out


@dataclass(slots=True)
class Resolution:
    """A resolved registry: its groups sorted by id, its attribute definitions, and what went wrong."""

    registry: LoadedRegistry
    groups: list[ResolvedGroup]
    definitions: dict[str, Definition]
    diagnostics: list[Diagnostic]
    all_groups: dict[str, list[UGroup]]
    dependencies: list[Resolution] = field(default_factory=list)
    by_id: dict[str, ResolvedGroup] = field(default_factory=dict)

    def template_schema(self) -> dict[str, Any]:
        """weaver's v1 template schema (`ResolvedRegistry`): what v1 templates and policies see."""
        out: dict[str, Any] = {}
        url = self.registry.manifest.schema_url if self.registry.manifest else ""
        if url:
            out["registry_url"] = url
        out["groups"] = [g.template() for g in self.groups]
        return out
