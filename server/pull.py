"""Pull diagnostics (LSP 3.17), registered only for clients that support them instead of push."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as t

from weavergen.server.convert import path_of, uri_of

if TYPE_CHECKING:
    from weavergen.server.server import WeavergenServer


def _result_id(ls: WeavergenServer, path: str) -> str:
    ws = ls.owner(path)
    return str(ws.revision) if ws is not None else "none"


def register(ls: WeavergenServer) -> None:
    """Register document and workspace pull handlers on the server (called during initialize)."""

    @ls.feature(
        t.TEXT_DOCUMENT_DIAGNOSTIC,
        t.DiagnosticOptions(identifier="weavergen", inter_file_dependencies=True, workspace_diagnostics=True),
    )
    async def document_diagnostic(
        ls: WeavergenServer, params: t.DocumentDiagnosticParams
    ) -> t.DocumentDiagnosticReport:
        """The diagnostics of one document, unchanged when the registry did not move since."""
        await ls.settled(params.text_document.uri)
        path = path_of(params.text_document.uri)
        ws = ls.owner(path)
        if ws is None or path is None:
            return t.RelatedFullDocumentDiagnosticReport(items=[])
        rid = _result_id(ls, path)
        if params.previous_result_id == rid:
            return t.RelatedUnchangedDocumentDiagnosticReport(result_id=rid)
        text = ws.text_of(path) or ""
        return t.RelatedFullDocumentDiagnosticReport(items=ls.lsp_diagnostics(ws, path, text), result_id=rid)

    @ls.feature(t.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(
        ls: WeavergenServer, params: t.WorkspaceDiagnosticParams
    ) -> t.WorkspaceDiagnosticReport:
        """Every file of every registry."""
        await ls.ready.wait()
        previous = {p.uri: p.value for p in params.previous_result_ids}
        items: list[t.WorkspaceDocumentDiagnosticReport] = []
        for ws in ls.workspaces:
            rid = str(ws.revision)
            for path in ws.files():
                uri = uri_of(path)
                doc = ls.workspace.text_documents.get(uri)
                version = doc.version if doc is not None else None
                if previous.get(uri) == rid:
                    items.append(
                        t.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, version=version, result_id=rid)
                    )
                    continue
                diags = ls.lsp_diagnostics(ws, path, ws.text_of(path) or "")
                items.append(
                    t.WorkspaceFullDocumentDiagnosticReport(
                        uri=uri, version=version, items=diags, result_id=rid
                    )
                )
        return t.WorkspaceDiagnosticReport(items=items)
