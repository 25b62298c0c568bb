"""Imports of signals from dependency registries (`imports:` wildcards, `--include-unreferenced`)."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from weavergen.diagnostics import Diagnostic, Severity
from weavergen.resolve.exclusion import Exclusion
from weavergen.resolve.model import ResolvedGroup

_IMPORT_KINDS = ("metrics", "events", "entities", "spans", "attribute_groups")
_KIND_TYPES = {
    "metrics": "metric",
    "events": "event",
    "entities": "entity",
    "spans": "span",
    "attribute_groups": "attribute_group",
}


class Imports(Exclusion):
    """Adds the dependency groups a registry imports."""

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
                        if self._import_allowed(rg, pattern, spec, path):
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


def _import_keys(rg: ResolvedGroup) -> list[str]:
    keys = [rg.id]
    name = rg.fields.get("metric_name") or rg.fields.get("name")
    if name:
        keys.append(str(name))
    for prefix in ("metric.", "span.", "event.", "entity.", "registry."):
        if rg.id.startswith(prefix):
            keys.append(rg.id[len(prefix) :])
    return keys
