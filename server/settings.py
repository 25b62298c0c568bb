"""The `weavergen.*` editor settings, read from any of the three channels clients use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weavergen.ai import AISettings
from weavergen.workspace import WorkspaceOptions

SECTION = "weavergen"
DEFAULT_DEBOUNCE_MS = 30


@dataclass(slots=True)
class Settings:
    """Every setting of the language server (documented in docs/settings.md)."""

    registry_path: str | None = None
    policies: list[str] = field(default_factory=list)
    skip_policies: bool = False
    future: bool = False
    v2: bool = False
    generate_on_save: list[str] = field(default_factory=list)
    templates: str = "templates"
    output: str = "output"
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    ai: AISettings = field(default_factory=AISettings)
    review_enabled: str = "mechanical"
    """`mechanical` (the definite review findings), `all` (heuristics too, as Hints) or `off`."""

    @classmethod
    def from_any(cls, value: Any) -> Settings:
        """Settings from `{weavergen: {...}}`, `{settings: {...}}` or a flat dict; bad values fall back."""
        raw = _section(value)
        s = cls()
        if isinstance(raw.get("registryPath"), str) and raw["registryPath"].strip():
            s.registry_path = raw["registryPath"].strip()
        s.policies = _strings(raw.get("policies"))
        s.generate_on_save = _strings(raw.get("generateOnSave"))
        for key in ("templates", "output"):
            if isinstance(raw.get(key), str) and raw[key].strip():
                setattr(s, key, raw[key].strip())
        for key, attr in (("skipPolicies", "skip_policies"), ("future", "future"), ("v2", "v2")):
            if isinstance(raw.get(key), bool):
                setattr(s, attr, raw[key])
        s.ai = _ai(raw)
        s.review_enabled = _review_mode(raw)
        debounce = raw.get("debounceMs")
        if isinstance(debounce, int | float) and not isinstance(debounce, bool) and 0 <= debounce <= 10_000:
            s.debounce_ms = int(debounce)
        return s

    def workspace_options(self) -> WorkspaceOptions:
        """What the engine needs of these settings."""
        return WorkspaceOptions(
            policies=list(self.policies), skip_policies=self.skip_policies, future=self.future, v2=self.v2
        )


def _ai(raw: dict[str, Any]) -> AISettings:
    """`ai: {models, endpoint, apiKey, timeout}` (or the dotted `ai.models`… keys)."""
    found = raw.get("ai")
    nested: dict[str, Any] = found if isinstance(found, dict) else {}
    ai = {**nested, **{k[3:]: v for k, v in raw.items() if k.startswith("ai.")}}
    settings = AISettings(models=_strings(ai.get("models")))
    for key, attr in (("endpoint", "endpoint"), ("apiKey", "api_key")):
        if isinstance(ai.get(key), str) and ai[key].strip():
            setattr(settings, attr, ai[key].strip())
    timeout = ai.get("timeout")
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and 1 <= timeout <= 600:
        settings.timeout = float(timeout)
    return settings


def _review_mode(raw: dict[str, Any]) -> str:
    """`review: {enabled}` or `review.enabled`: true (`all`), false (`off`), or one of the mode names."""
    nested = raw.get("review")
    value = nested.get("enabled") if isinstance(nested, dict) else raw.get("review.enabled")
    if isinstance(value, bool):
        return "all" if value else "off"
    return value if value in ("mechanical", "all", "off") else "mechanical"


def _section(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    for key in (SECTION, "settings"):
        inner = value.get(key)
        if isinstance(inner, dict):
            return _section(inner) if key == "settings" else inner
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []
