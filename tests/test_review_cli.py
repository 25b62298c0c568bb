"""`weavergen registry review` end to end: formats, exit codes, a broken registry, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_review import CLEAN


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    text = CLEAN.replace("unit: s\n", "unit: seconds\n").replace(
        "The identifier the checkout service gives an order when it is placed.", "The shop order ID."
    )
    (folder / "registry.yaml").write_text(text, encoding="utf-8")
    return folder


def test_json_report_has_the_score_namespaces_and_findings(shop: Path) -> None:
    result = run("registry", "review", "-r", str(shop), "--format", "json", cwd=shop.parent)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["definitions"] == 3 and 0 < data["score"] < 100
    assert [n["namespace"] for n in data["namespaces"]] == ["shop"]
    findings = [f["diagnostic"] for f in data["findings"]]
    assert sorted(f["code"] for f in findings) == ["ReviewBriefRepeatsId", "ReviewInvalidUnit"]
    assert all(f["url"].endswith("diagnostics.md#" + f["code"].lower()) for f in findings)
    unit = next(f for f in data["findings"] if f["diagnostic"]["code"] == "ReviewInvalidUnit")
    assert unit["review"] == {
        "item": "metric:shop.checkout.duration",
        "namespace": "shop",
        "concern": "naming",
        "cost": 0.4,
    }
    again = run("registry", "review", "-r", str(shop), "--format", "json", cwd=shop.parent)
    assert again.stdout == result.stdout


def test_ansi_markdown_and_sarif(shop: Path) -> None:
    ansi = run("registry", "review", "-r", str(shop), cwd=shop.parent)
    assert ansi.returncode == 0
    assert "Registry quality score:" in ansi.stdout and "ReviewInvalidUnit" in ansi.stdout
    assert "help: Write `s`." in ansi.stdout and "unit: seconds" in ansi.stdout  # the source line is quoted
    markdown = run("registry", "review", "-r", str(shop), "--format", "markdown", cwd=shop.parent)
    assert markdown.stdout.startswith("# Registry review") and "| `shop` |" in markdown.stdout
    sarif = json.loads(
        run("registry", "review", "-r", str(shop), "--format", "sarif", cwd=shop.parent).stdout
    )
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == ["ReviewBriefRepeatsId", "ReviewInvalidUnit"]
    assert all(r["level"] == "note" for r in sarif["runs"][0]["results"])


def test_fail_under_and_namespace(shop: Path) -> None:
    low = run(
        "registry", "review", "-r", str(shop), "--fail-under", "99.5", "--format", "json", cwd=shop.parent
    )
    assert low.returncode == 1 and "below 99.5" in low.stderr
    assert run("registry", "review", "-r", str(shop), "--fail-under", "10", cwd=shop.parent).returncode == 0
    missing = run("registry", "review", "-r", str(shop), "-n", "nothing", cwd=shop.parent)
    assert missing.returncode == 1 and "no namespace `nothing`" in missing.stderr


def test_an_invalid_registry_is_not_reviewed(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "registry.yaml").write_text(
        "groups:\n  - id: registry.shop\n    type: attribute_group\n    brief: x\n    attributes:\n"
        "      - ref: shop.missing\n",
        encoding="utf-8",
    )
    result = run("registry", "review", "-r", str(folder), "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == "" and "shop.missing" in result.stderr


def test_unknown_format_is_a_usage_error(shop: Path) -> None:
    result = run("registry", "review", "-r", str(shop), "--format", "yaml", cwd=shop.parent)
    assert result.returncode == 2 and "not one of" in result.stderr
