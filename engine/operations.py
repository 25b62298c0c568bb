"""The engine operations that BPMN service tasks may call, by name (`weaver.registry.load`, …).

A workflow run carries one `RunContext`: heavy values (the loaded registry, the resolution, the report)
stay on it, and each operation returns a small JSON summary that Spiff keeps in the task data, where
gateway conditions can read it. An operation whose work is CPU-bound returns an `Offload` so the runner
can execute it in a worker process and merge the result back on its own thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from weavergen.check import (
    CheckOptions,
    CheckReport,
    Progress,
    build_report,
    load_step,
    resolve_step,
    run_policies,
)
from weavergen.diagnostics import Diagnostic, apply_future, blocking_errors, has_error
from weavergen.regeneration_ops import REGENERATION_OPERATIONS
from weavergen.registry import LoadedRegistry
from weavergen.resolve import Resolution


class OperationError(Exception):
    """An operation cannot do its work; the run takes its error path with this message."""


@dataclass(slots=True)
class RunContext:
    """What one workflow run builds up: the registry, its resolution, diagnostics and the outputs."""

    options: CheckOptions
    progress: Progress | None = None
    preloaded: LoadedRegistry | None = None
    """A registry already loaded by the caller (the editor's state): the load task takes it as it is."""
    registry: LoadedRegistry | None = None
    resolution: Resolution | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    report: CheckReport | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    reported: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def diagnostics_after_report(self) -> list[Diagnostic]:
        """The check report's diagnostics, then those of the steps after it (templates, writing)."""
        later = apply_future(self.diagnostics[self.reported :], self.options.future)
        return (list(self.report.diagnostics) if self.report is not None else []) + later

    def add(self, diagnostics: list[Diagnostic]) -> None:
        """Collect diagnostics; safe from the parallel branches of one run."""
        with self.lock:
            self.diagnostics.extend(diagnostics)

    def need_registry(self) -> LoadedRegistry:
        """The loaded registry, or an error naming the missing step."""
        if self.registry is None:
            raise OperationError("no registry is loaded: `weaver.registry.load` must run first")
        return self.registry

    def need_resolution(self) -> Resolution:
        """The resolution, or an error naming the missing step."""
        if self.resolution is None:
            raise OperationError("the registry is not resolved: `weaver.registry.resolve` must run first")
        return self.resolution


@dataclass(frozen=True, slots=True)
class Offload:
    """Heavy work done outside the operation: `function(*args)` (which runs it in a budgeted child
    process), then `merge(ctx, result)` back on the run's context."""

    function: Callable[..., Any]
    args: tuple[Any, ...]
    merge: Callable[[RunContext, Any], Any]


@dataclass(frozen=True, slots=True)
class Operation:
    """A named engine operation: `run(ctx, **params)` returns a JSON-able summary or an `Offload`."""

    name: str
    run: Callable[..., Any]
    summary: str


def _summary(diagnostics: list[Diagnostic]) -> dict[str, int]:
    errors = sum(1 for d in diagnostics if d.is_error)
    return {"diagnostics": len(diagnostics), "errors": errors, "warnings": len(diagnostics) - errors}


def load(ctx: RunContext, registry: str | None = None, follow_symlinks: bool | None = None) -> dict[str, Any]:
    """Load the registry's files, manifest and dependencies."""
    options = ctx.options
    if registry is not None:
        options = replace(options, registry=registry)
    if follow_symlinks is not None:
        options = replace(options, follow_symlinks=bool(follow_symlinks))
    ctx.options = options
    preloaded = ctx.preloaded  # unless the task names another registry than the one the caller loaded
    if (
        preloaded is not None
        and registry is not None
        and Path(registry).resolve() != preloaded.root.resolve()
    ):
        preloaded = None
    ctx.registry, diagnostics = load_step(options, ctx.progress, preloaded)
    ctx.add(diagnostics)
    return {"loaded": ctx.registry.found, "files": len(ctx.registry.files), **_summary(diagnostics)}


def resolve(ctx: RunContext, include_unreferenced: bool | None = None) -> dict[str, Any]:
    """Resolve refs, extends, includes and imports of the loaded registry."""
    if include_unreferenced is not None:
        ctx.options = replace(ctx.options, include_unreferenced=bool(include_unreferenced))
    ctx.resolution = resolve_step(ctx.options, ctx.need_registry(), ctx.progress)
    if ctx.resolution is None:
        raise OperationError(f"there is no registry folder to resolve at {ctx.options.registry}")
    ctx.add(ctx.resolution.diagnostics)
    return {"groups": len(ctx.resolution.groups), **_summary(ctx.resolution.diagnostics)}


def evaluate_policies(
    ctx: RunContext,
    policies: list[str] | None = None,
    v2: bool | None = None,
    baseline_registry: str | None = None,
) -> dict[str, Any]:
    """Evaluate the registry's and the given Rego policies (`before_resolution`, `after_resolution`, …)."""
    options = ctx.options
    if policies is not None:
        options = replace(options, policies=list(policies))
    if v2 is not None:
        options = replace(options, v2=bool(v2))
    if baseline_registry is not None:
        options = replace(options, baseline_registry=baseline_registry)
    found = run_policies(options, ctx.need_registry(), ctx.need_resolution(), ctx.progress)
    ctx.add(found)
    return {"findings": len(found), **_summary(found)}


def report(ctx: RunContext, future: bool | None = None) -> dict[str, Any]:
    """Collect the run's diagnostics into weaver's report: de-duplicated, `--future` applied."""
    options = ctx.options if future is None else replace(ctx.options, future=bool(future))
    ctx.report = build_report(options, ctx.need_registry(), ctx.diagnostics, ctx.resolution)
    ctx.reported = len(ctx.diagnostics)
    return {
        "valid": not has_error(ctx.report.diagnostics),
        "blocking": len(blocking_errors(ctx.report.diagnostics)),
        "files": ctx.report.files,
        **_summary(ctx.report.diagnostics),
    }


def serialize(ctx: RunContext, format: str | None = "yaml", v2: bool | None = None) -> dict[str, Any]:
    """Write the resolved registry as text: weaver's template schema, or the materialized v2 registry."""
    from weavergen.output import resolved_document
    from weavergen.output import serialize as serialize_document

    use_v2 = ctx.options.v2 if v2 is None else bool(v2)
    format = format or "yaml"
    if format == "mute":
        return {"bytes": 0}
    text = serialize_document(resolved_document(ctx.need_resolution(), use_v2), format, v2=use_v2)
    ctx.outputs["text"] = text
    return {"bytes": len(text.encode())}


def package_check(
    ctx: RunContext, v2: bool | None = None, resolved_registry_uri: str | None = None
) -> dict[str, Any]:
    """Whether the checked registry can be packaged (`--v2`, a definition manifest, the published URI)."""
    from weavergen.package import PackageOptions, package_problem

    use_v2 = ctx.options.v2 if v2 is None else bool(v2)
    options = PackageOptions(ctx.options.registry, resolved_registry_uri=resolved_registry_uri, v2=use_v2)
    problem = package_problem(options, ctx.need_resolution())
    ctx.add([problem] if problem is not None else [])
    return {"packageable": problem is None}


def package_write(
    ctx: RunContext, output: str | None = "output", resolved_registry_uri: str | None = None
) -> dict[str, Any]:
    """Write `resolved.yaml` and `manifest.yaml` of the packaged registry into OUTPUT."""
    from pathlib import Path

    from weavergen.output import OutputError
    from weavergen.package import write_package

    try:
        written = write_package(ctx.need_resolution(), Path(output or "output"), str(resolved_registry_uri))
    except (OSError, OutputError) as exc:
        raise OperationError(f"cannot write the package to {output}: {exc}") from exc
    ctx.outputs["written"] = [str(p) for p in written]
    return {"written": len(written)}


def stats(ctx: RunContext, v2: bool | None = None) -> dict[str, Any]:
    """Weaver's registry statistics."""
    from weavergen.stats import compute_stats

    ctx.outputs["stats"] = compute_stats(ctx.need_resolution(), ctx.options.v2 if v2 is None else bool(v2))
    return {"computed": True}


def review(ctx: RunContext, namespace: str | None = None) -> dict[str, Any]:
    """Review the registry's quality: documentation, naming, near-duplicates, lifecycle, and a score."""
    from weavergen.review.report import review as review_registry

    report = review_registry(ctx.need_resolution(), namespace or None)
    ctx.outputs["review"] = report
    if ctx.report is not None:
        ctx.outputs["source"] = ctx.report.source  # the checked files' text, for snippets
    return {"score": report.score, "findings": len(report.findings)}


def search(ctx: RunContext, query: str | None = "", limit: int | None = None) -> dict[str, Any]:
    """Rank the registry's attributes, metrics, spans, events and entities against a query."""
    from weavergen.search import search as search_registry

    hits = search_registry(ctx.need_resolution(), query or "", limit or None)
    ctx.outputs["hits"] = hits
    return {"hits": len(hits)}


def json_schema(ctx: RunContext, kind: str | None = "resolved-registry") -> dict[str, Any]:
    """The JSON Schema of a registry file kind, of the resolved registry, or of a policy finding."""
    from weavergen.schemas import SchemaError
    from weavergen.schemas import json_schema as schema_of

    kind = kind or "resolved-registry"
    try:
        ctx.outputs["schema"] = schema_of(kind)
    except SchemaError as exc:
        raise OperationError(str(exc)) from exc
    return {"kind": kind}


def _generate_options(ctx: RunContext, target: str, settings: Mapping[str, Any]) -> Any:
    from weavergen.forge import GenerateOptions

    o = ctx.options
    return GenerateOptions(
        registry=o.registry,
        target=target,
        output=str(settings.get("output") or "output"),
        templates=str(settings.get("templates") or "templates"),
        configs=list(settings.get("configs") or []),
        params=list(settings.get("params") or []),
        params_file=settings.get("params_file"),
        project_config=settings.get("project_config"),
        policies=list(o.policies),
        skip_policies=o.skip_policies,
        v2=o.v2,
        future=o.future,
        follow_symlinks=o.follow_symlinks,
        include_unreferenced=o.include_unreferenced,
    )


def _template_context(ctx: RunContext) -> Any:
    """The template schema of the run's resolution, built once and shared by every target."""
    from weavergen.forge.generate import template_schema

    with ctx.lock:
        if "template_context" not in ctx.outputs:
            ctx.outputs["template_context"] = template_schema(ctx.need_resolution(), ctx.options.v2)
        return ctx.outputs["template_context"]


def render(
    ctx: RunContext, target: str | Mapping[str, Any] = "", settings: Mapping[str, Any] | None = None
) -> Any:
    """Prepare one target's templates and render them in a worker process (pure: nothing is written).

    `target` is a target name, or `{"name": …, "index": …}` when the same target is rendered twice.
    """
    from weavergen.forge.generate import GenerateJob, prepare_templates, render_bounded

    if isinstance(target, Mapping):
        index = int(target.get("index", 0))
        target = str(target.get("name", ""))
    else:
        index = -1

    job = GenerateJob(target_dir="", config=None, context=None, cli_params={}, template_files=[])  # type: ignore[arg-type]
    prepare_templates(_generate_options(ctx, target, settings or {}), job)
    if not job.ok:
        ctx.add(job.diagnostics)
        return {"target": target, "files": 0, **_summary(job.diagnostics)}
    job.context = _template_context(ctx)
    _report_progress(ctx, f"render {target}")

    def merge(ctx: RunContext, result: Any) -> dict[str, Any]:
        with ctx.lock:
            ctx.outputs.setdefault("rendered", {})[(index, target)] = result.files
        _report_progress(ctx, f"rendered {target}")
        found = list(job.diagnostics) + list(result.diagnostics)
        ctx.add(found)
        return {"target": target, "files": len(result.files), **_summary(found)}

    return Offload(render_bounded, (job, f"target `{target}`"), merge)


def _report_progress(ctx: RunContext, stage: str) -> None:
    """Tell the run's progress callback how many targets are rendered (of `targets_total`)."""
    if ctx.progress is not None:
        with ctx.lock:
            done = len(ctx.outputs.get("rendered", {}))
            total = int(ctx.outputs.get("targets_total", 0) or 0)
        ctx.progress(stage, done, max(total, done))


def write(ctx: RunContext, output: str = "output") -> dict[str, Any]:
    """Write every rendered file atomically inside OUTPUT (one sub-folder per target when there are several).

    Nothing is written when a template failed. Policy violations do not stop it: as in weaver, the files
    are written and the command exits 1.
    """
    from weavergen.forge import write_outputs

    rendered: dict[tuple[int, str], list[Any]] = ctx.outputs.get("rendered", {})
    if has_error(ctx.diagnostics[ctx.reported :]):  # a template failed; policy violations do not stop it
        return {"written": 0, "skipped": True}
    names = [target for _, target in rendered]
    written: list[str] = []
    total = sum(len(files) for files in rendered.values())
    for (index, target), files in sorted(rendered.items()):
        if ctx.progress is not None:
            ctx.progress("write", len(written), total)
        folder = output
        if len(rendered) > 1:
            label = target.strip("./") or "target"
            folder = f"{output}/{label}" if names.count(target) == 1 else f"{output}/{index}-{label}"
        done, diagnostics = write_outputs(folder, files)
        written.extend(done)
        ctx.add(diagnostics)
    ctx.outputs["written"] = written
    if ctx.progress is not None:
        ctx.progress("write", len(written), max(total, len(written)))
    return {"written": len(written), "skipped": False}


def update_markdown(ctx: RunContext, settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Re-render the semconv snippets of a markdown folder (or, in a dry run, list what would change)."""
    from weavergen.markdown import UpdateMarkdownOptions, UpdateMarkdownReport, markdown_setup
    from weavergen.markdown_refresh import refresh_markdown

    s = dict(settings or {})
    o = ctx.options
    options = UpdateMarkdownOptions(
        registry=o.registry,
        markdown_dir=str(s.get("markdown_dir") or "."),
        templates=str(s.get("templates") or "templates"),
        target=str(s.get("target") or "markdown"),
        params=list(s.get("params") or []),
        params_file=s.get("params_file"),
        dry_run=bool(s.get("dry_run")),
        attribute_registry_base_url=s.get("attribute_registry_base_url"),
        project_config=s.get("project_config"),
        v2=o.v2,
        future=o.future,
        follow_symlinks=o.follow_symlinks,
        include_unreferenced=o.include_unreferenced,
    )
    report = UpdateMarkdownReport()
    setup = markdown_setup(options, report)
    if setup is not None and not has_error(report.diagnostics):
        refresh_markdown(options, report, ctx.need_resolution(), setup)
    ctx.add(report.diagnostics)
    ctx.outputs["markdown"] = report
    return {"files": report.files, "snippets": report.snippets, "changed": len(report.changed)}


def baseline(ctx: RunContext, baseline_registry: str | None = None) -> dict[str, Any]:
    """Load and resolve the baseline registry of a diff."""
    from weavergen.diff import load_baseline

    return load_baseline(ctx, baseline_registry)


def diff(ctx: RunContext, v2: bool | None = None) -> dict[str, Any]:
    """The schema changes from the baseline registry to the current one (of the v2 registries with v2)."""
    from weavergen.diff import diff_operation

    return diff_operation(ctx, v2)


def live_check(ctx: RunContext, **params: Any) -> dict[str, Any]:
    """Check telemetry samples (OTLP receivers, stdin or a file) against the resolved registry."""
    from weavergen.livecheck.run import live_check_operation

    try:
        return live_check_operation(ctx, params)
    except OSError as exc:
        raise OperationError(str(exc)) from exc


def emit(ctx: RunContext, **params: Any) -> dict[str, Any]:
    """Emit the registry's spans, metrics and events as example telemetry through the OpenTelemetry SDK."""
    from weavergen.emit import emit_operation

    return emit_operation(ctx, params)


def infer(ctx: RunContext, **params: Any) -> dict[str, Any]:
    """Draft a v2 registry from the telemetry received (OTLP) or read (a file, stdin)."""
    from weavergen.infer import infer_operation

    try:
        return infer_operation(ctx, params)
    except OSError as exc:
        raise OperationError(str(exc)) from exc


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("weaver.registry.load", load, "Load the registry's files, manifest and dependencies."),
        Operation("weaver.registry.resolve", resolve, "Resolve refs, extends, includes and imports."),
        Operation("weaver.policies.evaluate", evaluate_policies, "Evaluate the Rego policies."),
        Operation("weaver.registry.check", report, "Collect the diagnostics into the check report."),
        Operation("weaver.registry.serialize", serialize, "Serialize the resolved registry."),
        Operation("weaver.registry.stats", stats, "Compute the registry statistics."),
        Operation("weaver.registry.review", review, "Review the registry's quality and score it."),
        Operation("weaver.package.check", package_check, "Check that the registry can be packaged."),
        Operation("weaver.package.write", package_write, "Write the published artifact of the registry."),
        Operation("weaver.registry.search", search, "Search the registry."),
        Operation("weaver.schema.generate", json_schema, "Produce a JSON Schema."),
        Operation("weaver.registry.generate", render, "Render one target's templates (in a worker process)."),
        Operation("weaver.registry.write", write, "Write the rendered files atomically inside OUTPUT."),
        Operation(
            "weaver.registry.update_markdown", update_markdown, "Refresh the semconv snippets of markdown."
        ),
        Operation("weaver.registry.baseline", baseline, "Load and resolve the baseline registry."),
        Operation("weaver.registry.diff", diff, "Diff the registry against its baseline."),
        Operation("weaver.livecheck.run", live_check, "Live-check telemetry samples against the registry."),
        Operation("weaver.registry.emit", emit, "Emit the registry's signals as example telemetry."),
        *(Operation(name, run, summary) for name, (run, summary) in REGENERATION_OPERATIONS.items()),
        Operation("weaver.registry.infer", infer, "Infer a v2 registry from the telemetry seen."),
    )
}
"""Every operation a service task may name; user BPMN is refused if it names anything else."""


def operations() -> Mapping[str, Operation]:
    """The registered engine operations, by name."""
    return OPERATIONS
