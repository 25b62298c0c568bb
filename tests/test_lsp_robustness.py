"""The language server under hostile input and outside events: it gives diagnostics or nothing, never dies.

Also: save runs the check workflow (policies), files changed on disk are picked up (watched-file
notifications, or polling for clients without them), and `weavergen lsp --tcp` serves on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import LanguageClient
from test_lsp import (
    ATTRS,
    CONFIG,
    REPO,
    SPANS,
    change_doc,
    open_doc,
    position_of,
    start,
    uri,
    wait_for,
    write_registry,
)


@pytest_lsp.fixture(config=CONFIG)
async def lsp(lsp_client: LanguageClient) -> Any:
    """A client connected to a fresh server; each test initializes it on its own folder."""
    yield
    with contextlib.suppress(Exception):
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)


async def still_serving(lsp: LanguageClient, path: Path) -> None:
    """The server answers a request after whatever came before."""
    syms = await lsp.text_document_document_symbol_async(
        t.DocumentSymbolParams(t.TextDocumentIdentifier(uri(path)))
    )
    assert syms is None or isinstance(syms, list | tuple)


async def test_broken_yaml_is_a_positioned_diagnostic(lsp: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path)
    attrs = root / "attrs.yaml"
    text = open_doc(lsp, attrs)
    broken = text.replace("    brief: Demo attributes.\n", "    brief: [Demo attributes.\n")
    change_doc(lsp, attrs, broken, 2)
    diags = await wait_for(lsp, uri(attrs), lambda ds: any(d.code == "DeserializationError" for d in ds))
    (d,) = [d for d in diags if d.code == "DeserializationError"]
    assert d.range.start.line >= position_of(broken, "[Demo").line
    # the other file's refs point into the unreadable part: the last good version still defines them
    await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 0)
    change_doc(lsp, attrs, text, 3)
    await wait_for(lsp, uri(attrs), lambda ds: len(ds) == 0)
    await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 0)


async def test_binary_and_huge_files(lsp: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS})
    (root / "blob.yaml").write_bytes(bytes(range(256)) * 64)
    attrs = "".join(
        f"      - id: big.a{i}\n        type: int\n        brief: Attribute {i}.\n        stability: stable\n"
        for i in range(15000)
    )
    (root / "huge.yaml").write_text(
        f"groups:\n  - id: registry.big\n    type: attribute_group\n    brief: Big.\n    attributes:\n{attrs}"
    )
    await start(lsp, tmp_path)
    blob = await wait_for(lsp, uri(root / "blob.yaml"), lambda ds: len(ds) >= 1, timeout=60)
    assert all(d.severity == t.DiagnosticSeverity.Error for d in blob)
    await wait_for(lsp, uri(root / "huge.yaml"), lambda ds: len(ds) == 0, timeout=60)
    await still_serving(lsp, root / "attrs.yaml")


async def test_a_burst_of_edits_ends_with_the_last_versions_diagnostics(
    lsp: LanguageClient, tmp_path: Path
) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path)
    spans = root / "spans.yaml"
    text = open_doc(lsp, spans)
    seen: list[int | None] = []

    async def until_last() -> t.PublishDiagnosticsParams:
        while True:
            params = await lsp.wait_for_notification(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri(spans):
                seen.append(params.version)
                if params.version == 51:
                    return params  # type: ignore[no-any-return]

    waiting = asyncio.ensure_future(until_last())
    await asyncio.sleep(0)
    for v in range(2, 52):
        broken = v % 2 == 0
        change_doc(lsp, spans, text.replace("demo.count", f"demo.nope{v}") if broken else text, v)
    final = await asyncio.wait_for(waiting, 30)
    assert list(final.diagnostics) == []  # v51 is the clean text
    assert seen == sorted(seen)  # never an older version after a newer one
    assert len(seen) < 50  # stale texts were skipped, not all re-checked
    await still_serving(lsp, spans)


async def test_a_file_deleted_under_the_server_is_dropped(lsp: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path)
    await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 0)
    (root / "attrs.yaml").unlink()
    lsp.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(
            changes=[t.FileEvent(uri=uri(root / "attrs.yaml"), type=t.FileChangeType.Deleted)]
        )
    )
    await wait_for(lsp, uri(root / "attrs.yaml"), lambda ds: len(ds) == 0)
    diags = await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 2)
    assert {d.code for d in diags} == {"UnresolvedAttributeRef"}
    (root / "attrs.yaml").write_text(ATTRS)
    lsp.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(
            changes=[t.FileEvent(uri=uri(root / "attrs.yaml"), type=t.FileChangeType.Created)]
        )
    )
    await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 0)


async def test_clients_without_file_watching_are_polled(lsp: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path, caps="neovim@v0.7.0")
    await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 0)
    (root / "attrs.yaml").write_text(ATTRS.replace("demo.count", "demo.other"))
    (d,) = await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 1, timeout=20)
    assert d.code == "UnresolvedAttributeRef"


async def test_save_runs_the_check_workflow_with_policies(lsp: LanguageClient, tmp_path: Path) -> None:
    root = tmp_path / "registry"
    shutil.copytree(REPO / "examples" / "registry", root)
    await start(lsp, tmp_path)
    metrics = root / "checkout" / "metrics.yaml"
    text = open_doc(lsp, metrics)
    await wait_for(lsp, uri(metrics), lambda ds: True)
    bad = text.replace("metric_name: shop.checkout.orders", "metric_name: checkout.orders")
    change_doc(lsp, metrics, bad, 2)
    metrics.write_text(bad)
    lsp.text_document_did_save(t.DidSaveTextDocumentParams(t.TextDocumentIdentifier(uri(metrics))))
    diags = await wait_for(
        lsp, uri(metrics), lambda ds: any(d.code == "shop_metric_namespace" for d in ds), timeout=60
    )
    (finding,) = [d for d in diags if d.code == "shop_metric_namespace"]
    assert "checkout.orders" in finding.message


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read(sock: socket.socket) -> dict[str, Any]:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise EOFError
        head += chunk
    length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return dict(json.loads(body))


def test_tcp_mode_serves_on_loopback_and_exits(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = [sys.executable, "-m", "weavergen.cli", "lsp", "--tcp", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    try:
        sock = None
        for _ in range(200):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("server exited before listening")
                asyncio.run(asyncio.sleep(0.05))
        assert sock is not None
        with sock:
            sock.sendall(
                _frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
            )
            reply = _read(sock)
            assert reply["result"]["serverInfo"]["name"] == "weavergen"
            sock.sendall(_frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
            assert _read(sock)["id"] == 2
            sock.sendall(_frame({"jsonrpc": "2.0", "method": "exit"}))
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


async def test_generate_on_save_renders_the_configured_target(lsp: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS})
    target = tmp_path / "templates" / "ids"
    target.mkdir(parents=True)
    (target / "weaver.yaml").write_text(
        "templates:\n  - template: ids.txt.j2\n    filter: .\n    application_mode: single\n"
    )
    (target / "ids.txt.j2").write_text("{% for g in ctx.groups %}{{ g.id }}\n{% endfor %}")
    await start(lsp, tmp_path, generateOnSave=["ids"])
    attrs = root / "attrs.yaml"
    text = open_doc(lsp, attrs)
    renamed = text.replace("registry.demo", "registry.renamed")
    change_doc(lsp, attrs, renamed, 2)
    attrs.write_text(renamed)
    lsp.text_document_did_save(t.DidSaveTextDocumentParams(t.TextDocumentIdentifier(uri(attrs))))
    out = tmp_path / "output" / "ids.txt"
    for _ in range(1500):
        if out.exists() and "registry.renamed" in out.read_text():
            break
        await asyncio.sleep(0.02)
    assert out.read_text().split() == ["registry.renamed"]


async def test_many_files_changed_at_once_are_reloaded_together(lsp: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"attrs.yaml": ATTRS, "spans.yaml": SPANS})
    await start(lsp, tmp_path)
    await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 0)
    # a branch switch: the attribute is renamed in its definition and in its ref, in one go
    (root / "attrs.yaml").write_text(ATTRS.replace("demo.count", "demo.total"))
    (root / "spans.yaml").write_text(SPANS.replace("demo.count", "demo.total"))
    (root / "extra.yaml").write_text(
        SPANS.replace("span.demo.run", "span.demo.extra").replace("demo.count", "demo.gone")
    )
    events = [
        t.FileEvent(uri=uri(root / "attrs.yaml"), type=t.FileChangeType.Changed),
        t.FileEvent(uri=uri(root / "spans.yaml"), type=t.FileChangeType.Changed),
        t.FileEvent(uri=uri(root / "extra.yaml"), type=t.FileChangeType.Created),
    ]
    lsp.workspace_did_change_watched_files(t.DidChangeWatchedFilesParams(changes=events))
    (d,) = await wait_for(lsp, uri(root / "extra.yaml"), lambda ds: len(ds) == 1)
    assert d.code == "UnresolvedAttributeRef" and "demo.gone" in d.message
    await wait_for(lsp, uri(root / "spans.yaml"), lambda ds: len(ds) == 0)
