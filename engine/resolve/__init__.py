"""Resolution, as weaver's resolver does it: prefix, extends and includes, attribute refs, imports,
refinements, lineage, then the registry-wide duplicate checks.

Unlike weaver, nothing here aborts: an unresolved reference is an error diagnostic on the line that
makes it, and the rest of the registry is still resolved so its other problems are reported too. A
reference whose target may be in a part of a file that could not be read is only noted (`unchecked`).
"""

from __future__ import annotations

from weavergen.registry import LoadedRegistry
from weavergen.resolve.model import Definition, Resolution, ResolvedGroup
from weavergen.resolve.resolver import Resolver

__all__ = ["Definition", "Resolution", "ResolvedGroup", "Resolver", "resolve", "resolve_dependencies"]


def resolve_dependencies(registry: LoadedRegistry) -> list[Resolution]:
    """Resolve the registries a registry depends on, each marked as a dependency."""
    deps = [resolve(d) for d in registry.dependencies]
    for d in deps:
        for g in d.all_groups.values():
            for ug in g:
                ug.dependency = True
    return deps


def resolve(registry: LoadedRegistry, include_unreferenced: bool = False) -> Resolution:
    """Resolve a loaded registry and, first, its dependencies."""
    if registry.published is not None or (registry.manifest is not None and registry.manifest.is_publication):
        from weavergen.resolve.published import published_resolution

        return published_resolution(registry)
    return Resolver(registry, resolve_dependencies(registry), include_unreferenced).run()
