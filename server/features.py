"""Request handlers: quick fixes and navigation, each a few lines around an engine call."""

from __future__ import annotations

from lsprotocol import types as t

from weavergen.diagnostics import Position, Range
from weavergen.fixes import fixes_for
from weavergen.server import convert
from weavergen.server.convert import Lines, path_of
from weavergen.server.server import WeavergenServer, server


def _context(ls: WeavergenServer, uri: str) -> tuple[str, Lines] | None:
    """The file path and lines of a document of a registry; None outside any registry."""
    path = path_of(uri)
    ws = ls.owner(path)
    if ws is None or path is None:
        return None
    text = ws.text_of(path)
    return (path, Lines(text, ls.workspace.position_codec)) if text is not None else None


def _touches(a: Range, b: Range) -> bool:
    def key(p: Position) -> tuple[int, int]:
        return (p.line, p.column)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


@server.feature(
    t.TEXT_DOCUMENT_CODE_ACTION, t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix])
)
async def code_action(ls: WeavergenServer, params: t.CodeActionParams) -> list[t.CodeAction] | None:
    """Quick fixes for the diagnostics under the requested range, computed by the engine."""
    await ls.ready.wait()
    ctx = _context(ls, params.text_document.uri)
    if ctx is None:
        return None
    path, lines = ctx
    ws = ls.owner(path)
    spec = ws.snapshot().file(path) if ws is not None else None
    if ws is None or spec is None:
        return None
    want = Range(lines.from_client(params.range.start), lines.from_client(params.range.end))
    caps = ls.client_capabilities.workspace
    edit_caps = caps.workspace_edit if caps is not None else None
    snippets = bool(edit_caps and edit_caps.snippet_edit_support)
    doc_changes = bool(edit_caps and edit_caps.document_changes)
    doc = ls.workspace.text_documents.get(params.text_document.uri)
    version = doc.version if doc is not None else None
    sent = {(d.code, d.range.start.line, d.range.start.character): d for d in params.context.diagnostics}
    actions = []
    for d in ws.diagnostics(path):
        if d.range is None or not _touches(d.range, want):
            continue
        lsp = convert.diagnostic(d, lines, {})
        echoed = sent.get((d.code, lsp.range.start.line, lsp.range.start.character), lsp)
        for fix in fixes_for(d, spec):
            actions.append(convert.code_action(fix, lines, version, [echoed], snippets, doc_changes))
    return actions
