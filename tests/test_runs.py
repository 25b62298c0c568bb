"""The local store of workflow runs, per registry, and the Gantt chart of a run's spans.

"Show Last Run's Spans" must show this project's last run, never another registry's; and the chart's axis
must stay readable on runs longer than a second (the labels are computed by d3, as Mermaid draws them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_workflow import _mermaid_parser

from weavergen.runs import registry_key, spans_gantt
from weavergen.telemetry import TASK_NAME, SpanRecord

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "registry"
CLI = [sys.executable, "-m", "weavergen.cli"]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=300)


def test_debug_spans_shows_the_last_run_of_the_registry_asked_for(tmp_path: Path) -> None:
    env = {**os.environ, "WEAVERGEN_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    mine, other = tmp_path / "mine", tmp_path / "other"
    shutil.copytree(EXAMPLE, mine)
    shutil.copytree(EXAMPLE, other)
    assert _cli(env, "registry", "check", "-r", str(mine), "--skip-policies").returncode == 0
    # another process checks another registry afterwards
    assert _cli(env, "workflow", "run", "stats", "--param", f"registry={other}").returncode == 0

    def last(*args: str) -> dict[str, object]:
        done = _cli(env, "debug", "spans", "--format", "json", *args)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    assert last("-r", str(mine))["process"] == "registry_check"
    assert last("-r", str(mine))["registry"] == str(mine.resolve())
    # a relative path names the same registry
    relative = os.path.relpath(mine, Path.cwd())
    assert last("-r", relative)["registry"] == str(mine.resolve())
    assert last("-r", str(other))["process"] == "registry_stats"
    assert last()["process"] == "registry_stats"  # without -r: the last run on any registry
    never = _cli(env, "debug", "spans", "-r", str(tmp_path))
    assert never.returncode == 1 and f"No workflow run is recorded on {tmp_path}" in never.stderr


def test_registry_key_names_a_folder_by_its_resolved_path(tmp_path: Path) -> None:
    (tmp_path / "reg").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "reg")
    assert registry_key(str(tmp_path / "link")) == str((tmp_path / "reg").resolve())
    assert (
        registry_key("https://example.com/registry.zip[model]") == "https://example.com/registry.zip[model]"
    )
    assert registry_key(None) == registry_key("") == ""


def _run(total_ms: int) -> list[SpanRecord]:
    """A run of two tasks, the second ending `total_ms` after the first began."""
    t0 = 1_700_000_000_000_000_000
    return [
        SpanRecord("load", "t", "a", None, t0, t0 + total_ms * 400_000, "OK", {TASK_NAME: "Load"}),
        SpanRecord("resolve", "t", "b", None, t0 + total_ms * 400_000, t0 + total_ms * 1_000_000, "OK"),
    ]


def _axis_labels(chart: str) -> list[str]:
    """The tick labels Mermaid puts under the chart (d3 over the chart's `dateFormat x` range)."""
    axis = next(line.split("axisFormat", 1)[1].strip() for line in chart.splitlines() if "axisFormat" in line)
    end = max(int(line.rsplit(",", 1)[1]) for line in chart.splitlines() if line.strip().count(",") >= 2)
    parser = _mermaid_parser()
    done = subprocess.run(
        ["node", str(parser.parent / "axis.mjs")],
        input=json.dumps({"end": end, "axisFormat": axis}),
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


@pytest.mark.parametrize("total_ms", [400, 2_500, 7_000, 95_000])
def test_the_gantt_axis_labels_every_tick_differently(total_ms: int) -> None:
    chart = spans_gantt(_run(total_ms), "registry_check run 1")
    parsed = subprocess.run(
        ["node", str(_mermaid_parser())], input=chart, capture_output=True, text=True, check=False
    )
    assert parsed.returncode == 0, parsed.stderr
    labels = _axis_labels(chart)
    assert len(labels) >= 3
    assert len(set(labels)) == len(labels), labels  # before: every tick of a 7 s run read "000 ms"
    assert labels == sorted(labels)
