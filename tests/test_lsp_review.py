"""Review findings in the language server: Information (definite) and Hint (heuristic) diagnostics from
a background review, their quick fixes, the `weavergen.review.enabled` setting, and an edit that fixes
a finding making it go away."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient
from test_lsp import apply_text_edits, start, uri, wait_for
from test_review import CLEAN

CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "weavergen.server"])
MANIFEST = "schema_url: https://example.com/schemas/shop/1.0.0\ndescription: Test.\nstability: development\n"
NEAR = """\
      - id: shop.customer.address
        type: string
        stability: stable
        brief: The postal address the customer wants the order delivered to.
        examples: ["1 Main St"]
      - id: shop.cust.delivery_addr
        type: string
        stability: development
        brief: Postal address where the customer wants the order to be delivered.
        examples: ["1 Main St"]
"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    (tmp_path / "manifest.yaml").write_text(MANIFEST)
    head, tail = CLEAN.split("  - id: metric.shop.checkout.duration")
    text = (
        head + NEAR + "  - id: metric.shop.checkout.duration" + tail.replace("unit: s\n", "unit: seconds\n")
    )
    (tmp_path / "registry.yaml").write_text(text)
    return tmp_path


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    yield
    try:
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)
    except Exception:
        return


def test_mechanical_findings_are_on_by_default() -> None:
    from weavergen.server.settings import Settings

    assert Settings().review_enabled == Settings.from_any({}).review_enabled == "mechanical"
    assert Settings.from_any({"weavergen": {"review": {"enabled": False}}}).review_enabled == "off"
    assert Settings.from_any({"review.enabled": True}).review_enabled == "all"


def codes(diags: Any) -> list[str]:
    return sorted(str(d.code) for d in diags if str(d.code).startswith("Review"))


async def open_file(client: LanguageClient, file: Path) -> str:
    target = uri(file)
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            t.TextDocumentItem(uri=target, language_id="yaml", version=1, text=file.read_text())
        )
    )
    return target


async def test_definite_findings_are_information_with_their_quick_fix(
    client: LanguageClient, registry: Path
) -> None:
    await start(client, registry, review={"enabled": "mechanical"})
    file = registry / "registry.yaml"
    target = await open_file(client, file)
    diags = await wait_for(client, target, lambda ds: "ReviewInvalidUnit" in codes(ds))
    unit = next(d for d in diags if d.code == "ReviewInvalidUnit")
    assert unit.severity == t.DiagnosticSeverity.Information
    assert unit.code_description is not None and unit.code_description.href.endswith("#reviewinvalidunit")
    assert "ReviewNearDuplicate" not in codes(diags)  # heuristics are off by default
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=target),
            range=unit.range,
            context=t.CodeActionContext(diagnostics=[unit]),
        )
    )
    fix = next(a for a in actions or [] if isinstance(a, t.CodeAction) and "`seconds`" in a.title)
    assert fix.edit is not None
    edits = fix.edit.document_changes[0].edits if fix.edit.document_changes else fix.edit.changes[target]  # type: ignore[index, union-attr]
    fixed = apply_text_edits(file.read_text(), edits)
    assert "unit: s\n" in fixed
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=target, version=2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    await wait_for(client, target, lambda ds: "ReviewInvalidUnit" not in codes(ds))


async def test_all_adds_heuristic_hints_and_off_shows_none(client: LanguageClient, registry: Path) -> None:
    await start(client, registry, review={"enabled": "all"})
    target = await open_file(client, registry / "registry.yaml")
    diags = await wait_for(client, target, lambda ds: "ReviewNearDuplicate" in codes(ds))
    near = next(d for d in diags if d.code == "ReviewNearDuplicate")
    assert near.severity == t.DiagnosticSeverity.Hint
    assert near.related_information and "shop.customer.address" in near.related_information[0].message
    client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(
            settings={"weavergen": {"debounceMs": 10, "review": {"enabled": "off"}}}
        )
    )
    await wait_for(client, target, lambda ds: codes(ds) == [])


BRIEF_FIX = {
    "title": "Say what the order id is",
    "rationale": "The brief repeated the name.",
    "edits": [
        {
            "file": "registry.yaml",
            "start_line": 9,
            "end_line": 9,
            "new_text": "        brief: The identifier the checkout service gives an order when it is placed."
            "\n",
        }
    ],
}


async def test_ai_review_action_asks_no_model_until_picked(client: LanguageClient, tmp_path: Path) -> None:
    from openai_compat import chat_server

    (tmp_path / "manifest.yaml").write_text(MANIFEST)
    file = tmp_path / "registry.yaml"
    file.write_text(
        CLEAN.replace(
            "The identifier the checkout service gives an order when it is placed.", "The shop order ID."
        )
    )
    with chat_server(lambda body: {"proposals": [BRIEF_FIX]}) as model:
        settings = {
            "models": ["openai:local-model"],
            "endpoint": model.url,
            "apiKey": "sk-test",
            "timeout": 30,
        }
        await start(client, tmp_path, ai=settings, review={"enabled": "mechanical"})
        target = await open_file(client, file)
        diags = await wait_for(client, target, lambda ds: "ReviewBriefRepeatsId" in codes(ds))
        repeat = next(d for d in diags if d.code == "ReviewBriefRepeatsId")
        actions = await client.text_document_code_action_async(
            t.CodeActionParams(
                text_document=t.TextDocumentIdentifier(uri=target),
                range=repeat.range,
                context=t.CodeActionContext(diagnostics=[repeat]),
            )
        )
        review = [a for a in actions or [] if isinstance(a, t.CodeAction) and a.kind == "quickfix.ai.review"]
        assert [a.title for a in review] == ["AI review namespace `shop`: ask 1 model"]
        assert review[0].edit is None and model.requests == []  # nothing asked yet
        resolved = await client.code_action_resolve_async(review[0])
        assert len(model.requests) == 1
        assert resolved.title.startswith("AI review `shop`: 1 improvement(s), namespace score ")
        assert resolved.edit is not None and resolved.edit.changes is not None
        fixed = apply_text_edits(file.read_text(), resolved.edit.changes[target])
        assert "checkout service gives an order" in fixed and "The shop order ID." not in fixed
