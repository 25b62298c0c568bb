"""AI fixes in the language server: listed without calling a model, computed on codeAction/resolve (or by
command for clients that do not resolve), verified, and absent with a reason when no model is set."""

from __future__ import annotations

import ast
import asyncio
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as t
from openai_compat import ChatServer, chat_server
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from test_ai import GOOD, REGISTRY, TYPE_LINE
from test_lsp import apply_text_edits, start, uri, wait_for

from weavergen.workspace import RegistryWorkspace

CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "weavergen.server"])
MANIFEST = "schema_url: https://example.com/schemas/acme/1.0.0\ndescription: Test.\nstability: development\n"


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    (tmp_path / "manifest.yaml").write_text(MANIFEST)
    (tmp_path / "registry.yaml").write_text(REGISTRY)
    return tmp_path


@pytest.fixture
def model() -> Iterator[ChatServer]:
    with chat_server(lambda body: {"proposals": [GOOD]}) as server:
        yield server


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    yield
    try:
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)
    except Exception:  # a test that failed mid-way may leave the session unusable
        return


def ai_settings(server: ChatServer) -> dict[str, Any]:
    return {
        "ai": {"models": ["openai:local-model"], "endpoint": server.url, "apiKey": "sk-test", "timeout": 30}
    }


async def ai_actions(client: LanguageClient, file: Path) -> list[t.CodeAction]:
    target = uri(file)
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=target, language_id="yaml", version=1, text=file.read_text())
        )
    )
    diags = await wait_for(client, target, lambda ds: any(d.code == "InvalidSemConvSpec" for d in ds))
    bad = next(d for d in diags if d.code == "InvalidSemConvSpec")
    assert bad.range.start.line == TYPE_LINE - 1
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=target),
            range=bad.range,
            context=t.CodeActionContext(diagnostics=[bad]),
        )
    )
    return [a for a in actions or [] if isinstance(a, t.CodeAction) and a.kind == "quickfix.ai"]


async def ai_commands(client: LanguageClient, file: Path) -> list[t.Command]:
    """The nested commands of AI actions, for a client without codeAction/resolve.

    lsprotocol's client side reads a CodeAction that has a `command` as a bare Command whose `command` is
    the nested command's repr (the JSON the server sends is a proper CodeAction); this recovers it.
    """
    target = uri(file)
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=target, language_id="yaml", version=1, text=file.read_text())
        )
    )
    diags = await wait_for(client, target, lambda ds: any(d.code == "InvalidSemConvSpec" for d in ds))
    bad = next(d for d in diags if d.code == "InvalidSemConvSpec")
    found = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=target),
            range=bad.range,
            context=t.CodeActionContext(diagnostics=[bad]),
        )
    )
    out = []
    for a in found or []:
        if isinstance(a, t.CodeAction) and a.command is not None:
            out.append(a.command)
        elif isinstance(a, t.Command) and a.command.startswith("{"):
            nested = ast.literal_eval(a.command)
            out.append(
                t.Command(title=nested["title"], command=nested["command"], arguments=nested["arguments"])
            )
    return [c for c in out if c.command == "weavergen.aiFix"]


async def test_ai_fix_is_listed_without_a_model_call_and_resolved_to_a_verified_edit(
    client: LanguageClient, registry: Path, model: ChatServer
) -> None:
    await start(client, registry, **ai_settings(model))
    file = registry / "registry.yaml"
    actions = await ai_actions(client, file)
    assert len(actions) == 1 and actions[0].edit is None
    assert actions[0].title == "AI fix: ask 1 model to repair InvalidSemConvSpec"
    assert model.requests == []  # nothing is asked until the user picks the action
    resolved = await client.code_action_resolve_async(actions[0])
    assert len(model.requests) == 1
    assert resolved.title == "AI fix: Use the double type (1/1 models agree)"
    assert resolved.edit is not None and resolved.edit.changes is not None
    fixed = apply_text_edits(file.read_text(), resolved.edit.changes[uri(file)])
    assert "type: double\n" in fixed and "money" not in fixed
    file.write_text(fixed)
    errors = [d for ds in RegistryWorkspace(registry).all_diagnostics().values() for d in ds if d.is_error]
    assert errors == []


async def test_a_rejected_proposal_gives_no_edit_and_says_why(client: LanguageClient, registry: Path) -> None:
    still_broken = {**GOOD, "title": "Use dubble"}
    still_broken["edits"] = [
        {"start_line": TYPE_LINE, "end_line": TYPE_LINE, "new_text": "        type: dubble"}
    ]
    with chat_server(lambda body: {"proposals": [still_broken]}) as server:
        await start(client, registry, **ai_settings(server))
        actions = await ai_actions(client, registry / "registry.yaml")
        resolved = await client.code_action_resolve_async(actions[0])
    assert resolved.edit is None
    assert resolved.disabled is not None and "No AI proposal passed verification" in resolved.disabled.reason
    assert "InvalidSemConvSpec" in resolved.disabled.reason


async def test_clients_without_resolve_get_a_command_that_applies_the_fix(
    client: LanguageClient, registry: Path, model: ChatServer
) -> None:
    applied: list[t.ApplyWorkspaceEditParams] = []

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)
    def register(params: t.RegistrationParams) -> None:
        return None

    @client.feature(t.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: t.ApplyWorkspaceEditParams) -> t.ApplyWorkspaceEditResult:
        applied.append(params)
        return t.ApplyWorkspaceEditResult(applied=True)

    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.text_document.code_action is not None
    caps.text_document.code_action.resolve_support = None
    client.set_configuration({"debounceMs": 10, **ai_settings(model)}, section="weavergen")
    await client.initialize_session(
        t.InitializeParams(
            capabilities=caps,
            root_uri=uri(registry),
            workspace_folders=[t.WorkspaceFolder(uri=uri(registry), name=registry.name)],
            initialization_options={"weavergen": {"debounceMs": 10, **ai_settings(model)}},
        )
    )
    commands = await ai_commands(client, registry / "registry.yaml")
    assert len(commands) == 1
    command = commands[0]
    assert model.requests == []
    ok = await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert ok is True and len(applied) == 1
    edits = applied[0].edit.changes[uri(registry / "registry.yaml")]  # type: ignore[index]
    assert "type: double" in apply_text_edits((registry / "registry.yaml").read_text(), edits)


async def test_without_a_model_there_are_no_ai_actions_and_the_server_says_why(
    client: LanguageClient, registry: Path
) -> None:
    await start(client, registry)
    assert await ai_actions(client, registry / "registry.yaml") == []
    messages = [m.message for m in client.log_messages]
    assert sum("AI fixes are off: no model is configured" in m for m in messages) == 1


async def test_a_cancelled_ai_fix_stops_its_progress_and_the_server_carries_on(
    client: LanguageClient, registry: Path
) -> None:
    def slow(body: dict[str, Any]) -> dict[str, Any]:
        time.sleep(3)
        return {"proposals": [GOOD]}

    with chat_server(slow) as server:
        await start(client, registry, **ai_settings(server))
        actions = await ai_actions(client, registry / "registry.yaml")
        pending = asyncio.ensure_future(
            client.protocol.send_request_async(t.CODE_ACTION_RESOLVE, actions[0], msg_id="ai-fix-1")
        )
        for _ in range(1200):  # the first call also imports pydantic-ai (slow on a busy machine)
            if server.requests:
                break
            await asyncio.sleep(0.05)
        assert len(server.requests) == 1 and not pending.done()
        client.protocol.notify(t.CANCEL_REQUEST, t.CancelParams(id="ai-fix-1"))
        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wait_for(pending, 5)
        again = await asyncio.wait_for(ai_actions(client, registry / "registry.yaml"), 2)
        assert len(again) == 1  # the server answers at once while the cancelled work winds down
        ends: list[Any] = []
        for _ in range(100):
            ends = [r for reports in client.progress_reports.values() for r in reports if r.kind == "end"]
            if ends:
                break
            await asyncio.sleep(0.05)
        assert ends, "the AI fix's work-done progress was never ended"
