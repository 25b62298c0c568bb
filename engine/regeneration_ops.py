"""The `regeneration_dmedi_cycle` process's service operations: one per DMEDI phase, plus the confirmation.

The phases share a `Cycle` on the run's context (`ctx.outputs["cycle"]`): the system, the drift measured,
how to report each phase (the CLI prints it) and how to ask before implementing. Run without one
(`weavergen workflow run regeneration_dmedi_cycle --param system=ID`), the cycle is built from the
start data and implements only with `auto_confirm`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from weavergen.drift import TargetDrift
from weavergen.systems import System

if TYPE_CHECKING:
    from weavergen.operations import RunContext

PROCESS = "regeneration_dmedi_cycle"


@dataclass(slots=True)
class Cycle:
    """One run of the cycle over a system: what the phases share."""

    system: System
    force: bool = False
    auto_confirm: bool = False
    parallel: bool = True
    report: Callable[[str, str], None] = lambda phase, text: None
    """Told each phase's outcome as text: `report(phase, text)`."""
    confirm: Callable[[TargetDrift], bool] | None = None
    """Asked before implement (unless `auto_confirm`); None: no one to ask, so nothing is implemented."""
    drift: TargetDrift | None = None
    entropy_after: float | None = None
    diagnostics: list[Any] = field(default_factory=list)


def _error(message: str) -> Exception:
    """The error a failed phase raises: the run takes the task's error path with this message."""
    from weavergen.operations import OperationError

    return OperationError(message)


def _cycle(ctx: RunContext, params: dict[str, Any]) -> Cycle:
    cycle = ctx.outputs.get("cycle")
    if isinstance(cycle, Cycle):
        return cycle
    from weavergen.systems import find_system

    label = str(params.get("system") or "")
    system, problem = find_system(label, [Path(str(params.get("path") or "."))])
    if system is None:
        raise _error(problem.message if problem else f"no system `{label}`")
    made = Cycle(system, force=bool(params.get("force")), auto_confirm=bool(params.get("auto_confirm")))
    ctx.outputs["cycle"] = made
    return made


def define(ctx: RunContext, **params: Any) -> dict[str, Any]:
    """Define: what the system is, as its lock records it."""
    from weavergen.regeneration import describe

    cycle = _cycle(ctx, params)
    if cycle.system.problems:
        raise _error("; ".join(d.message for d in cycle.system.problems))
    info = describe(cycle.system)
    cycle.report("define", define_text(info))
    return {"system": cycle.system.label, "outputs": info["outputs"]}


def define_text(info: dict[str, Any]) -> str:
    """A system's description, one `name: value` a line."""
    lines = [f"system {info['system']}"]
    for key in (
        "lock",
        "output",
        "targets",
        "registry",
        "templates",
        "params",
        "params_file",
        "outputs",
        "kept",
    ):
        value = info[key]
        if value in (None, []):
            continue
        lines.append(f"  {key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    return "\n".join(lines)


def measure_text(label: str, drift: TargetDrift) -> str:
    """The entropy line of a system and its causes."""
    if drift.failed:
        return f"{label}: entropy 1.000, cannot be regenerated\n" + "".join(
            f"  - {d.message}\n" for d in drift.diagnostics
        )
    state = "in sync" if not drift.files else f"{len(drift.files)} of {drift.outputs} outputs out of sync"
    lines = [f"{label} ({drift.output_dir}): entropy {drift.score:.3f}, {state}"]
    if len(drift.targets) > 1:
        lines.extend(f"  target {t}: entropy {s:.3f}" for t, s in drift.target_scores().items())
    lines.extend(f"  - {cause}" for cause in drift.causes())
    return "\n".join(lines)


def measure(ctx: RunContext, **params: Any) -> dict[str, Any]:
    """Measure: regenerate into a temporary folder; the entropy and the drifted files with causes."""
    from weavergen.regeneration import measure_system

    cycle = _cycle(ctx, params)
    cycle.drift = measure_system(cycle.system, parallel=cycle.parallel)
    cycle.report("measure", measure_text(cycle.system.label, cycle.drift))
    if cycle.drift.failed:
        cycle.diagnostics.extend(cycle.drift.diagnostics)
        raise _error(f"the system `{cycle.system.label}` cannot be regenerated")
    drifted = bool(cycle.drift.files) or (cycle.force and bool(cycle.drift.kept))
    return {"entropy": cycle.drift.score, "drifted": drifted, "files": len(cycle.drift.files)}


def _drift(cycle: Cycle) -> TargetDrift:
    if cycle.drift is None:
        raise _error("nothing is measured: `weaver.regeneration.measure` must run first")
    return cycle.drift


def explore(ctx: RunContext, **params: Any) -> dict[str, Any]:
    """Explore: per drifted file, the options and the diff of each."""
    from weavergen.regeneration import explore_text

    cycle = _cycle(ctx, params)
    cycle.report("explore", explore_text(_drift(cycle)))
    return {"files": len(_drift(cycle).files)}


def develop(ctx: RunContext, **params: Any) -> dict[str, Any]:
    """Develop: stage the fresh render beside the lock and show the full diff."""
    from weavergen.regeneration import develop as stage
    from weavergen.regeneration import staging_dir

    cycle = _cycle(ctx, params)
    diff = stage(cycle.system, _drift(cycle), force=cycle.force)
    cycle.report("develop", f"staged in {staging_dir(cycle.system)}\n{diff}")
    return {"staged": str(staging_dir(cycle.system))}


def confirm(ctx: RunContext, **params: Any) -> dict[str, Any]:
    """Ask before implementing, unless auto-confirmed."""
    cycle = _cycle(ctx, params)
    confirmed = cycle.auto_confirm or (cycle.confirm is not None and cycle.confirm(_drift(cycle)))
    if not confirmed:
        cycle.report("confirm", "Nothing was changed; the staged set waits for `regeneration implement`.")
    return {"confirmed": confirmed}


def implement(ctx: RunContext, **params: Any) -> dict[str, Any]:
    """Implement: apply the staged set all or nothing, then measure again."""
    from weavergen.regeneration import implement as apply_staged

    cycle = _cycle(ctx, params)
    done = apply_staged(cycle.system, force=cycle.force, parallel=cycle.parallel)
    cycle.diagnostics.extend(done.result.diagnostics)
    cycle.report("implement", implement_text(cycle.system.label, done.result, done.after))
    if done.after is None or done.after.failed:
        raise _error(f"the staged set of `{cycle.system.label}` was not applied")
    cycle.entropy_after = done.after.score
    return {
        "entropy": done.after.score,
        "written": len(done.result.written),
        "deleted": len(done.result.deleted),
    }


def implement_text(label: str, result: Any, after: TargetDrift | None) -> str:
    """What implement did, and the entropy measured afterwards."""
    kept = f" ({', '.join(result.kept)})" if result.kept else ""
    lines = [f"{len(result.written)} written, {len(result.deleted)} deleted, {len(result.kept)} kept{kept}"]
    if after is not None:
        lines.append(measure_text(label, after))
    return "\n".join(lines)


REGENERATION_OPERATIONS: dict[str, tuple[Callable[..., dict[str, Any]], str]] = {
    "weaver.regeneration.define": (define, "Define: show what the system is, as its lock records it."),
    "weaver.regeneration.measure": (measure, "Measure: the system's entropy and drifted files, with causes."),
    "weaver.regeneration.explore": (explore, "Explore: per drifted file, the options and their diffs."),
    "weaver.regeneration.develop": (develop, "Develop: stage the fresh render and show the full diff."),
    "weaver.regeneration.confirm": (confirm, "Ask before implementing (unless auto-confirmed)."),
    "weaver.regeneration.implement": (
        implement,
        "Implement: apply the staged set all or nothing, then measure again.",
    ),
}
"""The cycle's operations, by the name a service task calls them (registered in `operations`)."""


def run_cycle(cycle: Cycle) -> Any:
    """Run `regeneration_dmedi_cycle` over the cycle's system; returns the WorkflowRun."""
    from weavergen.check import CheckOptions
    from weavergen.lockfile import local_path
    from weavergen.operations import RunContext
    from weavergen.workflow import run_workflow

    registry = str((cycle.system.entry.get("settings") or {}).get("registry") or "")
    ctx = RunContext(
        CheckOptions(registry=local_path(registry, cycle.system.lock.parent) if registry else "")
    )
    ctx.outputs["cycle"] = cycle
    params = {"system": cycle.system.label, "force": cycle.force, "auto_confirm": cycle.auto_confirm}
    return run_workflow(PROCESS, params, ctx, parallel=False)
