"""End-to-end tests of `registry resolve`, `stats`, `json-schema` and `search`: the CLI in a subprocess."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "registry"

# Five groups, one of each type; the span refs `shop.order.id` with a new brief and `required`.
SHOP = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    stability: development
    attributes:
      - id: shop.order.id
        type: string
        stability: stable
        brief: The order identifier.
        examples: ["o-1"]
      - id: shop.order.id_source
        type: string
        stability: development
        brief: Where the identifier comes from — café ✓.
        examples: ["web"]
      - id: shop.order.status
        type:
          members:
            - id: open
              value: open
              brief: Open.
              stability: stable
            - id: closed
              value: closed
              brief: Closed.
              stability: stable
        stability: stable
        brief: The order status.
      - id: shop.order.metadata
        type: template[string]
        stability: development
        brief: Order metadata, `<key>` being the metadata key.
        examples: ["gift"]
      - id: shop.order.size
        type: int
        stability: development
        brief: Number of items (obsolete).
        deprecated:
          reason: obsoleted
          note: No longer recorded.
        examples: [3]
  - id: span.shop.checkout
    type: span
    span_kind: server
    stability: development
    brief: A checkout.
    attributes:
      - ref: shop.order.id
        requirement_level: required
        brief: The order being checked out.
      - ref: shop.order.status
  - id: metric.shop.orders
    type: metric
    metric_name: shop.orders
    instrument: counter
    unit: "{order}"
    stability: development
    brief: Number of orders.
    attributes:
      - ref: shop.order.status
  - id: event.shop.order.placed
    type: event
    name: shop.order.placed
    stability: development
    brief: An order was placed.
    attributes:
      - ref: shop.order.id
  - id: entity.shop.store
    type: entity
    name: shop.store
    stability: development
    brief: A store.
    attributes:
      - id: shop.store.id
        type: string
        stability: development
        brief: The store identifier.
        examples: ["s-1"]
        role: identifying
"""

ERROR = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - id: shop.order.id
        type: string
        stability: stable
        examples: ["o-1"]
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m weavergen.cli ARGS` in `cwd`."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A registry folder holding SHOP."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "registry.yaml").write_text(SHOP, encoding="utf-8")
    return folder


def group(doc: dict[str, Any], gid: str) -> dict[str, Any]:
    """The group `gid` of a resolved registry."""
    return next(g for g in doc["groups"] if g["id"] == gid)


def attribute(g: dict[str, Any], name: str) -> dict[str, Any]:
    """The attribute `name` of a resolved group."""
    return next(a for a in g["attributes"] if a["name"] == name)


# --- resolve -------------------------------------------------------------------------------------------


def test_resolve_yaml_applies_ref_overrides_and_keeps_unicode(shop: Path) -> None:
    result = run("registry", "resolve", "-r", str(shop), cwd=shop.parent)
    assert result.returncode == 0, result.stderr
    assert "café ✓" in result.stdout
    assert "&id" not in result.stdout
    doc = yaml.safe_load(result.stdout)
    assert [g["id"] for g in doc["groups"]] == sorted(g["id"] for g in doc["groups"])
    in_span = attribute(group(doc, "span.shop.checkout"), "shop.order.id")
    assert in_span["brief"] == "The order being checked out."
    assert in_span["requirement_level"] == "required"
    assert in_span["type"] == "string"
    assert in_span["examples"] == ["o-1"]
    defined = attribute(group(doc, "registry.shop"), "shop.order.id")
    assert defined["brief"] == "The order identifier."
    assert defined["requirement_level"] == "recommended"
    status = attribute(group(doc, "metric.shop.orders"), "shop.order.status")
    assert [m["id"] for m in status["type"]["members"]] == ["open", "closed"]


def test_resolve_json_and_v2(shop: Path) -> None:
    v1 = run("registry", "resolve", "-r", str(shop), "-f", "json", cwd=shop.parent)
    assert v1.returncode == 0, v1.stderr
    assert group(json.loads(v1.stdout), "metric.shop.orders")["instrument"] == "counter"
    v2 = run("registry", "resolve", "-r", str(shop), "-f", "json", "--v2", cwd=shop.parent)
    assert v2.returncode == 0, v2.stderr
    registry = json.loads(v2.stdout)["registry"]
    assert [s["type"] for s in registry["spans"]] == ["shop.checkout"]
    assert [m["name"] for m in registry["metrics"]] == ["shop.orders"]
    span_attr = next(a for a in registry["spans"][0]["attributes"] if a["key"] == "shop.order.id")
    assert span_attr["requirement_level"] == "required"


def test_resolve_jsonl_has_one_object_per_line(shop: Path) -> None:
    result = run("registry", "resolve", "-r", str(shop), "-f", "jsonl", cwd=shop.parent)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    objects = [json.loads(line) for line in lines]
    assert all(isinstance(o, dict) for o in objects)
    assert sorted(o["id"] for o in objects) == [
        "entity.shop.store",
        "event.shop.order.placed",
        "metric.shop.orders",
        "registry.shop",
        "span.shop.checkout",
    ]
    v2 = run("registry", "resolve", "-r", str(shop), "-f", "jsonl", "--v2=true", cwd=shop.parent)
    items = [json.loads(line) for line in v2.stdout.splitlines()]
    sections = [item["section"] for item in items]
    assert sections.count("attributes") == 6
    assert {"metrics", "spans", "events", "entities"} <= set(sections)
    span = next(item for item in items if item["section"] == "spans")
    assert (span["type"], span["kind"]) == ("shop.checkout", "server")


def test_resolve_output_file_is_written_whole(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "resolved.yaml"
    out.parent.mkdir()
    result = run("registry", "resolve", "-r", str(shop), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    printed = run("registry", "resolve", "-r", str(shop), cwd=tmp_path).stdout
    assert out.read_text(encoding="utf-8") == printed
    assert [p.name for p in out.parent.iterdir()] == ["resolved.yaml"]


def test_resolve_output_into_missing_folder_is_a_clear_error(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "resolved.yaml"
    result = run("registry", "resolve", "-r", str(shop), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_resolve_mute_writes_nothing(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "resolved.yaml"
    result = run("registry", "resolve", "-r", str(shop), "-f", "mute", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_resolve_with_an_error_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "registry.yaml").write_text(ERROR, encoding="utf-8")
    out = tmp_path / "resolved.yaml"
    result = run("registry", "resolve", "-r", str(folder), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 1
    assert "registry.yaml:6:" in result.stderr
    assert not out.exists()
    json_diag = run(
        "registry",
        "resolve",
        "-r",
        str(folder),
        "--diagnostic-format",
        "json",
        "--diagnostic-stdout",
        cwd=tmp_path,
    )
    assert json_diag.returncode == 1
    assert [d["diagnostic"]["severity"] for d in json.loads(json_diag.stdout)] == ["Error"]


def test_resolve_rejects_an_unknown_format(shop: Path) -> None:
    result = run("registry", "resolve", "-r", str(shop), "-f", "xml", cwd=shop.parent)
    assert result.returncode == 2
    assert "yaml, json, jsonl, mute" in result.stderr


def test_resolve_future_turns_warnings_into_errors(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "registry.yaml").write_text(
        SHOP.replace(
            "stability: stable\n        brief: The order identifier.", "brief: The order identifier."
        ),
        encoding="utf-8",
    )
    assert run("registry", "resolve", "-r", str(folder), "-f", "mute", cwd=tmp_path).returncode == 0
    assert run("--future", "registry", "resolve", "-r", str(folder), cwd=tmp_path).returncode == 1


# --- stats ---------------------------------------------------------------------------------------------


def test_stats_json_counts_the_registry(shop: Path) -> None:
    result = run("registry", "stats", "-r", str(shop), "--format", "json", cwd=shop.parent)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["version"] == "v1"
    (registry,) = stats["registry_stats"]
    assert registry["group_count"] == 5
    breakdown = registry["group_breakdown"]
    assert set(breakdown) == {"attribute_group", "span", "metric", "event", "entity"}
    assert breakdown["attribute_group"]["AttributeGroup"]["common_stats"]["total_attribute_count"] == 5
    metric = breakdown["metric"]["Metric"]
    assert metric["metric_names"] == ["shop.orders"]
    assert metric["instrument_breakdown"] == {"counter": 1}
    assert metric["unit_breakdown"] == {"{order}": 1}
    span = breakdown["span"]["Span"]
    assert span["span_kind_breakdown"] == {"server": 1}
    assert span["common_stats"]["attribute_card_breakdown"] == {"2": 1}
    catalog = stats["catalog_stats"]
    # 5 definitions + the store id + the span's overridden copy of shop.order.id.
    assert catalog["attribute_count"] == 7
    assert catalog["attribute_type_breakdown"] == {
        "enum(card:002)": 1,
        "int": 1,
        "string": 4,
        "template[string]": 1,
    }
    assert catalog["requirement_level_breakdown"] == {"recommended": 6, "required": 1}
    assert catalog["stability_breakdown"] == {"development": 4, "stable": 3}
    assert catalog["deprecated_count"] == 1


def test_stats_v2_counts_the_materialized_registry(shop: Path) -> None:
    result = run("registry", "stats", "-r", str(shop), "--format", "yaml", "--v2", cwd=shop.parent)
    assert result.returncode == 0, result.stderr
    stats = yaml.safe_load(result.stdout)
    assert stats["version"] == "v2"
    reg = stats["registry"]
    assert reg["attributes"]["attribute_count"] == 6
    assert reg["attributes"]["deprecated_count"] == 1
    assert reg["metrics"]["common"]["count"] == 1
    assert reg["spans"]["span_kind_breakdown"] == {"server": 1}
    assert reg["events"]["event_names"] == ["shop.order.placed"]
    assert reg["entities"]["entity_types"] == ["shop.store"]
    assert reg["entities"]["entity_identity_length_distribution"] == {1: 1}


def test_stats_text_is_a_readable_summary(shop: Path) -> None:
    result = run("registry", "stats", "-r", str(shop), cwd=shop.parent)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["Resolved Telemetry Schema Stats:", "Registry", "  - 5 groups"]
    assert "    - 1 Metrics" in lines
    assert "        - Server: 1" in lines
    assert "  - Number of deduplicated attributes: 7 (70%)" in lines
    assert "    - Total number of deprecated attributes: 1 (14%)" in lines


def test_stats_of_the_example_registry(tmp_path: Path) -> None:
    result = run("registry", "stats", "-r", str(EXAMPLE), "--format", "json", "--v2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    reg = json.loads(result.stdout)["registry"]
    assert reg["entities"]["common"]["count"] == 2
    assert sum(reg["metrics"]["instrument_breakdown"].values()) == reg["metrics"]["common"]["count"]


# --- json-schema ---------------------------------------------------------------------------------------


def schema_of(kind: str, cwd: Path) -> dict[str, Any]:
    """The schema printed by `registry json-schema -j KIND`, checked to be a valid 2020-12 schema."""
    result = run("registry", "json-schema", "-j", kind, cwd=cwd)
    assert result.returncode == 0, result.stderr
    schema: dict[str, Any] = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def semconv_files(fixtures: Path) -> tuple[list[Any], list[Any]]:
    """The parsed v1 and v2 files of semconv v1.44.0."""
    v1, v2 = [], []
    for path in sorted((fixtures / "semconv" / "v1.44.0" / "model").rglob("*.yaml")):
        if path.name == "manifest.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        (v2 if data.get("file_format") == "definition/2" else v1).append((path, data))
    return v1, v2


def test_semconv_schemas_validate_every_fixture_file(fixtures: Path, tmp_path: Path) -> None:
    v1_files, v2_files = semconv_files(fixtures)
    assert len(v1_files) == 217 and len(v2_files) == 32
    for kind, files in (("semconv-group", v1_files), ("semconv-definition-v2", v2_files)):
        validator = jsonschema.Draft202012Validator(schema_of(kind, tmp_path))
        for path, data in files:
            errors = [e.message for e in validator.iter_errors(data)]
            assert not errors, f"{kind} rejects {path}: {errors[:3]}"


def test_semconv_schemas_reject_what_weaver_rejects(fixtures: Path, tmp_path: Path) -> None:
    v1_files, v2_files = semconv_files(fixtures)
    v1 = jsonschema.Draft202012Validator(schema_of("semconv-group", tmp_path))
    v2 = jsonschema.Draft202012Validator(schema_of("semconv-definition-v2", tmp_path))
    bad = copy.deepcopy(v1_files[0][1])
    bad["groups"][0]["colour"] = "red"
    assert not v1.is_valid(bad)
    bad = copy.deepcopy(v1_files[0][1])
    bad["groups"][0]["include_groups"] = ["x"]  # weavergen's internal field is not part of the file format
    assert not v1.is_valid(bad)
    bad = copy.deepcopy(v1_files[0][1])
    bad["groups"][0]["brief"] = 1
    assert not v1.is_valid(bad)
    bad = copy.deepcopy(v2_files[0][1])
    bad["unknown_section"] = []
    assert not v2.is_valid(bad)
    bad = copy.deepcopy(v2_files[0][1])
    bad["file_format"] = "definition/3"
    assert not v2.is_valid(bad)
    assert not v2.is_valid(
        {
            "attributes": [
                {
                    "key": "a",
                    "type": "string",
                    "brief": "b",
                    "stability": "stable",
                    "examples": [{"not": "a scalar"}],
                }
            ]
        }
    )


def test_resolved_registry_schema_validates_resolve_output(
    shop: Path, fixtures: Path, tmp_path: Path
) -> None:
    validator = jsonschema.Draft202012Validator(schema_of("resolved-registry", tmp_path))
    for registry in (shop, EXAMPLE, fixtures / "semconv" / "v1.44.0" / "model"):
        result = run("registry", "resolve", "-r", str(registry), "-f", "json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        doc = json.loads(result.stdout)
        errors = [e.message for e in validator.iter_errors(doc)]
        assert not errors, f"{registry}: {errors[:3]}"
    doc["groups"][0]["unexpected"] = True
    assert not validator.is_valid(doc)


def test_policy_finding_schema_accepts_weaver_findings(fixtures: Path, tmp_path: Path) -> None:
    ours = jsonschema.Draft202012Validator(schema_of("policy-finding", tmp_path))
    weaver = jsonschema.Draft202012Validator(
        json.loads((fixtures / "weaver" / "schemas" / "policy.finding.json").read_text(encoding="utf-8"))
    )
    findings = []
    for path in (fixtures / "weaver-packages" / "policies" / "check").glob("*/tests/*/expected-*.json"):
        for item in json.loads(path.read_text(encoding="utf-8")):
            finding = dict(item["error"]["violation"])
            finding.pop("type")  # the tag of weaver's `Violation` enum, not a field of the finding
            findings.append(finding)
    assert len(findings) > 20
    for finding in findings:
        assert ours.is_valid(finding) and weaver.is_valid(finding)
    for broken in (
        {**findings[0], "level": "fatal"},
        {**findings[0], "extra": 1},
        {"id": "x", "level": "violation"},
    ):
        assert not ours.is_valid(broken)
        assert not weaver.is_valid(broken)


def test_json_schema_output_file_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "finding.json"
    result = run("registry", "json-schema", "-j", "policy-finding", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "PolicyFinding"
    assert json.loads(run("registry", "json-schema", cwd=tmp_path).stdout)["title"] == "ResolvedRegistry"
    unknown = run("registry", "json-schema", "-j", "semconv-grop", cwd=tmp_path)
    assert unknown.returncode == 1
    assert "did you mean 'semconv-group'" in unknown.stderr
    assert "resolved-registry, semconv-group, semconv-definition-v2, policy-finding" in unknown.stderr
    assert "Traceback" not in unknown.stderr


# --- search --------------------------------------------------------------------------------------------


def search_json(shop: Path, query: str, *extra: str) -> list[dict[str, Any]]:
    """The hits of `registry search QUERY --format json`."""
    result = run("registry", "search", query, "-r", str(shop), "--format", "json", *extra, cwd=shop.parent)
    assert result.returncode == 0, result.stderr
    hits: list[dict[str, Any]] = json.loads(result.stdout)
    return hits


def test_search_ranks_exact_then_prefix_then_substring_then_brief(shop: Path) -> None:
    hits = search_json(shop, "shop.order.id")
    assert [(h["kind"], h["id"], h["score"]) for h in hits] == [
        ("attribute", "shop.order.id", 100),
        ("attribute", "shop.order.id_source", 75),
    ]
    assert set(hits[0]) == {"kind", "id", "brief", "stability", "deprecated", "score"}
    assert hits[0]["stability"] == "stable" and hits[0]["deprecated"] is False
    placed = search_json(shop, "order.placed")
    assert [(h["kind"], h["id"]) for h in placed] == [("event", "event.shop.order.placed")]
    assert placed[0]["score"] == 50
    by_brief = search_json(shop, "identifier")
    assert {h["id"] for h in by_brief} == {"shop.order.id", "shop.order.id_source", "shop.store.id"}
    assert {h["score"] for h in by_brief} == {25}


def test_search_matches_signal_names_and_limits(shop: Path) -> None:
    assert search_json(shop, "shop.orders")[0] == {
        "kind": "metric",
        "id": "metric.shop.orders",
        "brief": "Number of orders.",
        "stability": "development",
        "deprecated": False,
        "score": 100,
    }
    everything = search_json(shop, "shop", "--limit", "0")
    assert len(everything) == 10
    assert [h["score"] for h in everything] == sorted((h["score"] for h in everything), reverse=True)
    assert len(search_json(shop, "shop", "--limit", "3")) == 3
    deprecated = search_json(shop, "shop.order.size")
    assert deprecated[0]["deprecated"] is True


def test_search_table(shop: Path) -> None:
    result = run("registry", "search", "shop.order.id", "-r", str(shop), cwd=shop.parent)
    assert result.returncode == 0, result.stderr
    assert "2 results for 'shop.order.id'" in result.stdout
    rows = [line.split("│")[1:3] for line in result.stdout.splitlines() if line.startswith("│ attribute")]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["attribute", "shop.order.id"],
        ["attribute", "shop.order.id_source"],
    ]
    none = run("registry", "search", "nothing-like-this", "-r", str(shop), cwd=shop.parent)
    assert none.returncode == 0
    assert "No attribute or signal matches 'nothing-like-this'." in none.stdout
