"""Every "Did you mean" of the language server comes with a quick fix that writes exactly the suggestion.

The issue this answers: `UnresolvedAttributeRef … Did you mean shop.cart.item_count?` showed "No quick
fixes available". Each case of `test_fix.SUGGESTIONS` also runs through `test_lsp`'s generic quick-fix
test; here the fix's text, its title, its preference, and the manifest are checked.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import LanguageClient
from test_fix import _SHOP
from test_lsp import CONFIG, apply_text_edits, open_doc, start, uri, wait_for, write_registry


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    """A client connected to a fresh server; tests initialize it on their own folder."""
    yield
    with contextlib.suppress(Exception):
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)


async def quick_fixes(client: LanguageClient, path: Path, diagnostic: t.Diagnostic) -> list[t.CodeAction]:
    """The quick fixes the server offers for one diagnostic."""
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri(path)),
            range=diagnostic.range,
            context=t.CodeActionContext(diagnostics=[diagnostic], only=[t.CodeActionKind.QuickFix]),
        )
    )
    return [a for a in actions or [] if isinstance(a, t.CodeAction) and a.edit is not None]


def edited(action: t.CodeAction, text: str) -> str:
    """A text after a code action's (single-document) edit."""
    assert action.edit is not None and action.edit.document_changes
    (change,) = action.edit.document_changes
    assert isinstance(change, t.TextDocumentEdit)
    return apply_text_edits(text, change.edits)


async def test_a_misspelt_ref_in_another_file_gets_its_did_you_mean_fix(
    client: LanguageClient, tmp_path: Path
) -> None:
    attrs, _, spans = _SHOP.partition("  - id: shop.common\n")
    spans = "groups:\n  - id: shop.common\n" + spans.replace(
        "- ref: shop.cart.item_count", "- ref: shop.cart.item_cont"
    )
    root = write_registry(tmp_path / "reg", {"attrs.yaml": attrs, "spans.yaml": spans})
    await start(client, tmp_path)
    f = root / "spans.yaml"
    text = open_doc(client, f)
    diags = await wait_for(client, uri(f), lambda ds: any(d.code == "UnresolvedAttributeRef" for d in ds))
    target = next(d for d in diags if d.code == "UnresolvedAttributeRef")
    assert "Did you mean `shop.cart.item_count`?" in target.message
    (action,) = await quick_fixes(client, f, target)
    assert action.title == "Replace `shop.cart.item_cont` by `shop.cart.item_count`"
    assert action.is_preferred
    assert edited(action, text) == text.replace("item_cont\n", "item_count\n")


async def test_one_action_for_a_ref_that_several_groups_inherit(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = _SHOP.replace("      - ref: shop.order.id\n", "      - ref: shop.order.ib\n")
    text += text[text.index("  - id: span.shop.checkout") :].replace("span.shop.checkout", "span.shop.pay")
    root = write_registry(tmp_path / "reg", {"f.yaml": text})
    await start(client, tmp_path)
    f = root / "f.yaml"
    open_doc(client, f)
    diags = await wait_for(
        client, uri(f), lambda ds: sum(d.code == "UnresolvedAttributeRef" for d in ds) >= 3
    )
    target = next(d for d in diags if d.code == "UnresolvedAttributeRef")
    (action,) = await quick_fixes(client, f, target)
    assert edited(action, text) == text.replace("shop.order.ib", "shop.order.id")


async def test_a_misspelt_manifest_key_is_fixed_in_the_editor(client: LanguageClient, tmp_path: Path) -> None:
    root = write_registry(tmp_path / "reg", {"f.yaml": _SHOP})
    manifest = root / "manifest.yaml"
    manifest.write_text("schema_ulr: https://example.com/schemas/demo/1.0.0\n")
    await start(client, tmp_path)
    text = open_doc(client, manifest)
    diags = await wait_for(
        client, uri(manifest), lambda ds: any(d.code == "InvalidRegistryManifest" for d in ds)
    )
    target = next(d for d in diags if d.code == "InvalidRegistryManifest")
    (action,) = [a for a in await quick_fixes(client, manifest, target) if a.title.startswith("Replace")]
    assert edited(action, text) == "schema_url: https://example.com/schemas/demo/1.0.0\n"
