"""Engine values to LSP types and back: the one place where code-point columns become client units."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types as t
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import PositionCodec, ServerTextPosition

from weavergen.diagnostics import Diagnostic, Position, Range, Severity
from weavergen.fixes import Fix, plain_text

_SEVERITY = {
    Severity.ERROR: t.DiagnosticSeverity.Error,
    Severity.WARNING: t.DiagnosticSeverity.Warning,
    Severity.ADVICE: t.DiagnosticSeverity.Information,
}
_TAGS = {"deprecated": t.DiagnosticTag.Deprecated, "unnecessary": t.DiagnosticTag.Unnecessary}
SOURCE = "weavergen"


def uri_of(path: str) -> str:
    """The `file:` URI of an absolute path."""
    return from_fs_path(path) or Path(path).as_uri()


@functools.lru_cache(maxsize=4096)
def path_of(uri: str) -> str | None:
    """The absolute, normalised file path of a `file:` URI; None for other schemes (remembered: resolving
    a path costs a system call per folder, on every edit)."""
    fs = to_fs_path(uri)
    return str(Path(fs).resolve()) if fs else None


class Lines:
    """A file's lines, split once, with conversions between engine positions and client units."""

    def __init__(self, text: str, codec: PositionCodec) -> None:
        self.lines: Sequence[str] = text.splitlines(keepends=True)
        self.codec = codec

    def to_client(self, rng: Range | None) -> t.Range:
        """An engine range (code points) in the client's position encoding."""
        if rng is None:
            return t.Range(t.Position(0, 0), t.Position(0, 0))
        start = self.codec.position_to_client_units(
            self.lines, ServerTextPosition(rng.start.line, rng.start.column)
        )
        end = self.codec.position_to_client_units(
            self.lines, ServerTextPosition(rng.end.line, rng.end.column)
        )
        return t.Range(start, end)

    def from_client(self, pos: t.Position) -> Position:
        """A client position as an engine position (code points)."""
        copy = t.Position(pos.line, pos.character)  # the codec clamps by mutating its argument
        p = self.codec.position_from_client_units(self.lines, copy)
        return Position(p.line, p.character)


def diagnostic(d: Diagnostic, lines: Lines, lines_of: dict[str, Lines]) -> t.Diagnostic:
    """One engine diagnostic as an LSP diagnostic: code, docs link, tags, related places, fix data."""
    related = [
        t.DiagnosticRelatedInformation(
            location=t.Location(uri=uri_of(r.file), range=(lines_of.get(r.file) or lines).to_client(r.range)),
            message=r.message,
        )
        for r in d.related
        if r.file
    ]
    message = d.message if not d.help else f"{d.message}\n{d.help}"
    return t.Diagnostic(
        range=lines.to_client(d.range),
        message=message,
        severity=_SEVERITY.get(d.severity, t.DiagnosticSeverity.Error),
        code=d.code,
        code_description=t.CodeDescription(href=d.docs_url),
        source=SOURCE,
        tags=[_TAGS[x] for x in d.tags if x in _TAGS] or None,
        related_information=related or None,
        data={"code": d.code, "fix": d.fix} if d.fix else {"code": d.code},
    )


def code_action(
    fix: Fix,
    lines: Lines,
    version: int | None,
    diagnostics: list[t.Diagnostic],
    snippets: bool,
    document_changes: bool,
) -> t.CodeAction:
    """A fix as a quick-fix code action; snippets and versioned edits only for clients that accept them."""
    uri = uri_of(fix.file)
    edits: list[t.TextEdit | t.AnnotatedTextEdit | t.SnippetTextEdit] = []
    for e in fix.edits:
        rng = lines.to_client(e.range)
        if fix.snippet and snippets:
            edits.append(t.SnippetTextEdit(range=rng, snippet=t.StringValue(value=e.new_text)))
        else:
            edits.append(t.TextEdit(range=rng, new_text=plain_text(e.new_text)))
    if document_changes:
        change = t.TextDocumentEdit(
            text_document=t.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=edits
        )
        edit = t.WorkspaceEdit(document_changes=[change])
    else:
        edit = t.WorkspaceEdit(changes={uri: [e for e in edits if isinstance(e, t.TextEdit)]})
    return t.CodeAction(
        title=fix.title,
        kind=t.CodeActionKind.QuickFix,
        diagnostics=diagnostics or None,
        is_preferred=fix.preferred,
        edit=edit,
    )
