"""AI secrets: every configured key is redacted wherever a message carries it, and a provider's
environment key never reaches an endpoint the user did not pair with it."""

from __future__ import annotations

import asyncio

import pytest
from openai_compat import chat_server

from weavergen.ai import AISettings, ask, redact


def test_every_configured_key_is_redacted_not_only_prefixed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", "plainvalue42")
    monkeypatch.setenv("ACME_TOKEN", "Zm9vYmFyYmF6")
    settings = AISettings(api_key="hunter2-correct-horse", endpoint="https://bob:p4ssw0rd@llm.example/v1")
    text = (
        "401 for hunter2-correct-horse; mistral said plainvalue42 and acme Zm9vYmFyYmF6; "
        "endpoint https://bob:p4ssw0rd@llm.example/v1"
    )
    shown = redact(text, settings)
    for secret in ("hunter2-correct-horse", "plainvalue42", "Zm9vYmFyYmF6", "p4ssw0rd"):
        assert secret not in shown
    assert shown.count("[redacted]") >= 4


def test_a_provider_error_carrying_the_key_is_redacted() -> None:
    from pydantic_ai.messages import ModelMessage, ModelResponse
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    def failing(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        raise RuntimeError("invalid credentials Abc123Def456 for this account")

    settings = AISettings(models=["x"], api_key="Abc123Def456")
    answer = asyncio.run(ask(FunctionModel(failing), "prompt", 10, settings))
    assert answer.error is not None and "invalid credentials" in answer.error
    assert "Abc123Def456" not in answer.error


@pytest.mark.parametrize(
    ("paired", "expected"),
    [
        ({}, "Bearer unused"),
        ({"WEAVERGEN_AI_API_KEY": "endpoint-key"}, "Bearer endpoint-key"),
    ],
)
def test_an_environment_key_never_goes_to_a_custom_endpoint(
    monkeypatch: pytest.MonkeyPatch, paired: dict[str, str], expected: str
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-users-real-openai-key")
    monkeypatch.delenv("WEAVERGEN_AI_API_KEY", raising=False)
    for name, value in paired.items():
        monkeypatch.setenv(name, value)
    with chat_server(lambda body: {"proposals": []}) as server:
        settings = AISettings(models=["openai:m"], endpoint=server.url)  # as a workspace setting names it
        asyncio.run(ask("openai:m", "prompt", 10, settings))
    assert [r["auth"] for r in server.requests] == [expected]
