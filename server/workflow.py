"""Save-time work and the check command of the server, run through the BPMN workflow runner.

The per-keystroke path stays direct (engine workspace calls) for latency; a save runs the
`registry_check` process (load → resolve → policies → report, each task a span) on the registry as the
editor holds it and keeps what only that run adds: the policy stage's findings. The
`weavergen.checkRegistry` command runs the same process, stored as the registry's last run, and returns
the report. Generation on save runs the `registry_generate` process.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from weavergen.diagnostics import Diagnostic, Severity
from weavergen.workspace import RegistryWorkspace

if TYPE_CHECKING:
    from weavergen.registry import LoadedRegistry
    from weavergen.workflow import WorkflowRun

log = logging.getLogger("weavergen.server")
POLICY_CODES = frozenset(
    {
        "InvalidPolicyFile",
        "ViolationEvaluationError",
        "AccessDenied",
        "UnsupportedPolicyPath",
        "InvalidGlobPattern",
        "BeforeResolutionUnsupported",
    }
)


CHECK_COMMAND = "weavergen.checkRegistry"


def check_run(ws: RegistryWorkspace, registry: LoadedRegistry, store: bool) -> WorkflowRun:
    """Run the `registry_check` process on `registry`, the workspace's files as the editor holds them."""
    from weavergen.check import CheckOptions
    from weavergen.operations import RunContext
    from weavergen.workflow import run_workflow

    o = ws.options
    options = CheckOptions(
        registry=str(ws.root),
        policies=list(o.policies),
        skip_policies=o.skip_policies,
        v2=o.v2,
        future=o.future,
    )
    return run_workflow(
        "registry_check", {}, RunContext(options, preloaded=registry), parallel=False, store=store
    )


def policy_findings(run: WorkflowRun) -> list[Diagnostic]:
    """What only a full check adds to the editor's diagnostics: policy findings, and the run's own."""
    found = run.context.report.diagnostics if run.context.report is not None else []
    return [d for d in found if d.is_policy or d.code in POLICY_CODES] + list(run.diagnostics)


def run_check_workflow(ws: RegistryWorkspace) -> list[Diagnostic]:
    """Run the `registry_check` process after a save; return its policy-stage diagnostics."""
    return policy_findings(check_run(ws, ws.snapshot().registry, store=False))


def _workspace_of(ls: Any, target: str) -> RegistryWorkspace | None:
    """The registry a path or file URI names: its root, or a file inside it."""
    from weavergen.server.convert import path_of

    path = path_of(target) if "://" in target else target
    if not path:
        return None
    folder = Path(path).resolve()
    return next((ws for ws in ls.workspaces if ws.root == folder), None) or ls.owner(str(folder))


async def _caught_up(ls: Any, versions: dict[str, int], timeout: float = 5.0) -> None:
    """Wait (bounded) until the server holds each document at least at the version the editor showed
    when it asked: its last keystrokes may still be on their way."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    for uri, version in versions.items():
        while loop.time() < end:
            doc = ls.workspace.text_documents.get(uri)
            if doc is None or (doc.version or 0) >= version:
                break
            await asyncio.sleep(0.02)


async def execute_check(ls: Any, target: str, *versions: Any) -> dict[str, Any]:
    """The `weavergen.checkRegistry` command: check a registry as the editor shows it, unsaved edits
    included, and return the report as `registry check` prints it; the run is the registry's last run.

    An optional second argument maps the URIs of the editor's open documents to the versions it shows.
    `ls` is the `WeavergenServer` (typed `Any`: pygls reads command annotations at run time).
    """
    from weavergen.render import render
    from weavergen.server.convert import path_of

    await ls.ready.wait()
    ws = _workspace_of(ls, str(target))
    if ws is None:
        return {"found": False}
    if versions and isinstance(versions[0], dict):
        await _caught_up(ls, {str(k): v for k, v in versions[0].items() if isinstance(v, int)})
    for uri in list(ls.pending):
        path = path_of(uri)
        if path is not None and ws.contains(path):
            await ls.settled(uri)  # the last keystrokes are part of what the editor shows
    snap = ws.snapshot()
    run = await ls.off_loop(check_run, ws, snap.registry, True)
    if run is None:
        return {"found": True, "registry": str(ws.root), "cancelled": True}
    ls.publish(ws, await ls.run(ws.set_policy_diagnostics, snap.generation, policy_findings(run)) or set())
    report = run.context.report
    diagnostics = (list(report.diagnostics) if report is not None else []) + run.diagnostics
    text = render(diagnostics, "ansi", source=report.source if report is not None else None)
    log.info("checked %s: %d diagnostic(s), run %s", ws.root, len(diagnostics), run.run_id)
    return {
        "found": True,
        "registry": str(ws.root),
        "errors": sum(1 for d in diagnostics if d.severity is Severity.ERROR),
        "warnings": sum(1 for d in diagnostics if d.severity is Severity.WARNING),
        "text": text,
        "runId": run.run_id,
    }


def run_generate_on_save(
    ws: RegistryWorkspace, targets: list[str], templates: Path, output: Path
) -> list[str]:
    """Generate the configured targets through the `registry_generate` process; return the files written."""
    from weavergen.forge import GenerateOptions
    from weavergen.workflow_commands import run_generate

    o = ws.options
    options = GenerateOptions(
        registry=str(ws.root),
        target=targets[0],
        output=str(output),
        templates=str(templates),
        policies=list(o.policies),
        skip_policies=o.skip_policies,
        v2=o.v2,
    )
    report, _ = run_generate(options, targets, parallel=False)
    for d in report.diagnostics:
        if d.is_error:
            log.warning("generate-on-save: %s %s: %s", d.code, d.file or "", d.message)
    return list(report.written)
