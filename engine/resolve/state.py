"""The state one resolution works on, shared by the resolver's parts (inheritance, imports, checks)."""

from __future__ import annotations

from collections import defaultdict

from weavergen.diagnostics import Diagnostic
from weavergen.groups import AttrEntry, UGroup
from weavergen.registry import LoadedRegistry, SpecFile
from weavergen.resolve.model import Resolution
from weavergen.unchecked import BrokenDefinitions


class ResolverState:
    """A registry being resolved, the resolved registries it depends on, and the work done so far."""

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
        self.broken = BrokenDefinitions.of(_all_files(registry))
        self.registry = registry
        self.deps = deps
        self.include_unreferenced = include_unreferenced
        self.diags: list[Diagnostic] = []
        self.groups: list[UGroup] = []
        self.index: dict[str, list[UGroup]] = defaultdict(list)
        self.merged: dict[int, list[AttrEntry]] = {}
        self.includes_of: dict[int, list[str]] = {}
        self._names: tuple[str, ...] | None = None
        self._group_ids: tuple[str, ...] | None = None

    def _provenance(self, path: str) -> dict[str, str]:
        """weaver's serialised `Provenance` of a file of this registry (in diagnostics' payloads)."""
        return {"schema_url": self.registry.schema_url, "path": path}


def _all_files(registry: LoadedRegistry) -> list[SpecFile]:
    """The definition files of a registry and of all its dependencies."""
    out = list(registry.files)
    for dep in registry.dependencies:
        out.extend(_all_files(dep))
    return out
