"""The 30 golden policy cases of opentelemetry-weaver-packages, run through our CLI as upstream's
`buildscripts/test_weaver_policies.sh` runs weaver (v2-and-policy-inputs.md §5)."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from weavergen.policy_findings import Finding, finding_diagnostic

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures"))
CHECK_PACKAGES = FIXTURES / "weaver-packages" / "policies" / "check"
EXPECTED_NAME = "expected-diagnostic-output.json"
# upstream's validate_signal_conventions: signals are named by signal_type/signal_name, not by context keys
SIGNAL_KEY = re.compile(r"^(metric|event|span|entity)[_.](name|type)$")


def golden_cases() -> list[Path]:
    """Every `<package>/tests/<case>` folder, in a stable order."""
    return sorted(p for p in CHECK_PACKAGES.glob("*/tests/*") if p.is_dir())


CASES = golden_cases()


def normalise(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Upstream's `N`, then `sort_by(.diagnostic.message)`: an empty, null or missing context is deleted
    and the literal `, context={}` removed from the message (`context=None` stays)."""
    out = []
    for item in copy.deepcopy(items):
        violation = item["error"]["violation"]
        if violation.get("context") in ({}, None):
            violation.pop("context", None)
            item["diagnostic"]["message"] = item["diagnostic"]["message"].replace(", context={}", "")
        out.append(item)
    return sorted(out, key=lambda item: item["diagnostic"]["message"])


def policy_findings(stdout: str) -> list[dict[str, Any]]:
    """The policy findings of a `--diagnostic-format json --diagnostic-stdout` run, projected to the
    goldens' shape (our JSON adds documented fields such as `file`, `range` and `code`)."""
    lines = stdout.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("[")), None)
    assert start is not None, f"no JSON array line in the output:\n{stdout}"
    value, _ = json.JSONDecoder().raw_decode("".join(lines[start:]))
    assert isinstance(value, list)
    return [
        {"diagnostic": {"message": item["diagnostic"]["message"]}, "error": item["error"]}
        for item in value
        if isinstance(item, dict)
        and (item.get("error") or {}).get("violation", {}).get("type") == "PolicyFinding"
    ]


def weavergen_command() -> list[str]:
    """The installed console script next to this interpreter, else the CLI module."""
    script = Path(sys.executable).with_name("weavergen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "weavergen.cli"]


def test_all_thirty_golden_cases_are_present() -> None:
    assert CHECK_PACKAGES.is_dir(), f"fixtures missing: {CHECK_PACKAGES} (set WEAVERGEN_FIXTURES)"
    assert len(CASES) == 30
    assert all((case / EXPECTED_NAME).is_file() and (case / "current").is_dir() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_expected_messages_match_our_rendering(case: Path) -> None:
    """Our `finding_diagnostic` renders each golden's error object into the golden's exact message."""
    expected = json.loads((case / EXPECTED_NAME).read_text(encoding="utf-8"))
    rendered = []
    for item in expected:
        violation = item["error"]["violation"]
        finding = Finding(
            id=violation["id"],
            level=violation["level"],
            message=violation["message"],
            # The goldens drop empty contexts; weaver printed them as `context={}`, which N strips.
            context=violation.get("context", {}),
            signal_type=violation["signal_type"],
            signal_name=violation["signal_name"],
        )
        diagnostic = finding_diagnostic(finding, item["error"]["provenance"])
        rendered.append({"diagnostic": {"message": diagnostic.message}, "error": diagnostic.error})
    assert normalise(rendered) == normalise(expected)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_golden_policy_case(case: Path, tmp_path: Path) -> None:
    package_dir = case.parent.parent
    command = [*weavergen_command(), "registry", "check", "-r", "current"]
    if (case / "base").is_dir():
        command += ["--baseline-registry", "base"]
    command += [
        "-p",
        str(package_dir),
        "--v2",
        "--quiet",
        "--diagnostic-format",
        "json",
        "--diagnostic-stdout",
    ]
    env = {**os.environ, "NO_COLOR": "1", "WEAVERGEN_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run(command, cwd=case, env=env, capture_output=True, text=True, timeout=600)
    observed = [
        item
        for item in policy_findings(run.stdout)
        if "is not yet stable" not in item["diagnostic"]["message"]
    ]
    expected = json.loads((case / EXPECTED_NAME).read_text(encoding="utf-8"))
    assert normalise(observed) == normalise(expected), run.stderr
    for item in observed:
        violation = item["error"]["violation"]
        assert not any(SIGNAL_KEY.match(key) for key in (violation.get("context") or {}))
        assert not (violation["signal_type"] is not None and violation["signal_name"] is None)
