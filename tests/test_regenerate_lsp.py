"""The language server flags stale generated outputs on the manifest and regenerates them on request."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from weavergen.forge import GenerateOptions
from weavergen.workflow_commands import run_generate

CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "weavergen.server"],
    server_env={**os.environ, "WEAVERGEN_CACHE_DIR": "off"},
)
REGISTRY = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - {id: shop.id, type: string, stability: stable, brief: The id., examples: ["x"]}
"""
WEAVER_YAML = "templates:\n  - template: attrs.txt.j2\n    filter: .\n    application_mode: single\n"
ATTRS = "{% for g in ctx.groups %}{% for a in g.attributes %}{{ a.name }}\n{% endfor %}{% endfor %}"


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    """A client connected to a fresh server."""
    yield
    with contextlib.suppress(Exception):
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)


async def manifest_diagnostics(client: LanguageClient, uri: str, stale: bool) -> list[t.Diagnostic]:
    """Wait until the manifest's published diagnostics do (or do not) include a stale-output warning."""

    async def poll() -> list[t.Diagnostic]:
        while True:
            diags = client.diagnostics.get(uri)
            if diags is not None and any(d.code == "StaleGeneratedOutput" for d in diags) == stale:
                return list(diags)
            await asyncio.sleep(0.05)

    try:
        return await asyncio.wait_for(poll(), 30)
    except TimeoutError:
        pytest.fail(
            f"manifest diagnostics never {'showed' if stale else 'cleared'}: {client.diagnostics.get(uri)}"
        )


async def test_stale_output_is_a_manifest_warning_with_a_regenerate_action(
    client: LanguageClient, tmp_path: Path
) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "manifest.yaml").write_text("schema_url: https://example.com/schemas/shop/1.0.0\n")
    (model / "shop.yaml").write_text(REGISTRY, encoding="utf-8")
    target = tmp_path / "templates" / "t"
    target.mkdir(parents=True)
    (target / "weaver.yaml").write_text(WEAVER_YAML, encoding="utf-8")
    (target / "attrs.txt.j2").write_text(ATTRS, encoding="utf-8")
    options = GenerateOptions(
        registry=str(model), target="t", output=str(tmp_path / "gen"), templates=str(tmp_path / "templates")
    )
    report, _ = run_generate(options, parallel=False)
    assert not [d for d in report.diagnostics if d.is_error]
    added = (
        REGISTRY
        + "      - {id: shop.total, type: double, stability: stable, brief: Total., examples: [1.5]}\n"
    )
    (model / "shop.yaml").write_text(added, encoding="utf-8")  # the registry moved on since generation

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)
    def _register(params: t.RegistrationParams) -> None:
        return None

    await client.initialize_session(
        t.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=tmp_path.resolve().as_uri(),
            workspace_folders=[t.WorkspaceFolder(uri=tmp_path.resolve().as_uri(), name="project")],
        )
    )
    manifest_uri = (model / "manifest.yaml").resolve().as_uri()
    diags = await manifest_diagnostics(client, manifest_uri, stale=True)
    [stale] = [d for d in diags if d.code == "StaleGeneratedOutput"]
    assert "the registry changed" in stale.message and stale.range.start.line == 0
    assert stale.severity == t.DiagnosticSeverity.Warning

    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=manifest_uri),
            range=stale.range,
            context=t.CodeActionContext(diagnostics=[stale]),
        )
    )
    # lsprotocol's client-side hook reads any object with a `command` key as a Command, so our CodeAction
    # (title, kind, diagnostics, command) arrives as a Command whose `command` is the nested one as text.
    [action] = actions or []
    assert action.title.startswith("Regenerate the outputs of")
    nested = ast.literal_eval(action.command) if isinstance(action, t.Command) else action.command
    command = (
        nested if isinstance(nested, dict) else {"command": nested.command, "arguments": nested.arguments}
    )
    assert command["command"] == "weavergen.regenerate"
    result = await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command=command["command"], arguments=command["arguments"])
    )
    assert result["regenerated"] and result["written"] == ["attrs.txt"]
    assert (tmp_path / "gen" / "attrs.txt").read_text(encoding="utf-8") == "shop.id\nshop.total\n"
    await manifest_diagnostics(client, manifest_uri, stale=False)
    # An edit of the registry (not even saved) makes the output stale again, on the manifest at once.
    shop_uri = (model / "shop.yaml").resolve().as_uri()
    text = (model / "shop.yaml").read_text(encoding="utf-8")
    item = t.TextDocumentItem(uri=shop_uri, language_id="yaml", version=1, text=text)
    client.text_document_did_open(t.DidOpenTextDocumentParams(item))
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=shop_uri, version=2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text.replace("Total.", "Sum."))],
        )
    )
    diags = await manifest_diagnostics(client, manifest_uri, stale=True)
    assert [d.message for d in diags if d.code == "StaleGeneratedOutput"] == [stale.message]
