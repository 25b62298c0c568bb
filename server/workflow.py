"""Save-time work of the server, behind two functions so they can move to the BPMN workflow runner.

`run_check_workflow` is the check a save triggers: the workspace already holds the loaded and resolved
registry (kept current per keystroke), so what remains is the policy stage. When `weavergen.workflow`
lands, this is the one function to switch to its `check` process.
"""

from __future__ import annotations

import importlib
import logging

from weavergen.diagnostics import Diagnostic
from weavergen.workspace import RegistryWorkspace, Snapshot

log = logging.getLogger("weavergen.server")


def run_check_workflow(ws: RegistryWorkspace, snapshot: Snapshot) -> list[Diagnostic]:
    """The check run on save (load and resolve are current in the snapshot; policies run here)."""
    return ws.compute_policies(snapshot)


def run_generate_on_save(ws: RegistryWorkspace, targets: list[str]) -> None:
    """Generate the configured targets once the generation engine (`weavergen.forge.generate`) exists."""
    try:
        forge = importlib.import_module("weavergen.forge")
    except ImportError:
        forge = None
    generate = getattr(forge, "generate", None)
    if generate is None:
        log.warning("generateOnSave %s skipped: the generation engine is not available yet", targets)
        return
    for target in targets:
        try:
            generate(str(ws.root), target)
        except Exception:
            log.exception("generate-on-save for target %s failed", target)
