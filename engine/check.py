"""The `registry check` operation: load, resolve, validate and run policies on a registry.

Both faces call `check_registry`; the CLI renders its diagnostics, the language server publishes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from weavergen.diagnostics import Diagnostic, Range, Severity, apply_future
from weavergen.groups import UGroup
from weavergen.registry import LoadedRegistry, SpecFile, load_registry
from weavergen.resolve import Resolution, resolve

Progress = Callable[[str, int, int], None]
"""Called as `progress(stage, done, total)` while a long run advances."""


@dataclass(slots=True)
class CheckOptions:
    """What `weavergen registry check` was asked to do (weaver's flags)."""

    registry: str
    policies: list[str] = field(default_factory=list)
    skip_policies: bool = False
    baseline_registry: str | None = None
    v2: bool = False
    future: bool = False
    follow_symlinks: bool = False
    include_unreferenced: bool = False


@dataclass(slots=True)
class CheckReport:
    """The outcome of a check: every diagnostic, and the source text of the files they point at."""

    diagnostics: list[Diagnostic]
    sources: dict[str, str] = field(default_factory=dict)
    files: int = 0
    resolution: Resolution | None = None

    def source(self, file: str) -> str | None:
        """The text of a registry file by its provenance path, for renderers that show source lines."""
        return self.sources.get(file)


def check_registry(options: CheckOptions, progress: Progress | None = None) -> CheckReport:
    """Check a registry as `weaver registry check` does, keeping going past broken files.

    The same steps, one service task each, make up the `registry_check` workflow; this is the direct path.
    """
    registry, diagnostics = load_step(options, progress)
    resolution = resolve_step(options, registry, progress)
    if resolution is not None:
        diagnostics.extend(resolution.diagnostics)
        if not options.skip_policies:
            diagnostics.extend(run_policies(options, registry, resolution, progress))
    return build_report(options, registry, diagnostics, resolution)


def load_step(
    options: CheckOptions, progress: Progress | None = None, loaded: LoadedRegistry | None = None
) -> tuple[LoadedRegistry, list[Diagnostic]]:
    """Load the registry and its dependencies; the loading diagnostics, dependency errors included.

    `loaded`: a registry the caller already holds (the language server's, with the editor's unsaved text)
    is checked as it is instead of being read from disk.
    """
    registry = (
        loaded
        if loaded is not None
        else load_registry(options.registry, follow_symlinks=options.follow_symlinks, progress=progress)
    )
    diagnostics = registry.all_diagnostics()
    diagnostics.extend(_dependency_errors(registry))
    return registry, diagnostics


def resolve_step(
    options: CheckOptions, registry: LoadedRegistry, progress: Progress | None = None
) -> Resolution | None:
    """Resolve a loaded registry; None when there was no registry folder to load."""
    if not registry.found:
        return None
    resolution = resolve(registry, options.include_unreferenced)
    if progress is not None:
        progress("resolve", 1, 1)
    return resolution


def build_report(
    options: CheckOptions,
    registry: LoadedRegistry,
    diagnostics: list[Diagnostic],
    resolution: Resolution | None,
) -> CheckReport:
    """The final report: diagnostics de-duplicated and, under `--future`, warnings promoted to errors."""
    return CheckReport(
        _unique(apply_future(diagnostics, options.future)),
        registry.sources(),
        len(registry.files),
        resolution,
    )


def _dependency_errors(registry: LoadedRegistry) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for dep in registry.dependencies:
        out.extend(d for d in dep.all_diagnostics() if d.is_error)
        out.extend(_dependency_errors(dep))
    return out


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for d in diagnostics:
        key = (d.code, d.message, d.file, d.range)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def run_policies(
    options: CheckOptions, registry: LoadedRegistry, resolution: Resolution, progress: Progress | None = None
) -> list[Diagnostic]:
    """Evaluate the registry's and the `-p` Rego policies at weaver's three stages."""
    from weavergen.materialize import materialize
    from weavergen.policy import PolicyEngine
    from weavergen.policy_findings import finding_diagnostic

    engine, diagnostics = PolicyEngine.load(options.policies, str(registry.root))
    locator = Locator(resolution)
    stages = [
        s
        for s in ("before_resolution", "after_resolution", "comparison_after_resolution")
        if engine.has_stage(s)
    ]
    before = "before_resolution" in stages and not options.v2
    after = sum(1 for s in stages if s == "after_resolution")
    after += 1 if "comparison_after_resolution" in stages and options.baseline_registry else 0
    total = (sum(1 for f in registry.files if f.usable) if before else 0) + after
    done = 0
    if "before_resolution" in stages:
        if options.v2:
            diagnostics.append(
                Diagnostic(
                    code="BeforeResolutionUnsupported",
                    message='The usage of "before-resolution" rego policies is unsupported with V2 schema.',
                    severity=Severity.WARNING,
                    error={"BeforeResolutionUnsupported": {}},
                )
            )
        else:
            usable = [f for f in registry.files if f.usable]
            every = engine.evaluate_many(
                "before_resolution", [(_dumps(_raw_input(spec)), spec.provenance) for spec in usable]
            )
            for i, (spec, found) in enumerate(zip(usable, every, strict=True)):
                if progress is not None:
                    progress("policies", done + i, total)
                diagnostics.extend(found.diagnostics)
                for finding in found:
                    in_file, in_rng = locator.in_file(spec, finding)
                    diagnostics.append(
                        finding_diagnostic(finding, spec.provenance, file=in_file, range=in_rng)
                    )
            done += len(usable)
    if "after_resolution" in stages or "comparison_after_resolution" in stages:
        current = materialize(resolution) if options.v2 else resolution.template_schema()
        current_json = _dumps(current)
        evaluations: list[tuple[str, str | None]] = []
        if "after_resolution" in stages:
            evaluations.append(("after_resolution", None))
        if "comparison_after_resolution" in stages and options.baseline_registry:
            base_reg = load_registry(options.baseline_registry, follow_symlinks=options.follow_symlinks)
            diagnostics.extend(d for d in base_reg.all_diagnostics() if d.is_error)
            base_res = resolve(base_reg, options.include_unreferenced)
            diagnostics.extend(d for d in base_res.diagnostics if d.is_error)
            baseline = materialize(base_res) if options.v2 else base_res.template_schema()
            evaluations.append(("comparison_after_resolution", _dumps(baseline)))
        for stage, data in evaluations:
            if progress is not None:
                progress("policies", done, total)  # one evaluation can take seconds: show it has started
            found = engine.evaluate(stage, current_json, data_json=data, provenance=options.registry)
            diagnostics.extend(found.diagnostics)
            for finding in found:
                file, rng, related = locator.locate(finding)
                diagnostics.append(
                    finding_diagnostic(finding, options.registry, file=file, range=rng, related=related)
                )
            done += 1
    if progress is not None and total:
        progress("policies", total, total)
    return diagnostics


def _raw_input(spec: SpecFile) -> dict[str, Any]:
    """A file as before_resolution policies see it: its raw sections, tagged with its format."""
    data = dict(spec.document.data)
    data.pop("version", None)
    data["file_format"] = spec.check.file_format
    return data


class Locator:
    """Finds where a policy finding's subject (a group, signal or attribute) is written."""

    def __init__(self, resolution: Resolution) -> None:
        self.resolution = resolution
        self.by_key: dict[tuple[str, str], UGroup] = {}
        for gid, groups in resolution.all_groups.items():
            g = groups[0]
            self.by_key.setdefault(("group", gid), g)
            kind = g.type
            name = g.spec.get("metric_name") or g.spec.get("name")
            for prefix in (f"{kind}.", "attribute_group."):
                if gid.startswith(prefix):
                    self.by_key.setdefault((kind, gid[len(prefix) :]), g)
            self.by_key.setdefault((kind, gid), g)
            if name:
                self.by_key.setdefault((kind, str(name)), g)

    def _group(self, kind: str, name: str) -> UGroup | None:
        g = self.by_key.get((kind, name))
        if g is None and kind in ("group", "name"):
            for k in ("metric", "span", "event", "entity", "attribute_group"):
                g = self.by_key.get((k, name))
                if g is not None:
                    break
        return g

    def locate(self, finding: Any) -> tuple[str | None, Range | None, tuple[Any, ...]]:
        """The file and range of the first subject of a finding that can be found."""
        from weavergen.policy_findings import finding_subjects

        for kind, name in finding_subjects(finding):
            if kind in ("attribute", "name"):
                d = self.resolution.definitions.get(name)
                if d is not None and d.entry.file is not None:
                    doc = d.entry.file.document
                    key = "id" if (*d.entry.path, "id") in doc.spans else "key"
                    return d.entry.file.provenance, doc.range_of((*d.entry.path, key)), ()
            g = self._group(kind, name)
            if g is not None and g.file is not None:
                return g.provenance, g.id_range(), ()
        return None, None, ()

    def in_file(self, spec: SpecFile, finding: Any) -> tuple[str, Range | None]:
        """Position a before_resolution finding inside the file it was raised on."""
        file, rng, _ = self.locate(finding)
        if file == spec.provenance:
            return file, rng
        return spec.provenance, None
