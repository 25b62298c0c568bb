"""AI-suggested fixes: verification drops bad proposals, consensus ranks the rest, timeouts and provider
errors are contained, and pydantic-ai's real OpenAI provider works against a local compatible server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_compat import chat_server
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.test import TestModel

from weavergen.ai import AISettings, FixProposal, LineEdit, suggest_fixes, verify
from weavergen.diagnostics import Diagnostic
from weavergen.fixes import apply_edits
from weavergen.workspace import RegistryWorkspace

REGISTRY = """groups:
  - id: registry.acme.order
    type: attribute_group
    stability: development
    brief: Order attributes.
    attributes:
      - id: acme.order.id
        type: string
        stability: development
        brief: Order id.
        examples: ["o-1"]
      - id: acme.order.total
        type: money
        stability: development
        brief: Order total.
        examples: [12.5]
  - id: span.acme.checkout
    type: span
    span_kind: server
    stability: development
    brief: Checkout.
    attributes:
      - ref: acme.order.id
        requirement_level: required
"""
TYPE_LINE = 13


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[tuple[RegistryWorkspace, Diagnostic]]:
    (tmp_path / "manifest.yaml").write_text(
        "schema_url: https://example.com/schemas/acme/1.0.0\ndescription: Test.\nstability: development\n"
    )
    (tmp_path / "registry.yaml").write_text(REGISTRY)
    ws = RegistryWorkspace(tmp_path)
    path = str((tmp_path / "registry.yaml").resolve())
    target = next(d for d in ws.diagnostics(path) if d.code == "InvalidSemConvSpec")
    assert target.range is not None and target.range.start.line == TYPE_LINE - 1
    yield ws, target


def proposal(title: str, *edits: tuple[int, int, str]) -> dict[str, Any]:
    return FixProposal(
        title=title,
        rationale=f"{title}.",
        edits=[LineEdit(start_line=s, end_line=e, new_text=t) for s, e, t in edits],
    ).model_dump()


def answering(*proposals: dict[str, Any], delay: float = 0.0) -> FunctionModel:
    """A model that answers with these proposals through the output tool, as a real model would."""

    async def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        if delay:
            await asyncio.sleep(delay)
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {"proposals": list(proposals)})])

    return FunctionModel(respond)


def suggest(ws: RegistryWorkspace, target: Diagnostic, *models: Any, timeout: float = 10.0) -> Any:
    return asyncio.run(suggest_fixes(ws, target, list(models), AISettings(timeout=timeout)))


GOOD = proposal("Use the double type", (TYPE_LINE, TYPE_LINE, "        type: double"))
GOOD_QUOTED = proposal("Spell the type double", (TYPE_LINE, TYPE_LINE, '        type: "double"'))
STILL_BROKEN = proposal("Use dubble", (TYPE_LINE, TYPE_LINE, "        type: dubble"))
BREAKS_EXAMPLE = proposal("Use int", (TYPE_LINE, TYPE_LINE, "        type: int"))
BREAKS_OTHER = proposal(
    "Fix both types", (8, 8, "        type: strin"), (TYPE_LINE, TYPE_LINE, "        type: double")
)


def test_only_verified_proposals_are_offered(workspace: tuple[RegistryWorkspace, Diagnostic]) -> None:
    ws, target = workspace
    result = suggest(ws, target, answering(STILL_BROKEN, BREAKS_EXAMPLE, BREAKS_OTHER, GOOD))
    assert [f.fix.title for f in result.fixes] == ["Use the double type"]
    assert len(result.rejected) == 3
    assert any("InvalidExampleError" in r for r in result.rejected)
    fixed = apply_edits(ws.text_of(target.file or "") or "", result.fixes[0].fix.edits)
    after = ws.what_if({target.file or "": fixed})
    assert not [d for ds in after.values() for d in ds if d.is_error]
    assert (
        result.fixes[0].fix.edits[0].range.start.line == TYPE_LINE - 1
    )  # a minimal edit, not the whole file


def test_consensus_puts_the_fix_most_models_agree_on_first(
    workspace: tuple[RegistryWorkspace, Diagnostic],
) -> None:
    ws, target = workspace
    other = proposal("Use double, drop the stability", (TYPE_LINE, TYPE_LINE + 1, "        type: double"))
    result = suggest(ws, target, answering(other), answering(GOOD), answering(GOOD_QUOTED))
    assert [len(f.agreeing) for f in result.fixes] == [2, 1]
    assert result.fixes[0].label.endswith("(2/3 models agree)")
    assert result.fixes[0].fix.title in ("Use the double type", "Spell the type double")


def test_a_tie_goes_to_the_fix_with_fewer_new_warnings(
    workspace: tuple[RegistryWorkspace, Diagnostic],
) -> None:
    ws, target = workspace
    with_warning = proposal(
        "Use double, drop the stability", (TYPE_LINE, TYPE_LINE + 1, "        type: double")
    )
    result = suggest(ws, target, answering(with_warning), answering(GOOD))
    assert [len(f.agreeing) for f in result.fixes] == [1, 1]
    assert [f.new_warnings for f in result.fixes] == sorted(f.new_warnings for f in result.fixes)
    assert (result.fixes[0].new_warnings, result.fixes[1].new_warnings) == (0, 1)
    assert result.fixes[0].fix.title == "Use the double type"


def test_a_slow_model_times_out_and_the_others_still_count(
    workspace: tuple[RegistryWorkspace, Diagnostic],
) -> None:
    ws, target = workspace
    result = suggest(ws, target, answering(GOOD), answering(GOOD_QUOTED, delay=30), timeout=0.5)
    assert [f.fix.title for f in result.fixes] == ["Use the double type"]
    assert result.fixes[0].asked == 2 and len(result.fixes[0].agreeing) == 1
    assert len(result.errors) == 1 and "no answer within 0.5 s" in result.errors[0]


def test_a_model_that_answers_garbage_is_an_error_not_a_crash(
    workspace: tuple[RegistryWorkspace, Diagnostic],
) -> None:
    ws, target = workspace

    def nonsense(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {"proposals": "none"})])

    result = suggest(ws, target, FunctionModel(nonsense), TestModel())
    assert len(result.errors) == 1 and "UnexpectedModelBehavior" in result.errors[0]
    path = target.file or ""
    for f in result.fixes:  # whatever TestModel's schema-shaped answer was, an offered fix is a verified one
        ok, _, _ = verify(ws, target, path, apply_edits(ws.text_of(path) or "", f.fix.edits))
        assert ok


def test_settings_say_why_ai_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert "no model is configured" in (AISettings().unavailable_reason() or "")
    assert "OPENAI_API_KEY" in (AISettings(models=["openai:gpt-4o-mini"]).unavailable_reason() or "")
    assert AISettings(models=["openai:gpt-4o-mini"], api_key="k").unavailable_reason() is None
    assert AISettings(models=["llama3"], endpoint="http://127.0.0.1:1/v1").unavailable_reason() is None
    assert "provider:model" in (AISettings(models=["gpt-4o"]).unavailable_reason() or "")


# pydantic-ai's real OpenAI provider against an OpenAI-compatible server on 127.0.0.1.


def test_openai_compatible_endpoint_through_pydantic_ais_openai_provider(
    workspace: tuple[RegistryWorkspace, Diagnostic],
) -> None:
    ws, target = workspace
    with chat_server(lambda body: {"proposals": [GOOD, STILL_BROKEN]}) as server:
        settings = AISettings(models=["openai:local-model"], endpoint=server.url, api_key="sk-test")
        assert settings.unavailable_reason() is None
        result = asyncio.run(suggest_fixes(ws, target, settings.models, settings))
    assert [f.fix.title for f in result.fixes] == ["Use the double type"]
    assert result.fixes[0].agreeing == ["openai:local-model"]
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "local-model"
    prompt = json.dumps(request["body"]["messages"])
    assert "InvalidSemConvSpec" in prompt and "type: money" in prompt and "acme.order.id" in prompt


# `weavergen fix --ai` end to end: a subprocess, the local OpenAI-compatible server, a diff, then --apply.


@pytest.fixture
def chat_url() -> Iterator[str]:
    with chat_server(lambda body: {"proposals": [GOOD]}) as server:
        yield server.url


def _fix_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "weavergen.cli", "fix", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


def test_fix_cli_lists_and_diffs_ai_fixes_and_writes_only_with_apply(
    workspace: tuple[RegistryWorkspace, Diagnostic], chat_url: str
) -> None:
    ws, _ = workspace
    file = ws.root / "registry.yaml"
    original = file.read_text()
    common = ["--ai", "--model", "openai:local-model", "--endpoint", chat_url]
    listed = _fix_cli(str(ws.root), *common, "--diff", env={"OPENAI_API_KEY": "sk-test"})
    assert listed.returncode == 0, listed.stderr
    assert "-        type: money" in listed.stdout and "+        type: double" in listed.stdout
    assert "AI fix: Use the double type (1/1 models agree)" in listed.stderr
    assert "nothing written" in listed.stderr
    assert file.read_text() == original
    applied = _fix_cli(str(file), *common, "--apply", env={"OPENAI_API_KEY": "sk-test"})
    assert applied.returncode == 0, applied.stderr
    assert file.read_text() == original.replace("type: money", "type: double")
    assert not [d for d in RegistryWorkspace(ws.root).all_diagnostics()[str(file.resolve())] if d.is_error]
    assert "sk-test" not in applied.stderr + applied.stdout


def test_fix_cli_without_a_model_says_why_and_keeps_the_quick_fixes(
    workspace: tuple[RegistryWorkspace, Diagnostic],
) -> None:
    ws, _ = workspace
    env = {"WEAVERGEN_AI_MODELS": "", "OPENAI_API_KEY": ""}
    done = _fix_cli(str(ws.root), "--ai", env=env)
    assert done.returncode == 0, done.stderr
    assert "AI fixes are off: no model is configured" in done.stderr
