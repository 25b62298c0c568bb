"""What a review looks at: every attribute, metric, span, event and entity the registry itself defines,
with its namespace and where each of its fields is written.

Dependencies' definitions are read for context (a `renamed_to` may point into them) but never reviewed.
v2 refinements are skipped: they restate a base signal, whose own definition is reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weavergen.diagnostics import Range
from weavergen.document import Path
from weavergen.groups import AttrEntry, UGroup
from weavergen.resolve import Resolution

SIGNAL_KINDS = ("metric", "span", "event", "entity")
_KIND_PREFIXES = tuple(f"{k}." for k in SIGNAL_KINDS)


@dataclass(slots=True)
class Item:
    """One reviewed definition: its kind, name, root namespace, fields, and its place in a file."""

    kind: str
    name: str
    fields: dict[str, Any]
    group: UGroup
    entry: AttrEntry | None = None
    attributes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def namespace(self) -> str:
        """The root namespace (`http` of `http.request.method`); `other` for a name without a dot, as
        weaver's `semconv_grouped_attributes` does."""
        return self.name.split(".", 1)[0] if "." in self.name else "other"

    @property
    def key(self) -> str:
        """A unique, stable key: kind and name."""
        return f"{self.kind}:{self.name}"

    @property
    def file(self) -> str | None:
        """The file the definition is written in."""
        owner = self.entry.file if self.entry is not None else self.group.file
        return owner.provenance if owner is not None else None

    @property
    def path(self) -> Path:
        """The document path of the definition's mapping."""
        return self.entry.path if self.entry is not None else self.group.path

    @property
    def range(self) -> Range | None:
        """Where the definition is named: the attribute's `id`/`key`, the signal's id or name."""
        return self.entry.id_range() if self.entry is not None else self.group.id_range()

    def field_range(self, *keys: str | int, key: bool = False) -> Range | None:
        """Where a field below the definition is written (or the definition itself, when it is not)."""
        owner = self.entry.file if self.entry is not None else self.group.file
        if owner is None:
            return None
        doc = owner.document
        full = (*self.path, *keys)
        table = doc.key_spans if key else doc.spans
        return Range.of(*table[full]) if full in table else self.range

    def has_field(self, *keys: str | int) -> bool:
        """Whether the definition's file writes this field."""
        owner = self.entry.file if self.entry is not None else self.group.file
        return owner is not None and (*self.path, *keys) in owner.document.spans

    @property
    def brief(self) -> str:
        return str(self.fields.get("brief") or "").strip()

    @property
    def note(self) -> str:
        return str(self.fields.get("note") or "").strip()

    @property
    def stability(self) -> str | None:
        value = self.fields.get("stability")
        return None if value is None else str(value)

    @property
    def deprecated(self) -> dict[str, Any] | None:
        value = self.fields.get("deprecated")
        return value if isinstance(value, dict) else None

    @property
    def type(self) -> Any:
        """The attribute's type (a string, or the enum's `{members: …}`); None for signals."""
        return self.fields.get("type")

    @property
    def is_enum(self) -> bool:
        return isinstance(self.type, dict)


def _signal_name(group_id: str, fields: dict[str, Any], kind: str) -> str:
    if kind == "metric" and fields.get("metric_name"):
        return str(fields["metric_name"])
    if kind in ("event", "entity") and fields.get("name"):
        return str(fields["name"])
    return group_id[len(kind) + 1 :] if group_id.startswith(f"{kind}.") else group_id


def collect(resolution: Resolution) -> list[Item]:
    """Every definition of the registry (not of its dependencies), sorted by kind and name."""
    items: dict[str, Item] = {}
    for name, definition in resolution.definitions.items():
        if definition.group.dependency:
            continue
        item = Item("attribute", name, definition.attribute, definition.group, definition.entry)
        items.setdefault(item.key, item)
    for group in resolution.groups:
        source = group.source
        if group.type not in SIGNAL_KINDS or source.dependency or source.is_refinement:
            continue
        item = Item(group.type, _signal_name(group.id, group.fields, group.type), group.fields, source)
        item.attributes = group.attributes
        items.setdefault(item.key, item)
    return [items[k] for k in sorted(items)]


def attribute_index(resolution: Resolution) -> dict[str, dict[str, Any]]:
    """Every attribute definition by name, dependencies' included: what a `renamed_to` may name."""
    out = {name: d.attribute for name, d in resolution.definitions.items()}
    for dep in resolution.dependencies:
        for name, attr in attribute_index(dep).items():
            out.setdefault(name, attr)
    return out
