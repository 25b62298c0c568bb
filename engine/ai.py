"""AI-suggested fixes: ask models for repairs of a diagnostic, offer only those the engine verifies.

Each model gets the diagnostic, the numbered YAML around it and registry context (the definitions the
lines refer to, the ids of the namespace, similar ids) and answers with structured proposals (line
edits plus a one-line rationale) through a pydantic-ai `Agent`. Proposals are applied to an in-memory
copy of the registry and re-checked: only those that remove the diagnostic and add no error survive.
Equivalent proposals from different models are grouped (by the YAML data they produce), and the fix
most models agree on comes first, ties going to the one that adds fewer warnings.
"""

from __future__ import annotations

import asyncio
import difflib
import itertools
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from weavergen.diagnostics import Diagnostic, Position, Range
from weavergen.fixes import Fix, TextEdit, apply_edits

if TYPE_CHECKING:
    from pydantic_ai.models import Model

    from weavergen.workspace import RegistryWorkspace

log = logging.getLogger("weavergen.ai")

CONTEXT_LINES = 12
MAX_PROPOSALS = 5
DEFAULT_TIMEOUT = 60.0
_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")

INSTRUCTIONS = """You repair OpenTelemetry semantic-convention registry files (YAML, weaver's format).
You get one diagnostic and the numbered lines of the file around it, with registry context.
Propose at most three alternative repairs. Each repair replaces whole lines: `start_line`..`end_line`
(1-based, inclusive) by `new_text` (complete lines, original indentation kept). To insert without
replacing, set `end_line` to `start_line - 1`. Change as little as possible, keep the registry's naming
conventions, and never invent attributes that the context does not support. `title` is a short
imperative phrase; `rationale` one sentence."""


class LineEdit(BaseModel):
    """Replace lines `start_line`..`end_line` (1-based, inclusive) by `new_text`."""

    start_line: int = Field(ge=1)
    end_line: int = Field(ge=0)
    new_text: str


class FixProposal(BaseModel):
    """One repair proposed by a model."""

    title: str = Field(max_length=120)
    rationale: str = Field(max_length=400)
    edits: list[LineEdit] = Field(min_length=1, max_length=8)


class FixProposals(BaseModel):
    """A model's answer: up to three alternative repairs."""

    proposals: list[FixProposal] = Field(max_length=MAX_PROPOSALS)


@dataclass(slots=True)
class AISettings:
    """Which models to ask and how: pydantic-ai model names, an OpenAI-compatible endpoint, a timeout."""

    models: list[str] = field(default_factory=list)
    endpoint: str | None = None
    api_key: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(
        cls, models: list[str] | None = None, endpoint: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> AISettings:
        """Settings from explicit values, else `$WEAVERGEN_AI_MODELS` (comma-separated) and
        `$WEAVERGEN_AI_ENDPOINT`: what the CLI uses."""
        names = models or os.environ.get("WEAVERGEN_AI_MODELS", "").split(",")
        return cls(
            models=[m.strip() for m in names if m.strip()],
            endpoint=endpoint or os.environ.get("WEAVERGEN_AI_ENDPOINT") or None,
            timeout=timeout,
        )

    def unavailable_reason(self) -> str | None:
        """Why no AI fix can be offered with these settings, or None when they are usable."""
        if not self.models:
            return (
                "AI fixes are off: no model is configured (set `weavergen.ai.models`, "
                "or pass --model, e.g. openai:gpt-4o-mini or anthropic:claude-sonnet-4-5)."
            )
        if self.endpoint:
            return None
        for name in self.models:
            provider = name.split(":", 1)[0] if ":" in name else ""
            env = _KEY_ENV.get(provider)
            if env and not (self.api_key or os.environ.get(env)):
                return f"AI fixes are off: model `{name}` needs {env} in the environment (or an API key)."
            if not provider:
                return (
                    f"AI fixes are off: `{name}` names no provider; write provider:model, e.g. openai:{name}."
                )
        return None


_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google-gla": "GEMINI_API_KEY",
    "groq": "GROQ_API_KEY",
    "mistral": "MISTRAL_API_KEY",
}


def build_model(name: str, settings: AISettings) -> Model:
    """A pydantic-ai model: through the OpenAI-compatible endpoint when one is set, else by its name."""
    if settings.endpoint:
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        model_name = name.split(":", 1)[1] if name.startswith("openai:") else name
        key = endpoint_key(settings) or "unused"
        return OpenAIChatModel(model_name, provider=OpenAIProvider(base_url=settings.endpoint, api_key=key))
    from pydantic_ai.models import infer_model

    if settings.api_key and name.startswith("openai:"):
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        return OpenAIChatModel(name.split(":", 1)[1], provider=OpenAIProvider(api_key=settings.api_key))
    if settings.api_key and name.startswith("anthropic:"):
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        return AnthropicModel(name.split(":", 1)[1], provider=AnthropicProvider(api_key=settings.api_key))
    return infer_model(name)


ENDPOINT_KEY_ENV = "WEAVERGEN_AI_API_KEY"
_PROVIDER_HOSTS = {"api.openai.com": "OPENAI_API_KEY"}


def endpoint_key(settings: AISettings) -> str | None:
    """The key sent to `settings.endpoint`: one paired with it (the `apiKey` set beside it, or
    `$WEAVERGEN_AI_API_KEY`), or a provider's environment key only for that provider's own host.

    A workspace setting can name the endpoint, so `$OPENAI_API_KEY` never goes to a host it was not
    issued for.
    """
    from urllib.parse import urlsplit

    if settings.api_key:
        return settings.api_key
    if os.environ.get(ENDPOINT_KEY_ENV):
        return os.environ[ENDPOINT_KEY_ENV]
    try:
        parts = urlsplit(settings.endpoint or "")
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    env = _PROVIDER_HOSTS.get(host)
    return os.environ.get(env) if env and parts.scheme == "https" else None


def secrets(settings: AISettings | None = None) -> list[str]:
    """Every configured secret: the settings' key, the endpoint's credentials, each provider's key."""
    from urllib.parse import urlsplit

    found = [settings.api_key or ""] if settings else []
    if settings and settings.endpoint:
        try:
            parts = urlsplit(settings.endpoint)
            found += [parts.password or "", parts.username or ""]
        except ValueError:
            pass
    names = {*_KEY_ENV.values(), ENDPOINT_KEY_ENV}
    names |= {k for k in os.environ if k.endswith(("_API_KEY", "_TOKEN", "_SECRET", "_ACCESS_KEY"))}
    found += [os.environ.get(name, "") for name in names]
    return sorted({v for v in found if len(v) >= 4}, key=len, reverse=True)


def redact(text: str, settings: AISettings | None = None) -> str:
    """`text` with every configured secret, and anything shaped like an API key, replaced."""
    for secret in secrets(settings):
        text = text.replace(secret, "[redacted]")
    return re.sub(r"(sk|key|token)[-_A-Za-z0-9]{8,}", "[redacted]", text)


# The prompt.


def fix_prompt(diagnostic: Diagnostic, ws: RegistryWorkspace) -> str:
    """What a model is told: the diagnostic, the numbered lines around it, and registry context."""
    path = diagnostic.file or ""
    text = ws.text_of(path) or ""
    lines = text.splitlines()
    line = diagnostic.range.start.line if diagnostic.range else 0
    lo, hi = max(0, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES + 1)
    numbered = "\n".join(f"{i + 1:>5} | {lines[i]}" for i in range(lo, hi))
    rel = os.path.relpath(path, ws.root) if path else "(registry)"
    at = f"line {line + 1}" if diagnostic.range else "no position"
    parts = [
        f"Diagnostic {diagnostic.code} ({diagnostic.severity}) in {rel}, {at}:",
        diagnostic.message,
    ]
    if diagnostic.help:
        parts.append(f"Hint: {diagnostic.help}")
    parts += [f"\nLines {lo + 1}-{hi} of {rel}:", numbered, _registry_context(diagnostic, ws, lines[lo:hi])]
    return "\n".join(parts)


def _registry_context(diagnostic: Diagnostic, ws: RegistryWorkspace, window: list[str]) -> str:
    """Definitions the lines mention, the ids of their namespaces, and ids similar to the unknown ones."""
    resolution = ws.snapshot().resolution
    attributes: dict[str, dict[str, Any]] = {}
    for group in resolution.groups:
        for attr in group.template().get("attributes", []):
            attributes.setdefault(attr["name"], attr)
    groups = {g.template().get("id", ""): g for g in resolution.groups}
    mentioned = set(_ID.findall("\n".join(window) + " " + diagnostic.message))
    out = ["\nRegistry context:"]
    known = sorted(m for m in mentioned if m in attributes)
    for name in known[:10]:
        a = attributes[name]
        brief = str(a.get("brief", "")).strip().splitlines()[0:1]
        out.append(f"- attribute {name}: type {json.dumps(a.get('type'))}, {a.get('stability')}, {brief}")
    for name in sorted(m for m in mentioned if m in groups)[:5]:
        out.append(f"- group {name} ({groups[name].template().get('type')})")
    namespaces = {m.rsplit(".", 1)[0] for m in mentioned}
    for ns in sorted(namespaces)[:3]:
        siblings = sorted(a for a in attributes if a.startswith(ns + "."))[:25]
        if siblings:
            out.append(f"- ids in namespace {ns}: {', '.join(siblings)}")
    for unknown in sorted(m for m in mentioned if m not in attributes and m not in groups)[:5]:
        close = difflib.get_close_matches(unknown, list(attributes) + list(groups), n=3, cutoff=0.7)
        if close:
            out.append(f"- `{unknown}` is not defined; similar: {', '.join(close)}")
    return "\n".join(out) if len(out) > 1 else ""


# Asking the models.


@dataclass(slots=True)
class ModelAnswer:
    """What one model answered, or why it did not."""

    model: str
    proposals: list[FixProposal] = field(default_factory=list)
    error: str | None = None


def model_label(model: Model | str) -> str:
    """A model's name for messages and counts."""
    return model if isinstance(model, str) else f"{model.system}:{model.model_name}"


async def ask(
    model: Model | str,
    prompt: str,
    timeout: float,
    settings: AISettings | None = None,
    label: str | None = None,
) -> ModelAnswer:
    """Ask one model for proposals; a timeout, a refusal or a provider error becomes `error`."""
    from pydantic_ai import Agent

    label = label or model_label(model)
    try:
        resolved = build_model(model, settings or AISettings()) if isinstance(model, str) else model
        agent: Agent[None, FixProposals] = Agent(
            resolved, output_type=FixProposals, instructions=INSTRUCTIONS
        )
        result = await asyncio.wait_for(agent.run(prompt), timeout)
        return ModelAnswer(label, list(result.output.proposals))
    except TimeoutError:
        return ModelAnswer(label, error=f"no answer within {timeout:g} s")
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a provider failure must not take the editor down; keys are never in it
        log.info("model %s failed: %s", label, type(exc).__name__)
        return ModelAnswer(label, error=f"{type(exc).__name__}: {redact(str(exc), settings)[:300]}")


# Verification and consensus.


@dataclass(slots=True)
class VerifiedFix:
    """A proposal the engine verified: the fix, how many models agreed, and what it costs in warnings."""

    fix: Fix
    rationale: str
    agreeing: list[str]
    asked: int
    new_warnings: int

    @property
    def label(self) -> str:
        """The code action title: the proposal's title and the agreement."""
        return f"AI fix: {self.fix.title} ({len(self.agreeing)}/{self.asked} models agree)"


@dataclass(slots=True)
class AISuggestions:
    """The verified fixes, best first, and what happened to the rest."""

    fixes: list[VerifiedFix] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def to_edit(edit: LineEdit, lines: list[str]) -> TextEdit:
    """A line edit as a text edit on the file (whole lines, a final newline kept)."""
    start = min(edit.start_line - 1, len(lines))
    end = min(max(edit.end_line, start), len(lines))
    new_text = edit.new_text if not edit.new_text or edit.new_text.endswith("\n") else edit.new_text + "\n"
    return TextEdit(Range(Position(start, 0), Position(end, 0)), new_text)


def _key(diagnostic: Diagnostic) -> tuple[str, str, str]:
    return (diagnostic.code, diagnostic.file or "", diagnostic.message)


def _normal_form(text: str) -> str:
    """What a proposal's result means, so equivalent YAML from different models groups together."""
    import yaml

    try:
        return json.dumps(yaml.safe_load(text), sort_keys=True, default=str)
    except yaml.YAMLError:
        return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def verify(
    ws: RegistryWorkspace, target: Diagnostic, path: str, new_text: str
) -> tuple[bool, int, str | None]:
    """Whether a file text removes the target diagnostic and adds no error; the warnings it adds; why not."""
    before = {_key(d) for ds in ws.all_diagnostics().values() for d in ds}
    after_by_file = ws.what_if({path: new_text})
    after = [d for ds in after_by_file.values() for d in ds]
    if any(_key(d) == _key(target) for d in after):
        return False, 0, "the diagnostic is still there"
    new_errors = [d for d in after if d.is_error and _key(d) not in before]
    if new_errors:
        return False, 0, f"it adds {new_errors[0].code}: {new_errors[0].message}"
    return True, sum(1 for d in after if not d.is_error and _key(d) not in before), None


def consensus(ws: RegistryWorkspace, target: Diagnostic, answers: Sequence[ModelAnswer]) -> AISuggestions:
    """Group equivalent proposals across models, verify each group once, order by agreement."""
    path = target.file or ""
    text = ws.text_of(path) or ""
    lines = text.splitlines(keepends=True)
    groups: dict[str, tuple[FixProposal, str, list[str]]] = {}
    out = AISuggestions(errors=[f"{a.model}: {a.error}" for a in answers if a.error])
    for answer in answers:
        for proposal in answer.proposals:
            edits = [to_edit(e, lines) for e in proposal.edits]
            if _overlapping(edits):
                out.rejected.append(f"{answer.model}: `{proposal.title}` has overlapping edits")
                continue
            result = apply_edits(text, edits)
            key = _normal_form(result)
            if key in groups:
                if answer.model not in groups[key][2]:
                    groups[key][2].append(answer.model)
            else:
                groups[key] = (proposal, result, [answer.model])
    for proposal, result, models in groups.values():
        ok, warnings, why = verify(ws, target, path, result)
        if not ok:
            out.rejected.append(f"`{proposal.title}` ({', '.join(models)}): {why}")
            continue
        fix = Fix(proposal.title.strip(), target.code, path, minimal_edits(text, result), preferred=False)
        out.fixes.append(VerifiedFix(fix, proposal.rationale.strip(), models, len(answers), warnings))
    out.fixes.sort(key=lambda f: (-len(f.agreeing), f.new_warnings))
    return out


def _overlapping(edits: list[TextEdit]) -> bool:
    spans = sorted((e.range.start.line, e.range.end.line) for e in edits)
    return any(b[0] < a[1] for a, b in itertools.pairwise(spans))


async def suggest_fixes(
    ws: RegistryWorkspace,
    target: Diagnostic,
    models: Sequence[Model | str],
    settings: AISettings | None = None,
) -> AISuggestions:
    """Ask every model at once, then verify and rank what they proposed."""
    settings = settings or AISettings()
    prompt = fix_prompt(target, ws)
    labels = [model_label(m) for m in models]
    labels = [f"{lb}#{i + 1}" if labels.count(lb) > 1 else lb for i, lb in enumerate(labels)]
    answers = await asyncio.gather(
        *(ask(m, prompt, settings.timeout, settings, label) for m, label in zip(models, labels, strict=True))
    )
    return consensus(ws, target, answers)


def minimal_edits(before: str, after: str) -> tuple[TextEdit, ...]:
    """The whole-file replacement of a verified fix as the smallest line edits, for diffs and editors."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            edits.append(TextEdit(Range(Position(i1, 0), Position(i2, 0)), "".join(b[j1:j2])))
    return tuple(edits)


def relative(path: str, root: Path) -> str:
    """A registry file's path for display."""
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


@dataclass(slots=True)
class AIFixRun:
    """What `ai_fix_registry` did: per diagnostic its suggestions, and the files it changed in memory."""

    suggestions: list[tuple[Diagnostic, AISuggestions]] = field(default_factory=list)
    originals: dict[str, str] = field(default_factory=dict)
    final: dict[str, str] = field(default_factory=dict)


async def ai_fix_registry(
    ws: RegistryWorkspace,
    models: Sequence[Model | str],
    settings: AISettings,
    codes: set[str] | None = None,
    limit: int = 10,
    only: set[str] | None = None,
) -> AIFixRun:
    """Ask for fixes of the diagnostics no quick fix covers, one at a time, applying the best one in memory.

    Each applied fix changes the registry the next diagnostic is verified against, so fixes never
    conflict. At most `limit` diagnostics are sent to the models; nothing is written to disk.
    """
    from weavergen.fixes import fixes_for

    run = AIFixRun()
    handled: set[tuple[str, str, str]] = set()
    while len(run.suggestions) < limit:
        target = None
        for path in ws.files():
            if only is not None and path not in only:
                continue
            spec = ws.snapshot().file(path)
            for d in ws.diagnostics(path):
                if _key(d) in handled or (codes is not None and d.code not in codes) or d.range is None:
                    continue
                if spec is not None and fixes_for(d, spec):
                    continue
                target = d
                break
            if target is not None:
                break
        if target is None:
            break
        handled.add(_key(target))
        found = await suggest_fixes(ws, target, models, settings)
        run.suggestions.append((target, found))
        if found.fixes:
            path = target.file or ""
            text = ws.text_of(path) or ""
            run.originals.setdefault(path, text)
            ws.update(path, apply_edits(text, found.fixes[0].fix.edits))
    run.final = {p: ws.text_of(p) or "" for p in run.originals}
    return run
