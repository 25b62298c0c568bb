"""Broken input never invents errors: the mutation corpus through the engine, the CLI check and the server.

`mutation_corpus` breaks one file of a real registry in many ways; every error or warning reported
outside the broken file must also be reported with the file intact. The full corpus (every target,
more mutations) runs with `python tests/mutation_corpus.py`; here a denser sample of the example
registry, a sample of semconv v1.44.0 (v1 and v2 files) and weaver's resolver fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as t
from mutation_corpus import EXAMPLE, EXAMPLE_TARGETS, mutations, resolver_fixtures, run_corpus
from pytest_lsp import LanguageClient
from test_lsp import CONFIG, change_doc, open_doc, start, uri

from weavergen.check import CheckOptions, check_registry
from weavergen.diagnostics import Diagnostic, Severity
from weavergen.workspace import RegistryWorkspace


def _assert_clean(outcome: Any) -> None:
    judged = outcome.mutants - outcome.not_broken
    assert judged > 0, "no mutant broke the file: the corpus tests nothing"
    assert outcome.crashed == []
    shown = [
        f"{rel} {name}: {d.code} {d.file}:{d.range} {d.message[:120]}" for rel, name, d in outcome.invented
    ]
    assert shown == [], f"{len(shown)} breakage-only diagnostics over {judged} broken files"


def test_example_registry_corpus() -> None:
    _assert_clean(run_corpus(EXAMPLE, EXAMPLE_TARGETS, 3))


def test_semconv_corpus_sample(fixtures: Path) -> None:
    root = fixtures / "semconv" / "v1.44.0" / "model"
    _assert_clean(run_corpus(root, ["http/registry.yaml", "server/registry.yaml"], 1))


def test_weaver_resolver_fixtures_corpus(fixtures: Path) -> None:
    cases = resolver_fixtures()
    assert len(cases) >= 20, f"weaver's resolver fixtures are missing under {fixtures}"
    for root, targets in cases:
        _assert_clean(run_corpus(root, targets, 1))


def _judged(diags: list[Diagnostic], skip: str) -> set[tuple[Any, ...]]:
    return {
        (d.code, d.file, d.message, d.range.start if d.range else None)
        for d in diags
        if d.file != skip and d.severity in (Severity.ERROR, Severity.WARNING)
    }


def test_cli_check_with_policies(tmp_path: Path) -> None:
    """`registry check` (policies included) on a copy of the example registry with one file broken."""
    root = tmp_path / "registry"
    shutil.copytree(EXAMPLE, root)
    target = root / "store" / "registry.yaml"
    intact_text = target.read_text(encoding="utf-8")
    intact = _judged(check_registry(CheckOptions(registry=str(root))).diagnostics, str(target))
    broken = 0
    for _name, mutant in mutations(intact_text, 1)[::3]:
        target.write_text(mutant, encoding="utf-8")
        report = check_registry(CheckOptions(registry=str(root)))
        if not any(d.is_error and d.file == str(target) for d in report.diagnostics):
            continue
        broken += 1
        assert _judged(report.diagnostics, str(target)) <= intact
    assert broken >= 5


# --- the real language server, edit by edit -----------------------------------------------------------


@pytest_lsp.fixture(config=CONFIG)
async def lsp(lsp_client: LanguageClient) -> Any:
    """A client connected to a fresh server."""
    yield
    with contextlib.suppress(Exception):
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)


_SEVERITY = {
    Severity.ERROR: t.DiagnosticSeverity.Error,
    Severity.WARNING: t.DiagnosticSeverity.Warning,
    Severity.ADVICE: t.DiagnosticSeverity.Information,
}


def _engine_keys(diags: list[Diagnostic]) -> set[tuple[Any, ...]]:
    return {
        (d.code, d.range.start.line, d.range.start.column, _SEVERITY[d.severity]) for d in diags if d.range
    }


def _client_keys(diags: Sequence[t.Diagnostic]) -> set[tuple[Any, ...]]:
    return {(d.code, d.range.start.line, d.range.start.character, d.severity) for d in diags}


async def _settle(client: LanguageClient, expected: dict[str, list[Diagnostic]], timeout: float = 30) -> None:
    """Wait until the client holds, for every file, the diagnostics the engine computes for it."""
    want = {uri(Path(f)): _engine_keys(ds) for f, ds in expected.items()}

    async def poll() -> None:
        while any(_client_keys(client.diagnostics.get(u) or ()) != keys for u, keys in want.items()):
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        bad = {u: _client_keys(client.diagnostics.get(u) or ()) ^ k for u, k in want.items()}
        pytest.fail(
            f"the server's diagnostics never matched the engine's: {[x for x in bad.items() if x[1]]}"
        )


async def test_language_server_edits(lsp: LanguageClient, tmp_path: Path) -> None:
    """didChange edits that break store/registry.yaml: the other files' diagnostics do not change."""
    root = tmp_path / "registry"
    shutil.copytree(EXAMPLE, root)
    target = root / "store" / "registry.yaml"
    await start(lsp, tmp_path)
    text = open_doc(lsp, target)
    engine = RegistryWorkspace(root)
    intact = engine.all_diagnostics()
    await _settle(lsp, intact)
    kinds = ("truncate", "delete-line", "unknown-key", "type-integer", "open-quote", "tab", "no-colon")
    sample = [next(m for m in mutations(text, 2) if m[0].startswith(kind)) for kind in kinds]
    version = 1
    for _name, mutant in sample:
        version += 1
        change_doc(lsp, target, mutant, version)
        expected = engine.what_if({str(target): mutant})
        await _settle(lsp, {f: expected.get(f, []) for f in intact})
        assert any(d.is_error for d in expected.get(str(target), [])), "the edit did not break the file"
        for file, diags in expected.items():
            if file != str(target):
                # the last good version of the file lends what its broken text hides: nothing changes
                assert _engine_keys(diags) == _engine_keys(intact[file]), file
        version += 1
        change_doc(lsp, target, text, version)
        await _settle(lsp, intact)
