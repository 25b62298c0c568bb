"""Live-check in the language server: spans sent by the real OpenTelemetry SDK exporter to the receiver the
server starts on 127.0.0.1 become diagnostics on the YAML they concern, with a quick fix for a missing
attribute; a samples file is watched too."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import LanguageClient
from test_livecheck import ABSENT, EXAMPLE, send_spans, typed
from test_lsp import CONFIG, apply_text_edits, start, uri, wait_for

from weavergen.check import CheckOptions, check_registry
from weavergen.livecheck.checker import RegistryIndex

STATUS = "weavergen/liveCheckStatus"


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    yield
    with contextlib.suppress(Exception):
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)


def registry_copy(tmp_path: Path) -> tuple[Path, RegistryIndex]:
    root = tmp_path / "registry"
    shutil.copytree(EXAMPLE, root)
    resolution = check_registry(CheckOptions(registry=str(root), skip_policies=True)).resolution
    assert resolution is not None
    return root, RegistryIndex.of(resolution)


def definition_line(root: Path, name: str, field: str) -> tuple[Path, int]:
    """The file defining an attribute and the line of `field` in its definition."""
    for path in sorted(root.rglob("*.yaml")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if line.strip() in (f"- id: {name}", f"- key: {name}"):
                for offset, below in enumerate(lines[number + 1 :], number + 1):
                    if below.strip().startswith(f"{field}:"):
                        return path, offset
    raise AssertionError(f"{name} is not defined in {root}")


async def test_received_spans_become_diagnostics_with_a_stub_fix(
    client: LanguageClient, tmp_path: Path
) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    root, index = registry_copy(tmp_path)
    status: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    @client.feature(STATUS)
    def _status(params: Any) -> None:
        if not status.done():
            status.set_result(params)

    await start(client, root, liveCheck={"receiver": True, "grpcPort": -1, "httpPort": 0})
    first = await asyncio.wait_for(status, 15)
    port = first.ports.http if hasattr(first, "ports") else first["ports"]["http"]
    int_attr = typed(index, "int")
    absent = f"{int_attr.rsplit('.', 1)[0]}.{ABSENT.rsplit('.', 1)[1]}"  # a new name in that namespace
    assert absent not in index.attributes

    def emit(tracer: Any) -> None:
        with tracer.start_as_current_span("checkout", attributes={int_attr: "three", absent: "x"}):
            pass

    exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces")
    await asyncio.to_thread(send_spans, exporter, emit)

    file, type_line = definition_line(root, int_attr, "type")
    diags = await wait_for(client, uri(file), lambda ds: any(d.code == "type_mismatch" for d in ds))
    mismatch = next(d for d in diags if d.code == "type_mismatch")
    assert mismatch.range.start.line == type_line
    assert mismatch.severity == t.DiagnosticSeverity.Error
    assert f"Attribute '{int_attr}' has type 'string'. Type should be 'int'." in mismatch.message

    manifest = root / "manifest.yaml"
    on_manifest = await wait_for(client, uri(manifest), lambda ds: any(absent in d.message for d in ds))
    missing = next(d for d in on_manifest if d.code == "missing_attribute" and f"'{absent}'" in d.message)
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri(manifest)),
            range=missing.range,
            context=t.CodeActionContext(diagnostics=[missing]),
        )
    )
    assert actions, "no quick fix for the missing attribute"
    action = next(a for a in actions if isinstance(a, t.CodeAction) and absent in a.title)
    assert action.edit is not None
    changes = action.edit.changes or {
        c.text_document.uri: c.edits for c in action.edit.document_changes or [] if hasattr(c, "edits")
    }
    ((target, edits),) = changes.items()
    # The stub goes to the file that defines the attribute's namespace.
    namespace_file = file
    assert target == uri(namespace_file)
    namespace_file.write_text(apply_text_edits(namespace_file.read_text(), edits))
    client.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(
            changes=[t.FileEvent(uri=uri(namespace_file), type=t.FileChangeType.Changed)]
        )
    )
    # The server re-checks the telemetry it received against the changed registry: the finding goes away.
    await wait_for(client, uri(manifest), lambda ds: not any(absent in d.message for d in ds))
    # The coverage is shown as a work-done progress (the editor's status bar).
    reports = [
        r for token, values in client.progress_reports.items() if "livecheck" in str(token) for r in values
    ]
    assert isinstance(reports[0], t.WorkDoneProgressBegin) and "listening on" in (reports[0].message or "")
    assert any("registry coverage" in (getattr(r, "message", "") or "") for r in reports[1:])
    after = check_registry(CheckOptions(registry=str(root), skip_policies=True))
    assert absent in RegistryIndex.of(after.resolution).attributes  # type: ignore[arg-type]
    assert not [d for d in after.diagnostics if d.is_error]


async def test_a_samples_file_is_watched(client: LanguageClient, tmp_path: Path) -> None:
    root, index = registry_copy(tmp_path)
    samples = tmp_path / "samples.json"
    name = next(n for n, a in index.attributes.items() if a.get("deprecated"))
    samples.write_text(json.dumps([{"attribute": {"name": name, "value": 1}}]))
    await start(client, root, liveCheck={"samplesFile": str(samples)})
    file, _ = definition_line(root, name, "type")
    diags = await wait_for(client, uri(file), lambda ds: any(d.code == "deprecated" for d in ds))
    assert any(name in d.message for d in diags if d.code == "deprecated")
    samples.write_text("[]")
    await wait_for(client, uri(file), lambda ds: not any(d.code == "deprecated" for d in ds))
