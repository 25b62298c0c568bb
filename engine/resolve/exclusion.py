"""`dependency_resolution.exclude`: items a registry hides from the registries that depend on it.

As weaver's resolver: an attribute or group annotated `dependency_resolution: {exclude: true}` is
invisible to dependents — a ref to it, an `extends` of it or an explicit import of it is
`ExcludedFromDependencyResolution` (a wildcard import just skips it), and a dependent may define the same
name again. Inside its own registry it may be used only by groups that are themselves excluded or
internal (`visibility: internal`), which never reach the resolved output.
"""

from __future__ import annotations

from typing import Any

from weavergen.diagnostics import Diagnostic, Range
from weavergen.groups import UGroup
from weavergen.resolve.model import Definition, ResolvedGroup
from weavergen.resolve.state import ResolverState


def is_excluded(annotations: Any) -> bool:
    """Whether annotations say `dependency_resolution: {exclude: true}`."""
    if not isinstance(annotations, dict):
        return False
    setting = annotations.get("dependency_resolution")
    return isinstance(setting, dict) and setting.get("exclude") is True


def excluded_error(kind: str, item: str, used_in: str, file: str | None, at: Range | None) -> Diagnostic:
    """weaver's ExcludedFromDependencyResolution."""
    return Diagnostic(
        code="ExcludedFromDependencyResolution",
        message=f"{kind} '{item}' is marked as excluded from dependency resolution and cannot be used by "
        f"'{used_in}'",
        file=file,
        range=at,
        group_id=used_in if used_in != "imports" else None,
        error={"ExcludedFromDependencyResolution": {"id": item, "type": kind, "used_in": used_in}},
        help="Stop using it here, or remove `dependency_resolution: {exclude: true}` where it is defined.",
    )


class Exclusion(ResolverState):
    """The exclusion checks of one resolution."""

    within_registry = False  # weaver 0.25.1 checks exclusion across registries only

    def _exempt(self, g: UGroup) -> bool:
        """Groups that may use excluded items of their own registry: excluded, internal, or the synthetic
        group holding a v2 file's attribute definitions (a definition is not a use)."""
        spec = g.spec
        synthetic = g.is_v2 and g.id.startswith("registry.") and spec.get("brief") == "<synthetic v2>"
        return is_excluded(spec.get("annotations")) or spec.get("visibility") == "internal" or synthetic

    def _excluded_ref(self, g: UGroup, name: str, root: Definition, at: Range | None) -> bool:
        """Report a ref to an excluded attribute (always, from a dependency); True when it was refused."""
        # Only across registries: weaver 0.25.1 resolves semconv 1.44, whose own excluded attributes its
        # public groups use; the within-registry checks of weaver's later tests are not 0.25.1's.
        if not root.group.dependency or not is_excluded(root.attribute.get("annotations")):
            return False
        self.diags.append(excluded_error("Attribute", name, g.id, g.provenance, at))
        return True

    def _excluded_definitions(self, g: UGroup, attrs: list[dict[str, Any]], refs: set[str]) -> None:
        """An excluded definition a public group holds itself (inline or inherited) leaks it (not checked:
        within-registry checks are after 0.25.1, see `_excluded_ref`)."""
        if self.within_registry is False or self._exempt(g):
            return
        for a in attrs:
            if a["name"] not in refs and is_excluded(a.get("annotations")):
                self.diags.append(
                    excluded_error("Attribute", str(a["name"]), g.id, g.provenance, g.id_range())
                )

    def _excluded_parent(self, g: UGroup) -> None:
        """`extends` (a v2 refinement's `ref`) of an excluded group."""
        parent = g.spec.get("extends")
        if not parent:
            return
        local = self.index.get(str(parent))
        if local:
            if self.within_registry and is_excluded(local[0].spec.get("annotations")) and not self._exempt(g):
                at = g.field_range("extends", "ref") or g.id_range()
                self.diags.append(excluded_error(local[0].type, str(parent), g.id, g.provenance, at))
            return
        for dep in self.deps:
            found = dep.by_id.get(str(parent))
            if found is not None:
                if is_excluded(found.fields.get("annotations")):
                    at = g.field_range("extends", "ref") or g.id_range()
                    self.diags.append(excluded_error(found.type, str(parent), g.id, g.provenance, at))
                return

    def _import_allowed(self, rg: ResolvedGroup, pattern: str, spec: Any, path: Any) -> bool:
        """A dependency group an import matched: excluded ones are skipped, or refused when named."""
        if not is_excluded(rg.fields.get("annotations")):
            return True
        if spec is not None and not any(c in pattern for c in "*?["):
            at = spec.document.range_of(path) if path is not None else None
            self.diags.append(excluded_error(rg.type, rg.id, "imports", spec.provenance, at))
        return False
