"""The language server's details as an editor sees them, through a real server over stdio (pytest-lsp).

- Logs reach the client as `window/logMessage` at their real level (VS Code shows stderr as errors);
  pygls' note about cancelling an already answered request is not among them.
- `weavergen.checkRegistry` checks what the editor shows, unsaved edits included, and stores the run as
  the registry's last one (what "Show Last Run's Spans" reads).
- Shutting down while work is in flight logs no traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient
from test_lsp import ATTRS, SPANS, change_doc, open_doc, start, uri, wait_for, write_registry

CACHE = tempfile.mkdtemp(prefix="weavergen-lsp-editor-")
CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "weavergen.server"],
    server_env={**os.environ, "WEAVERGEN_CACHE_DIR": CACHE, "WEAVERGEN_LSP_LOG": ""},
)


@pytest_lsp.fixture(config=CONFIG)
async def lsp(lsp_client: LanguageClient) -> Any:
    """A client connected to a fresh server; each test initializes it on its own folder."""
    yield
    with contextlib.suppress(Exception):
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)


async def _logged(lsp: LanguageClient, pred: Any, timeout: float = 30) -> t.LogMessageParams:
    async def poll() -> t.LogMessageParams:
        while True:
            for m in lsp.log_messages:
                if pred(m):
                    return m
            await asyncio.sleep(0.02)

    try:
        return await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        pytest.fail(f"no such log message; got {[(m.type, m.message) for m in lsp.log_messages]}")


async def test_logs_reach_the_client_at_their_level(
    lsp: LanguageClient, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path)
    await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 0)
    for request_id in range(4000, 4040):  # VS Code cancels requests it no longer needs, answered or not
        lsp.protocol.notify(t.CANCEL_REQUEST, t.CancelParams(id=request_id))
    lsp.protocol.notify("weavergen/noSuchNotification", {})  # pygls warns about an unknown method
    warning = await _logged(lsp, lambda m: "noSuchNotification" in m.message)
    assert warning.type == t.MessageType.Warning
    result = await lsp.workspace_execute_command_async(
        t.ExecuteCommandParams(command="weavergen.checkRegistry", arguments=[str(root)])
    )
    assert result["found"] is True
    info = await _logged(lsp, lambda m: m.message.startswith("weavergen.server: checked"))
    assert info.type == t.MessageType.Info
    assert not [m for m in lsp.log_messages if "Cancel notification" in m.message]
    assert not [m for m in lsp.log_messages if m.type == t.MessageType.Error]
    assert capfd.readouterr().err == ""  # nothing on stderr, which VS Code would show as [error]


async def test_check_command_checks_unsaved_edits_and_stores_the_run(
    lsp: LanguageClient, tmp_path: Path
) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path)
    spans = root / "spans.yaml"
    text = open_doc(lsp, spans)
    await wait_for(lsp, uri(spans), lambda ds: len(ds) == 0)

    async def check(target: str, *versions: dict[str, int]) -> dict[str, Any]:
        got = await lsp.workspace_execute_command_async(
            t.ExecuteCommandParams(command="weavergen.checkRegistry", arguments=[target, *versions])
        )
        return dict(got)

    clean = await check(str(root))
    assert clean["found"] and clean["errors"] == 0, clean["text"]
    change_doc(lsp, spans, text.replace("ref: demo.count", "ref: demo.cuont"), 2)  # not saved
    broken = await check(uri(spans))  # a file of the registry names it too
    assert broken["errors"] == 1 and "UnresolvedAttributeRef" in broken["text"]
    assert "demo.cuont" in broken["text"] and "spans.yaml" in broken["text"]
    assert spans.read_text() == text  # the disk was neither read for it nor written
    assert (await check(str(tmp_path / "elsewhere")))["found"] is False
    # the versions the editor shows: a keystroke sent right before the command is part of the check
    change_doc(lsp, spans, text.replace("ref: demo.name", "ref: demo.nmae"), 3)
    newest = await check(str(root), {uri(spans): 3})
    assert newest["errors"] == 1 and "demo.nmae" in newest["text"] and "demo.cuont" not in newest["text"]
    # the run is this registry's last run, for "Show Last Run's Spans"
    spans_cli = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "debug", "spans", "--format", "json", "-r", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, "WEAVERGEN_CACHE_DIR": CACHE},
        check=False,
    )
    assert spans_cli.returncode == 0, spans_cli.stderr
    record = json.loads(spans_cli.stdout)
    assert record["run_id"] == newest["runId"] and record["registry"] == str(root.resolve())


async def test_shutdown_with_a_save_in_flight_logs_no_traceback(
    lsp: LanguageClient, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path, debounceMs=10_000)
    spans = root / "spans.yaml"
    text = open_doc(lsp, spans)
    await wait_for(lsp, uri(spans), lambda ds: len(ds) == 0)
    change_doc(lsp, spans, text + "# 2\n", 2)
    change_doc(lsp, spans, text + "# 3\n", 3)  # a burst: its re-check waits for the 10 s debounce
    lsp.text_document_did_save(t.DidSaveTextDocumentParams(t.TextDocumentIdentifier(uri(spans))))
    # the save waits for that re-check; VS Code restarts the server meanwhile (a settings change)
    await asyncio.wait_for(lsp.shutdown_async(None), 30)
    lsp.exit(None)
    assert lsp._server is not None and lsp._stderr_forwarder is not None
    await asyncio.wait_for(lsp._server.wait(), 30)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(lsp._stderr_forwarder, 10)  # everything the server wrote has been read
    logged = "\n".join(m.message for m in lsp.log_messages)
    err = capfd.readouterr().err
    assert "Traceback" not in err + logged, err + logged


async def test_a_cancelled_request_does_not_cancel_the_recheck_of_the_last_edit(
    lsp: LanguageClient, tmp_path: Path
) -> None:
    """VS Code cancels hovers, code actions and diagnostic pulls as the cursor moves; a request waiting
    for the last edit's re-check must not take that re-check down with it (stale diagnostics ever after)."""
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path, debounceMs=1500)
    spans = root / "spans.yaml"
    text = open_doc(lsp, spans)
    await wait_for(lsp, uri(spans), lambda ds: len(ds) == 0)
    change_doc(lsp, spans, text.replace("ref: demo.count", "ref: demo.c"), 2)
    change_doc(lsp, spans, text.replace("ref: demo.count", "ref: demo.cz"), 3)  # a burst: checked after 1.5 s
    hover = t.HoverParams(t.TextDocumentIdentifier(uri(spans)), t.Position(line=7, character=14))
    waiting = lsp.protocol.send_request(t.TEXT_DOCUMENT_HOVER, hover, msg_id="hover-1")
    await asyncio.sleep(0.3)
    lsp.protocol.notify(t.CANCEL_REQUEST, t.CancelParams(id="hover-1"))
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.wrap_future(waiting), 10)
    (d,) = await wait_for(lsp, uri(spans), lambda ds: any("demo.cz" in x.message for x in ds), timeout=20)
    assert d.code == "UnresolvedAttributeRef"
