"""Save-time work of the server, run through the BPMN workflow runner (`weavergen.workflow`).

The per-keystroke path stays direct (engine workspace calls) for latency; a save runs the
`registry_check` process (load → resolve → policies → report, each task a span) and keeps what only
that run adds: the policy stage's findings. Generation on save runs the `registry_generate` process.
"""

from __future__ import annotations

import logging
from pathlib import Path

from weavergen.diagnostics import Diagnostic
from weavergen.workspace import RegistryWorkspace

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


def run_check_workflow(ws: RegistryWorkspace) -> list[Diagnostic]:
    """Run the `registry_check` process on the saved registry; return its policy-stage diagnostics."""
    from weavergen.check import CheckOptions
    from weavergen.operations import RunContext
    from weavergen.workflow import run_workflow

    o = ws.options
    options = CheckOptions(
        registry=str(ws.root), policies=list(o.policies), skip_policies=o.skip_policies, v2=o.v2
    )
    ctx = RunContext(options)
    run = run_workflow("registry_check", {}, ctx, parallel=False, store=False)
    found = ctx.report.diagnostics if ctx.report is not None else []
    return [d for d in found if d.is_policy or d.code in POLICY_CODES] + list(run.diagnostics)


def run_generate_on_save(
    ws: RegistryWorkspace, targets: list[str], templates: Path, output: Path
) -> list[str]:
    """Generate the configured targets through the `registry_generate` process; return the files written."""
    from weavergen.forge import GenerateOptions
    from weavergen.workflow import run_generate

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
