"""The "AI review namespace" code action: listed without calling a model, computed when picked.

Like AI fixes (`server.ai`): clients that resolve code actions get the edit from `codeAction/resolve`,
others a command that computes it and applies it with `workspace/applyEdit`. The models are asked
under a work-done progress; the engine keeps only proposals that add no error and raise the score
(`weavergen.review.ai`), and the edit holds all the kept ones.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types as t

from weavergen.diagnostics import Range
from weavergen.server.ai import _progress, _report, _resolves_edits, available
from weavergen.server.convert import Lines, path_of, uri_of

if TYPE_CHECKING:
    from weavergen.review.ai import NamespaceReview
    from weavergen.server.server import WeavergenServer
    from weavergen.workspace import RegistryWorkspace

COMMAND = "weavergen.aiReview"
KIND = f"{t.CodeActionKind.QuickFix.value}.ai.review"
_TAG = "weavergen.aiReview"


def namespace_at(ws: RegistryWorkspace, path: str, want: Range) -> str | None:
    """The root namespace of the definition under the range (else of the file's first definition)."""
    from weavergen.review.items import collect

    items = [i for i in collect(ws.snapshot().resolution) if i.file == path and i.range is not None]
    if not items:
        return None
    line = want.start.line
    before = [i for i in items if i.range is not None and i.range.start.line <= line]
    best = max(before, key=lambda i: i.range.start.line if i.range else 0) if before else items[0]
    return best.namespace


def code_actions(ls: WeavergenServer, ws: RegistryWorkspace, path: str, want: Range) -> list[t.CodeAction]:
    """One "AI review namespace" action for the definition under the range; no model is called here."""
    if ls.settings.review_enabled == "off" or not available(ls):
        return []
    namespace = namespace_at(ws, path, want)
    if namespace is None:
        return []
    models = ls.settings.ai.models
    data = {_TAG: True, "uri": uri_of(path), "namespace": namespace}
    title = f"AI review namespace `{namespace}`: ask {len(models)} model{'s' if len(models) > 1 else ''}"
    action = t.CodeAction(title=title, kind=KIND, data=data)
    if not _resolves_edits(ls):
        action.command = t.Command(title=title, command=COMMAND, arguments=[data])
    return [action]


def is_review_action(action: t.CodeAction) -> bool:
    """Whether a code action to resolve is an AI review."""
    return isinstance(action.data, dict) and bool(action.data.get(_TAG))


async def _review(ls: WeavergenServer, ws: RegistryWorkspace, namespace: str) -> NamespaceReview | None:
    """Ask every model about the namespace at once; verify on the engine thread."""
    from weavergen.ai import ask
    from weavergen.review.ai import consensus
    from weavergen.review.ai_prompt import INSTRUCTIONS, ReviewProposals, review_prompt
    from weavergen.review.report import review

    settings = ls.settings.ai
    token = await _progress(ls, f"reviewing `{namespace}` with {', '.join(settings.models)}")
    try:
        report = await ls.run(lambda: review(ws.snapshot().resolution))
        if report is None:
            return None
        prompt = await ls.run(review_prompt, ws, report, namespace)
        if prompt is None:
            return None
        answers = await asyncio.gather(
            *(
                ask(m, prompt, settings.timeout, settings, None, ReviewProposals, INSTRUCTIONS)
                for m in settings.models
            )
        )
        _report(ls, token, "verifying the proposals")
        return await ls.run(consensus, ws, namespace, list(answers), report)
    finally:
        if token is not None:
            ls.work_done_progress.end(token, t.WorkDoneProgressEnd(message="done"))


def _explain(found: NamespaceReview | None) -> str:
    if found is None:
        return "The AI review could not be computed (see the server log)."
    why = [f"`{d.title}`: {d.reason}" for d in found.dropped] + found.errors
    return "No AI proposal improved the namespace" + (f": {'; '.join(why)[:400]}" if why else ".")


async def resolve(ls: WeavergenServer, action: t.CodeAction) -> t.CodeAction:
    """Fill in the edit of an AI review action: every kept proposal, titled with the score's gain."""
    from weavergen.ai import minimal_edits

    data = action.data if isinstance(action.data, dict) else {}
    path = path_of(str(data.get("uri", "")))
    ws = ls.owner(path)
    if ws is None or not available(ls):
        action.disabled = t.CodeActionDisabled(reason="The file is not in a registry any more.")
        return action
    namespace = str(data.get("namespace", ""))
    found = await _review(ls, ws, namespace)
    if found is None or not found.kept:
        action.disabled = t.CodeActionDisabled(reason=_explain(found))
        ls.window_show_message(t.ShowMessageParams(type=t.MessageType.Warning, message=_explain(found)))
        return action
    final: dict[str, str] = {}
    for kept in found.kept:
        final.update({p: after for p, (_, after) in kept.texts.items()})
    changes: dict[str, list[t.TextEdit]] = {}
    for file, after in sorted(final.items()):
        before = ws.text_of(file) or ""
        lines = Lines(before, ls.workspace.position_codec)
        edits = minimal_edits(before, after)
        changes[uri_of(file)] = [
            t.TextEdit(range=lines.to_client(e.range), new_text=e.new_text) for e in edits
        ]
    first, last = found.kept[0], found.kept[-1]
    action.title = (
        f"AI review `{namespace}`: {len(found.kept)} improvement(s), namespace score "
        f"{first.namespace_before:.1f} → {last.namespace_after:.1f}"
    )
    action.edit = t.WorkspaceEdit(changes=changes)
    summary = "; ".join(f"{k.title} ({len(k.agreeing)}/{k.asked} models): {k.rationale}" for k in found.kept)
    ls.window_log_message(t.LogMessageParams(type=t.MessageType.Info, message=f"{action.title}: {summary}"))
    return action


async def execute(ls: Any, data: dict[str, Any]) -> bool:
    """The command form, for clients that do not resolve code actions: compute, then apply the edit."""
    action = await resolve(ls, t.CodeAction(title="AI review", data=data))
    if action.edit is None:
        return False
    result = await ls.workspace_apply_edit_async(
        t.ApplyWorkspaceEditParams(edit=action.edit, label=action.title)
    )
    return bool(result.applied)
