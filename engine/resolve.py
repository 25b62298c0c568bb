"""Resolution, as weaver's resolver does it: prefix, extends and includes, attribute refs, imports,
refinements, lineage, then the registry-wide duplicate checks.

Unlike weaver, nothing here aborts: an unresolved reference is an error diagnostic on the line that
makes it, and the rest of the registry is still resolved so its other problems are reported too.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from weavergen.diagnostics import Diagnostic, Related, Severity
from weavergen.groups import AttrEntry, UGroup, file_groups, norm_deprecated, norm_stability, norm_type
from weavergen.registry import LoadedRegistry
from weavergen.unchecked import BrokenDefinitions

_REF_OVERRIDES = (
    "brief",
    "examples",
    "tag",
    "requirement_level",
    "sampling_relevant",
    "note",
    "stability",
    "deprecated",
    "role",
    "annotations",
)
_ATTR_ORDER = (
    "name",
    "type",
    "brief",
    "examples",
    "tag",
    "requirement_level",
    "sampling_relevant",
    "note",
    "stability",
    "deprecated",
    "prefix",
    "tags",
    "annotations",
    "value",
    "role",
)
_GROUP_FIELDS = (
    "brief",
    "note",
    "prefix",
    "extends",
    "stability",
    "deprecated",
    "span_kind",
    "events",
    "metric_name",
    "instrument",
    "unit",
    "name",
    "display_name",
    "body",
    "entity_associations",
    "annotations",
)
_IMPORT_KINDS = ("metrics", "events", "entities", "spans", "attribute_groups")
_KIND_TYPES = {
    "metrics": "metric",
    "events": "event",
    "entities": "entity",
    "spans": "span",
    "attribute_groups": "attribute_group",
}


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
        for k in ("extends", "stability", "deprecated"):
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
        out["lineage"] = self.lineage
        for k in ("display_name", "body"):
            if f.get(k) is not None:
                out[k] = f[k]
        if f.get("entity_associations"):
            out["entity_associations"] = f["entity_associations"]
        if f.get("annotations"):
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


def _attribute_lineage(source: str | None, inherited: list[str], overridden: list[str]) -> dict[str, Any]:
    """weaver's attribute lineage: the source group, then the inherited and overridden fields if any."""
    out: dict[str, Any] = {"source_group": source}
    if inherited:
        out["inherited_fields"] = sorted(inherited)
    if overridden:
        out["locally_overridden_fields"] = sorted(overridden)
    return out


def _norm_body(body: Any) -> Any:
    """An event body with `experimental` stability spelled `development` throughout, as weaver emits it."""
    if isinstance(body, list):
        return [_norm_body(b) for b in body]
    if not isinstance(body, dict):
        return body
    return {k: norm_stability(v) if k == "stability" else _norm_body(v) for k, v in body.items()}


def _attribute_from_id(spec: dict[str, Any]) -> dict[str, Any]:
    """A definition (`id` entry) as a resolved attribute, fields in weaver's order."""
    out: dict[str, Any] = {"name": spec.get("id"), "type": norm_type(spec.get("type"))}
    out["brief"] = spec.get("brief") or ""
    for k in ("examples", "tag"):
        if spec.get(k) is not None:
            out[k] = spec[k]
    out["requirement_level"] = spec.get("requirement_level", "recommended")
    if spec.get("sampling_relevant") is not None:
        out["sampling_relevant"] = spec["sampling_relevant"]
    out["note"] = spec.get("note") or ""
    if spec.get("stability") is not None:
        out["stability"] = norm_stability(spec["stability"])
    dep = norm_deprecated(spec.get("deprecated"))
    if dep is not None:
        out["deprecated"] = dep
    if spec.get("annotations"):
        out["annotations"] = spec["annotations"]
    if spec.get("role") is not None:
        out["role"] = spec["role"]
    return out


def _override(root: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """A ref's fields over its root attribute's; `type` is never overridable, annotations replace."""
    out = dict(root)
    for k in _REF_OVERRIDES:
        if k in ref and ref[k] is not None:
            v = ref[k]
            if k == "stability":
                v = norm_stability(v)
            elif k == "deprecated":
                v = norm_deprecated(v)
            out[k] = v
    return {k: out[k] for k in _ATTR_ORDER if k in out}


def _merge_spec(base: AttrEntry, own: AttrEntry) -> AttrEntry:
    """Own entry over an inherited one: an `id` replaces, a `ref` overrides field by field."""
    if not own.is_ref:
        return own
    merged = dict(base.spec)
    for k, v in own.spec.items():
        if k == "ref" and not base.is_ref:
            continue
        merged[k] = v
    return AttrEntry(merged, own.path, own.file, origin=base.origin, inherited=False)


def _deep_merge(parent: Any, child: Any) -> Any:
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        for k, v in child.items():
            out[k] = _deep_merge(parent[k], v) if k in parent else v
        return out
    return child


class _Resolver:
    def __init__(
        self,
        registry: LoadedRegistry,
        deps: list[Resolution],
        include_unreferenced: bool,
        shadow: list[UGroup] | None = None,
    ) -> None:
        """`shadow`: groups of the last good version of files that are broken now (editor only); they
        resolve references to what the broken text hides, and report nothing themselves."""
        self.shadow = {g.id: g for g in shadow or ()}
        self.registry = registry
        self.deps = deps
        self.include_unreferenced = include_unreferenced
        self.diags: list[Diagnostic] = []
        self.groups: list[UGroup] = []
        self.index: dict[str, list[UGroup]] = defaultdict(list)
        self.merged: dict[int, list[AttrEntry]] = {}
        self.includes_of: dict[int, list[str]] = {}
        self.broken = BrokenDefinitions.of(_all_files(registry))

    def run(self) -> Resolution:
        for spec in self.registry.files:
            self.groups.extend(file_groups(spec, self.registry.name, False))
        for g in self.groups:
            self.index[g.id].append(g)
        self._resolve_inheritance()
        definitions = self._definitions()
        resolved = [self._resolve_group(g, definitions) for g in self.groups]
        resolved.extend(self._imports())
        by_id: dict[str, ResolvedGroup] = {}
        for r in resolved:
            by_id.setdefault(r.id, r)
        visible = [r for r in resolved if r.fields.get("visibility") != "internal"]
        visible.sort(key=lambda r: r.id)
        self._duplicates(definitions)
        return Resolution(
            registry=self.registry,
            groups=visible,
            definitions=definitions,
            diagnostics=self.diags,
            all_groups=dict(self.index),
            dependencies=self.deps,
            by_id=by_id,
        )

    # -- extends / include_groups -------------------------------------------------------------

    def _dep_group(self, gid: str) -> ResolvedGroup | None:
        for dep in self.deps:
            g = dep.by_id.get(gid)
            if g is not None:
                return g
        return None

    def _entries_of(self, gid: str) -> list[AttrEntry] | None:
        local = self.index.get(gid)
        if local:
            return self.merged.get(id(local[0]))
        dep = self._dep_group(gid)
        if dep is None:
            hidden = self.shadow.get(gid)
            return [AttrEntry(e.spec, e.path, e.file, gid) for e in hidden.attrs] if hidden else None
        return [
            AttrEntry({"id": a["name"], **{k: v for k, v in a.items() if k != "name"}}, (), None, gid, True)
            for a in dep.attributes
        ]

    def _resolve_inheritance(self) -> None:
        pending: list[UGroup] = []
        for g in self.groups:
            if g.spec.get("extends") or g.include_groups:
                pending.append(g)
            else:
                self.merged[id(g)] = [AttrEntry(e.spec, e.path, e.file, g.id) for e in g.attrs]
        while pending:
            progressed = False
            still: list[UGroup] = []
            for g in pending:
                parents = ([g.spec["extends"]] if g.spec.get("extends") else []) + g.include_groups
                found = [self._entries_of(p) for p in parents]
                bases = [b for b in found if b is not None]
                if len(bases) < len(found):
                    still.append(g)
                    continue
                self._merge(g, parents, bases)
                progressed = True
            pending = still
            if not progressed:
                break
        for g in pending:
            self._report_unresolved_parents(g)
            parents = ([g.spec["extends"]] if g.spec.get("extends") else []) + g.include_groups
            bases = [self._entries_of(p) or [] for p in parents]
            self._merge(g, parents, bases)

    def _report_unresolved_parents(self, g: UGroup) -> None:
        ext = g.spec.get("extends")
        if ext and self._entries_of(ext) is None and self.broken.could_define(ext):
            rng = g.field_range("extends", "ref") or g.id_range()
            self.diags.append(self.broken.note("`extends`", ext, g.id, g.provenance, rng))
        elif ext and self._entries_of(ext) is None:
            kind, label = ("UnresolvedExtendsRef", "`extends` clause reference")
            self.diags.append(
                Diagnostic(
                    code=kind,
                    message=f"The following {label} is not resolved for the group '{g.id}'.\n"
                    f"{label[0].upper() + label[1:]}: {ext}\nProvenance: {g.provenance}",
                    file=g.provenance,
                    range=g.field_range("extends", "ref") or g.id_range(),
                    group_id=g.id,
                    error={kind: {"group_id": g.id, "extends_ref": ext, "provenance": g.provenance}},
                    help=self._suggest(ext, g.id),
                )
            )
        for inc in g.include_groups:
            if self._entries_of(inc) is None:
                rng = self._include_range(g, inc)
                if self.broken.could_define(inc):
                    self.diags.append(self.broken.note("`include`", inc, g.id, g.provenance, rng))
                    continue
                self.diags.append(
                    Diagnostic(
                        code="UnresolvedIncludeRef",
                        message=f"The following `include` reference is not resolved for the group '{g.id}'.\n"
                        f"`include` reference: {inc}\nProvenance: {g.provenance}",
                        file=g.provenance,
                        range=rng,
                        group_id=g.id,
                        error={
                            "UnresolvedIncludeRef": {
                                "group_id": g.id,
                                "include_ref": inc,
                                "provenance": g.provenance,
                            }
                        },
                        help=self._suggest(inc, g.id),
                    )
                )

    def _include_range(self, g: UGroup, inc: str) -> Any:
        if g.file is None:
            return None
        data = g.file.document.data
        node: Any = data
        for k in g.path:
            if isinstance(node, dict):
                node = node.get(k)
            elif isinstance(node, list) and isinstance(k, int) and k < len(node):
                node = node[k]
            else:
                node = None
        if isinstance(node, dict):
            for key in ("attributes", "identity", "description", "include_groups"):
                for j, a in enumerate(node.get(key) or []):
                    if (isinstance(a, dict) and a.get("ref_group") == inc) or a == inc:
                        sub = (key, j, "ref_group") if isinstance(a, dict) else (key, j)
                        return g.range(*sub)
        return g.id_range()

    def _suggest(self, missing: str, referrer: str) -> str | None:
        """A close group id for an unresolved one, never the group that makes the reference."""
        import difflib

        names = [n for n in self.index if n != referrer]
        for dep in self.deps:
            names.extend(n for n in dep.by_id if n != referrer)
        close = difflib.get_close_matches(missing, names, n=1, cutoff=0.75)
        return f"Did you mean `{close[0]}`?" if close else None

    def _merge(self, g: UGroup, parents: list[str], bases: list[list[AttrEntry]]) -> None:
        merged: dict[str, AttrEntry] = {}
        for parent, base in zip(parents, bases, strict=True):
            for e in base:
                prev = merged.get(e.key)
                entry = AttrEntry(e.spec, e.path, e.file, parent, True)
                merged[e.key] = _merge_spec(prev, entry) if prev is not None and entry.is_ref else entry
                merged[e.key].inherited = True
                merged[e.key].origin = parent
        for e in g.attrs:
            prev = merged.get(e.key)
            own = AttrEntry(e.spec, e.path, e.file, g.id)
            if prev is not None and own.is_ref:
                m = _merge_spec(prev, own)
                m.origin, m.inherited = prev.origin, True
                m.overridden = sorted(k for k in e.spec if k not in ("ref", "id"))
                merged[e.key] = m
            else:
                merged[e.key] = own
        self.merged[id(g)] = [merged[k] for k in sorted(merged)]
        self.includes_of[id(g)] = list(g.include_groups)
        if g.is_refinement:
            self._refine(g, g.spec["extends"])

    def _check_entity_identity(self, g: UGroup, parent_id: str) -> None:
        """An entity refinement may describe its entity further, never change which attributes identify it."""
        base = self.merged.get(id(self.index[parent_id][0])) if self.index.get(parent_id) else None
        if base is None:
            return
        identity = {e.key for e in base if e.spec.get("role", "identifying") == "identifying"}
        for e in g.attrs:
            role = e.spec.get("role")
            if (role == "identifying") == (e.key in identity):
                continue
            where = "identity" if role == "identifying" else "description"
            self.diags.append(
                Diagnostic(
                    code="EntityRefinementChangedIdentity",
                    message=f"Entity refinement `{g.id}` changes the identity of `{parent_id}` "
                    f"by referencing `{e.key}` under `{where}`.",
                    file=g.provenance,
                    range=e.file.document.range_of((*e.path, "ref")) if e.file else g.id_range(),
                    group_id=g.id,
                    attribute_id=e.key,
                    error={
                        "EntityRefinementChangedIdentity": {
                            "id": g.id,
                            "ref": parent_id,
                            "attr": e.key,
                            "role": where,
                        }
                    },
                )
            )

    def _refine(self, g: UGroup, parent_id: str) -> None:
        parents = self.index.get(parent_id)
        parent_fields: dict[str, Any] | None = None
        parent_type: str | None = None
        if parents:
            parent_fields, parent_type = parents[0].spec, parents[0].type
        else:
            dep = self._dep_group(parent_id)
            if dep is not None:
                parent_fields, parent_type = dep.fields, dep.type
        if parent_fields is None:
            return
        if parent_type != g.type:
            self.diags.append(
                Diagnostic(
                    code="InvalidRefinement",
                    message=f"Refinement `{g.id}` of type `{g.type}` cannot refine signal `{parent_id}` "
                    f"of type `{parent_type}`.",
                    file=g.provenance,
                    range=g.field_range("ref", "extends") or g.id_range(),
                    group_id=g.id,
                    error={"InvalidRefinement": {"id": g.id, "ref": parent_id}},
                )
            )
            return
        if g.type == "entity":
            self._check_entity_identity(g, parent_id)
        spec = g.spec
        for k in ("instrument", "unit", "span_kind", "metric_name", "requirement_level"):
            if k in parent_fields:
                spec[k] = parent_fields[k]
        for k in ("stability", "deprecated", "span_name"):
            if spec.get(k) is None and parent_fields.get(k) is not None:
                spec[k] = parent_fields[k]
        for k in ("brief", "note"):
            if not spec.get(k) and parent_fields.get(k):
                spec[k] = parent_fields[k]
        if parent_fields.get("annotations") or spec.get("annotations"):
            spec["annotations"] = _deep_merge(
                parent_fields.get("annotations") or {}, spec.get("annotations") or {}
            )

    # -- attribute definitions and refs ------------------------------------------------------

    def _definitions(self) -> dict[str, Definition]:
        defs: dict[str, Definition] = {}
        for g in self.groups:
            for e in g.attrs:
                if not e.is_ref and e.key not in defs:
                    defs[e.key] = Definition(_attribute_from_id(e.spec), g, e)
        for g in self.shadow.values():
            for e in g.attrs:
                if not e.is_ref and e.key not in defs:
                    defs[e.key] = Definition(_attribute_from_id(e.spec), g, e)
        return defs

    def _lookup(self, name: str, defs: dict[str, Definition]) -> Definition | None:
        d = defs.get(name)
        if d is not None:
            return d
        for dep in self.deps:
            d = dep.definitions.get(name)
            if d is not None:
                return d
        return None

    def _resolve_group(self, g: UGroup, defs: dict[str, Definition]) -> ResolvedGroup:
        attrs: list[dict[str, Any]] = []
        entries: list[AttrEntry] = []
        lineage_attrs: dict[str, Any] = {}
        for e in self.merged.get(id(g), []):
            spec = e.spec
            overridden = e.overridden
            if e.is_ref:
                root = self._lookup(e.key, defs)
                if root is None:
                    self._unresolved_ref(g, e)
                    continue
                attr = _override(root.attribute, spec)
                fields_set = sorted(k for k in _REF_OVERRIDES if spec.get(k) is not None)
                # An attribute inherited through `extends` comes from the parent group; one taken in by
                # `include_groups`/`ref_group`, or referenced, from the group that defines it.
                via_extends = e.inherited and e.origin not in g.include_groups
                source = e.origin if via_extends else root.group.id
                lineage_attrs[e.key] = _attribute_lineage(
                    source if not root.group.dependency else f"v2_dependency.{root.group.registry}",
                    [k for k in attr if k in _REF_OVERRIDES and k not in fields_set],
                    overridden if overridden is not None else fields_set,
                )
            else:
                attr = _attribute_from_id(spec)
                if e.inherited:
                    lineage_attrs[e.key] = _attribute_lineage(
                        e.origin, [k for k in attr if k in _REF_OVERRIDES], overridden or []
                    )
            attrs.append(attr)
            entries.append(e)
        order = sorted(range(len(attrs)), key=lambda i: attrs[i]["name"])
        attrs = [attrs[i] for i in order]
        entries = [entries[i] for i in order]
        fields = {
            k: g.spec[k] for k in (*_GROUP_FIELDS, "visibility", "span_name") if g.spec.get(k) is not None
        }
        if "stability" in fields:
            fields["stability"] = norm_stability(fields["stability"])
        if "body" in fields:
            fields["body"] = _norm_body(fields["body"])
        if "deprecated" in fields:
            fields["deprecated"] = norm_deprecated(fields["deprecated"])
        if "requirement_level" in g.spec:
            fields["requirement_level"] = g.spec["requirement_level"]
        lineage: dict[str, Any] = {
            "provenance": {"schema_url": self.registry.schema_url, "path": g.provenance},
        }
        if g.spec.get("extends"):
            lineage["extends_group"] = g.spec["extends"]
        if lineage_attrs:
            lineage["attributes"] = dict(sorted(lineage_attrs.items()))
        if g.include_groups:
            lineage["includes_group"] = list(g.include_groups)
        return ResolvedGroup(g.id, g.type, fields, attrs, lineage, g, entries)

    def _unresolved_ref(self, g: UGroup, e: AttrEntry) -> None:
        prov = e.file.provenance if e.file else g.provenance
        rng = e.file.document.range_of((*e.path, "ref")) if e.file else g.id_range()
        if self.broken.could_define(e.key):
            self.diags.append(self.broken.note("attribute", e.key, g.id, prov, rng))
            return
        import difflib

        names = list(self._all_attribute_names())
        close = difflib.get_close_matches(e.key, names, n=1, cutoff=0.75)
        self.diags.append(
            Diagnostic(
                code="UnresolvedAttributeRef",
                message=f"The following attribute reference is not resolved for the group '{g.id}'.\n"
                f"Attribute reference: {e.key}\nProvenance: {prov}",
                file=prov,
                range=rng,
                group_id=g.id,
                attribute_id=e.key,
                error={
                    "UnresolvedAttributeRef": {"group_id": g.id, "attribute_ref": e.key, "provenance": prov}
                },
                help=f"Did you mean `{close[0]}`?"
                if close
                else "Define the attribute in a registry group first.",
                fix={"kind": "replace_ref", "replacement": close[0]} if close else None,
            )
        )

    def _all_attribute_names(self) -> set[str]:
        names = {e.key for g in self.groups for e in g.attrs if not e.is_ref}
        for dep in self.deps:
            names.update(dep.definitions)
        return names

    # -- imports from dependencies -----------------------------------------------------------

    def _imports(self) -> list[ResolvedGroup]:
        wanted: list[tuple[str, str, Any, Any]] = []
        for spec in self.registry.files:
            data = spec.document.data if spec.usable else None
            imports = data.get("imports") if isinstance(data, dict) else None
            if not isinstance(imports, dict):
                continue
            for kind in _IMPORT_KINDS:
                for j, pattern in enumerate(imports.get(kind) or []):
                    wanted.append((kind, str(pattern), spec, ("imports", kind, j)))
        if self.include_unreferenced:
            wanted.extend((kind, "*", None, None) for kind in _IMPORT_KINDS)
        if not wanted:
            return []
        out: dict[str, ResolvedGroup] = {}
        for kind, pattern, spec, path in wanted:
            regex = re.compile(fnmatch.translate(pattern))
            matched = False
            for dep in self.deps:
                for rg in dep.groups:
                    if rg.type != _KIND_TYPES[kind]:
                        continue
                    if any(regex.match(k) for k in _import_keys(rg)):
                        matched = True
                        out.setdefault(rg.id, rg)
            if not matched and spec is not None:
                self.diags.append(
                    Diagnostic(
                        code="UnmatchedImport",
                        message=f"The import `{pattern}` under `{kind}` matched nothing in any dependency",
                        severity=Severity.WARNING,
                        file=spec.provenance,
                        range=spec.document.range_of(path),
                        error={"UnmatchedImport": {"pattern": pattern, "signal": kind}},
                        tags=("unnecessary",),
                    )
                )
        return list(out.values())

    # -- registry-wide checks ----------------------------------------------------------------

    def _duplicates(self, defs: dict[str, Definition]) -> None:
        for gid, gs in self.index.items():
            if len(gs) > 1:
                locs = "\n".join(f"- {g.provenance}" for g in gs)
                self._dup_warning(
                    "DuplicateGroupId",
                    f"The group id `{gid}` is declared multiple times in the following locations:\n{locs}",
                    gs,
                    {"group_id": gid},
                )
        by_metric: dict[str, list[UGroup]] = defaultdict(list)
        by_name: dict[tuple[str, str], list[UGroup]] = defaultdict(list)
        for g in self.groups:
            if g.is_refinement:
                continue
            if g.type == "metric" and g.spec.get("metric_name"):
                by_metric[str(g.spec["metric_name"])].append(g)
            if g.type in ("event", "entity", "span") and g.spec.get("name"):
                by_name[(g.type, str(g.spec["name"]))].append(g)
        for name, gs in by_metric.items():
            if len(gs) > 1:
                locs = "\n".join(f"- {g.id} ({g.provenance})" for g in gs)
                self._dup_warning(
                    "DuplicateMetricName",
                    f"The metric name `{name}` is declared multiple times in the following groups:\n{locs}",
                    gs,
                    {"metric_name": name},
                )
        for (_, name), gs in by_name.items():
            if len(gs) > 1:
                locs = "\n".join(f"- {g.id} ({g.provenance})" for g in gs)
                self._dup_warning(
                    "DuplicateGroupName",
                    f"The group name `{name}` is declared multiple times in the following groups:\n{locs}",
                    gs,
                    {"group_name": name},
                )
        defined: dict[str, list[tuple[UGroup, AttrEntry]]] = defaultdict(list)
        for g in self.groups:
            if g.type != "attribute_group":
                continue
            for e in g.attrs:
                if not e.is_ref:
                    defined[e.key].append((g, e))
        for name, places in defined.items():
            if len(places) < 2:
                continue
            ids = "\n".join(f"- {g.id}" for g, _ in places)
            for i, (g, e) in enumerate(places):
                others = tuple(
                    Related(
                        o.provenance,
                        oe.id_range(),
                        f"`{name}` is also defined in group `{o.id}`",
                    )
                    for j, (o, oe) in enumerate(places)
                    if j != i
                )
                self.diags.append(
                    Diagnostic(
                        code="DuplicateAttributeId",
                        message=f"The attribute id `{name}` is declared multiple times in the following "
                        f"groups:\n{ids}",
                        file=g.provenance,
                        range=e.id_range() if e.file else g.id_range(),
                        related=others,
                        group_id=g.id,
                        attribute_id=name,
                        error={
                            "DuplicateAttributeId": {
                                "group_ids": [p.id for p, _ in places],
                                "attribute_id": name,
                            }
                        },
                    )
                )

    def _dup_warning(self, code: str, message: str, gs: list[UGroup], error: dict[str, Any]) -> None:
        for i, g in enumerate(gs):
            related = tuple(
                Related(o.provenance, o.id_range(), f"also declared in `{o.provenance}`")
                for j, o in enumerate(gs)
                if j != i
            )
            self.diags.append(
                Diagnostic(
                    code=code,
                    message=message,
                    severity=Severity.WARNING,
                    file=g.provenance,
                    range=g.id_range(),
                    related=related,
                    group_id=g.id,
                    error={code: error},
                )
            )


def _import_keys(rg: ResolvedGroup) -> list[str]:
    keys = [rg.id]
    name = rg.fields.get("metric_name") or rg.fields.get("name")
    if name:
        keys.append(str(name))
    for prefix in ("metric.", "span.", "event.", "entity.", "registry."):
        if rg.id.startswith(prefix):
            keys.append(rg.id[len(prefix) :])
    return keys


def _all_files(registry: LoadedRegistry) -> list[Any]:
    """The definition files of a registry and of all its dependencies."""
    out = list(registry.files)
    for dep in registry.dependencies:
        out.extend(_all_files(dep))
    return out


def resolve(registry: LoadedRegistry, include_unreferenced: bool = False) -> Resolution:
    """Resolve a loaded registry and, first, its dependencies."""
    deps = [resolve(d) for d in registry.dependencies]
    for d in deps:
        for g in d.all_groups.values():
            for ug in g:
                ug.dependency = True
    return _Resolver(registry, deps, include_unreferenced).run()
