"""Request handlers: quick fixes and navigation, each a few lines around an engine call."""

from __future__ import annotations

from lsprotocol import types as t
from pygls.exceptions import JsonRpcInvalidParams

from weavergen import completion as comp
from weavergen import navigation as nav
from weavergen.diagnostics import Position, Range
from weavergen.server import ai, convert, livecheck, regenerate, workflow
from weavergen.server.convert import Lines, path_of, uri_of
from weavergen.server.server import WeavergenServer, server
from weavergen.workspace import Snapshot


def _context(ls: WeavergenServer, uri: str) -> tuple[str, Lines] | None:
    """The file path and lines of a document of a registry; None outside any registry."""
    path = path_of(uri)
    ws = ls.owner(path)
    if ws is None or path is None:
        return None
    text = ws.text_of(path)
    return (path, Lines(text, ls.workspace.position_codec)) if text is not None else None


@server.feature(
    t.TEXT_DOCUMENT_CODE_ACTION,
    t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix], resolve_provider=True),
)
async def code_action(ls: WeavergenServer, params: t.CodeActionParams) -> list[t.CodeAction] | None:
    """Quick fixes for the diagnostics under the requested range, computed by the engine."""
    await ls.settled(params.text_document.uri)
    ctx = _context(ls, params.text_document.uri)
    if ctx is None:
        return None
    path, lines = ctx
    ws = ls.owner(path)
    if ws is None:
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
    for d, fix in ws.fixes_at(path, want):
        lsp = convert.diagnostic(d, lines, {})
        echoed = sent.get((d.code, lsp.range.start.line, lsp.range.start.character), lsp)
        actions.append(convert.code_action(fix, lines, version, [echoed], snippets, doc_changes))
    if ws.is_manifest(path):
        return (
            actions
            + regenerate.code_actions(ls, ws, path, want)
            + livecheck.manifest_actions(ls, ws, path, params.range)
        )
    actions.extend(livecheck.code_actions(ls, ws, path, want, (snippets, doc_changes)))
    actions.extend(ai.code_actions(ls, ws, path, want, lines))
    return actions


@server.feature(t.CODE_ACTION_RESOLVE)
async def code_action_resolve(ls: WeavergenServer, action: t.CodeAction) -> t.CodeAction:
    """An AI fix picked by the user: ask the models now, return the best verified edit."""
    return await ai.resolve(ls, action)


server.command(ai.COMMAND)(ai.execute)


server.command(regenerate.COMMAND)(regenerate.execute)


server.command(workflow.CHECK_COMMAND)(workflow.execute_check)


_SYMBOL_KINDS = {
    "attribute": t.SymbolKind.Field,
    "ref": t.SymbolKind.Key,
    "attribute_group": t.SymbolKind.Namespace,
    "span": t.SymbolKind.Event,
    "event": t.SymbolKind.Event,
    "metric": t.SymbolKind.Number,
    "entity": t.SymbolKind.Object,
    "group": t.SymbolKind.Class,
}
_COMPLETION_KINDS = {
    "attribute": t.CompletionItemKind.Field,
    "group": t.CompletionItemKind.Class,
    "value": t.CompletionItemKind.EnumMember,
    "key": t.CompletionItemKind.Property,
}


def _at(ls: WeavergenServer, uri: str, position: t.Position) -> tuple[Snapshot, str, Position, Lines] | None:
    """Snapshot the registry of a document and convert the cursor to an engine position."""
    ctx = _context(ls, uri)
    ws = ls.owner(path_of(uri))
    if ctx is None or ws is None:
        return None
    path, lines = ctx
    return ws.snapshot(), path, lines.from_client(position), lines


def _location(ls: WeavergenServer, loc: nav.Location, lines: dict[str, Lines]) -> t.Location:
    """An engine location as an LSP location, converting with the target file's own lines."""
    if loc.file not in lines:
        ws = ls.owner(loc.file)
        text = ws.text_of(loc.file) if ws is not None else None
        lines[loc.file] = Lines(text or "", ls.workspace.position_codec)
    return t.Location(uri=uri_of(loc.file), range=lines[loc.file].to_client(loc.range))


@server.feature(t.TEXT_DOCUMENT_HOVER)
async def hover(ls: WeavergenServer, params: t.HoverParams) -> t.Hover | None:
    """Brief, note, type, stability, requirement level, examples, deprecation and where defined."""
    await ls.settled(params.text_document.uri)
    got = _at(ls, params.text_document.uri, params.position)
    text = nav.hover(got[0], got[1], got[2]) if got else None
    return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text)) if text else None


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: WeavergenServer, params: t.DefinitionParams) -> list[t.Location] | None:
    """Where the attribute or group under the cursor is defined."""
    await ls.settled(params.text_document.uri)
    got = _at(ls, params.text_document.uri, params.position)
    if got is None:
        return None
    cache = {got[1]: got[3]}
    return [_location(ls, loc, cache) for loc in nav.definitions(got[0], got[1], got[2])] or None


@server.feature(t.TEXT_DOCUMENT_REFERENCES)
async def references(ls: WeavergenServer, params: t.ReferenceParams) -> list[t.Location] | None:
    """Every mention of the attribute or group under the cursor across the registry."""
    await ls.settled(params.text_document.uri)
    got = _at(ls, params.text_document.uri, params.position)
    if got is None:
        return None
    cache = {got[1]: got[3]}
    found = nav.references(got[0], got[1], got[2], params.context.include_declaration)
    return [_location(ls, loc, cache) for loc in found] or None


@server.feature(t.TEXT_DOCUMENT_PREPARE_RENAME)
async def prepare_rename(
    ls: WeavergenServer, params: t.PrepareRenameParams
) -> t.PrepareRenamePlaceholder | None:
    """Only attributes are renamable; answer with the written name's range."""
    await ls.settled(params.text_document.uri)
    got = _at(ls, params.text_document.uri, params.position)
    found = nav.prepare_rename(got[0], got[1], got[2]) if got else None
    if got is None or found is None:
        return None
    return t.PrepareRenamePlaceholder(range=got[3].to_client(found[0]), placeholder=found[1])


@server.feature(t.TEXT_DOCUMENT_RENAME)
async def rename(ls: WeavergenServer, params: t.RenameParams) -> t.WorkspaceEdit | None:
    """Rename an attribute in its definition, every ref and every `renamed_to`."""
    await ls.settled(params.text_document.uri)
    got = _at(ls, params.text_document.uri, params.position)
    if got is None:
        return None
    result = nav.rename(got[0], got[1], got[2], params.new_name)
    if isinstance(result, str):
        raise JsonRpcInvalidParams(message=result)  # the client shows the reason
    cache = {got[1]: got[3]}
    changes = {}
    for file, edits in result.items():
        conv = [_location(ls, nav.Location(file, e.range), cache) for e in edits]
        changes[uri_of(file)] = [
            t.TextEdit(range=c.range, new_text=e.new_text) for c, e in zip(conv, edits, strict=True)
        ]
    return t.WorkspaceEdit(changes=changes)


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
async def document_symbol(
    ls: WeavergenServer, params: t.DocumentSymbolParams
) -> list[t.DocumentSymbol] | None:
    """The groups of the file with their attributes."""
    await ls.settled(params.text_document.uri)
    ctx = _context(ls, params.text_document.uri)
    ws = ls.owner(path_of(params.text_document.uri))
    spec = ws.snapshot().file(ctx[0]) if ws is not None and ctx is not None else None
    if ctx is None or spec is None:
        return None
    return [_document_symbol(s, ctx[1]) for s in nav.document_symbols(spec)]


def _document_symbol(sym: nav.Symbol, lines: Lines) -> t.DocumentSymbol:
    return t.DocumentSymbol(
        name=sym.name,
        detail=sym.detail or sym.kind,
        kind=_SYMBOL_KINDS.get(sym.kind, t.SymbolKind.Class),
        range=lines.to_client(sym.range),
        selection_range=lines.to_client(sym.selection),
        children=[_document_symbol(c, lines) for c in sym.children] or None,
    )


@server.feature(t.WORKSPACE_SYMBOL)
async def workspace_symbol(ls: WeavergenServer, params: t.WorkspaceSymbolParams) -> list[t.SymbolInformation]:
    """Groups and attributes of every registry whose name contains the query."""
    await ls.ready.wait()
    cache: dict[str, Lines] = {}
    out = []
    for ws in ls.workspaces:
        for sym in nav.workspace_symbols(ws.snapshot(), params.query):
            loc = _location(ls, nav.Location(sym.file, sym.range), cache)
            out.append(
                t.SymbolInformation(
                    name=sym.name, kind=_SYMBOL_KINDS.get(sym.kind, t.SymbolKind.Class), location=loc
                )
            )
    return out


@server.feature(t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=[":", " ", "."]))
async def completion(ls: WeavergenServer, params: t.CompletionParams) -> t.CompletionList | None:
    """Attribute and group ids, enumerated values, and the keys valid at the cursor."""
    await ls.settled(params.text_document.uri)
    got = _at(ls, params.text_document.uri, params.position)
    ws = ls.owner(path_of(params.text_document.uri))
    if got is None or ws is None:
        return None
    spec = ws.usable_file(got[1])
    text = ws.text_of(got[1]) or ""
    if spec is None:
        return None
    items = [
        t.CompletionItem(
            label=c.label,
            kind=_COMPLETION_KINDS.get(c.kind),
            detail=c.detail or None,
            documentation=t.MarkupContent(kind=t.MarkupKind.Markdown, value=c.documentation)
            if c.documentation
            else None,
        )
        for c in comp.completions(got[0], spec, text, got[2])
    ]
    return t.CompletionList(is_incomplete=False, items=items)
