"""The language server under hostile input (issue 14): alias bombs and lone surrogates in a buffer,
type-confused documents, and requests whose parameters do not fit their types. Every request gets a
result or an error, every file gets its diagnostics, and the server keeps serving."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
import yaml
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient
from test_hostile_yaml import alias_bomb
from test_lsp import ATTRS, CONFIG, SPANS, change_doc, open_doc, start, uri, wait_for, write_registry
from typeconfusion import WRONG, all_slots, confuse
from typeconfusion import write_registry as write_confused

CRASHES = ("WorkflowTaskFailed", "internal-error")


@pytest_lsp.fixture(config=CONFIG)
async def lsp(lsp_client: LanguageClient) -> Any:
    """A client connected to a fresh server."""
    yield
    with contextlib.suppress(Exception):
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)


async def answered(lsp: LanguageClient, method: str, params: Any) -> str:
    """Send a raw request; 'result' or 'error' once the server answers (a hang fails the test)."""
    # pygls's client types its requests; ill-typed ones are written raw, as a hostile client would.
    msg_id = str(uuid.uuid4())
    future: Future[Any] = Future()
    lsp.protocol._request_futures[msg_id] = future
    lsp.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    try:
        await asyncio.wait_for(asyncio.wrap_future(future), 20)
    except JsonRpcException:
        return "error"
    except TimeoutError:
        pytest.fail(f"{method} with {params} was never answered")
    return "result"


async def test_every_request_is_answered_even_with_ill_typed_positions(
    lsp: LanguageClient, tmp_path: Path
) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path)
    doc = {"uri": uri(root / "attrs.yaml")}
    open_doc(lsp, root / "attrs.yaml")
    positions: list[Any] = [
        {"line": -1, "character": 0},
        {"line": "x", "character": 0},
        {"line": 10**12, "character": 0},
        {"line": 2**31 - 1, "character": 2**31 - 1},
        {"line": 0},
        None,
        "here",
    ]
    methods = {
        "textDocument/hover": lambda p: {"textDocument": doc, "position": p},
        "textDocument/definition": lambda p: {"textDocument": doc, "position": p},
        "textDocument/references": lambda p: {
            "textDocument": doc,
            "position": p,
            "context": {"includeDeclaration": True},
        },
        "textDocument/completion": lambda p: {"textDocument": doc, "position": p},
        "textDocument/prepareRename": lambda p: {"textDocument": doc, "position": p},
        "textDocument/rename": lambda p: {"textDocument": doc, "position": p, "newName": "x.y"},
        "textDocument/codeAction": lambda p: {
            "textDocument": doc,
            "range": {"start": p, "end": p},
            "context": {"diagnostics": []},
        },
    }
    outcomes = {}
    for method, make in methods.items():
        for position in positions:
            outcomes[(method, repr(position))] = await answered(lsp, method, make(position))
    assert outcomes[("textDocument/hover", repr({"line": -1, "character": 0}))] == "error"
    assert outcomes[("textDocument/hover", repr({"line": 2**31 - 1, "character": 2**31 - 1}))] == "result"
    for params in (None, 5, [], {"textDocument": 5}):
        assert await answered(lsp, "textDocument/hover", params) == "error"
    syms = await lsp.text_document_document_symbol_async(
        t.DocumentSymbolParams(t.TextDocumentIdentifier(uri(root / "attrs.yaml")))
    )
    assert syms


async def test_an_alias_bomb_or_a_lone_surrogate_in_a_buffer_is_a_positioned_diagnostic(
    lsp: LanguageClient, tmp_path: Path
) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    bomb = root / "bomb.yaml"
    bomb.write_text("groups: []\n")
    await start(lsp, tmp_path)
    open_doc(lsp, bomb)
    change_doc(lsp, bomb, alias_bomb(levels=9), 2)
    diags = await wait_for(lsp, uri(bomb), lambda ds: any("alias expansion" in d.message for d in ds), 60)
    assert all(d.range.start.line > 0 for d in diags)
    change_doc(lsp, bomb, "groups:\n  - id: x\ud800\n", 3)
    diags = await wait_for(lsp, uri(bomb), lambda ds: any("surrogate" in d.message for d in ds), 60)
    assert diags[0].range.start.line == 1
    # the rest of the registry is still checked, and the server still answers
    attrs = root / "attrs.yaml"
    text = open_doc(lsp, attrs)
    change_doc(lsp, attrs, text.replace("stability: stable", "stability: sideways", 1), 2)
    await wait_for(lsp, uri(attrs), lambda ds: any(d.code == "InvalidSemConvSpec" for d in ds), 60)


SAMPLE = 6


async def test_type_confused_buffers_keep_every_diagnostic(lsp: LanguageClient, tmp_path: Path) -> None:
    slots = all_slots()
    rng = random.Random(14)
    named = [p for p in slots if p[1] in (("groups",), ("attribute_groups",), ("entities",))]
    picks = [(p, rng.choice([5, {"k": "v"}])) for p in named[:3]]
    picks += [(rng.choice(slots), rng.choice(WRONG)) for _ in range(SAMPLE - len(picks))]
    picks = [(p, v) for p, v in picks if p[0].kind != "manifest"]
    root = tmp_path / "reg"
    first = picks[0][0][0]
    write_confused(root, first, first.data)  # the registry as it is on disk: every seed valid
    await start(lsp, tmp_path)
    for version, ((seed, slot), value) in enumerate(picks, start=2):
        path = root / seed.name
        data = confuse(seed.data, slot, value)
        open_doc(lsp, path)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
        published = await publish_of(lsp, path, text, version)
        where = (seed.name, slot, value)
        assert not [d for d in published.diagnostics if d.code in CRASHES], where
        if not seed.accepts(data):
            assert any(d.severity == t.DiagnosticSeverity.Error for d in published.diagnostics), where
        lsp.text_document_did_close(t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri(path))))


async def publish_of(lsp: LanguageClient, path: Path, text: str, version: int) -> t.PublishDiagnosticsParams:
    """Send `text` as version `version` of `path`; the diagnostics the server publishes for that version."""

    async def loop() -> t.PublishDiagnosticsParams:
        while True:
            params = await lsp.wait_for_notification(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri(path) and params.version == version:
                return params  # type: ignore[no-any-return]

    waiting = asyncio.ensure_future(asyncio.wait_for(loop(), 60))
    change_doc(lsp, path, text, version)
    try:
        return await waiting
    except TimeoutError:
        pytest.fail(f"no diagnostics published for version {version} of {path.name}")
