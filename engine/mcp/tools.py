"""What each `registry mcp` tool answers, as text: weaver's eight tools plus `check` and `fix`.

weaver's tools return pretty JSON (or a "… not found in registry" sentence); these do the same, from a
registry that stays live: when a YAML file of a local registry changes on disk, the next call reloads it
(weaver serves the registry as it was at start-up). `check` and `fix` are weavergen's own.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavergen.check import CheckOptions, check_registry
from weavergen.diagnostics import Diagnostic
from weavergen.livecheck.run import LiveCheckSettings, make_checker
from weavergen.livecheck.samples import SampleError, parse_json_samples
from weavergen.mcp.catalog import Catalog
from weavergen.mcp.findings import compact_findings, finding_counts
from weavergen.resolve import Resolution

_NOT_FOUND = {
    "attribute": "Attribute",
    "metric": "Metric",
    "span": "Span",
    "event": "Event",
    "entity": "Entity",
}
LIVE_CHECK_OUTPUTS = ("full", "findings_only", "counts_only")


def pretty(value: Any) -> str:
    """JSON as serde_json's `to_string_pretty` writes it (two spaces, UTF-8 kept)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@dataclass(slots=True)
class McpSettings:
    """`registry mcp`'s flags: the registry, how to load it, and the live-check advice settings."""

    check: CheckOptions
    advice_policies: str | None = None
    advice_preprocessor: str | None = None
    advice_data: str | None = None
    namespace_separator: str = "."
    project_config: str | None = None


@dataclass(slots=True)
class _State:
    fingerprint: dict[str, tuple[int, int]] | None
    diagnostics: list[Diagnostic]
    resolution: Resolution | None
    catalog: Catalog


@dataclass(slots=True)
class RegistryTools:
    """The tools' answers over one registry, reloaded from disk when its files change."""

    settings: McpSettings
    _state: _State | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def root(self) -> Path | None:
        """The registry folder when the registry is a local folder (only then can it be watched)."""
        path = Path(self.settings.check.registry)
        return path.resolve() if path.is_dir() else None

    def state(self) -> _State:
        """The checked registry, re-checked first when a file changed since the last call."""
        from weavergen.workspace import _disk_state

        root = self.root
        with self._lock:
            now = _disk_state(root) if root is not None else None
            if self._state is None or (now is not None and now != self._state.fingerprint):
                self._state = self._load(now)
            return self._state

    def _load(self, fingerprint: dict[str, tuple[int, int]] | None) -> _State:
        from weavergen.output import resolved_document

        report = check_registry(self.settings.check)
        resolution = report.resolution
        schema = resolved_document(resolution, True) if resolution is not None else {}
        return _State(
            fingerprint,
            report.diagnostics,
            resolution,
            Catalog.of(schema, self.settings.namespace_separator),
        )

    # -- weaver's tools ---------------------------------------------------------------------------

    def search(
        self, query: str | None = None, type: str = "all", stability: str | None = None, limit: int = 20
    ) -> str:
        """weaver's `search`: `{results, count, total}`, at most 100 results."""
        results, total = self.state().catalog.search(query, type, stability, min(limit, 100))
        return pretty({"results": results, "count": len(results), "total": total})

    def get(self, kind: str, id_: str) -> str:
        """weaver's `get_attribute|metric|span|event|entity`: the object, or a not-found sentence."""
        found = self.state().catalog.get(kind, id_)
        return pretty(found) if found is not None else f"{_NOT_FOUND[kind]} '{id_}' not found in registry"

    def browse_namespace(self, prefix: str | None = None) -> str:
        """weaver's `browse_namespace`: the namespace's children, direct attributes, count and depth."""
        return pretty(self.state().catalog.browse_namespace(prefix))

    def live_check(self, samples: list[Any], output: str = "full") -> str:
        """weaver's `live_check`: the samples annotated with their findings, or the compact views."""
        state = self.state()
        if state.resolution is None:
            return f"Failed to create live checker: there is no registry at {self.settings.check.registry}"
        try:
            parsed = parse_json_samples(json.dumps(samples), "samples")
        except SampleError as err:
            return f"Invalid sample: {err}"
        checker, problems = make_checker(state.resolution, self._live_check_settings())
        if checker is None:
            return "Failed to create live checker: " + "; ".join(d.message for d in problems)
        for sample in parsed:
            checker.check(sample)
        if output == "findings_only":
            findings = compact_findings(parsed)
            return pretty(
                {
                    "findings": findings,
                    "total_samples_checked": len(parsed),
                    "samples_with_findings": len(findings),
                }
            )
        if output == "counts_only":
            return pretty({"counts": finding_counts(parsed), "total_samples_checked": len(parsed)})
        return pretty(parsed)

    def _live_check_settings(self) -> LiveCheckSettings:
        s = self.settings
        return LiveCheckSettings(
            advice_policies=s.advice_policies,
            advice_preprocessor=s.advice_preprocessor,
            advice_data=s.advice_data,
            project_config=s.project_config,
        )

    # -- weavergen's own ----------------------------------------------------------------------------

    def check(self, file: str | None = None) -> str:
        """The registry's diagnostics (or one file's), each with its position, help and docs link."""
        state = self.state()
        wanted = state.diagnostics
        if file:
            target = self._path(file)
            wanted = [d for d in wanted if d.file is not None and self._path(d.file) == target]
        errors = sum(1 for d in wanted if d.is_error)
        return pretty(
            {
                "registry": self.settings.check.registry,
                "file": file,
                "valid": errors == 0,
                "errors": errors,
                "warnings": len(wanted) - errors,
                "diagnostics": [diagnostic_json(d) for d in sorted(wanted, key=Diagnostic.sort_key)],
            }
        )

    def fix(self, file: str | None = None, codes: list[str] | None = None, apply: bool = False) -> str:
        """The engine's quick fixes, verified by re-checking the registry with them applied; written
        (atomically, only over unchanged files) when `apply`."""
        from weavergen.fixer import apply_fixes, fix_registry, unified_diff

        root = self.root
        if root is None:
            return pretty(
                {"error": f"fixes need a local registry folder, not {self.settings.check.registry}"}
            )
        only = self._path(file) if file else None
        changed, remaining = fix_registry(str(root), set(codes) if codes else None)
        changed = [c for c in changed if only is None or self._path(c.path) == only]
        refused = apply_fixes(changed) if apply else []
        fixes = []
        for c in changed:
            for applied in c.applied:
                start = applied.edits[0].range.start if applied.edits else None
                fixes.append(
                    {
                        "file": c.path,
                        "line": start.line + 1 if start else None,
                        "column": start.column + 1 if start else None,
                        "code": applied.code,
                        "title": applied.title,
                    }
                )
        errors = sum(1 for d in remaining if d.is_error)
        return pretty(
            {
                "applied": apply and not refused,
                "fixes": fixes,
                "diff": "".join(unified_diff(c.path, c.before, c.after) for c in changed),
                "refused": refused,
                "remaining_diagnostics": len(remaining),
                "remaining_errors": errors,
            }
        )

    def _path(self, file: str) -> Path:
        path = Path(file)
        if not path.is_absolute() and self.root is not None and (self.root / path).exists():
            path = self.root / path
        return path.resolve()


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    """One diagnostic for an agent: code, severity, message, 1-based position, help, docs link."""
    out: dict[str, Any] = {"code": d.code, "severity": d.severity.value, "message": d.message, "file": d.file}
    if d.range is not None:
        out["line"], out["column"] = d.range.start.line + 1, d.range.start.column + 1
        out["end_line"], out["end_column"] = d.range.end.line + 1, d.range.end.column + 1
    if d.help:
        out["help"] = d.help
    out["docs"] = d.docs_url
    return out
