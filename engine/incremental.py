"""Re-resolve only what an edit can change: the language server's resolution between keystrokes.

A full resolution of semconv (≈1,000 groups) costs tens of milliseconds; an edit of one file can only
change the groups of that file, the groups that share an id with them, extend or include them (at any
depth), or reference an attribute they define — and, when the set of names changes, the "Did you mean"
of the groups that have unresolved references. Everything else (the unresolved groups read from
files, their merged attributes, their resolved form and their diagnostics) is reused from the previous
resolution. The result is the same `Resolution` a full `Resolver.run()` gives: `tests/test_incremental.py`
compares the two after every step of a series of edits.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TypeVar

from weavergen.diagnostics import Diagnostic
from weavergen.groups import AttrEntry, UGroup, file_groups
from weavergen.registry import LoadedRegistry, SpecFile
from weavergen.resolve import Definition, Resolution, ResolvedGroup, Resolver
from weavergen.resolve.attributes import attribute_from_id

_UNRESOLVED = ("UnresolvedAttributeRef", "UnresolvedExtendsRef", "UnresolvedIncludeRef")


@dataclass(slots=True)
class _FileState:
    """What one file contributes: its groups and the attribute definitions they make."""

    spec: SpecFile
    groups: list[UGroup]
    definitions: list[tuple[str, Definition]]
    parents: list[tuple[str, UGroup]]
    claims: tuple[tuple[str, ...], ...]
    """What the duplicate checks read of this file: group ids, metric and signal names, and the
    attributes its attribute groups define — each must be unique in the registry."""
    names: tuple[frozenset[str], frozenset[str]]
    """The attribute names it defines and its group ids: what a "Did you mean" chooses from."""
    prefixed: frozenset[str]
    """The names its `prefix: true` refs define (from attributes that may live in other files)."""


@dataclass(slots=True)
class _State:
    """A resolution and what it was computed from, keyed by group object identity (`id(group)`)."""

    files: dict[str, _FileState]
    merged: dict[int, list[AttrEntry]]
    resolved: dict[int, ResolvedGroup]
    diagnostics: dict[str, list[Diagnostic]]
    groups: list[UGroup] = field(default_factory=list)
    defs: dict[str, Definition] = field(default_factory=dict)
    refs: dict[int, frozenset[str]] = field(default_factory=dict)
    """The attribute names each group references (after inheritance)."""
    unresolved: frozenset[str] = frozenset()
    """Ids of the groups with an unresolved reference or parent."""
    duplicates: list[Diagnostic] = field(default_factory=list)
    """The registry-wide duplicate findings."""
    claims: dict[tuple[str, ...], int] = field(default_factory=dict)
    """How many times each claim of the files is made."""
    shared: set[tuple[str, ...]] = field(default_factory=set)
    """The claims made more than once: when empty, the duplicate checks find nothing."""


def _file_state(spec: SpecFile, registry: str) -> _FileState:
    groups = file_groups(spec, registry, False)
    defs = [
        (e.key, Definition(attribute_from_id(e.spec), g, e)) for g in groups for e in g.attrs if not e.is_ref
    ]
    claims: list[tuple[str, ...]] = []
    for g in groups:
        claims.append(("id", g.id))
        name = g.spec.get("metric_name") if g.type == "metric" else g.spec.get("name")
        if name and not g.is_refinement and g.type in ("metric", "event", "entity", "span"):
            claims.append(("name", g.type if g.type != "metric" else "metric", str(name)))
        if g.type == "attribute_group":
            claims.extend(("attr", e.key) for e in g.attrs if not e.is_ref)
    names = (frozenset(k for k, _ in defs), frozenset(g.id for g in groups))
    parents = [(p, g) for g in groups for p in _parents(g)]
    prefixed = frozenset(e.key for g in groups for e in g.attrs if e.name is not None)
    return _FileState(spec, groups, defs, parents, tuple(claims), names, prefixed)


def _parents(g: UGroup) -> list[str]:
    ext = g.spec.get("extends")
    return ([str(ext)] if ext else []) + list(g.include_groups)


class Reresolver:
    """Resolves successive versions of one registry (same dependencies), reusing the previous result."""

    def __init__(self, deps: list[Resolution]) -> None:
        self.deps = deps
        self._state: _State | None = None

    def run(self, registry: LoadedRegistry, keep: bool = True) -> Resolution:
        """The resolution of this version of the registry; `keep=False` leaves the stored state as it
        was (a what-if)."""
        resolution, state = self._run(registry)
        if keep:
            self._state = state
        return resolution

    def _run(self, registry: LoadedRegistry) -> tuple[Resolution, _State]:
        old = self._state
        files: dict[str, _FileState] = {}
        changed: set[str] = set()
        for spec in registry.files:
            before = old.files.get(spec.provenance) if old is not None else None
            if before is not None and before.spec is spec:
                files[spec.provenance] = before
            else:
                files[spec.provenance] = _file_state(spec, registry.name)
                changed.add(spec.provenance)
        if old is not None:
            changed |= set(old.files) - set(files)
        resolver = Resolver(registry, self.deps, False)
        if old is None:
            return self._full(resolver, files)
        while True:
            defs = _definitions(files, resolver)
            dirty = self._dirty(old, files, changed, defs)
            # A refinement takes fields from its parent into its own spec: re-read its file rather
            # than refine a spec an older parent already wrote into.
            stale = {
                g.provenance for g in dirty if g.is_refinement and g.provenance not in changed and g.file
            }
            if not stale:
                break
            for prov in stale:
                files[prov] = _file_state(files[prov].spec, registry.name)
            changed |= stale
        return self._partial(resolver, old, files, dirty, changed, defs)

    # -- what an edit reaches -------------------------------------------------------------------

    def _dirty(
        self, old: _State, files: dict[str, _FileState], changed: set[str], defs: dict[str, Definition]
    ) -> list[UGroup]:
        """The groups to resolve again, in registry order."""
        before = [fs for p in changed if (fs := old.files.get(p))]
        after = [fs for p in changed if (fs := files.get(p))]
        ids = {g.id for fs in (*before, *after) for g in fs.groups}
        candidates = {k for fs in (*before, *after) for k in fs.names[0]}
        candidates.update(k for fs in (*old.files.values(), *after) for k in fs.prefixed)
        keys = _changed_definitions(old.defs, defs, candidates)
        renamed = any(
            (old.files[p].names if p in old.files else None) != (files[p].names if p in files else None)
            for p in changed
        )
        groups = [g for fs in files.values() for g in fs.groups]
        by_id: dict[str, list[UGroup]] = defaultdict(list)
        for g in groups:
            by_id[g.id].append(g)
        dirty = {id(g) for fs in after for g in fs.groups}
        dirty.update(id(g) for gid in ids for g in by_id.get(gid, ()))
        if keys:  # groups whose references may now resolve, fail, or resolve differently
            none: frozenset[str] = frozenset()
            dirty.update(id(g) for g in groups if not keys.isdisjoint(old.refs.get(id(g), none)))
        if renamed:  # the "Did you mean" of unresolved references may change
            dirty.update(id(g) for gid in old.unresolved for g in by_id.get(gid, ()))
        children: dict[str, list[UGroup]] = defaultdict(list)
        for fs in files.values():
            for parent, g in fs.parents:
                children[parent].append(g)
        # Ids whose groups changed, old ids included (a renamed parent leaves its children unresolved).
        todo = list(ids | {g.id for g in groups if id(g) in dirty})
        seen = set(todo)
        while todo:
            gid = todo.pop()
            for other in (*children.get(gid, ()), *by_id.get(gid, ())):
                dirty.add(id(other))
                if other.id not in seen:
                    seen.add(other.id)
                    todo.append(other.id)
        return [g for g in groups if id(g) in dirty]

    # -- resolving ------------------------------------------------------------------------------

    def _full(self, r: Resolver, files: dict[str, _FileState]) -> tuple[Resolution, _State]:
        r.groups = [g for fs in files.values() for g in fs.groups]
        for g in r.groups:
            r.index[g.id].append(g)
        r._resolve_inheritance()
        defs = _definitions(files, r)
        resolved = {id(g): r._resolve_group(g, defs) for g in r.groups}
        by_group: dict[str, list[Diagnostic]] = defaultdict(list)
        for d in r.diags:
            by_group[d.group_id or ""].append(d)
        state = _state(files, r, resolved, dict(by_group), {}, r.groups, defs)
        return self._finish(r, state, defs, None, set()), state

    def _partial(
        self,
        r: Resolver,
        old: _State,
        files: dict[str, _FileState],
        dirty: list[UGroup],
        changed: set[str],
        defs: dict[str, Definition],
    ) -> tuple[Resolution, _State]:
        r.groups = [g for fs in files.values() for g in fs.groups]
        for g in r.groups:
            r.index[g.id].append(g)
        # The old state still holds the replaced groups, so their ids cannot be reused meanwhile.
        dead = [g for p in changed if (fs := old.files.get(p)) for g in fs.groups]
        gone = [id(g) for g in (*dead, *dirty)]
        r.merged = _without(old.merged, gone)
        r._resolve_inheritance(dirty)
        resolved = _without(old.resolved, gone)
        for g in dirty:
            resolved[id(g)] = r._resolve_group(g, defs)
        dirty_ids = {g.id for g in (*dirty, *dead)}
        by_group = {k: v for k, v in old.diagnostics.items() if k not in dirty_ids and k}
        for d in r.diags:
            by_group.setdefault(d.group_id or "", []).append(d)
        state = _state(files, r, resolved, by_group, _without(old.refs, gone), dirty, defs)
        return self._finish(r, state, defs, old, changed), state

    def _finish(
        self, r: Resolver, state: _State, defs: dict[str, Definition], old: _State | None, changed: set[str]
    ) -> Resolution:
        """Imports, the registry-wide duplicate checks (reused when no changed file could change them),
        then the resolution as `run()` builds it."""
        ordered = [state.resolved[id(g)] for g in r.groups]
        r.diags = [d for g in _group_order(r.groups) for d in state.diagnostics.get(g, ())]
        r.diags.extend(state.diagnostics.get("", ()))
        ordered.extend(r._imports())
        state.claims, state.shared = _tally(old, state.files, changed)
        if old is not None and not _duplicates_changed(old, state, changed):
            state.duplicates = old.duplicates
            r.diags.extend(old.duplicates)
        elif not state.shared:
            state.duplicates = []
        else:
            before = len(r.diags)
            r._duplicates(defs)
            state.duplicates = r.diags[before:]
        return r.result(ordered, defs)


def _state(
    files: dict[str, _FileState],
    r: Resolver,
    resolved: dict[int, ResolvedGroup],
    diagnostics: dict[str, list[Diagnostic]],
    refs: dict[int, frozenset[str]],
    merged_now: list[UGroup],
    defs: dict[str, Definition],
) -> _State:
    """The state after a run: `refs` holds the references of the groups not merged in this run."""
    for g in merged_now:
        refs[id(g)] = frozenset(_looked_up(e) for e in r.merged.get(id(g), ()) if e.is_ref)
    unresolved = frozenset(k for k, ds in diagnostics.items() if any(d.code in _UNRESOLVED for d in ds))
    return _State(files, r.merged, resolved, diagnostics, r.groups, defs, refs, unresolved)


def _changed_definitions(old: dict[str, Definition], new: dict[str, Definition], keys: set[str]) -> set[str]:
    """Of these attribute names, those whose definition changed (added, removed, or resolving to something
    else): a brief edit reaches the groups referencing that one attribute, not all the file's."""

    def same(a: Definition | None, b: Definition | None) -> bool:
        if a is b:
            return True
        if a is None or b is None:
            return False
        return (a.attribute, a.group.id, a.group.dependency) == (b.attribute, b.group.id, b.group.dependency)

    return {k for k in keys if not same(old.get(k), new.get(k))}


def _looked_up(e: AttrEntry) -> str:
    """The attribute name a ref entry is resolved by (a `prefix: true` ref: the attribute it names)."""
    return str(e.spec.get("ref")) if e.name is not None else e.key


def _duplicates_changed(old: _State, new: _State, changed: set[str]) -> bool:
    """Whether the duplicate checks can find something else: a changed file's ids or names changed, or
    an old finding points into a changed file (its positions moved)."""
    if list(old.files) != list(new.files):
        return True
    for prov in changed:
        before, after = old.files.get(prov), new.files.get(prov)
        if before is None or after is None or before.claims != after.claims:
            return True
    return any(d.file in changed or any(x.file in changed for x in d.related) for d in old.duplicates)


def _tally(
    old: _State | None, files: dict[str, _FileState], changed: set[str]
) -> tuple[dict[tuple[str, ...], int], set[tuple[str, ...]]]:
    """Count the files' claims (from scratch, or the old counts updated for the changed files) and
    list those made more than once."""
    if old is None:
        counts = Counter(c for fs in files.values() for c in fs.claims)
        return dict(counts), {c for c, n in counts.items() if n > 1}
    tally, shared = dict(old.claims), set(old.shared)
    for p in changed:
        for fs, step in ((old.files.get(p), -1), (files.get(p), 1)):
            for c in fs.claims if fs is not None else ():
                n = tally.get(c, 0) + step
                if n > 0:
                    tally[c] = n
                else:
                    tally.pop(c, None)
                if n > 1:
                    shared.add(c)
                else:
                    shared.discard(c)
    return tally, shared


T = TypeVar("T")


def _without(table: dict[int, T], gone: list[int]) -> dict[int, T]:
    """A copy of a table keyed by group identity, without the given groups."""
    out = dict(table)
    for k in gone:
        out.pop(k, None)
    return out


def _definitions(files: dict[str, _FileState], r: Resolver) -> dict[str, Definition]:
    """The first definition of every attribute, in registry order, then those `prefix: true` refs make
    (as `Resolver._definitions`)."""
    defs: dict[str, Definition] = {}
    for fs in files.values():
        for key, d in fs.definitions:
            defs.setdefault(key, d)
    if any(fs.prefixed for fs in files.values()):
        r.groups = [g for fs in files.values() for g in fs.groups]
        r._prefixed_definitions(defs)
    return defs


def _group_order(groups: list[UGroup]) -> list[str]:
    """Group ids in registry order, each once."""
    return list(dict.fromkeys(g.id for g in groups))
