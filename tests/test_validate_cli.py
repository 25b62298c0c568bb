"""`weavergen validate PATH --format rich|json|sarif|mermaid`: a registry folder or one file of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from targets_support import weavergen

from weavergen.mermaid import read_flowchart

GOOD = """groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - id: shop.order.id
        type: string
        stability: development
        brief: Identifier of the order.
        examples: ["o-1"]
"""
BROKEN = """groups:
  - id: metric.shop.orders
    type: metric
    metric_name: shop.orders
    instrument: counter
    unit: "{order}"
    stability: development
    brief: Orders.
    attributes:
      - ref: shop.order.missing
"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A registry with a good file and a file whose metric references an unknown attribute."""
    folder = tmp_path / "reg"
    folder.mkdir()
    (folder / "registry.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "metrics.yaml").write_text(BROKEN, encoding="utf-8")
    return folder


def test_a_folder_shows_every_diagnostic_and_exits_1(registry: Path) -> None:
    proc = weavergen("validate", str(registry), "--format", "json", "--skip-policies")
    assert proc.returncode == 1
    found = json.loads(proc.stdout)
    assert found and all(d["diagnostic"]["file"].endswith("metrics.yaml") for d in found)
    assert "shop.order.missing" in proc.stdout


def test_a_file_shows_only_its_own_diagnostics(registry: Path) -> None:
    good = weavergen("validate", str(registry / "registry.yaml"), "--format", "json", "--skip-policies")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout) == []
    bad = weavergen("validate", str(registry / "metrics.yaml"), "--skip-policies")
    assert bad.returncode == 1
    assert "metrics.yaml:10" in bad.stderr + bad.stdout


def test_sarif(registry: Path) -> None:
    proc = weavergen("validate", str(registry), "--format", "sarif", "--skip-policies")
    assert proc.returncode == 1
    sarif = json.loads(proc.stdout)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]


def test_mermaid_draws_the_check_as_it_ran(registry: Path) -> None:
    proc = weavergen("validate", str(registry), "--format", "mermaid", "--skip-policies")
    assert proc.returncode == 1
    chart = read_flowchart(proc.stdout)
    assert chart.classes["evaluate_policies"] == "skipped"  # --skip-policies: never reached
    assert chart.classes["load_failed"] == "skipped"
    assert chart.classes["load"] == "passed"
    assert chart.classes["report"] == "failed"  # it reported the error
    _, label = chart.nodes["resolve"]
    assert " ms, " in label and label.rstrip("s").endswith(" diagnostic")
    assert "classDef failed" in proc.stdout


def test_mermaid_of_a_clean_registry_has_no_failed_task(registry: Path) -> None:
    (registry / "metrics.yaml").unlink()
    proc = weavergen("validate", str(registry), "--format", "mermaid", "--skip-policies")
    assert proc.returncode == 0
    chart = read_flowchart(proc.stdout)
    assert "failed" not in {chart.classes[n] for n in ("load", "resolve", "report")}
    assert "0 diagnostics" in chart.nodes["report"][1]


def test_a_missing_path_and_an_unknown_format(tmp_path: Path) -> None:
    missing = weavergen("validate", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    bad = weavergen("validate", str(tmp_path), "--format", "xml")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
