"""End-to-end tests of `weavergen lsp`: a real server subprocess spoken to over stdio by pytest-lsp.

Each test writes a small registry to a temporary folder; expected positions are computed from the
text written, and expected diagnostics from the engine's own `check_registry`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from test_fix import CASES  # the one list of fixable problems, shared with the CLI tests

from weavergen.check import CheckOptions, check_registry
from weavergen.fixes import EXPERIMENTAL

REPO = Path(__file__).resolve().parent.parent
MANIFEST = "schema_url: https://example.com/schemas/demo/1.0.0\n"
ATTRS = """\
groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo attributes.
    attributes:
      - id: demo.name
        type: string
        brief: The name.
        examples: ["x"]
        stability: development
      - id: demo.count
        type: int
        brief: A count.
        stability: stable
"""
SPANS = """\
groups:
  - id: span.demo.run
    type: span
    span_kind: internal
    stability: development
    brief: A run.
    attributes:
      - ref: demo.name
      - ref: demo.count
"""
CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "weavergen.server"],
    server_env={**os.environ, "WEAVERGEN_CACHE_DIR": "off"},
)


def write_registry(root: Path, files: dict[str, str]) -> Path:
    """Write a registry (manifest plus files) below root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.yaml").write_text(MANIFEST)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def uri(path: Path) -> str:
    """The file URI of a path, as the server publishes it."""
    return path.resolve().as_uri()


def utf16(line: str, column: int) -> int:
    """A code-point column of a line in UTF-16 units."""
    return len(line[:column].encode("utf-16-le")) // 2


def position_of(text: str, needle: str, occurrence: int = 0) -> t.Position:
    """Where `needle` starts in text, as an LSP (UTF-16) position."""
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return t.Position(line=line, character=utf16(text.splitlines()[line], column))


async def wait_for(
    client: LanguageClient, target: str, pred: Callable[[Sequence[t.Diagnostic]], bool], timeout: float = 15.0
) -> Sequence[t.Diagnostic]:
    """Poll the diagnostics the client holds for a URI until `pred` accepts them."""

    async def poll() -> Sequence[t.Diagnostic]:
        while True:
            diags = client.diagnostics.get(target)
            if diags is not None and pred(diags):
                return diags
            await asyncio.sleep(0.02)

    try:
        return await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        pytest.fail(f"diagnostics of {target} never matched; last: {client.diagnostics.get(target)}")


async def next_publish(
    client: LanguageClient, target: str, timeout: float = 15.0
) -> t.PublishDiagnosticsParams:
    """The next publishDiagnostics notification for a URI (start waiting before causing it)."""

    async def loop() -> t.PublishDiagnosticsParams:
        while True:
            params = await client.wait_for_notification(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == target:
                return params  # type: ignore[no-any-return]

    return await asyncio.wait_for(loop(), timeout)


def open_doc(client: LanguageClient, path: Path, version: int = 1) -> str:
    """Send didOpen with the file's disk text; return its text."""
    text = path.read_text(encoding="utf-8")
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=uri(path), language_id="yaml", version=version, text=text)
        )
    )
    return text


def change_doc(client: LanguageClient, path: Path, text: str, version: int) -> None:
    """Send a full-text didChange."""
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri(path), version=version),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def apply_text_edits(text: str, edits: Sequence[Any]) -> str:
    """Apply LSP text edits (UTF-16 positions) to a text, as an editor does."""
    lines = text.splitlines(keepends=True)

    def offset(p: t.Position) -> int:
        if p.line >= len(lines):
            return len(text)
        before = sum(len(x) for x in lines[: p.line])
        units, col = 0, 0
        for ch in lines[p.line]:
            if units >= p.character:
                break
            units += 2 if ord(ch) > 0xFFFF else 1
            col += 1
        return before + col

    out = text
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        new = e.new_text if hasattr(e, "new_text") else e.snippet.value
        out = out[: offset(e.range.start)] + new + out[offset(e.range.end) :]
    return out


async def start(
    client: LanguageClient, root: Path, caps: str = "visual-studio-code", **settings: Any
) -> None:
    """Initialize a session on a workspace folder with our settings."""
    client.set_configuration({"debounceMs": 10, **settings}, section="weavergen")

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)
    def _register(params: t.RegistrationParams) -> None:
        return None

    await client.initialize_session(
        t.InitializeParams(
            capabilities=client_capabilities(caps),
            root_uri=uri(root),
            workspace_folders=[t.WorkspaceFolder(uri=uri(root), name=root.name)],
            initialization_options={"weavergen": {"debounceMs": 10, **settings}},
        )
    )


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    """A client connected to a fresh server; tests initialize it on their own folder."""
    yield
    with contextlib.suppress(Exception):  # a test that failed mid-way may leave the session unusable
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)


def expected_by_file(root: Path) -> dict[str, set[tuple[str, int, int]]]:
    """What the engine's `registry check` reports, by file: (code, line, code-point column)."""
    report = check_registry(CheckOptions(registry=str(root.resolve())))
    out: dict[str, set[tuple[str, int, int]]] = {}
    for d in report.diagnostics:
        if d.file and d.range:
            out.setdefault(d.file, set()).add((d.code, d.range.start.line, d.range.start.column))
    return out


# --- diagnostics across the registry ---------------------------------------------------------------


async def test_every_file_of_the_example_registry_gets_the_checks_diagnostics(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "registry"
    shutil.copytree(REPO / "examples" / "registry", root)
    expected = expected_by_file(root)
    await start(client, tmp_path)
    files = sorted(p for p in root.rglob("*.yaml"))
    for f in files:
        await wait_for(client, uri(f), lambda d: True)
    await asyncio.sleep(0.5)  # policy findings are published when their run ends
    for f in files:
        key = str(f.resolve())
        want = expected.get(key, set())
        await wait_for(
            client,
            uri(f),
            lambda ds, want=want: (
                {
                    (str(d.code), d.range.start.line, d.range.start.character)
                    for d in ds
                    if d.code != EXPERIMENTAL
                }
                == want
            ),
        )


async def test_an_edit_rechecks_other_files_incrementally(client: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(client, tmp_path)
    spans = root / "spans.yaml"
    attrs = root / "attrs.yaml"
    await wait_for(client, uri(spans), lambda d: len(d) == 0)
    text = open_doc(client, attrs)
    await wait_for(client, uri(attrs), lambda d: len(d) == 0)
    change_doc(client, attrs, text.replace("demo.count", "demo.total"), 2)
    diags = await wait_for(client, uri(spans), lambda d: len(d) == 1)
    (d,) = diags
    assert d.code == "UnresolvedAttributeRef"
    assert d.range.start == position_of(SPANS, "demo.count")
    assert d.severity == t.DiagnosticSeverity.Error
    assert d.code_description is not None and d.code_description.href.endswith("#unresolvedattributeref")
    assert d.source == "weavergen"
    change_doc(client, attrs, text, 3)
    await wait_for(client, uri(spans), lambda d: len(d) == 0)


async def test_diagnostics_carry_the_document_version_and_utf16_columns(
    client: LanguageClient, tmp_path: Path
) -> None:
    spans_text = SPANS.replace("      - ref: demo.count\n", '      - {brief: "😀 run", ref: demo.cuont}\n')
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": spans_text})
    await start(client, tmp_path)
    spans = root / "spans.yaml"
    open_doc(client, spans, version=7)
    (d,) = await wait_for(client, uri(spans), lambda d: len(d) == 1)
    expected = position_of(spans_text, "demo.cuont")
    assert d.range.start == expected
    line = spans_text.splitlines()[expected.line]
    assert expected.character == line.index("demo.cuont") + 1  # the emoji is two UTF-16 units
    assert "Did you mean `demo.count`?" in d.message
    waiting = asyncio.ensure_future(next_publish(client, uri(spans)))
    await asyncio.sleep(0)
    change_doc(client, spans, spans_text.replace("demo.cuont", "demo.count"), 8)
    params = await waiting
    assert params.version == 8 and list(params.diagnostics) == []


async def test_duplicates_point_at_the_other_definition(client: LanguageClient, tmp_path: Path) -> None:
    other = ATTRS.replace("registry.demo", "registry.other").replace("demo.count", "demo.unique")
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "other.yaml": other})
    await start(client, tmp_path)
    a, b = root / "attrs.yaml", root / "other.yaml"
    (d,) = await wait_for(client, uri(a), lambda d: any(x.code == "DuplicateAttributeId" for x in d))
    assert d.range.start == position_of(ATTRS, "demo.name")
    (rel,) = d.related_information or []
    assert rel.location.uri == uri(b)
    assert rel.location.range.start == position_of(other, "demo.name")


async def test_deprecated_and_unnecessary_tags(client: LanguageClient, tmp_path: Path) -> None:
    text = ATTRS.replace("stability: development", "stability: experimental").replace(
        "    brief: Demo attributes.\n", "    brief: Demo attributes.\n    prefix: demo\n"
    )
    root = write_registry(tmp_path / "reg", {"attrs.yaml": text})
    (root / "imports.yaml").write_text("file_format: definition/2\nimports:\n  metrics:\n    - nothing.*\n")
    await start(client, tmp_path)
    diags = await wait_for(client, uri(root / "attrs.yaml"), lambda d: len(d) >= 2)
    by_code = {str(d.code): d for d in diags}
    assert list(by_code[EXPERIMENTAL].tags or []) == [t.DiagnosticTag.Deprecated]
    assert by_code[EXPERIMENTAL].range.start == position_of(text, "experimental")
    assert list(by_code["InvalidGroupUsesPrefix"].tags or []) == [t.DiagnosticTag.Deprecated]
    imports = await wait_for(client, uri(root / "imports.yaml"), lambda d: len(d) >= 1)
    unmatched = [d for d in imports if d.code == "UnmatchedImport"]
    assert unmatched and list(unmatched[0].tags or []) == [t.DiagnosticTag.Unnecessary]


async def test_files_outside_a_registry_are_left_alone(client: LanguageClient, tmp_path: Path) -> None:
    write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS})
    stray = tmp_path / "elsewhere" / "notes.yaml"
    stray.parent.mkdir()
    stray.write_text("groups: [oops\n")
    await start(client, tmp_path)
    await wait_for(client, uri(tmp_path / "reg" / "attrs.yaml"), lambda d: True)
    open_doc(client, stray)
    await asyncio.sleep(0.5)
    assert uri(stray) not in client.diagnostics


async def test_registry_path_setting_picks_the_registry(client: LanguageClient, tmp_path: Path) -> None:
    reg = tmp_path / "model"
    reg.mkdir()
    (reg / "attrs.yaml").write_text(ATTRS.replace("        brief: A count.\n", ""))
    await start(client, tmp_path, registryPath="model")
    (d,) = await wait_for(client, uri(reg / "attrs.yaml"), lambda d: len(d) == 1)
    assert d.code == "InvalidAttribute"


async def test_pull_diagnostics_for_clients_that_support_them(client: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(
        tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS.replace("demo.count", "demo.nope")}
    )
    caps = client_capabilities("visual-studio-code")
    caps.text_document.diagnostic = t.DiagnosticClientCapabilities(related_document_support=True)  # type: ignore[union-attr]

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)
    def _register(params: t.RegistrationParams) -> None:
        return None

    result = await client.initialize_session(
        t.InitializeParams(
            capabilities=caps, root_uri=uri(tmp_path), initialization_options={"weavergen": {}}
        )
    )
    assert result.capabilities.diagnostic_provider is not None
    report = await client.text_document_diagnostic_async(
        t.DocumentDiagnosticParams(text_document=t.TextDocumentIdentifier(uri=uri(root / "spans.yaml")))
    )
    assert [d.code for d in report.items] == ["UnresolvedAttributeRef"]
    again = await client.text_document_diagnostic_async(
        t.DocumentDiagnosticParams(
            text_document=t.TextDocumentIdentifier(uri=uri(root / "spans.yaml")),
            previous_result_id=report.result_id,
        )
    )
    assert again.kind == "unchanged"
    everything = await client.workspace_diagnostic_async(t.WorkspaceDiagnosticParams(previous_result_ids=[]))
    assert {i.uri for i in everything.items} == {
        uri(root / "attrs.yaml"),
        uri(root / "spans.yaml"),
        uri(root / "manifest.yaml"),
    }
    await asyncio.sleep(0.3)
    assert uri(root / "spans.yaml") not in client.diagnostics  # pull clients get no pushed duplicates


# --- quick fixes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
async def test_each_quick_fix_applies_and_rechecks_clean(
    client: LanguageClient, tmp_path: Path, case: str
) -> None:
    code, text = CASES[case]
    root = write_registry(tmp_path / "reg", {"f.yaml": text})
    await start(client, tmp_path)
    f = root / "f.yaml"
    open_doc(client, f)
    diags = await wait_for(client, uri(f), lambda ds: any(d.code == code for d in ds))
    target = next(d for d in diags if d.code == code)
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri(f)),
            range=target.range,
            context=t.CodeActionContext(diagnostics=[target], only=[t.CodeActionKind.QuickFix]),
        )
    )
    mine = [
        a
        for a in actions or []
        if isinstance(a, t.CodeAction) and any(d.code == code for d in a.diagnostics or [])
    ]
    assert mine, f"no quick fix offered for {code}: {actions}"
    edit = mine[0].edit
    assert edit is not None and edit.document_changes
    (change,) = edit.document_changes
    assert isinstance(change, t.TextDocumentEdit) and change.text_document.version == 1
    fixed = apply_text_edits(text, change.edits)
    assert fixed != text
    change_doc(client, f, fixed, 2)
    await wait_for(client, uri(f), lambda ds: not any(d.code == code for d in ds))
    assert not any(d.severity == t.DiagnosticSeverity.Error for d in client.diagnostics[uri(f)])
