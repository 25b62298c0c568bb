"""Completion in registry files: ids after `ref:`/`extends:`/`ref_group:`, enumerated values, and the keys
the file models allow at the cursor. Positions are code points, as in `Document`; no LSP types here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from weavergen.diagnostics import Position
from weavergen.navigation import REFINEMENT_KINDS
from weavergen.registry import SpecFile
from weavergen.workspace import Snapshot


@dataclass(frozen=True, slots=True)
class Completion:
    """One completion item: the text to insert and what it is."""

    label: str
    kind: str  # "attribute" | "group" | "value" | "key"
    detail: str = ""
    documentation: str = ""


_VALUES: dict[str, tuple[str, ...]] = {
    "stability": ("stable", "development", "alpha", "beta", "release_candidate"),
    "requirement_level": ("required", "recommended", "opt_in", "conditionally_required"),
    "instrument": ("counter", "updowncounter", "gauge", "histogram"),
    "span_kind": ("client", "server", "internal", "producer", "consumer"),
    "kind": ("client", "server", "internal", "producer", "consumer"),
    "reason": ("renamed", "obsoleted", "uncategorized"),
    "role": ("identifying", "descriptive"),
}
_LINE = re.compile(
    r"^(?P<indent>\s*)(?:-\s+)?(?:(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>[^#]*)|(?P<word>[A-Za-z0-9_.]*))$"
)
_GROUP_TYPES = ("attribute_group", "span", "event", "metric", "entity", "scope")


def completions(snapshot: Snapshot, spec: SpecFile, text: str, pos: Position) -> list[Completion]:
    """What can be written at the cursor: ids after `ref:`/`extends:`…, enumerated values, or keys."""
    lines = text.splitlines()
    line = lines[pos.line] if pos.line < len(lines) else ""
    before = line[: pos.column]
    m = _LINE.match(before)
    if m is None:
        return []
    key, value = m.group("key"), m.group("value")
    if key is None:
        if _in_list(lines, pos.line, "events"):
            return _groups(snapshot, "event")
        return _keys(spec, lines, pos)
    if value is not None and value.strip().startswith(("{", "[", '"', "'")) and key != "type":
        return []
    return _values_for(snapshot, spec, lines, pos, key)


def _values_for(
    snapshot: Snapshot, spec: SpecFile, lines: list[str], pos: Position, key: str
) -> list[Completion]:
    if key == "ref" and _enclosing_section(lines, pos.line) in REFINEMENT_KINDS:
        prefix = REFINEMENT_KINDS[_enclosing_section(lines, pos.line)]
        return [Completion(c.label[len(prefix) :], "group", c.detail) for c in _groups(snapshot, prefix[:-1])]
    if key in ("ref", "renamed_to"):
        return _attributes(snapshot)
    if key == "extends":
        return _groups(snapshot, None)
    if key == "ref_group":
        return _groups(snapshot, "attribute_group")
    if key == "type":
        indent = len(lines[pos.line]) - len(lines[pos.line].lstrip(" -"))
        section = _enclosing_section(lines, pos.line)
        if section == "groups" and _is_group_level(lines, pos.line, indent):
            return [Completion(v, "value", "group type") for v in _GROUP_TYPES]
        if section not in ("groups", "attributes"):
            return []
        from weavergen.model import PRIMITIVE_TYPES, TEMPLATE_TYPES

        return [Completion(v, "value", "attribute type") for v in (*PRIMITIVE_TYPES, *TEMPLATE_TYPES)]
    values = _VALUES.get(key)
    return [Completion(v, "value", key) for v in values] if values else []


def _attributes(snapshot: Snapshot) -> list[Completion]:
    out = []
    seen: set[str] = set()
    for res in (snapshot.resolution, *snapshot.resolution.dependencies):
        for name, d in sorted(res.definitions.items()):
            if name not in seen:
                seen.add(name)
                doc = str(d.attribute.get("brief") or "").strip()
                out.append(Completion(name, "attribute", _type_label(d.attribute.get("type")), doc))
    return out


def _type_label(t: Any) -> str:
    return "enum" if isinstance(t, dict) else str(t)


def _groups(snapshot: Snapshot, gtype: str | None) -> list[Completion]:
    out = []
    for gid, groups in sorted(snapshot.resolution.all_groups.items()):
        g = groups[0]
        if gtype is None or g.type == gtype:
            out.append(Completion(gid, "group", g.type, str(g.spec.get("brief") or "").strip()))
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _enclosing_section(lines: list[str], row: int) -> str:
    """The top-level key the line belongs to (`groups`, `metrics`, `span_refinements`…)."""
    for i in range(min(row, len(lines) - 1), -1, -1):
        line = lines[i]
        if line and not line[0].isspace() and ":" in line and not line.startswith("#"):
            return line.split(":", 1)[0].strip()
    return ""


def _in_list(lines: list[str], row: int, key: str) -> bool:
    """Whether the cursor line is an item of a `key:` list (e.g. `events:`)."""
    line = lines[row] if row < len(lines) else ""
    if not line.lstrip().startswith("-"):
        return False
    col = _indent(line)
    for i in range(row - 1, -1, -1):
        prev = lines[i]
        if not prev.strip():
            continue
        if _indent(prev) < col or (_indent(prev) == col and not prev.lstrip().startswith("-")):
            return prev.strip().rstrip(":") == key
    return False


def _is_group_level(lines: list[str], row: int, indent: int) -> bool:
    """Whether a key at this indentation belongs to a top-level list item (a group), not an attribute."""
    for i in range(row, -1, -1):
        line = lines[i]
        stripped = line.lstrip(" ")
        if stripped.startswith("- ") and _indent(line) + 2 <= indent:
            return _indent(line) <= 2
    return True


def _model_keys(section: str, depth: str, v2: bool) -> tuple[str, ...]:
    from weavergen import model

    table: dict[tuple[str, str], Any] = {
        ("groups", "item"): model.GroupSpec,
        ("groups", "attribute"): model.AttributeDefV1,
        ("attributes", "item"): model.AttributeDefV2,
        ("spans", "item"): model.SpanV2,
        ("metrics", "item"): model.MetricV2,
        ("events", "item"): model.EventV2,
        ("entities", "item"): model.EntityV2,
        ("attribute_groups", "item"): model.PublicAttributeGroup,
        ("span_refinements", "item"): model.SpanRefinement,
        ("metric_refinements", "item"): model.MetricRefinement,
        ("event_refinements", "item"): model.EventRefinement,
        ("entity_refinements", "item"): model.EntityRefinement,
    }
    cls: Any
    if depth == "root":
        cls = model.SemConvSpecV2 if v2 else model.SemConvSpecV1
    elif depth == "attribute" and v2:
        cls = model.SpanAttributeRefV2 if section == "spans" else model.AttributeRefV2
    else:
        cls = table.get((section, depth))
    if cls is None:
        return ()
    return tuple(f.alias or name for name, f in cls.model_fields.items())


def _keys(spec: SpecFile, lines: list[str], pos: Position) -> list[Completion]:
    """The keys valid in the mapping the cursor's indentation puts it in, minus those already there."""
    line = lines[pos.line] if pos.line < len(lines) else ""
    indent = (
        pos.column - len(line[: pos.column].lstrip(" -")) if line[: pos.column].strip(" -") else pos.column
    )
    v2 = spec.check.file_format == "definition/2" or any(
        x.startswith("file_format: definition/2") for x in lines
    )
    section = _enclosing_section(lines, pos.line)
    depth = "root" if indent == 0 else "item" if _is_group_level(lines, pos.line, indent) else "attribute"
    present = _siblings(lines, pos.line, indent)
    keys = _model_keys(section, depth, v2)
    return [
        Completion(k, "key", f"{section} {depth}" if depth != "root" else "file")
        for k in keys
        if k not in present
    ]


def _key_of(line: str) -> str:
    return line.lstrip(" -").split(":", 1)[0].strip()


def _siblings(lines: list[str], row: int, indent: int) -> set[str]:
    """Keys already written at this indentation in the same mapping (a `- ` line starts a mapping)."""
    found: set[str] = set()

    def col_of(line: str) -> int:
        return len(line) - len(line.lstrip(" -"))

    current = lines[row] if row < len(lines) else ""
    if not current.lstrip().startswith("-"):
        for i in range(row - 1, -1, -1):
            line = lines[i]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if col_of(line) < indent:
                break
            if col_of(line) == indent:
                found.add(_key_of(line))
                if line.lstrip().startswith("-"):
                    break
    for i in range(row + 1, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if col_of(line) < indent or (col_of(line) == indent and line.lstrip().startswith("-")):
            break
        if col_of(line) == indent:
            found.add(_key_of(line))
    return found
