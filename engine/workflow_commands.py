"""Runs of the generation processes as the CLI and the server call them: `generate` (one target or
several, in parallel), the parallel-vs-sequential comparison, and `update-markdown`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from weavergen.diagnostics import Diagnostic
from weavergen.operations import RunContext
from weavergen.telemetry import (
    TASK_TYPE,
)

if TYPE_CHECKING:
    pass


from weavergen.workflow import WorkflowRun, run_workflow


def run_generate(
    options: Any,
    targets: list[str] | None = None,
    *,
    parallel: bool = True,
    progress: Any = None,
    record: bool = True,
) -> tuple[Any, WorkflowRun]:
    """`registry generate` through the `registry_generate` process: check, render each target, write.

    With one target the files go straight into OUTPUT; with several, into OUTPUT/<target>. Returns the
    forge's `GenerateReport` (every diagnostic, the files written) and the run. `progress(stage, done,
    total)` hears of the check, each target rendered and each file written. With `record`, the generation
    is recorded in OUTPUT's lock file under its system label (check `systems.label_problem` first) and
    the run in the span store; without, it is a measurement (regeneration) and leaves no trace.
    """
    from weavergen.forge import GenerateReport

    names = targets if targets is not None else [options.target]
    items: list[Any] = (
        [{"name": n, "index": i} for i, n in enumerate(names)] if len(set(names)) < len(names) else names
    )
    check = options.check_options()
    settings = {
        "output": options.output,
        "templates": options.templates,
        "configs": list(options.configs),
        "params": list(options.params),
        "params_file": options.params_file,
        "project_config": options.project_config,
    }
    ctx = RunContext(check, progress)
    ctx.outputs["targets_total"] = len(names)
    run = run_workflow(
        "registry_generate", {"targets": items, "settings": settings}, ctx, parallel=parallel, store=record
    )
    report = GenerateReport(
        diagnostics=[*ctx.diagnostics_after_report(), *run.diagnostics],
        written=list(ctx.outputs.get("written", [])),
        sources=ctx.report.sources if ctx.report is not None else {},
    )
    if report.written and record:
        from weavergen.lockfile import record_generation

        report.diagnostics.extend(record_generation(options, names, report.written, ctx.registry))
    return report, run


@dataclass(slots=True)
class ParallelComparison:
    """Sequential against parallel generation of the same targets: times, speedup, identical outputs."""

    targets: list[str]
    sequential_ms: float
    parallel_ms: float
    render_sequential_ms: float
    render_parallel_ms: float
    files: int
    identical: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def speedup(self) -> float:
        """Whole-run speedup (load and resolve included)."""
        return self.sequential_ms / self.parallel_ms if self.parallel_ms else 0.0

    @property
    def render_speedup(self) -> float:
        """Speedup of the multi-instance render task alone."""
        return self.render_sequential_ms / self.render_parallel_ms if self.render_parallel_ms else 0.0


def _render_ms(run: WorkflowRun) -> float:
    return sum(s.duration_ms for s in run.spans if s.attributes.get(TASK_TYPE) == "ParallelMultiInstanceTask")


def compare_parallel(options: Any, targets: list[str], repeat: int = 1) -> ParallelComparison:
    """Generate `targets` sequentially, then in parallel (best of `repeat` each), into temporary folders,
    after one untimed warm-up run."""
    import filecmp
    import tempfile
    from dataclasses import replace

    best: dict[bool, tuple[float, float, Path, WorkflowRun]] = {}
    diagnostics: list[Diagnostic] = []
    with tempfile.TemporaryDirectory(prefix="weavergen-bench-") as tmp:
        # untimed: the first run pays for imports and caches, which would flatter whichever way runs second
        run_generate(replace(options, output=str(Path(tmp) / "warm-up")), targets, parallel=False)
        for parallel in (False, True):
            for attempt in range(max(1, repeat)):
                out = Path(tmp) / f"{'parallel' if parallel else 'sequential'}-{attempt}"
                started = time.perf_counter()
                report, run = run_generate(replace(options, output=str(out)), targets, parallel=parallel)
                elapsed = (time.perf_counter() - started) * 1000
                diagnostics.extend(d for d in report.diagnostics if d.is_error)
                if parallel not in best or elapsed < best[parallel][0]:
                    best[parallel] = (elapsed, _render_ms(run), out, run)
        seq, par = best[False], best[True]
        seq_files = sorted(p.relative_to(seq[2]) for p in seq[2].rglob("*") if p.is_file())
        par_files = sorted(p.relative_to(par[2]) for p in par[2].rglob("*") if p.is_file())
        identical = seq_files == par_files and all(
            filecmp.cmp(seq[2] / f, par[2] / f, shallow=False) for f in seq_files
        )
        return ParallelComparison(
            list(targets), seq[0], par[0], seq[1], par[1], len(seq_files), identical, diagnostics
        )


def run_update_markdown(options: Any) -> tuple[Any, WorkflowRun]:
    """`registry update-markdown` through its process: check the registry, then refresh the snippets.

    Returns the markdown report (every diagnostic, the files changed and their diffs) and the run.
    """
    from weavergen.markdown import UpdateMarkdownReport

    check = options.check_options()
    settings = {
        "markdown_dir": options.markdown_dir,
        "templates": options.templates,
        "target": options.target,
        "params": list(options.params),
        "params_file": options.params_file,
        "dry_run": options.dry_run,
        "attribute_registry_base_url": options.attribute_registry_base_url,
        "project_config": options.project_config,
    }
    ctx = RunContext(check)
    run = run_workflow("registry_update_markdown", {"settings": settings}, ctx)
    found = ctx.outputs.get("markdown")
    report = found if isinstance(found, UpdateMarkdownReport) else UpdateMarkdownReport()
    report.diagnostics = [*ctx.diagnostics_after_report(), *run.diagnostics]
    report.sources = ctx.report.sources if ctx.report is not None else {}
    return report, run
