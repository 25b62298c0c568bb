"""The resolver: groups from every file, inheritance, attribute refs, imports, lineage, then the checks."""

from __future__ import annotations

from typing import Any

from weavergen.diagnostics import Diagnostic, closest, did_you_mean, replacement
from weavergen.groups import AttrEntry, UGroup, file_groups, norm_deprecated, norm_stability
from weavergen.resolve.attributes import (
    REF_OVERRIDES,
    attribute_from_id,
    attribute_lineage,
    lineage_fields,
    norm_body,
    ordered,
    override,
)
from weavergen.resolve.checks import DuplicateChecks
from weavergen.resolve.imports import Imports
from weavergen.resolve.inheritance import Inheritance
from weavergen.resolve.model import Definition, Resolution, ResolvedGroup

_GROUP_FIELDS = (
    "brief",
    "note",
    "prefix",
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


class Resolver(Inheritance, Imports, DuplicateChecks):
    """Resolves one registry against its already resolved dependencies."""

    def run(self) -> Resolution:
        for spec in self.registry.files:
            self.groups.extend(file_groups(spec, self.registry.name, False))
        for g in self.groups:
            self.index[g.id].append(g)
        self._resolve_inheritance()
        definitions = self._definitions()
        resolved = [self._resolve_group(g, definitions) for g in self.groups]
        resolved.extend(self._imports())
        self._duplicates(definitions)
        return self.result(resolved, definitions)

    def result(self, resolved: list[ResolvedGroup], definitions: dict[str, Definition]) -> Resolution:
        """The resolution of the resolved groups (imports included): visible ones sorted, all by id."""
        by_id: dict[str, ResolvedGroup] = {}
        for r in resolved:
            by_id.setdefault(r.id, r)
        visible = [r for r in resolved if r.fields.get("visibility") != "internal"]
        visible.sort(key=lambda r: r.id)
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

    # -- attribute definitions and refs ------------------------------------------------------

    def _definitions(self) -> dict[str, Definition]:
        defs: dict[str, Definition] = {}
        for g in self.groups:
            for e in g.attrs:
                if not e.is_ref and e.key not in defs:
                    defs[e.key] = Definition(attribute_from_id(e.spec), g, e)
        for g in self.shadow.values():
            for e in g.attrs:
                if not e.is_ref and e.key not in defs:
                    defs[e.key] = Definition(attribute_from_id(e.spec), g, e)
        self._prefixed_definitions(defs)
        return defs

    def _prefixed_definitions(self, defs: dict[str, Definition]) -> None:
        """A `prefix: true` ref defines `<prefix>.<ref>`: the referenced attribute with the ref's overrides.

        Such a definition may itself rest on another, so they are added until none is left to add.
        """
        pending = [(g, e) for g in self.groups for e in g.attrs if e.name is not None]
        while pending:
            left = []
            for g, e in pending:
                root = self._lookup(str(e.spec.get("ref")), defs)
                if root is None:
                    left.append((g, e))
                elif e.key not in defs:
                    defs[e.key] = Definition({**override(root.attribute, e.spec), "name": e.key}, g, e)
            if len(left) == len(pending):
                return
            pending = left

    def _lookup(self, name: str, defs: dict[str, Definition]) -> Definition | None:
        d = defs.get(name)
        if d is not None:
            return d
        # A dependency's dependencies count too (weaver looks through the whole chain, nearest first).
        pending = list(self.deps)
        while pending:
            dep = pending.pop(0)
            d = dep.definitions.get(name)
            if d is not None:
                return d
            pending.extend(dep.dependencies)
        return None

    def _resolve_group(self, g: UGroup, defs: dict[str, Definition]) -> ResolvedGroup:
        attrs: list[dict[str, Any]] = []
        entries: list[AttrEntry] = []
        lineage_attrs: dict[str, Any] = {}
        refs: set[str] = set()
        for e in self.merged.get(id(g), []):
            spec = e.spec
            overridden = e.overridden
            if e.is_ref:
                root = self._lookup(str(spec.get("ref")) if e.name is not None else e.key, defs)
                if root is None:
                    self._unresolved_ref(g, e)
                    continue
                at = e.file.document.range_of((*e.path, "ref")) if e.file else g.id_range()
                if self._excluded_ref(g, e.key, root, at):
                    continue
                refs.add(e.key)
                attr = override(root.attribute, spec)
                if e.name is not None:
                    attr = ordered({**attr, "name": e.name, "prefix": True})
                # Lineage is relative to the definition, wherever the ref was inherited from: every
                # field a ref along the `extends` chain sets is overridden, every other one inherited.
                fields_set = sorted(k for k in REF_OVERRIDES if spec.get(k) is not None)
                source = root.group.id
                lineage_attrs[e.key] = attribute_lineage(
                    source
                    if not root.group.dependency
                    else f"v2_dependency.{root.group.registry.split('://', 1)[-1]}",
                    [k for k in lineage_fields(attr) if k not in fields_set],
                    fields_set,
                )
            else:
                attr = attribute_from_id(spec)
                if e.inherited:
                    lineage_attrs[e.key] = attribute_lineage(
                        e.origin,
                        [k for k in lineage_fields(attr) if k not in (overridden or ())],
                        overridden or [],
                    )
            attrs.append(attr)
            entries.append(e)
        self._excluded_definitions(g, attrs, refs)
        order = sorted(range(len(attrs)), key=lambda i: attrs[i]["name"])
        attrs = [attrs[i] for i in order]
        entries = [entries[i] for i in order]
        fields = {
            k: g.spec[k] for k in (*_GROUP_FIELDS, "visibility", "span_name") if g.spec.get(k) is not None
        }
        if "stability" in fields:
            fields["stability"] = norm_stability(fields["stability"])
        if "body" in fields:
            fields["body"] = norm_body(fields["body"])
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
        close = closest(e.key, self._attribute_names(), cutoff=0.75)
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
                    "UnresolvedAttributeRef": {
                        "group_id": g.id,
                        "attribute_ref": e.key,
                        "provenance": self._provenance(prov),
                    }
                },
                help=did_you_mean(close) if close else "Define the attribute in a registry group first.",
                fix=replacement(close) if close and e.file is not None else None,
            )
        )

    def _attribute_names(self) -> tuple[str, ...]:
        """Every attribute name of the registry and its dependencies, sorted (computed once per run)."""
        if self._names is None:
            names = {e.key for g in self.groups for e in g.attrs if not e.is_ref}
            for dep in self.deps:
                names.update(dep.definitions)
            self._names = tuple(sorted(names))
        return self._names
