"""`registry review --ai`: proposals verified on an in-memory copy — a good one kept with its score
delta, a bad one dropped with its reason, a tie broken by consensus — with pydantic-ai's test models and,
end to end, a local OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openai_compat import chat_server
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.test import TestModel
from test_review import CLEAN

from weavergen.ai import AISettings
from weavergen.review.ai import ai_review, review_namespace
from weavergen.workspace import RegistryWorkspace, WorkspaceOptions

REPEATS = CLEAN.replace(
    "The identifier the checkout service gives an order when it is placed.", "The shop order ID."
)
BRIEF_LINE = 9  # `brief: The shop order ID.` (1-based)
GOOD = {
    "title": "Say what the order id is",
    "rationale": "The brief repeated the name.",
    "edits": [
        {
            "file": "registry.yaml",
            "start_line": BRIEF_LINE,
            "end_line": BRIEF_LINE,
            "new_text": "        brief: The identifier the checkout service gives an order when it is placed."
            "\n",
        }
    ],
}
OTHER_GOOD = {
    **GOOD,
    "title": "Describe the order id",
    "edits": [
        {
            **GOOD["edits"][0],
            "new_text": "        brief: Unique reference of a placed order, shown on its invoice.\n",
        }
    ],
}
BAD = {
    "title": "Retype the id",
    "rationale": "Make it a number.",
    "edits": [
        {"file": "registry.yaml", "start_line": 7, "end_line": 7, "new_text": "        type: strnig\n"}
    ],
}
NEUTRAL = {
    "title": "Change the example",
    "rationale": "A more typical example.",
    "edits": [
        {
            "file": "registry.yaml",
            "start_line": 10,
            "end_line": 10,
            "new_text": '        examples: ["o-42"]\n',
        }
    ],
}


@pytest.fixture
def ws(tmp_path: Path) -> RegistryWorkspace:
    (tmp_path / "registry.yaml").write_text(REPEATS, encoding="utf-8")
    return RegistryWorkspace(tmp_path, WorkspaceOptions(skip_policies=True))


def answering(*proposals: dict[str, Any]) -> FunctionModel:
    """A model that answers every prompt with these proposals."""

    async def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {"proposals": list(proposals)})])

    return FunctionModel(respond)


def test_a_good_proposal_is_kept_with_its_score_delta_and_bad_ones_are_dropped(ws: RegistryWorkspace) -> None:
    found = asyncio.run(review_namespace(ws, "shop", [answering(GOOD, BAD, NEUTRAL)], AISettings()))
    assert [k.title for k in found.kept] == ["Say what the order id is"]
    kept = found.kept[0]
    assert kept.after > kept.before and kept.namespace_after > kept.namespace_before
    assert kept.namespace_after == pytest.approx(100.0)
    reasons = {d.title: d.reason for d in found.dropped}
    assert reasons["Retype the id"].startswith("it adds ")
    assert reasons["Change the example"].startswith("the score does not go up")
    path = str(ws.root / "registry.yaml")
    assert "The shop order ID." in ws.text_of(path)  # type: ignore[operator]  # nothing applied by verification


def test_a_tie_is_broken_by_consensus(ws: RegistryWorkspace) -> None:
    models = [answering(OTHER_GOOD), answering(GOOD), answering(GOOD)]
    found = asyncio.run(review_namespace(ws, "shop", models, AISettings()))
    assert [(k.title, len(k.agreeing), k.asked) for k in found.kept] == [("Say what the order id is", 2, 3)]
    assert [(d.title, d.reason) for d in found.dropped] == [
        ("Describe the order id", "it conflicts with a kept proposal")
    ]


def test_a_proposal_naming_an_unknown_file_or_answering_nonsense_is_dropped(ws: RegistryWorkspace) -> None:
    elsewhere = {**GOOD, "edits": [{**GOOD["edits"][0], "file": "../outside.yaml"}]}
    found = asyncio.run(review_namespace(ws, "shop", [answering(elsewhere), TestModel()], AISettings()))
    assert found.kept == [] or all(k.after > k.before for k in found.kept)
    assert any(d.reason == "no file `../outside.yaml`" for d in found.dropped)


def test_ai_review_applies_kept_proposals_in_memory_and_reports_the_registry_score(
    ws: RegistryWorkspace,
) -> None:
    run = asyncio.run(ai_review(ws, [answering(GOOD)], AISettings()))
    assert [ns.namespace for ns in run.namespaces] == ["shop"]
    assert run.after > run.before
    path = str(ws.root / "registry.yaml")
    assert "checkout service gives" in run.final[path] and "The shop order ID." in run.originals[path]
    assert (ws.root / "registry.yaml").read_text(encoding="utf-8") == REPEATS  # nothing written


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEAVERGEN_AI")}
    env.update({"NO_COLOR": "1", "WEAVERGEN_AI_API_KEY": "sk-test"})
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_cli_review_ai_through_a_local_openai_compatible_server(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "registry.yaml").write_text(REPEATS, encoding="utf-8")
    with chat_server(lambda body: {"proposals": [GOOD, BAD]}) as server:
        args = [
            "registry",
            "review",
            "-r",
            str(model),
            "--ai",
            "--model",
            "openai:local",
            "--endpoint",
            server.url,
        ]
        shown = cli(*args, "--diff", cwd=tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert len(server.requests) == 1 and server.requests[0]["auth"] == "Bearer sk-test"
        prompt = str(server.requests[0]["body"]["messages"])
        assert "ReviewBriefRepeatsId" in prompt and "registry.yaml" in prompt
        assert "kept: Say what the order id is (1/1 models agree): score " in shown.stderr
        assert "dropped: Retype the id (openai:local): it adds " in shown.stderr
        assert "+        brief: The identifier the checkout service" in shown.stdout
        assert (model / "registry.yaml").read_text(encoding="utf-8") == REPEATS  # not without --apply
        applied = cli(*args, "--apply", cwd=tmp_path)
        assert applied.returncode == 0, applied.stderr
    assert "checkout service gives an order" in (model / "registry.yaml").read_text(encoding="utf-8")


def test_cli_review_ai_without_a_model_says_why(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "registry.yaml").write_text(REPEATS, encoding="utf-8")
    result = cli("registry", "review", "-r", str(model), "--ai", cwd=tmp_path)
    assert result.returncode == 1 and "no model is configured" in result.stderr
