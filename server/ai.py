"""AI fix code actions: listed without calling a model, computed only when the user picks one.

Clients that resolve code actions get the edit from `codeAction/resolve`; others get a command that
computes the fix and applies it with `workspace/applyEdit`. Either way the models are asked at once,
under a work-done progress and a timeout, and only an engine-verified fix is applied.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types as t

from weavergen.diagnostics import Diagnostic, Range, Severity
from weavergen.server import convert
from weavergen.server.convert import Lines, path_of, uri_of

if TYPE_CHECKING:
    from weavergen.ai import AISuggestions
    from weavergen.server.server import WeavergenServer
    from weavergen.workspace import RegistryWorkspace

log = logging.getLogger("weavergen.server")

COMMAND = "weavergen.aiFix"
KIND = f"{t.CodeActionKind.QuickFix.value}.ai"
_TAG = "weavergen.ai"


def _touches(a: Range, b: Range) -> bool:
    def key(p: Any) -> tuple[int, int]:
        return (p.line, p.column)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def available(ls: WeavergenServer) -> bool:
    """Whether AI fixes can be offered; the first time they cannot, the client is told why, once."""
    reason = ls.settings.ai.unavailable_reason()
    if reason is None:
        return True
    said: set[str] = ls.__dict__.setdefault("_ai_said", set())
    if reason not in said:
        said.add(reason)
        ls.window_log_message(t.LogMessageParams(type=t.MessageType.Info, message=reason))
    return False


def _resolves_edits(ls: WeavergenServer) -> bool:
    td = ls.client_capabilities.text_document
    ca = td.code_action if td is not None else None
    support = ca.resolve_support if ca is not None else None
    return bool(support and "edit" in support.properties)


def code_actions(
    ls: WeavergenServer, ws: RegistryWorkspace, path: str, want: Range, lines: Lines
) -> list[t.CodeAction]:
    """One "AI fix" action per error or warning under the range; no model is called here."""
    if not available(ls):
        return []
    models = ls.settings.ai.models
    out = []
    for d in ws.diagnostics(path):
        if d.range is None or d.severity is Severity.ADVICE or not _touches(d.range, want):
            continue
        data = {
            _TAG: True,
            "uri": uri_of(path),
            "code": d.code,
            "message": d.message,
            "line": d.range.start.line,
        }
        title = f"AI fix: ask {len(models)} model{'s' if len(models) > 1 else ''} to repair {d.code}"
        action = t.CodeAction(
            title=title, kind=KIND, diagnostics=[convert.diagnostic(d, lines, {})], data=data
        )
        if not _resolves_edits(ls):
            action.command = t.Command(title=title, command=COMMAND, arguments=[data])
        out.append(action)
    return out


def _target(ls: WeavergenServer, data: dict[str, Any]) -> tuple[RegistryWorkspace, Diagnostic] | None:
    """The diagnostic an action was offered for, if it is still there (the nearest one with its text)."""
    path = path_of(str(data.get("uri", "")))
    ws = ls.owner(path)
    if ws is None or path is None:
        return None
    same = [
        d for d in ws.diagnostics(path) if d.code == data.get("code") and d.message == data.get("message")
    ]
    line = int(data.get("line", 0))
    same.sort(key=lambda d: abs((d.range.start.line if d.range else 0) - line))
    return (ws, same[0]) if same else None


async def _suggest(ls: WeavergenServer, ws: RegistryWorkspace, target: Diagnostic) -> AISuggestions | None:
    """Ask every model at once under a progress report; verify on the engine thread. None on timeout."""
    from weavergen.ai import ask, consensus, fix_prompt

    settings = ls.settings.ai
    token = await _progress(ls, f"asking {', '.join(settings.models)}")
    try:
        prompt = await ls.run(fix_prompt, target, ws)
        if prompt is None:
            return None
        answers = await asyncio.gather(*(ask(m, prompt, settings.timeout, settings) for m in settings.models))
        _report(ls, token, "verifying the proposals")
        return await ls.run(consensus, ws, target, list(answers))
    finally:
        if token is not None:
            ls.work_done_progress.end(token, t.WorkDoneProgressEnd(message="done"))


async def _progress(ls: WeavergenServer, message: str) -> str | None:
    window = ls.client_capabilities.window
    if window is None or not window.work_done_progress:
        return None
    token = f"weavergen-ai-{id(message)}-{asyncio.get_running_loop().time()}"
    try:
        await asyncio.wait_for(ls.work_done_progress.create_async(token), 5)
    except Exception:
        return None
    ls.work_done_progress.begin(
        token, t.WorkDoneProgressBegin(title="AI fix", message=message, cancellable=False)
    )
    return token


def _report(ls: WeavergenServer, token: str | None, message: str) -> None:
    if token is not None:
        ls.work_done_progress.report(token, t.WorkDoneProgressReport(message=message))


def _explain(found: AISuggestions | None) -> str:
    if found is None:
        return "The AI fix could not be computed (see the server log)."
    why = found.rejected + found.errors
    return "No AI proposal passed verification" + (f": {'; '.join(why)[:400]}" if why else ".")


async def resolve(ls: WeavergenServer, action: t.CodeAction) -> t.CodeAction:
    """Fill in the edit of an AI fix action: the best verified fix, titled with how many models agreed."""
    data = action.data if isinstance(action.data, dict) else {}
    if not data.get(_TAG) or not available(ls):
        return action
    found_target = _target(ls, data)
    if found_target is None:
        action.disabled = t.CodeActionDisabled(reason="The diagnostic is gone.")
        return action
    ws, target = found_target
    found = await _suggest(ls, ws, target)
    if found is None or not found.fixes:
        action.disabled = t.CodeActionDisabled(reason=_explain(found))
        ls.window_show_message(t.ShowMessageParams(type=t.MessageType.Warning, message=_explain(found)))
        return action
    best = found.fixes[0]
    path = target.file or ""
    doc = ls.workspace.text_documents.get(uri_of(path))
    lines = Lines(ws.text_of(path) or "", ls.workspace.position_codec)
    built = convert.code_action(best.fix, lines, doc.version if doc is not None else None, [], False, False)
    action.title = best.label
    action.edit = built.edit
    ls.window_log_message(
        t.LogMessageParams(type=t.MessageType.Info, message=f"{best.label}: {best.rationale}")
    )
    return action


async def execute(ls: Any, data: dict[str, Any]) -> bool:
    """The command form, for clients that do not resolve code actions: compute, then apply the edit.

    `ls` is the `WeavergenServer` (typed `Any`: pygls reads command annotations at run time).
    """
    action = await resolve(ls, t.CodeAction(title="AI fix", data=data))
    if action.edit is None:
        return False
    result = await ls.workspace_apply_edit_async(
        t.ApplyWorkspaceEditParams(edit=action.edit, label=action.title)
    )
    return bool(result.applied)
