"""A workspace folder without a manifest is still a registry when its YAML is semantic conventions.

weaver's own test registries (and many company registries) have no `manifest.yaml`; the server finds
them by their content (`groups:` or `file_format: definition/2`), checks them like any registry, and
says once in the log how it found each one. Tests copy fixtures into tmp_path: nothing is written
into the fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import LanguageClient
from test_lsp import CONFIG, start, uri, wait_for

from weavergen.discovery import discover, is_semconv_text

FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", Path(__file__).resolve().parents[2] / "shared/fixtures"))
RESOLVER = FIXTURES / "weaver" / "resolver"


def fixture(name: str) -> Path:
    """A weaver resolver registry; missing fixtures fail under CI, else skip."""
    path = RESOLVER / name / "registry"
    if not path.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"fixture {path} is missing")
        pytest.skip(f"fixture {path} is missing")
    return path


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    """A client connected to a fresh server; tests initialize it on their own folders."""
    yield
    with contextlib.suppress(Exception):
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)


def registry_messages(client: LanguageClient) -> list[str]:
    """The server's log messages about the registries it found."""
    return [m.message.split(": ", 1)[1] for m in client.log_messages if ": registry /" in m.message]


async def wait_logged(client: LanguageClient, count: int) -> list[str]:
    """Wait until the server has logged `count` registry messages."""
    for _ in range(500):
        if len(registry_messages(client)) >= count:
            return registry_messages(client)
        await asyncio.sleep(0.02)
    pytest.fail(f"registry log messages never came: {[m.message for m in client.log_messages]}")


def test_semconv_text_is_told_from_other_yaml() -> None:
    assert is_semconv_text("# comment\ngroups:\n  - id: a\n")
    assert is_semconv_text("file_format: definition/2\nattributes: []\n")
    assert is_semconv_text("file_format: 'definition/2'\n")
    assert not is_semconv_text("params:\n  groups: 1\n")
    assert not is_semconv_text("templates:\n  - pattern: x.j2\n")
    assert not is_semconv_text("file_format: definition/3\n")


def test_the_registry_of_a_folder_is_where_its_semconv_files_are(tmp_path: Path) -> None:
    reg = tmp_path / "project" / "model"
    shutil.copytree(fixture("registry-test-3-extends"), reg)
    (tmp_path / "project" / "templates").mkdir()
    (tmp_path / "project" / "templates" / "weaver.yaml").write_text("templates:\n  - pattern: x.j2\n")
    (found,) = discover([tmp_path / "project"], None)
    assert found.root == reg.resolve()
    assert "no manifest" in found.how and str(tmp_path / "project") in found.how
    assert discover([tmp_path / "project" / "templates"], None) == []


async def test_a_manifest_less_folder_gets_diagnostics_and_one_log_line(
    client: LanguageClient, tmp_path: Path
) -> None:
    folder = tmp_path / "ws"
    shutil.copytree(fixture("registry-test-3-extends"), folder)
    http = folder / "http-common.yaml"
    text = http.read_text().replace("- ref: http.request.method\n", "- ref: http.request.methd\n", 1)
    http.write_text(text)
    await start(client, folder)
    diags = await wait_for(client, uri(http), lambda d: len(d) > 0)
    unresolved = [d for d in diags if d.code == "UnresolvedAttributeRef"]
    assert unresolved and all("http.request.methd" in d.message for d in unresolved)
    await wait_for(client, uri(folder / "registry-http.yaml"), lambda d: True)
    (message,) = await wait_logged(client, 1)
    assert str(folder.resolve()) in message and "no manifest" in message
    # A later reload (settings change) does not log the same registry again.
    client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(settings={"weavergen": {"debounceMs": 11}})
    )
    await asyncio.sleep(1.0)
    assert len(registry_messages(client)) == 1


async def test_a_v2_folder_is_a_registry_and_a_manifest_folder_says_so(
    client: LanguageClient, tmp_path: Path
) -> None:
    v2 = tmp_path / "v2"
    shutil.copytree(fixture("registry-test-v2-2-multifile"), v2)
    v1: Any = tmp_path / "v1"
    shutil.copytree(fixture("registry-test-1-single-attr-ref"), v1)
    (v1 / "manifest.yaml").write_text("schema_url: https://example.com/schemas/demo/1.0.0\n")

    await client.initialize_session(
        t.InitializeParams(
            capabilities=t.ClientCapabilities(),
            root_uri=uri(tmp_path),
            workspace_folders=[t.WorkspaceFolder(uri=uri(p), name=p.name) for p in (v2, v1)],
        )
    )
    messages = await wait_logged(client, 2)
    by_root = {m.split(" ")[1].rstrip(":"): m for m in messages}
    assert "no manifest" in by_root[str(v2.resolve())]
    assert "manifest.yaml" in by_root[str(v1.resolve())]
    some_v2 = sorted(v2.rglob("*.yaml"))[0]
    await wait_for(client, uri(some_v2), lambda d: True)
