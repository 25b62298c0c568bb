"""Rough edges of the CLI, each pinned: progress on long runs, `--ignore`, the concise format, help that
shows a default once, messages that quote a path once."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from targets_support import ROOT, weavergen

from weavergen.builtin_targets import targets_root
from weavergen.check import CheckOptions, check_registry
from weavergen.forge import GenerateOptions
from weavergen.workflow_commands import run_generate

EXAMPLE = ROOT / "examples" / "registry"
V2_FILE_REGISTRY = """file_format: definition/2
attributes:
  - key: shop.order.id
    type: string
    stability: development
    brief: Identifier of the order.
    examples: ["o-1"]
"""
POLICY = """package after_resolution
import rego.v1
deny contains finding if {
  some group in input.groups
  group.id == "never"
  finding := {"id": "never", "context": {}, "message": "never", "level": "violation"}
}
"""


def test_policy_evaluation_reports_progress_before_each_evaluation(tmp_path: Path) -> None:
    (tmp_path / "policy.rego").write_text(POLICY, encoding="utf-8")
    calls: list[tuple[str, int, int]] = []
    check_registry(
        CheckOptions(registry=str(EXAMPLE), policies=[str(tmp_path / "policy.rego")]),
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    policies = [c for c in calls if c[0] == "policies"]
    # the start of the (long) evaluation is announced, not only its end
    assert policies[0][1] == 0 and policies[0][2] >= 1
    assert policies[-1][1] == policies[-1][2]


def test_generation_reports_rendering_and_writing(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    options = GenerateOptions(
        registry=str(EXAMPLE), templates=str(targets_root()), output=str(tmp_path), skip_policies=True
    )
    report, _ = run_generate(
        options, ["python", "go"], progress=lambda stage, done, total: calls.append((stage, done, total))
    )
    stages = [c[0] for c in calls]
    assert "render python" in stages and "rendered go" in stages
    writes = [c for c in calls if c[0] == "write"]
    assert writes[0][1] == 0 and writes[-1] == ("write", len(report.written), len(report.written))


def test_the_progress_bar_appears_even_while_the_engine_is_silent() -> None:
    from weavergen.cli.progress import PROGRESS_DELAY_SECONDS, _ProgressBar

    bar = _ProgressBar()
    bar.update("policies", 0, 1)  # then nothing for a long evaluation
    deadline = time.monotonic() + PROGRESS_DELAY_SECONDS + 5
    while bar._task is None and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert bar._progress is not None
        assert bar._progress.tasks[0].description == "policies"
    finally:
        bar.stop()


@pytest.fixture
def v2_registry(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "registry.yaml").write_text(V2_FILE_REGISTRY, encoding="utf-8")
    return folder


def test_ignore_leaves_a_code_out_on_the_command_line_and_in_weaver_toml(v2_registry: Path) -> None:
    shown = weavergen(
        "registry", "check", "-r", str(v2_registry), "--skip-policies", "--diagnostic-format", "json"
    )
    assert "UnstableFileFormat" in shown.stderr  # diagnostics go to stderr, as in weaver
    for args in (
        ["registry", "check", "--ignore", "UnstableFileFormat"],
        ["--ignore=UnstableFileFormat", "registry", "check"],
    ):
        proc = weavergen(*args, "-r", str(v2_registry), "--skip-policies", "--diagnostic-format", "json")
        assert proc.returncode == 0, proc.stderr
        assert "UnstableFileFormat" not in proc.stdout + proc.stderr
    (v2_registry.parent / ".weaver.toml").write_text(
        '[registry]\npath = "model"\n[diagnostics]\nignore = ["UnstableFileFormat"]\n', encoding="utf-8"
    )
    proc = weavergen("registry", "check", "--skip-policies", cwd=v2_registry.parent)
    assert proc.returncode == 0, proc.stderr
    assert "UnstableFileFormat" not in proc.stderr and "No problems found" in proc.stderr


def test_concise_is_one_line_per_diagnostic(v2_registry: Path) -> None:
    (v2_registry / "other.yaml").write_text(
        V2_FILE_REGISTRY.replace("shop.order.id", "shop.cart.id"), "utf-8"
    )
    proc = weavergen(
        "registry", "check", "-r", str(v2_registry), "--skip-policies", "--diagnostic-format", "concise"
    )
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3, proc.stderr  # two diagnostics and the summary
    assert re.match(r".*registry\.yaml:1:14: warning\[UnstableFileFormat\]: File format", lines[1] + lines[0])
    assert lines[-1] == "⚠ 2 warnings in 2 files"


def test_help_shows_each_default_once() -> None:
    for command in (["registry", "resolve"], ["registry", "search"], ["registry", "emit"], ["regenerate"]):
        text = " ".join(weavergen(*command, "--help").stdout.split())
        for option in re.split(r" (?=-)", text):
            assert option.count("[default:") <= 1, f"{command}: {option}"


def test_a_path_in_a_message_is_quoted_once_for_people_and_as_weaver_in_json(tmp_path: Path) -> None:
    folder = tmp_path / "reg"
    folder.mkdir()
    (folder / "spans.yaml").write_text(
        "groups:\n  - id: span.x\n    type: span\n    span_kind: client\n    stability: development\n"
        "    brief: A span.\n",
        encoding="utf-8",
    )
    text = weavergen("registry", "check", "-r", str(folder), "--skip-policies")
    assert f"detected while resolving '{folder}/spans.yaml'" in text.stderr
    assert "'\"" not in text.stderr
    raw = weavergen("registry", "check", "-r", str(folder), "--skip-policies", "--diagnostic-format", "json")
    message = json.loads(raw.stderr)[0]["diagnostic"]["message"]
    assert f"'\"{folder}/spans.yaml\"'" in message  # weaver's own text, for machines


def test_registry_generate_without_a_target_says_where_it_looked(tmp_path: Path) -> None:
    (tmp_path / "templates" / "registry" / "docs").mkdir(parents=True)
    proc = weavergen("registry", "generate", "-r", str(EXAMPLE), "--skip-policies", "nope", cwd=tmp_path)
    assert proc.returncode == 1
    assert (
        "Target `nope` not found in `templates`. The targets in `templates/registry` are: docs."
        in proc.stderr
    )
    missing = weavergen(
        "registry", "generate", "-r", str(EXAMPLE), "--skip-policies", cwd=tmp_path / "templates"
    )
    assert "No TARGET was given in `templates`. The folder `templates` does not exist." in missing.stderr
    assert "Target `` not found" not in missing.stderr
    helptext = " ".join(weavergen("registry", "generate", "--help").stdout.split())
    assert (
        "<templates>/registry/<TARGET> when <templates>/registry exists, else <templates>/<TARGET>"
        in helptext
    )


SEARCHABLE = """groups:
  - id: registry.app
    type: attribute_group
    brief: App attributes.
    attributes:
      - id: app.timeout
        type: int
        stability: stable
        brief: How long a request may last before its duration is cut short by the server, in seconds.
        examples: [30]
  - id: metric.http.server.request.duration
    type: metric
    metric_name: http.server.request.duration
    instrument: histogram
    unit: s
    stability: stable
    brief: Duration of HTTP server requests, from the first byte received to the last byte sent.
"""


def test_search_ranks_the_named_match_first_and_keeps_the_brief_readable_at_80_columns(
    tmp_path: Path,
) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "registry.yaml").write_text(SEARCHABLE, encoding="utf-8")
    proc = weavergen(
        "registry", "search", "request duration", "-r", str(tmp_path / "model"), "--format", "json"
    )
    hits = json.loads(proc.stdout)
    assert [h["id"] for h in hits] == ["metric.http.server.request.duration", "app.timeout"]
    narrow = subprocess.run(
        [
            sys.executable,
            "-m",
            "weavergen.cli",
            "registry",
            "search",
            "request duration",
            "-r",
            str(tmp_path / "model"),
        ],
        env={**os.environ, "COLUMNS": "80", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert narrow.returncode == 0, narrow.stderr
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80
    words = " ".join(narrow.stdout.split())
    assert "Duration of HTTP server requests, from the first byte received to the last byte sent." in words
