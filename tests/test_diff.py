"""`registry diff`: change types on small registries, 1.43.0 → 1.44.0 in every format, its process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from weavergen.check import CheckOptions
from weavergen.diff import DIFF_FORMATS, ITEM_KINDS, V2_ITEMS, diff_schema, render
from weavergen.operations import RunContext
from weavergen.telemetry import TASK_ID
from weavergen.workflow import WorkflowRun, run_workflow

BASE = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - {id: shop.kept, type: string, stability: stable, brief: Kept., examples: ["a"]}
      - {id: shop.old_name, type: string, stability: stable, brief: Renamed later., examples: ["a"]}
      - {id: shop.obsolete, type: int, stability: stable, brief: Obsoleted later.}
      - {id: shop.vague, type: int, stability: stable, brief: Deprecated for no given reason later.}
      - {id: shop.gone, type: int, stability: stable, brief: Removed later.}
      - id: shop.long_deprecated
        type: int
        stability: development
        brief: Already deprecated in the baseline.
        deprecated: {reason: obsoleted, note: Long gone.}
  - id: metric.shop.orders
    type: metric
    metric_name: shop.orders
    brief: Orders.
    instrument: counter
    unit: "{order}"
    stability: stable
  - id: event.shop.checkout
    type: event
    name: shop.checkout
    brief: Checkout.
    stability: development
  - id: span.shop.checkout
    type: span
    span_kind: server
    brief: Checkout.
    stability: development
"""

HEAD = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - {id: shop.kept, type: string, stability: stable, brief: Kept., examples: ["a"]}
      - id: shop.old_name
        type: string
        stability: stable
        brief: Renamed.
        examples: ["a"]
        deprecated: {reason: renamed, renamed_to: shop.new_name}
      - {id: shop.new_name, type: string, stability: stable, brief: The new name., examples: ["a"]}
      - id: shop.obsolete
        type: int
        stability: stable
        brief: Obsoleted.
        deprecated: {reason: obsoleted, note: No longer measured.}
      - id: shop.vague
        type: int
        stability: stable
        brief: Deprecated.
        deprecated: {reason: uncategorized}
      - id: shop.long_deprecated
        type: int
        stability: development
        brief: Already deprecated in the baseline.
        deprecated: {reason: obsoleted, note: Long gone.}
  - id: metric.shop.orders
    type: metric
    metric_name: shop.orders
    brief: Orders.
    instrument: counter
    unit: "{order}"
    stability: stable
    deprecated: {reason: renamed, renamed_to: shop.order.count}
  - id: metric.shop.order.count
    type: metric
    metric_name: shop.order.count
    brief: Orders.
    instrument: counter
    unit: "{order}"
    stability: stable
  - id: event.shop.refund
    type: event
    name: shop.refund
    brief: Refund.
    stability: development
  - id: span.shop.checkout
    type: span
    span_kind: server
    brief: Checkout.
    stability: development
    deprecated: {reason: renamed, renamed_to: shop.pay}
  - id: span.shop.pay
    type: span
    span_kind: server
    brief: Payment.
    stability: development
"""


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m weavergen.cli ARGS` in `cwd`, colours off."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def registries(tmp_path: Path) -> tuple[Path, Path]:
    """The baseline and head shop registries, as folders."""
    base, head = tmp_path / "base", tmp_path / "head"
    for folder, text in ((base, BASE), (head, HEAD)):
        folder.mkdir()
        (folder / "shop.yaml").write_text(text, encoding="utf-8")
    return base, head


def diff_run(head: Path | str, base: Path | str, v2: bool = False) -> WorkflowRun:
    """The registry_diff process over two registries."""
    options = CheckOptions(registry=str(head), skip_policies=True, baseline_registry=str(base), v2=v2)
    return run_workflow("registry_diff", {}, RunContext(options), store=False)


def test_every_change_type_on_small_registries_through_the_process(tmp_path: Path) -> None:
    base, head = registries(tmp_path)
    run = diff_run(head, base)
    assert not run.failed and run.end_events == ["done"]
    assert [d for d in run.diagnostics if d.code == "InvalidWorkflowRun"] == []
    path = [str(s.attributes[TASK_ID]) for s in run.spans if TASK_ID in s.attributes]
    assert path == ["start", "load", "found", "resolve", "baseline", "report", "valid", "diff", "done"]
    diff = run.context.outputs["diff"]
    attrs = diff["changes"]["registry_attributes"]
    assert attrs == [
        {"type": "removed", "name": "shop.gone"},
        {"type": "added", "name": "shop.new_name"},
        {"type": "obsoleted", "name": "shop.obsolete", "note": "No longer measured."},
        {
            "type": "renamed",
            "old_name": "shop.old_name",
            "new_name": "shop.new_name",
            "note": "Replaced by `shop.new_name`.",
        },
        {"type": "uncategorized", "name": "shop.vague", "note": "Uncategorized."},
    ]
    assert diff["changes"]["metrics"] == [
        {"type": "added", "name": "shop.order.count"},
        {
            "type": "renamed",
            "old_name": "shop.orders",
            "new_name": "shop.order.count",
            "note": "Replaced by `shop.order.count`.",
        },
    ]
    assert diff["changes"]["events"] == [
        {"type": "removed", "name": "shop.checkout"},
        {"type": "added", "name": "shop.refund"},
    ]
    assert diff["changes"]["spans"] == []  # v1 spans have no stable name: weaver lists none
    jsonschema.validate(diff, diff_schema())

    v2 = diff_run(head, base, v2=True).context.outputs["diff"]
    assert list(v2["changes"]) == list(V2_ITEMS)
    assert v2["changes"]["registry_attributes"] == attrs
    assert v2["changes"]["spans"] == [
        {
            "type": "renamed",
            "old_name": "shop.checkout",
            "new_name": "shop.pay",
            "note": "Replaced by `shop.pay`.",
        },
        {"type": "added", "name": "shop.pay"},
    ]
    assert "Renamed Spans:\n  - Rename shop.checkout to shop.pay" in render(v2, "ansi")

    same = diff_run(head, head).context.outputs["diff"]
    assert all(same["changes"][k] == [] for k in ITEM_KINDS)


def test_formats_render_every_change(tmp_path: Path) -> None:
    base, head = registries(tmp_path)
    diff = diff_run(head, base).context.outputs["diff"]
    ansi = render(diff, "ansi")
    assert "Add shop.new_name" in ansi
    assert "Rename shop.old_name to shop.new_name (Note: Replaced by `shop.new_name`.)" in ansi
    assert "shop.obsolete (Note: No longer measured.)" in ansi and "  - shop.gone" in ansi
    assert "\x1b[" not in ansi and "\x1b[" in render(diff, "ansi", color=True)
    markdown = render(diff, "markdown")
    assert "## Registry Attributes\n### Added\n- shop.new_name\n" in markdown
    assert "- shop.old_name --> shop.new_name" in markdown and "### Removed\n- shop.gone" in markdown
    stats = render(diff, "ansi-stats")
    assert "Registry Attributes Changes\n    Added         : 1\n    Renamed       : 1\n" in stats
    assert yaml.safe_load(render(diff, "yaml")) == diff
    assert json.loads(render(diff, "json")) == diff == json.loads(render(diff, "jsonl"))
    assert render(diff, "mute") == ""


def _attribute_keys(model: Path) -> set[str]:
    """Registry attribute names read straight from the YAML: v1 `registry.*` groups and v2 `attributes`."""
    keys: set[str] = set()
    for file in model.rglob("*.yaml"):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        for group in data.get("groups") or []:
            if group.get("type") == "attribute_group" and str(group.get("id", "")).startswith("registry."):
                keys.update(a["id"] for a in group.get("attributes") or [] if "id" in a)
        keys.update(a["key"] for a in data.get("attributes") or [] if isinstance(a, dict) and "key" in a)
    return keys


def test_semconv_1_43_to_1_44_lists_the_new_attributes(fixtures: Path, tmp_path: Path) -> None:
    old, new = fixtures / "semconv/v1.43.0/model", fixtures / "semconv/v1.44.0/model"
    result = cli(
        "registry", "diff", "-r", str(new), "--baseline-registry", str(old), "--format", "json", "-o", ".",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    diff: dict[str, Any] = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    jsonschema.validate(diff, json.loads(cli("registry", "json-schema", "-j", "diff", cwd=tmp_path).stdout))
    assert diff["head"]["semconv_version"] == "1.44.0" and diff["baseline"]["semconv_version"] == "1.43.0"

    expected_new = _attribute_keys(new) - _attribute_keys(old)
    assert "messaging.kafka.cluster.id" in expected_new
    attrs = diff["changes"]["registry_attributes"]
    added = {c["name"] for c in attrs if c["type"] == "added"}
    assert added == expected_new
    assert {c["name"] for c in attrs if c["type"] == "removed"} == _attribute_keys(old) - _attribute_keys(new)

    for fmt in DIFF_FORMATS:
        text = render(diff, fmt)
        if fmt == "mute":
            assert text == ""
        elif fmt == "ansi-stats":
            assert f"    Added         : {len(added)}\n" in text
        else:
            assert all(name in text for name in added), fmt


def test_missing_baseline_is_a_positioned_diagnostic_not_a_traceback(tmp_path: Path) -> None:
    _, head = registries(tmp_path)
    result = cli("registry", "diff", "-r", str(head), "--baseline-registry", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "RegistryNotFound" in result.stderr and "nowhere" in result.stderr
    assert "Traceback" not in result.stderr
    usage = cli("registry", "diff", "-r", str(head), cwd=tmp_path)
    assert usage.returncode == 2 and "--baseline-registry" in usage.stderr


def test_templates_folder_renders_custom_formats(tmp_path: Path) -> None:
    base, head = registries(tmp_path)
    names = tmp_path / "diff_templates" / "names"
    names.mkdir(parents=True)
    (names / "weaver.yaml").write_text(
        "templates:\n  - template: names.txt.j2\n    filter: .changes.registry_attributes\n"
        "    application_mode: single\n",
        encoding="utf-8",
    )
    (names / "names.txt.j2").write_text(
        "{% for c in ctx %}{{ c.type }} {{ c.name or c.old_name }}\n{% endfor %}", encoding="utf-8"
    )
    args = ("registry", "diff", "-r", str(head), "--baseline-registry", str(base), "--format", "names")
    shown = cli(*args, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "removed shop.gone",
        "added shop.new_name",
        "obsoleted shop.obsolete",
        "renamed shop.old_name",
        "uncategorized shop.vague",
    ]
    written = cli(*args, "-o", "out", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "out" / "names.txt").read_text(encoding="utf-8") == shown.stdout
    unknown = cli(*args[:-1], "nope", cwd=tmp_path)
    assert unknown.returncode == 2 and "neither a built-in format" in unknown.stderr
