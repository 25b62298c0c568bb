"""Stale generated outputs in the editor: a warning on the registry's manifest and a `Regenerate` action.

Thin glue over `weavergen.regenerate`: the manifest's diagnostics include one `StaleGeneratedOutput` per
recorded generation of this registry whose registry texts (open buffers included) or templates changed,
or whose outputs were edited by hand; the code action runs the `weavergen.regenerate` command, which
regenerates that output on the engine thread (hand-edited files kept) and republishes the manifest.
"""

from __future__ import annotations

import logging
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
    """The stale-generation warnings of a registry's manifest (hook: added to each file's diagnostics)."""
    if not ws.is_manifest(path):
        return []
    from weavergen.regenerate import stale_diagnostic, stale_generations

    texts = [(p, ws.text_of(p) or "") for p in ws.files()]
    manifest = ws.text_of(path) or ""
    first = manifest.splitlines()[0] if manifest else ""
    try:
        stale = stale_generations(ws.root, texts, ls.folders() or [ws.root.parent])
    except OSError as exc:
        log.warning("cannot check the generated outputs of %s: %s", ws.root, exc)
        return []
    return [stale_diagnostic(s, path, first) for s in stale]


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
