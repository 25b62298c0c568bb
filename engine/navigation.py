"""Navigation over a registry: what is at a position, hover text, definitions, references, symbols and
attribute rename (completion is in `completion.py`). Positions are code points, as in `Document`; no
LSP types here.

Every id-bearing scalar of every file is classified once (`occurrences`) as a definition of, or a
reference to, an attribute or a group; the per-file result is cached by the document's digest, so an
edit re-indexes one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from weavergen.diagnostics import Position, Range
from weavergen.document import Document, Path
from weavergen.fixes import TextEdit, per_document, value_at
from weavergen.registry import SpecFile
from weavergen.workspace import Snapshot

_V2_NAMES = {"metrics": ("name", "metric."), "spans": ("type", "span."), "events": ("name", "event.")}
_V2_NAMES["entities"] = ("type", "entity.")
REFINEMENT_KINDS = {
    "entity_refinements": "entity.",
    "event_refinements": "event.",
    "metric_refinements": "metric.",
    "span_refinements": "span.",
}
_REF_LISTS = ("attributes", "identity", "description")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One written mention of an attribute or group: where, what, and whether it defines it."""

    kind: str  # "attribute" | "group" | "entity"
    name: str
    file: str
    range: Range
    definition: bool
    written: str


@dataclass(frozen=True, slots=True)
class Location:
    """A range in a file."""

    file: str
    range: Range


@dataclass(slots=True)
class Symbol:
    """A document or workspace symbol: a group (with its attributes as children) or an attribute."""

    name: str
    kind: str
    detail: str
    file: str
    range: Range
    selection: Range
    children: list[Symbol] = field(default_factory=list)


def _classify(path: Path, value: str, data: Any) -> tuple[str, str, bool] | None:
    """What an id-bearing scalar at `path` names: (kind, full name, is_definition), or None."""
    if not path:
        return None
    last, n = path[-1], len(path)
    top = path[0]
    if last == "ref" and n >= 3 and path[-3] in _REF_LISTS:
        return "attribute", value, False
    if last == "ref" and n == 3 and top in REFINEMENT_KINDS:
        return "group", REFINEMENT_KINDS[str(top)] + value, False
    if last == "id" and n == 5 and top == "groups" and path[2] == "attributes":
        prefix = value_at(data, ("groups", path[1], "prefix"))
        return "attribute", f"{prefix}.{value}" if prefix else value, True
    if last == "key" and n == 3 and top == "attributes":
        return "attribute", value, True
    if last == "renamed_to":
        return "attribute", value, False
    if last in ("extends", "ref_group"):
        return "group", value, False
    if n >= 2 and path[-2] == "include_groups":
        return "group", value, False
    if n == 4 and top == "groups" and path[2] == "events":
        return "group", value, False
    if "entity_associations" in path and isinstance(last, int | str) and last not in ("one_of", "all_of"):
        return "entity", value, False
    if last == "id" and n == 3 and top in ("groups", "attribute_groups", *REFINEMENT_KINDS):
        return "group", value, True
    if n == 3 and top in _V2_NAMES and last == _V2_NAMES[str(top)][0]:
        return "group", _V2_NAMES[str(top)][1] + value, True
    return None


@per_document
def occurrences(spec: SpecFile) -> list[Occurrence]:
    """Every definition of and reference to an attribute or group in one file (cached by content)."""
    doc = spec.document
    out: list[Occurrence] = []
    if not doc.failed:
        for path, span in doc.spans.items():
            value = value_at(doc.data, path)
            if not isinstance(value, str):
                continue
            found = _classify(path, value, doc.data)
            if found is not None:
                out.append(Occurrence(found[0], found[1], spec.provenance, Range.of(*span), found[2], value))
    return out


def _all(snapshot: Snapshot) -> list[Occurrence]:
    out: list[Occurrence] = []
    for spec in snapshot.registry.files:
        out.extend(occurrences(spec))
    return out


def _contains(rng: Range, pos: Position) -> bool:
    start, end = (rng.start.line, rng.start.column), (rng.end.line, rng.end.column)
    return start <= (pos.line, pos.column) <= end


def at(snapshot: Snapshot, file: str, pos: Position) -> Occurrence | None:
    """The attribute or group mention under the cursor."""
    spec = snapshot.file(file)
    if spec is None:
        return None
    for occ in occurrences(spec):
        if _contains(occ.range, pos):
            return _entity_as_group(snapshot, occ)
    return None


def _entity_as_group(snapshot: Snapshot, occ: Occurrence) -> Occurrence:
    """An entity association names an entity by its name; navigate to that entity's group."""
    if occ.kind != "entity":
        return occ
    for gid, groups in snapshot.resolution.all_groups.items():
        g = groups[0]
        if g.type == "entity" and (g.spec.get("name") == occ.name or gid == f"entity.{occ.name}"):
            return Occurrence("group", gid, occ.file, occ.range, occ.definition, occ.written)
    return occ


def _same(snapshot: Snapshot, a: Occurrence, kind: str, name: str) -> bool:
    b = _entity_as_group(snapshot, a)
    return b.kind == kind and b.name == name


def definitions(snapshot: Snapshot, file: str, pos: Position) -> list[Location]:
    """Where the attribute or group under the cursor is defined (dependencies included)."""
    occ = at(snapshot, file, pos)
    if occ is None:
        return []
    found = [
        Location(o.file, o.range)
        for o in _all(snapshot)
        if o.definition and _same(snapshot, o, occ.kind, occ.name)
    ]
    if found:
        return found
    if occ.kind == "attribute":
        d = snapshot.resolution.definitions.get(occ.name) or _dep_definition(snapshot, occ.name)
        if d is not None and d.entry.file is not None:
            rng = d.entry.file.document.range_of((*d.entry.path, "id" if "id" in d.entry.spec else "key"))
            if rng is not None:
                return [Location(d.entry.file.provenance, rng)]
    return []


def _dep_definition(snapshot: Snapshot, name: str) -> Any:
    for dep in snapshot.resolution.dependencies:
        d = dep.definitions.get(name)
        if d is not None:
            return d
    return None


def references(
    snapshot: Snapshot, file: str, pos: Position, include_declaration: bool = True
) -> list[Location]:
    """Every mention of the attribute or group under the cursor across the registry."""
    occ = at(snapshot, file, pos)
    if occ is None:
        return []
    return [
        Location(o.file, o.range)
        for o in _all(snapshot)
        if _same(snapshot, o, occ.kind, occ.name) and (include_declaration or not o.definition)
    ]


_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def prepare_rename(snapshot: Snapshot, file: str, pos: Position) -> tuple[Range, str] | None:
    """The range and current name of a renamable attribute under the cursor, or None."""
    occ = at(snapshot, file, pos)
    if occ is None or occ.kind != "attribute":
        return None
    return occ.range, occ.written


def rename(snapshot: Snapshot, file: str, pos: Position, new_name: str) -> dict[str, list[TextEdit]] | str:
    """Edits renaming an attribute everywhere (definition, refs, `renamed_to`), or why it cannot be."""
    occ = at(snapshot, file, pos)
    if occ is None or occ.kind != "attribute":
        return "Only attributes can be renamed; put the cursor on an attribute id or ref."
    if not _NAME.match(new_name):
        return f"`{new_name}` is not a valid attribute name (lowercase, dot-separated words)."
    if new_name != occ.name and snapshot.resolution.definitions.get(new_name) is not None:
        return f"An attribute named `{new_name}` already exists."
    edits: dict[str, list[TextEdit]] = {}
    for o in _all(snapshot):
        if o.kind != "attribute" or o.name != occ.name:
            continue
        text = new_name
        if o.written != o.name:  # a v1 id under a group `prefix`
            prefix = o.name[: len(o.name) - len(o.written)]
            if not new_name.startswith(prefix):
                return (
                    f"`{occ.name}` is defined under `prefix: {prefix[:-1]}`; its new name must start with it."
                )
            text = new_name[len(prefix) :]
        edits.setdefault(o.file, []).append(TextEdit(o.range, text))
    return edits


# --- hover -----------------------------------------------------------------------------------------


def hover(snapshot: Snapshot, file: str, pos: Position) -> str | None:
    """Markdown describing the attribute or group under the cursor."""
    occ = at(snapshot, file, pos)
    if occ is None:
        return None
    if occ.kind == "attribute":
        d = snapshot.resolution.definitions.get(occ.name) or _dep_definition(snapshot, occ.name)
        if d is None:
            return f"**{occ.name}** — attribute not defined in this registry or its dependencies"
        where = _where(d.entry.file, d.entry.path)
        return _attribute_md(occ.name, d.attribute, d.group.id, where)
    groups = snapshot.resolution.all_groups.get(occ.name)
    if not groups:
        return f"**{occ.name}** — group not defined in this registry"
    g = groups[0]
    return _group_md(occ.name, g.type, g.spec, _where(g.file, g.path), len(g.attrs))


def _where(spec: SpecFile | None, path: Path) -> str:
    if spec is None:
        return ""
    rng = spec.document.range_of(path)
    line = rng.start.line + 1 if rng else 1
    return f"{spec.provenance}:{line}"


def _type_md(attr_type: Any) -> str:
    if isinstance(attr_type, dict):
        members = attr_type.get("members") or []
        rows = []
        for m in members:
            value = m.get("value")
            extra = f" — {m['brief'].strip()}" if m.get("brief") else ""
            dep = " *(deprecated)*" if m.get("deprecated") else ""
            rows.append(f"  - `{m.get('id')}` = `{value}`{extra}{dep}")
        return "enum\n" + "\n".join(rows)
    return f"`{attr_type}`"


def _deprecation_md(dep: Any) -> str | None:
    if not isinstance(dep, dict):
        return None
    text = f"**Deprecated** ({dep.get('reason')})"
    if dep.get("renamed_to"):
        text += f": renamed to `{dep['renamed_to']}`"
    if dep.get("note"):
        text += f". {str(dep['note']).strip()}"
    return text


def _attribute_md(name: str, a: dict[str, Any], group: str, where: str) -> str:
    parts = [f"**{name}** (attribute)"]
    if a.get("brief"):
        parts.append(str(a["brief"]).strip())
    if a.get("note"):
        parts.append(str(a["note"]).strip())
    facts = [f"- type: {_type_md(a.get('type'))}"]
    if a.get("stability"):
        facts.append(f"- stability: `{a['stability']}`")
    rl = a.get("requirement_level")
    if rl is not None:
        facts.append(f"- requirement level: `{rl if isinstance(rl, str) else next(iter(rl), rl)}`")
    if a.get("examples") is not None:
        ex = a["examples"] if isinstance(a["examples"], list) else [a["examples"]]
        facts.append("- examples: " + ", ".join(f"`{e}`" for e in ex))
    parts.append("\n".join(facts))
    dep = _deprecation_md(a.get("deprecated"))
    if dep:
        parts.append(dep)
    parts.append(f"Defined in group `{group}` at {where}")
    return "\n\n".join(parts)


def _group_md(gid: str, gtype: str, spec: dict[str, Any], where: str, n_attrs: int) -> str:
    parts = [f"**{gid}** ({gtype})"]
    if spec.get("brief"):
        parts.append(str(spec["brief"]).strip())
    if spec.get("note"):
        parts.append(str(spec["note"]).strip())
    facts = []
    for key, label in (
        ("stability", "stability"),
        ("metric_name", "metric name"),
        ("instrument", "instrument"),
        ("unit", "unit"),
        ("span_kind", "span kind"),
        ("extends", "extends"),
        ("name", "name"),
    ):
        if spec.get(key) is not None and not (key == "name" and gtype == "metric"):
            facts.append(f"- {label}: `{spec[key]}`")
    facts.append(f"- attributes: {n_attrs}")
    parts.append("\n".join(facts))
    dep = _deprecation_md(spec.get("deprecated"))
    if dep:
        parts.append(dep)
    parts.append(f"Defined at {where}")
    return "\n\n".join(parts)


# --- symbols ---------------------------------------------------------------------------------------

_SYMBOL_SECTIONS = ("groups", "attributes", "entities", "events", "metrics", "spans", "attribute_groups")


def document_symbols(spec: SpecFile) -> list[Symbol]:
    """The groups of a file (v1 groups or v2 items) with their attribute definitions and refs."""
    doc = spec.document
    if doc.failed or not isinstance(doc.data, dict):
        return []
    out: list[Symbol] = []
    for section in (*_SYMBOL_SECTIONS, *REFINEMENT_KINDS):
        items = doc.data.get(section)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict):
                sym = _item_symbol(spec, doc, (section, i), item, section)
                if sym is not None:
                    out.append(sym)
    out.sort(key=lambda s: (s.range.start.line, s.range.start.column))
    return out


def _item_symbol(
    spec: SpecFile, doc: Document, path: Path, item: dict[str, Any], section: str
) -> Symbol | None:
    for key in ("id", "key", "name", "type", "ref"):
        if isinstance(item.get(key), str) and (*path, key) in doc.spans:
            break
    else:
        return None
    full = doc.range_of(path)
    sel = doc.range_of((*path, key))
    if full is None or sel is None:
        return None
    name = str(item[key])
    if section in _V2_NAMES:
        name = _V2_NAMES[section][1] + name
    kind = str(item.get("type", "attribute_group")) if section == "groups" else section.rstrip("s")
    if section == "attributes" and path[0] == "attributes":
        kind = "attribute"
    sym = Symbol(
        name, kind, str(item.get("brief") or "").strip()[:80], spec.provenance, _cover(full, sel), sel
    )
    for j, a in enumerate(item.get("attributes") or []):
        if isinstance(a, dict):
            child = _item_symbol(spec, doc, (*path, "attributes", j), a, "attribute")
            if child is not None:
                child.kind = "attribute" if "id" in a else "ref"
                sym.children.append(child)
    return sym


def _cover(full: Range, sel: Range) -> Range:
    """A symbol's range must contain its selection range; block mappings can start after their key."""
    start = min((full.start.line, full.start.column), (sel.start.line, sel.start.column))
    end = max((full.end.line, full.end.column), (sel.end.line, sel.end.column))
    return Range.of(*start, *end)


def workspace_symbols(snapshot: Snapshot, query: str, limit: int = 500) -> list[Symbol]:
    """Groups and attribute definitions whose name contains the query (case-insensitive)."""
    q = query.lower()
    out: list[Symbol] = []
    for o in _all(snapshot):
        if o.definition and q in o.name.lower():
            out.append(Symbol(o.name, o.kind, "", o.file, o.range, o.range))
            if len(out) >= limit:
                break
    return out
