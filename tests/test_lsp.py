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
    """Initialize a session on a workspace folder with our settings.

    The background review (on by default) publishes a file again half a second after a change; tests of
    other features leave it off so that the publish they wait for is their own (test_lsp_review turns it
    on, and covers the default).
    """
    settings = {"debounceMs": 10, "review": {"enabled": "off"}, **settings}
    client.set_configuration(settings, section="weavergen")

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)
    def _register(params: t.RegistrationParams) -> None:
        return None

    await client.initialize_session(
        t.InitializeParams(
            capabilities=client_capabilities(caps),
            root_uri=uri(root),
            workspace_folders=[t.WorkspaceFolder(uri=uri(root), name=root.name)],
            initialization_options={"weavergen": settings},
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


# --- navigation ------------------------------------------------------------------------------------

NAV_ATTRS = """\
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
      - id: demo.old_count
        type: int
        brief: The old count.
        stability: development
        deprecated:
          reason: renamed
          renamed_to: demo.count
      - id: demo.color
        type:
          members:
            - id: red
              value: "red"
              brief: Red.
              stability: stable
        brief: A color.
        stability: stable
  - id: common.demo
    type: attribute_group
    brief: Common.
    attributes:
      - ref: demo.name
"""
NAV_SPANS = """\
groups:
  - id: event.demo.done
    type: event
    name: demo.done
    stability: development
    brief: Done.
  - id: span.demo.run
    type: span
    span_kind: internal
    stability: development
    brief: A run.
    extends: common.demo
    events:
      - event.demo.done
    attributes:
      - ref: demo.count
        requirement_level: required
"""
NAV_METRICS = """\
file_format: definition/2
attribute_groups:
  - id: demo.shared
    visibility: public
    stability: development
    brief: Shared.
    attributes:
      - ref: demo.color
metrics:
  - name: demo.runs
    instrument: counter
    unit: "{run}"
    stability: development
    brief: Runs.
    requirement_level: recommended
    entity_associations:
      - demo.host
    attributes:
      - ref_group: demo.shared
      - ref: demo.count
"""
NAV_ENTITIES = """\
file_format: definition/2
entities:
  - type: demo.host
    stability: development
    brief: A host.
    identity:
      - ref: demo.name
metric_refinements:
  - id: metric.demo.runs.fast
    ref: demo.runs
    brief: Fast runs.
    stability: development
"""
NAV_FILES = {
    "attrs.yaml": NAV_ATTRS,
    "spans.yaml": NAV_SPANS,
    "metrics.yaml": NAV_METRICS,
    "entities.yaml": NAV_ENTITIES,
}


async def nav_session(client: LanguageClient, tmp_path: Path) -> Path:
    """A registry using refs, extends, events, renamed_to, enums and a v2 file; checked clean first."""
    root = write_registry(tmp_path / "reg", NAV_FILES)
    errors = [
        d for d in check_registry(CheckOptions(str(root), skip_policies=True)).diagnostics if d.is_error
    ]
    assert errors == []
    await start(client, tmp_path)
    for name in NAV_FILES:
        await wait_for(client, uri(root / name), lambda d: True)
    return root


def doc_pos(path: Path, needle: str, occurrence: int = 0, offset: int = 1) -> t.TextDocumentPositionParams:
    """A cursor inside the `occurrence`-th `needle` of a file."""
    p = position_of(path.read_text(), needle, occurrence)
    return t.TextDocumentPositionParams(
        t.TextDocumentIdentifier(uri(path)), t.Position(p.line, p.character + offset)
    )


def loc(path: Path, needle: str, occurrence: int = 0) -> tuple[str, int, int]:
    """(uri, line, character) of a needle, to compare with returned locations."""
    p = position_of(path.read_text(), needle, occurrence)
    return (uri(path), p.line, p.character)


def starts(locations: Any) -> set[tuple[str, int, int]]:
    """Returned locations as comparable triples."""
    return {(x.uri, x.range.start.line, x.range.start.character) for x in locations or []}


async def test_hover_describes_attributes_and_groups(client: LanguageClient, tmp_path: Path) -> None:
    root = await nav_session(client, tmp_path)
    spans = root / "spans.yaml"
    p = doc_pos(spans, "demo.count")
    h = await client.text_document_hover_async(t.HoverParams(p.text_document, p.position))
    assert h is not None and isinstance(h.contents, t.MarkupContent)
    text = h.contents.value
    for fact in (
        "demo.count",
        "A count.",
        "`int`",
        "`stable`",
        "registry.demo",
        str((root / "attrs.yaml").resolve()),
    ):
        assert fact in text
    p = doc_pos(root / "attrs.yaml", "renamed_to: demo.count", offset=13)
    old = await client.text_document_hover_async(t.HoverParams(p.text_document, p.position))
    assert old is not None and "A count." in old.contents.value  # type: ignore[union-attr]
    p = doc_pos(root / "metrics.yaml", "ref: demo.color", offset=6)
    enum = await client.text_document_hover_async(t.HoverParams(p.text_document, p.position))
    assert enum is not None and "`red`" in enum.contents.value and "enum" in enum.contents.value  # type: ignore[union-attr]
    p = doc_pos(spans, "common.demo")
    group = await client.text_document_hover_async(t.HoverParams(p.text_document, p.position))
    assert group is not None and "Common." in group.contents.value  # type: ignore[union-attr]
    p = doc_pos(spans, "brief: A run.", offset=2)
    assert await client.text_document_hover_async(t.HoverParams(p.text_document, p.position)) is None
    p = doc_pos(root / "entities.yaml", "ref: demo.runs", offset=6)
    metric = await client.text_document_hover_async(t.HoverParams(p.text_document, p.position))
    assert metric is not None and isinstance(metric.contents, t.MarkupContent)
    for fact in ("metric.demo.runs", "Runs.", "`counter`", "`{run}`", "`demo.runs`", "`development`"):
        assert fact in metric.contents.value


@pytest.mark.parametrize(
    ("file", "needle", "offset", "target_file", "target"),
    [
        ("spans.yaml", "ref: demo.count", 6, "attrs.yaml", "demo.count"),
        ("spans.yaml", "extends: common.demo", 10, "attrs.yaml", "common.demo"),
        ("spans.yaml", "- event.demo.done", 3, "spans.yaml", "event.demo.done"),
        ("attrs.yaml", "renamed_to: demo.count", 13, "attrs.yaml", "demo.count"),
        ("metrics.yaml", "ref_group: demo.shared", 12, "metrics.yaml", "demo.shared"),
        ("metrics.yaml", "ref: demo.color", 6, "attrs.yaml", "demo.color"),
        ("metrics.yaml", "- demo.host", 3, "entities.yaml", "demo.host"),
        ("entities.yaml", "ref: demo.runs", 6, "metrics.yaml", "demo.runs"),
    ],
)
async def test_go_to_definition(
    client: LanguageClient, tmp_path: Path, file: str, needle: str, offset: int, target_file: str, target: str
) -> None:
    root = await nav_session(client, tmp_path)
    p = doc_pos(root / file, needle, offset=offset)
    got = await client.text_document_definition_async(t.DefinitionParams(p.text_document, p.position))
    assert isinstance(got, list | tuple)
    assert starts(got) == {loc(root / target_file, target)}


async def test_find_references_across_files(client: LanguageClient, tmp_path: Path) -> None:
    root = await nav_session(client, tmp_path)
    attrs, spans, metrics = root / "attrs.yaml", root / "spans.yaml", root / "metrics.yaml"
    p = doc_pos(attrs, "demo.count")
    got = await client.text_document_references_async(
        t.ReferenceParams(
            text_document=p.text_document,
            position=p.position,
            context=t.ReferenceContext(include_declaration=True),
        )
    )
    assert starts(got) == {
        loc(attrs, "demo.count"),
        loc(attrs, "demo.count", 1),  # renamed_to
        loc(spans, "demo.count"),
        loc(metrics, "demo.count"),
    }
    p = doc_pos(attrs, "common.demo")
    got = await client.text_document_references_async(
        t.ReferenceParams(
            text_document=p.text_document,
            position=p.position,
            context=t.ReferenceContext(include_declaration=False),
        )
    )
    assert starts(got) == {loc(spans, "common.demo")}


async def test_rename_an_attribute_everywhere_then_recheck(client: LanguageClient, tmp_path: Path) -> None:
    root = await nav_session(client, tmp_path)
    texts = {name: open_doc(client, root / name) for name in NAV_FILES}
    p = doc_pos(root / "spans.yaml", "demo.count")
    prep = await client.text_document_prepare_rename_async(t.PrepareRenameParams(p.text_document, p.position))
    assert isinstance(prep, t.PrepareRenamePlaceholder) and prep.placeholder == "demo.count"
    edit = await client.text_document_rename_async(t.RenameParams(p.text_document, p.position, "demo.total"))
    assert edit is not None and edit.changes is not None
    expected = {name: text.count("demo.count") for name, text in texts.items()}
    assert {u: len(e) for u, e in edit.changes.items()} == {
        uri(root / n): c for n, c in expected.items() if c
    }
    for name, text in texts.items():
        new = apply_text_edits(text, edit.changes.get(uri(root / name), []))
        assert "demo.count" not in new and new.count("demo.total") == expected[name]
        change_doc(client, root / name, new, 2)
    for name in NAV_FILES:
        await wait_for(client, uri(root / name), lambda ds: not any(d.severity == 1 for d in ds))
    p = doc_pos(root / "spans.yaml", "brief: A run.", offset=2)
    assert (
        await client.text_document_prepare_rename_async(t.PrepareRenameParams(p.text_document, p.position))
        is None
    )


async def test_document_and_workspace_symbols(client: LanguageClient, tmp_path: Path) -> None:
    root = await nav_session(client, tmp_path)
    syms = await client.text_document_document_symbol_async(
        t.DocumentSymbolParams(t.TextDocumentIdentifier(uri(root / "attrs.yaml")))
    )
    assert syms is not None
    names = [s.name for s in syms]  # type: ignore[union-attr]
    assert names == ["registry.demo", "common.demo"]
    children = [c.name for c in syms[0].children or []]  # type: ignore[union-attr]
    assert children == ["demo.name", "demo.count", "demo.old_count", "demo.color"]
    for s in syms:
        r, sel = s.range, s.selection_range  # type: ignore[union-attr]
        assert (r.start.line, r.start.character) <= (sel.start.line, sel.start.character)
        assert (sel.end.line, sel.end.character) <= (r.end.line, r.end.character)
    v2 = await client.text_document_document_symbol_async(
        t.DocumentSymbolParams(t.TextDocumentIdentifier(uri(root / "metrics.yaml")))
    )
    assert [s.name for s in v2 or []] == ["demo.shared", "metric.demo.runs"]  # type: ignore[union-attr]
    found = await client.workspace_symbol_async(t.WorkspaceSymbolParams(query="count"))
    assert {s.name for s in found or []} == {"demo.count", "demo.old_count"}  # type: ignore[union-attr]


async def complete(
    client: LanguageClient, path: Path, text: str, line: str, version: int, after: int = 5
) -> list[str]:
    """Put `line` (cursor at its end) after line `after` of the file, and ask for completions there."""
    lines = text.splitlines(keepends=True)
    new = "".join([*lines[: after + 1], line + "\n", *lines[after + 1 :]])
    change_doc(client, path, new, version)
    await asyncio.sleep(0.1)
    got = await client.text_document_completion_async(
        t.CompletionParams(t.TextDocumentIdentifier(uri(path)), t.Position(after + 1, len(line)))
    )
    items = got.items if isinstance(got, t.CompletionList) else got or []
    return [i.label for i in items]


async def test_completion_of_ids_values_and_keys(client: LanguageClient, tmp_path: Path) -> None:
    root = await nav_session(client, tmp_path)
    spans = root / "spans.yaml"
    text = open_doc(client, spans)
    report = check_registry(CheckOptions(str(root), skip_policies=True))
    assert report.resolution is not None
    attributes = set(report.resolution.definitions)
    groups = set(report.resolution.all_groups)
    # the completion line is inserted at the end of the first group (`event.demo.done`), after its brief
    assert text.splitlines()[5] == "    brief: Done."
    assert set(await complete(client, spans, text, "    extends: ", 2)) == groups
    assert set(await complete(client, spans, text, "    stability: ", 3)) >= {"stable", "development"}
    assert {"span", "event", "metric", "attribute_group"} <= set(
        await complete(client, spans, text, "    type: ", 4)
    )
    assert set(await complete(client, spans, text, "    span_kind: ", 5)) == {
        "client",
        "server",
        "internal",
        "producer",
        "consumer",
    }
    assert set(await complete(client, spans, text, "    instrument: ", 6)) == {
        "counter",
        "updowncounter",
        "gauge",
        "histogram",
    }
    assert "opt_in" in await complete(client, spans, text, "    requirement_level: ", 7)
    assert set(await complete(client, spans, text, "          reason: ", 8)) == {
        "renamed",
        "obsoleted",
        "uncategorized",
    }
    half = await complete(client, spans, text, "    no", 9)  # a key half typed
    assert "note" in half and "brief" not in half
    broken = await complete(client, spans, text, "    stability: [", 10)  # the YAML does not parse
    assert broken == []  # a flow value being typed: nothing to offer, and no error
    assert any(d.code == "DeserializationError" for d in client.diagnostics[uri(spans)])
    keys = await complete(client, spans, text, "    ", 11)
    assert (
        "span_kind" in keys and "brief" not in keys and "stability" not in keys
    )  # present ones are left out
    lines = text.replace("      - ref: demo.count\n", "      - ref: \n").splitlines(keepends=True)
    row = next(i for i, x in enumerate(lines) if x.strip() == "- ref:")
    change_doc(client, spans, "".join(lines), 12)
    await asyncio.sleep(0.1)
    got = await client.text_document_completion_async(
        t.CompletionParams(
            t.TextDocumentIdentifier(uri(spans)), t.Position(row, len(lines[row].rstrip("\n")))
        )
    )
    assert isinstance(got, t.CompletionList)
    assert {i.label for i in got.items} == attributes
    attrs = root / "attrs.yaml"
    attrs_text = open_doc(client, attrs)
    row = attrs_text.splitlines().index("        stability: stable")
    types = await complete(client, attrs, attrs_text, "        type: ", 2, after=row)
    assert {"string", "int", "string[]", "template[string]"} <= set(types)
    attr_keys = await complete(client, attrs, attrs_text, "        ", 3, after=row)
    assert "requirement_level" in attr_keys and "note" in attr_keys and "brief" not in attr_keys
    metrics = root / "metrics.yaml"
    v2_text = open_doc(client, metrics)
    row = v2_text.splitlines().index("    requirement_level: recommended")
    v2_keys = await complete(client, metrics, v2_text, "    ", 2, after=row)
    assert "annotations" in v2_keys and "instrument" not in v2_keys and "entity_associations" not in v2_keys


async def test_the_future_setting_turns_warnings_into_errors(client: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS.replace("        stability: stable\n", "")})
    await start(client, tmp_path, future=True)
    (d,) = await wait_for(client, uri(root / "attrs.yaml"), lambda ds: len(ds) == 1)
    assert d.code == "InvalidAttributeWarning" and d.severity == t.DiagnosticSeverity.Error
    client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(settings={"weavergen": {"future": False}})
    )
    await wait_for(
        client,
        uri(root / "attrs.yaml"),
        lambda ds: [x.severity for x in ds] == [t.DiagnosticSeverity.Warning],
    )


async def test_errors_in_a_dependency_are_published_on_its_file(
    client: LanguageClient, tmp_path: Path
) -> None:
    main, dep = tmp_path / "main", tmp_path / "dep"
    write_registry(main, {"spans.yaml": SPANS.replace("      - ref: demo.name\n", "")})
    (main / "manifest.yaml").write_text(
        MANIFEST + "dependencies:\n  - name: dep\n    registry_path: ../dep\n"
    )
    broken = ATTRS.replace("        brief: A count.\n", "")
    write_registry(dep, {"attrs.yaml": broken})
    (dep / "manifest.yaml").write_text("schema_url: https://example.com/schemas/dep/1.0.0\n")
    await start(client, main)
    (d,) = await wait_for(client, uri(dep / "attrs.yaml"), lambda ds: len(ds) == 1)
    assert d.code == "InvalidAttribute"
    assert d.range.start == position_of(broken, "demo.count")
    await wait_for(client, uri(main / "spans.yaml"), lambda ds: len(ds) == 0)


async def test_a_workspace_folder_added_later_brings_its_registry(
    client: LanguageClient, tmp_path: Path
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    write_registry(first / "reg", {"attrs.yaml": ATTRS})
    write_registry(second / "reg", {"spans.yaml": SPANS})  # its refs resolve nowhere
    await start(client, first)
    await wait_for(client, uri(first / "reg" / "attrs.yaml"), lambda ds: True)
    assert uri(second / "reg" / "spans.yaml") not in client.diagnostics
    client.workspace_did_change_workspace_folders(
        t.DidChangeWorkspaceFoldersParams(
            event=t.WorkspaceFoldersChangeEvent(added=[t.WorkspaceFolder(uri(second), "two")], removed=[])
        )
    )
    diags = await wait_for(client, uri(second / "reg" / "spans.yaml"), lambda ds: len(ds) == 2)
    assert {d.code for d in diags} == {"UnresolvedAttributeRef"}


async def test_snippet_fixes_are_snippet_edits_for_clients_that_accept_them(
    client: LanguageClient, tmp_path: Path
) -> None:
    code, text = CASES["span_kind"]
    root = write_registry(tmp_path / "reg", {"f.yaml": text})
    caps = client_capabilities("visual-studio-code")
    caps.workspace.workspace_edit.snippet_edit_support = True  # type: ignore[union-attr]

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)
    def _register(params: t.RegistrationParams) -> None:
        return None

    await client.initialize_session(t.InitializeParams(capabilities=caps, root_uri=uri(tmp_path)))
    f = root / "f.yaml"
    open_doc(client, f)
    diags = await wait_for(client, uri(f), lambda ds: any(d.code == code for d in ds))
    target = next(d for d in diags if d.code == code)
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri(f)),
            range=target.range,
            context=t.CodeActionContext(diagnostics=[target]),
        )
    )
    (action,) = [a for a in actions or [] if isinstance(a, t.CodeAction)]
    (change,) = action.edit.document_changes  # type: ignore[union-attr,misc]
    (edit,) = change.edits  # type: ignore[union-attr]
    assert isinstance(edit, t.SnippetTextEdit)
    assert "${1|" in edit.snippet.value and "span_kind: " in edit.snippet.value


async def test_rename_refuses_what_it_cannot_rename(client: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(client, tmp_path)
    spans = root / "spans.yaml"
    await wait_for(client, uri(spans), lambda ds: True)
    p = position_of(SPANS, "demo.count")
    params = t.RenameParams(
        t.TextDocumentIdentifier(uri(spans)), t.Position(p.line, p.character + 1), "Not A Name"
    )
    with pytest.raises(Exception, match="not a valid attribute name"):
        await client.text_document_rename_async(params)
    taken = t.RenameParams(params.text_document, params.position, "demo.name")
    with pytest.raises(Exception, match="already exists"):
        await client.text_document_rename_async(taken)
    group = position_of(SPANS, "span.demo.run")
    on_group = t.RenameParams(params.text_document, t.Position(group.line, group.character + 1), "span.other")
    with pytest.raises(Exception, match="Only attributes can be renamed"):
        await client.text_document_rename_async(on_group)
    still = await client.text_document_hover_async(t.HoverParams(params.text_document, params.position))
    assert still is not None  # the server carries on
