"""Stale generated outputs in the editor: a warning on the registry's manifest and a `Regenerate` action.

Thin glue over `weavergen.regenerate`: the manifest's diagnostics include one `StaleGeneratedOutput` per
recorded generation of this registry whose registry texts (open buffers included) or templates changed,
or whose outputs were edited by hand; the code action runs the `weavergen.regenerate` command, which
regenerates that output on the engine thread (hand-edited files kept) and republishes the manifest.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as t

from weavergen.diagnostics import Diagnostic, Range

if TYPE_CHECKING:
    from weavergen.server.server import WeavergenServer
    from weavergen.workspace import RegistryWorkspace

COMMAND = "weavergen.regenerate"
log = logging.getLogger("weavergen.server")


def diagnostics(ls: WeavergenServer, ws: RegistryWorkspace, path: str) -> list[Diagnostic]:
    """The stale-generation warnings of a registry's manifest (hook: added to each file's diagnostics).

    Publishing any other file of the registry re-checks (at most once per registry generation, or after
    a few seconds for changes on disk) and republishes the manifest when its warnings changed, so an
    edit of the registry shows up on the manifest at once.
    """
    manifest = ws.registry.manifest_file
    if manifest is None:
        return []
    before = _STATE.get(id(ws))
    found = _stale(ls, ws)
    if ws.is_manifest(path):
        return found
    if before is not None and _messages(before[2]) != _messages(found):
        ls.publish(ws, {manifest.provenance})
    return []


def forget(ws: RegistryWorkspace) -> None:
    """Drop the remembered check of a registry (its outputs were just regenerated)."""
    _STATE.pop(id(ws), None)
    _LOCKS.pop(id(ws), None)


_LOCKS: dict[int, tuple[float, list[Path]]] = {}
"""Per workspace: when its workspace folders were last searched for lock files, and what was found."""


def _locks(ls: WeavergenServer, ws: RegistryWorkspace, now: float) -> list[Path]:
    """The lock files of the workspace, searched for at most every few seconds: a search walks every
    folder, which an edit must not wait for."""
    from weavergen.regenerate import find_locks

    cached = _LOCKS.get(id(ws))
    if cached is not None and now - cached[0] < RECHECK_SECONDS:
        return cached[1]
    found = find_locks(ls.folders() or [ws.root.parent])
    _LOCKS[id(ws)] = (now, found)
    return found


_STATE: dict[int, tuple[int, float, list[Diagnostic]]] = {}
"""Per workspace: the generation and time of the last check, and its diagnostics."""
RECHECK_SECONDS = 5.0


def _messages(found: list[Diagnostic]) -> list[str]:
    return [d.message for d in found]


def _stale(ls: WeavergenServer, ws: RegistryWorkspace) -> list[Diagnostic]:
    from weavergen.regenerate import stale_diagnostic, stale_generations

    generation = ws.snapshot().generation
    cached = _STATE.get(id(ws))
    now = time.monotonic()
    if cached is not None and cached[0] == generation and now - cached[1] < RECHECK_SECONDS:
        return cached[2]
    manifest = ws.registry.manifest_file
    if manifest is None:
        return []
    texts = ((p, ws.text_of(p) or "") for p in ws.files())  # read only if a lock records this registry
    first = (ws.text_of(manifest.provenance) or "").split("\n", 1)[0]
    try:
        stale = stale_generations(ws.root, texts, [], _locks(ls, ws, now))
    except OSError as exc:
        log.warning("cannot check the generated outputs of %s: %s", ws.root, exc)
        stale = []
    found = [stale_diagnostic(s, manifest.provenance, first) for s in stale]
    _STATE[id(ws)] = (generation, now, found)
    return found


def code_actions(ls: WeavergenServer, ws: RegistryWorkspace, path: str, want: Range) -> list[t.CodeAction]:
    """A `Regenerate` action per stale generation under the range (hook: added to the code actions)."""
    from weavergen.server import convert
    from weavergen.server.convert import Lines

    text = ws.text_of(path)
    if text is None:
        return []
    lines = Lines(text, ls.workspace.position_codec)
    out = []
    for d in diagnostics(ls, ws, path):
        if d.fix is None or d.range is None or d.range.start.line > want.end.line:
            continue
        output = Path(d.fix["lock"]).parent
        out.append(
            t.CodeAction(
                title=f"Regenerate the outputs of {output} (hand-edited files are kept)",
                kind=t.CodeActionKind.QuickFix,
                diagnostics=[convert.diagnostic(d, lines, {})],
                command=t.Command(
                    title="Regenerate", command=COMMAND, arguments=[d.fix["lock"], d.fix["key"]]
                ),
            )
        )
    return out


async def execute(ls: Any, lock: str, key: str) -> dict[str, Any]:
    """The `weavergen.regenerate` command: regenerate one recorded generation, then republish manifests.

    `ls` is the `WeavergenServer` (typed `Any`: pygls reads these annotations at run time).
    """
    from weavergen.regenerate import regenerate_one

    result = await ls.run(regenerate_one, Path(lock), key)
    for ws in ls.workspaces:
        forget(ws)
        manifest = ws.registry.manifest_file
        if manifest is not None:
            ls.publish(ws, {manifest.provenance})
    if result is None:
        return {"regenerated": False}
    for d in result.diagnostics:
        ls.window_show_message(t.ShowMessageParams(type=t.MessageType.Error, message=d.message))
    return {
        "regenerated": not result.diagnostics,
        "written": result.written,
        "deleted": result.deleted,
        "kept": result.kept,
    }
