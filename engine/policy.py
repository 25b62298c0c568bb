"""Rego policies over a registry, as weaver's `weaver_checker` runs them (regorus, the engine weaver uses).

`PolicyEngine.load` gathers weaver's embedded helper package, the registry's own `*.rego` files and the
`-p` paths; `evaluate` runs `data.<stage>.deny` on a fresh clone of the engine and parses each element
into a `Finding` (`policy_findings`).
Evaluation results are cached on disk by a digest of everything that can change them, because a real
policy set takes seconds to evaluate and a warm re-check must not pay that again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from typing import Any

import regorus

from weavergen.cache import DiskCache
from weavergen.diagnostics import Diagnostic, Range
from weavergen.policy_findings import (
    INVALID_POLICY_HELP,
    Findings,
    evaluation_error_diagnostic,
    parse_findings,
)
from weavergen.sources import not_utf8_name

# Weaver embeds `defaults/rego/semconv.rego` under this name; the rule names are an interface that
# policies use (`data.semconv.registry_groups`…), the bodies follow weaver's documented behaviour.
SEMCONV_REGO_NAME = "defaults/rego/semconv.rego"
SEMCONV_REGO = """package semconv
import rego.v1

# Helpers over the current registry (`input.groups`) and the baseline registry (`data.groups`,
# present only for `comparison_after_resolution`). Package `semconv` has no `deny` rule.

baseline_groups := data.groups
groups := input.groups

registry_baseline_groups := [g | g := baseline_groups[_]; startswith(g.id, "registry.")]
registry_groups := [g | g := input.groups[_]; startswith(g.id, "registry.")]

baseline_attributes := {attr.name |
    some g in baseline_groups
    some attr in g.attributes
}

registry_baseline_attributes := {attr.name |
    some g in registry_baseline_groups
    some attr in g.attributes
}

attributes := {attr.name |
    some g in groups
    some attr in g.attributes
}

registry_attributes := {attr.name |
    some g in registry_groups
    some attr in g.attributes
}

baseline_group_ids_by_attribute := {attr.name: g.id |
    some g in registry_baseline_groups
    some attr in g.attributes
}
"""

_CACHE_FORMAT = "policy-eval-1"
_ACCESS_DENIED_HELP = "Verify that the specified path exists and has the appropriate permissions."
_UNSUPPORTED_PATH_HELP = "The specified path is neither a file nor a directory.”"
# regorus reports `--> <file>:<line>:<byte column>` (both one-based) above the offending line.
_LOCATION = re.compile(r"^-->\s*(?P<file>.*):(?P<line>\d+):(?P<col>\d+)\s*$", re.MULTILINE)


class PolicyEngine:
    """A loaded set of Rego policies that evaluates `data.<stage>.deny` with weaver's semantics."""

    def __init__(
        self,
        policies: Sequence[tuple[str, str]],
        engine: Any,
        packages: frozenset[str],
        cache: DiskCache | None = None,
    ) -> None:
        self.policies: tuple[tuple[str, str], ...] = tuple(policies)
        self.packages = packages
        self._engine = engine
        self._cache = cache if cache is not None else DiskCache("policies")
        self._digest = _policies_digest(self.policies)
        # Documented hook: how many times this engine actually ran regorus (cache hits do not count).
        self.regorus_evaluations = 0

    @classmethod
    def load(
        cls,
        paths: Sequence[str],
        registry_dir: str | None,
        *,
        cache: DiskCache | None = None,
    ) -> tuple[PolicyEngine, list[Diagnostic]]:
        """Load weaver's helper package, the registry's `*.rego` files and each `-p` path; bad ones become
        diagnostics and the rest keep working."""
        engine = regorus.Engine()
        loaded: list[tuple[str, str]] = []
        diagnostics: list[Diagnostic] = []
        sources: list[tuple[str, str | None]] = [(SEMCONV_REGO_NAME, SEMCONV_REGO)]
        if registry_dir is not None and os.path.isdir(registry_dir):
            sources.extend((path, None) for path in _walk_rego(registry_dir))
        for path in paths:
            found, diagnostic = _policy_path_files(path)
            sources.extend((file, None) for file in found)
            if diagnostic is not None:
                diagnostics.append(diagnostic)
        for name, text in sources:
            shown = not_utf8_name(name)
            if shown is not None:
                bad = invalid_policy_diagnostic(shown, None, "the file name is not valid UTF-8")
                bad.range = Range.of(0, 0, 0, 0)
                diagnostics.append(bad)
                continue
            if text is None:
                text, diagnostic = _read_policy(name)
                if diagnostic is not None:
                    diagnostics.append(diagnostic)
                    continue
            try:
                engine.add_policy(name, text)
            except RuntimeError as err:
                diagnostics.append(invalid_policy_diagnostic(name, text, regorus_error(err)))
                continue
            loaded.append((name, text))
        packages = frozenset(str(p) for p in engine.get_packages())
        return cls(loaded, engine, packages, cache), diagnostics

    def has_stage(self, stage: str) -> bool:
        """Whether some loaded package is exactly `data.<stage>` (weaver runs a stage only then)."""
        return f"data.{stage}" in self.packages

    def cache_key(self, stage: str, input_json: str, data_json: str | None) -> str:
        """The digest naming one evaluation's result in the disk cache."""
        digest = hashlib.sha256()
        for part in (
            _CACHE_FORMAT,
            self._digest,
            stage,
            input_json,
            data_json if data_json is not None else "",
        ):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        digest.update(b"data" if data_json is not None else b"nodata")
        return digest.hexdigest()

    def evaluate(
        self, stage: str, input_json: str, *, data_json: str | None = None, provenance: str = ""
    ) -> Findings:
        """Evaluate `data.<stage>.deny` on a clone of the engine; failures land in `.diagnostics`.

        `provenance` names the checked registry (weaver: the `-r` string) in those diagnostics.
        """
        return self.evaluate_many(stage, [(input_json, provenance)], data_json=data_json)[0]

    def evaluate_many(
        self, stage: str, inputs: Sequence[tuple[str, str]], *, data_json: str | None = None
    ) -> list[Findings]:
        """`evaluate` for each (input JSON, provenance); the ones not cached run together in one child
        process under the rendering budget (see `policy_run`), so a hostile policy cannot hang or kill us.
        """
        if not self.has_stage(stage):
            return [Findings() for _ in inputs]
        keys = [self.cache_key(stage, input_json, data_json) for input_json, _ in inputs]
        outcomes: list[tuple[str, str, str] | None] = []
        for key in keys:
            cached = self._cache.get(key)
            ok = isinstance(cached, tuple) and len(cached) == 3 and all(isinstance(x, str) for x in cached)
            outcomes.append(cached if ok else None)
        missing = [i for i, outcome in enumerate(outcomes) if outcome is None]
        if missing:
            from weavergen.policy_run import run_bounded

            self.regorus_evaluations += len(missing)
            ran = run_bounded(self.policies, stage, [inputs[i][0] for i in missing], data_json)
            if isinstance(ran, str):  # stopped: nothing is cached, a larger budget may let it finish
                stopped = Findings((), [self._stopped(stage, ran, inputs[0][1])])
                return [stopped, *(Findings() for _ in inputs[1:])]
            for i, outcome in zip(missing, ran, strict=True):
                outcomes[i] = outcome
                self._cache.put(keys[i], outcome)
        out = []
        for (_, provenance), found in zip(inputs, outcomes, strict=True):
            assert found is not None
            kind, code, text = found
            if kind == "error":
                out.append(Findings((), [evaluation_error_diagnostic(provenance, code, text)]))
            else:
                out.append(parse_findings(json.loads(text), provenance))
        return out

    def _stopped(self, stage: str, reason: str, provenance: str) -> Diagnostic:
        """The diagnostic of a stage stopped by the budget, on the `package` line of its first policy."""
        d = evaluation_error_diagnostic(
            provenance,
            "InvalidPolicyFile",
            f"Violation evaluation error: the `{stage}` policy stage {reason}; evaluation was stopped",
        )
        d.help = (
            "Look for a rule that iterates or builds without bound (numbers.range, nested `some`). The "
            "budget is set by $WEAVERGEN_RENDER_TIMEOUT (seconds) and $WEAVERGEN_RENDER_MEMORY_MB; see "
            "docs/security.md."
        )
        declaration = re.compile(rf"^\s*package\s+{re.escape(stage)}\s*$", re.M)
        for name, text in self.policies:
            found = declaration.search(text) if name != SEMCONV_REGO_NAME else None
            if found is not None:
                line = text.count("\n", 0, found.start())
                d.file = name
                d.range = Range.of(line, 0, line, len(found.group(0).strip()))
                break
        return d


def invalid_policy_diagnostic(file: str, text: str | None, error: str) -> Diagnostic:
    """Weaver's `InvalidPolicyFile` for a policy that cannot be read or parsed, placed where regorus says."""
    return Diagnostic(
        code="InvalidPolicyFile",
        message=f"Invalid policy file '{file}', error: {error})",
        file=file,
        range=_error_range(error, text),
        error={"type": "invalid_policy_file", "file": file, "error": error},
        help=INVALID_POLICY_HELP,
    )


def _policy_path_files(path: str) -> tuple[list[str], Diagnostic | None]:
    """The policy files a `-p` argument names, or weaver's `AccessDenied`/`UnsupportedPolicyPath`."""
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        reason = f"{err.strerror} (os error {err.errno})" if err.errno is not None else str(err)
        return [], Diagnostic(
            code="AccessDenied",
            message=f"Invalid policy path '{path}'",
            file=path,
            error={"type": "access_denied", "path": path, "error": reason},
            help=_ACCESS_DENIED_HELP,
        )
    if stat.S_ISREG(mode):
        return [path], None
    if stat.S_ISDIR(mode):
        return list(_walk_rego(path)), None
    return [], Diagnostic(
        code="UnsupportedPolicyPath",
        message=f"Invalid policy path '{path}'",
        file=path,
        error={"type": "unsupported_policy_path", "path": path},
        help=_UNSUPPORTED_PATH_HELP,
    )


def _walk_rego(root: str) -> Iterator[str]:
    """Every `*.rego` file under `root`, recursively, hidden entries skipped, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".rego") and not name.startswith("."):
                yield os.path.join(dirpath, name)


def _read_policy(path: str) -> tuple[str, Diagnostic | None]:
    """A policy file's text, or an `InvalidPolicyFile` diagnostic when it cannot be read as UTF-8."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read(), None
    except OSError as err:
        return "", invalid_policy_diagnostic(path, None, f"Failed to read {path}: {err.strerror}")
    except UnicodeDecodeError as err:
        return "", invalid_policy_diagnostic(path, None, f"Failed to read {path}: {err}")


def regorus_error(err: BaseException) -> str:
    """regorus's error text without the Rust backtrace the binding appends (weaver shows `Display`)."""
    text = str(err)
    cut = text.find("\n\nStack backtrace:")
    if cut < 0:
        cut = text.find("Stack backtrace:")
    return text[:cut] if cut >= 0 else text


def _error_range(error: str, text: str | None) -> Range | None:
    """The one-character range at regorus's `--> file:line:col` (col counted in UTF-8 bytes)."""
    match = _LOCATION.search(error)
    if match is None:
        return None
    line = int(match["line"]) - 1
    byte_col = int(match["col"]) - 1
    lines = (text or "").split("\n")
    line_text = lines[line] if 0 <= line < len(lines) else ""
    column = len(line_text.encode("utf-8")[: max(byte_col, 0)].decode("utf-8", "ignore"))
    end = column + 1 if column < len(line_text) else column
    return Range.of(max(line, 0), column, max(line, 0), end)


def _policies_digest(policies: Sequence[tuple[str, str]]) -> str:
    """A digest of every loaded policy's name and text, in load order."""
    digest = hashlib.sha256()
    for name, text in policies:
        for part in (name, text):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
    return digest.hexdigest()
