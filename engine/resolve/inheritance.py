"""`extends`, `include_groups` and v2 refinements: which attributes a group inherits, and from where."""

from __future__ import annotations

from typing import Any

from weavergen.diagnostics import Diagnostic, Related, closest, did_you_mean, replacement
from weavergen.groups import AttrEntry, UGroup
from weavergen.resolve.attributes import deep_merge, merge_spec
from weavergen.resolve.checks import duplicate_attribute
from weavergen.resolve.exclusion import Exclusion
from weavergen.resolve.model import ResolvedGroup


class Inheritance(Exclusion):
    """Resolves every group's inherited attributes (weaver's `resolve_extends_references`)."""

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

    def _resolve_inheritance(self, groups: list[UGroup] | None = None) -> None:
        """Merge inherited attributes into every group (or only into `groups`, the others merged already)."""
        pending: list[UGroup] = []
        for g in self.groups if groups is None else groups:
            if g.spec.get("extends") or g.include_groups:
                pending.append(g)
            else:
                self.merged[id(g)] = [AttrEntry(e.spec, e.path, e.file, g.id, name=e.name) for e in g.attrs]
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
        if self.broken and pending:
            pending = self._settle_unchecked(pending)
        for g in pending:
            self._report_unresolved_parents(g)
            parents = ([g.spec["extends"]] if g.spec.get("extends") else []) + g.include_groups
            bases = [self._entries_of(p) or [] for p in parents]
            self._merge(g, parents, bases)

    def _settle_unchecked(self, pending: list[UGroup]) -> list[UGroup]:
        """Resolve the groups that wait on a parent hidden in a broken file: that parent gets its note
        and counts as empty, so what inherits from the waiting groups is not reported as unresolved."""
        unchecked = {
            p
            for g in pending
            for p in _parents(g)
            if p not in self.index and self._entries_of(p) is None and self.broken.could_define(p)
        }
        while pending and unchecked:
            still: list[UGroup] = []
            for g in pending:
                parents = _parents(g)
                found = [[] if p in unchecked else self._entries_of(p) for p in parents]
                bases = [b for b in found if b is not None]
                if len(bases) < len(found):
                    still.append(g)
                    continue
                self._report_unresolved_parents(g)
                self._merge(g, parents, bases)
            if len(still) == len(pending):
                break
            pending = still
        return pending

    def _report_unresolved_parents(self, g: UGroup) -> None:
        ext = g.spec.get("extends")
        if ext and self._entries_of(ext) is None and self.broken.could_define(ext):
            rng = g.field_range("extends", "ref") or g.id_range()
            self.diags.append(self.broken.note("`extends`", ext, g.id, g.provenance, rng))
        elif ext and self._entries_of(ext) is None:
            kind, label = ("UnresolvedExtendsRef", "`extends` clause reference")
            close = self._closest_group(ext, g.id)
            self.diags.append(
                Diagnostic(
                    code=kind,
                    message=f"The following {label} is not resolved for the group '{g.id}'.\n"
                    f"{label[0].upper() + label[1:]}: {ext}\nProvenance: {g.provenance}",
                    file=g.provenance,
                    range=g.field_range("extends", "ref") or g.id_range(),
                    group_id=g.id,
                    error={
                        kind: {
                            "group_id": g.id,
                            "extends_ref": ext,
                            "provenance": self._provenance(g.provenance),
                        }
                    },
                    help=did_you_mean(close) if close else None,
                    fix=_extends_fix(g, close),
                )
            )
        for inc in g.include_groups:
            if self._entries_of(inc) is None:
                rng = self._include_range(g, inc)
                if self.broken.could_define(inc):
                    self.diags.append(self.broken.note("`include`", inc, g.id, g.provenance, rng))
                    continue
                close = self._closest_group(inc, g.id)
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
                                "provenance": self._provenance(g.provenance),
                            }
                        },
                        help=did_you_mean(close) if close else None,
                        fix=replacement(close) if close and rng is not None and rng != g.id_range() else None,
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

    def _closest_group(self, missing: str, referrer: str) -> str | None:
        """The group id a missing parent most likely meant, from this registry and its dependencies;
        never the group that makes the reference."""
        if self._group_ids is None:
            self._group_ids = (*self.index, *(gid for dep in self.deps for gid in dep.by_id))
        return closest(missing, [n for n in self._group_ids if n != referrer], cutoff=0.75)

    def _merge(self, g: UGroup, parents: list[str], bases: list[list[AttrEntry]]) -> None:
        self._include_conflicts(g, parents, bases)
        merged: dict[str, AttrEntry] = {}
        for parent, base in zip(parents, bases, strict=True):
            for e in base:
                prev = merged.get(e.key)
                # A definition inherited through `extends` is the parent's from then on (weaver's lineage
                # names the parent); a ref stays a ref to its definition (see `Resolver._resolve_group`).
                entry = AttrEntry(e.spec, e.path, e.file, parent, True, name=e.name)
                merged[e.key] = merge_spec(prev, entry) if prev is not None and entry.is_ref else entry
                merged[e.key].inherited = True
                merged[e.key].origin = parent
        for e in g.attrs:
            prev = merged.get(e.key)
            own = AttrEntry(e.spec, e.path, e.file, g.id, name=e.name)
            if prev is not None and own.is_ref:
                m = merge_spec(prev, own)
                m.origin, m.inherited = prev.origin, True
                m.overridden = sorted(k for k in e.spec if k not in ("ref", "id"))
                merged[e.key] = m
            else:
                merged[e.key] = own
        self.merged[id(g)] = [merged[k] for k in sorted(merged)]
        self.includes_of[id(g)] = list(g.include_groups)
        self._excluded_parent(g)  # before a refinement takes over its base's annotations
        if g.is_refinement:
            self._refine(g, g.spec["extends"])

    def _include_conflicts(self, g: UGroup, parents: list[str], bases: list[list[AttrEntry]]) -> None:
        """weaver refuses a diamond: one attribute brought in by two of a group's `include_groups`.

        The group's own entries do not settle it (weaver's `resolve_extends_references`); the error names
        all the group's included groups, as weaver's does.
        """
        seen: dict[str, str] = {}
        reported: set[str] = set()
        for parent, base in zip(parents, bases, strict=True):
            if parent not in g.include_groups:
                continue
            for e in base:
                first = seen.setdefault(e.key, parent)
                if first == parent or e.key in reported:
                    continue
                reported.add(e.key)
                related = (
                    Related(
                        g.provenance, self._include_range(g, first), f"`{e.key}` also comes from `{first}`"
                    ),
                )
                help_text = (
                    f"Include only one of `{first}` and `{parent}`, or list `{e.key}` in a group that "
                    "includes neither."
                )
                at = self._include_range(g, parent)
                self.diags.append(
                    duplicate_attribute(e.key, list(g.include_groups), g, at, related, help_text)
                )

    def _check_entity_identity(self, g: UGroup, parent_id: str) -> None:
        """An entity refinement may describe its entity further, never change which attributes identify it."""
        base = self.merged.get(id(self.index[parent_id][0])) if self.index.get(parent_id) else None
        if base is not None:
            identity = {e.key for e in base if e.spec.get("role", "identifying") == "identifying"}
        elif (dep := self._dep_group(parent_id)) is not None:
            identity = {
                str(a["name"]) for a in dep.attributes if a.get("role", "identifying") == "identifying"
            }
        else:
            return
        for e in g.attrs:
            role = e.spec.get("role")
            if (role == "identifying") == (e.key in identity):
                continue
            where = "identifying" if role == "identifying" else "descriptive"
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
                            "refinement_id": g.id,
                            "ref": parent_id,
                            "attribute_id": e.key,
                            "role": where,
                            "provenance": self._provenance(g.provenance),
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
                    error={
                        "InvalidRefinement": {
                            "refinement_id": g.id,
                            "ref": parent_id,
                            "refinement_type": g.type,
                            "signal_type": parent_type,
                        }
                    },
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
            spec["annotations"] = deep_merge(
                parent_fields.get("annotations") or {}, spec.get("annotations") or {}
            )


def _parents(g: UGroup) -> list[str]:
    """The groups a group inherits from: its `extends`, then its `include_groups`."""
    return ([g.spec["extends"]] if g.spec.get("extends") else []) + g.include_groups


def _extends_fix(g: UGroup, close: str | None) -> dict[str, Any] | None:
    """The edit a suggested parent makes: the `extends` value, or a v2 refinement's `ref` (which names the
    signal without its `<kind>.` prefix)."""
    if close is None or g.file is None:
        return None
    if (*g.path, "extends") in g.file.document.spans:
        return replacement(close)
    kind = f"{g.type}."
    if (*g.path, "ref") in g.file.document.spans and close.startswith(kind):
        return replacement(close[len(kind) :])
    return None
