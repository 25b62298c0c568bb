"""live-check counts as weaver does: coverage without deprecated definitions, data points and exemplars as
entities that the advice policies see, the `--no-stats` / `--fail-on` warning, and the finding log
records' attributes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from weavergen.check import CheckOptions, check_registry
from weavergen.livecheck.run import LiveCheckSettings, run_live_check
from weavergen.resolve import Resolution

REGISTRY = """\
groups:
  - id: registry.store
    type: attribute_group
    brief: Store attributes.
    attributes:
      - id: store.id
        type: string
        stability: stable
        brief: The store.
        examples: ["s-1"]
      - id: store.old_id
        type: string
        stability: stable
        brief: The store, before.
        examples: ["s-1"]
        deprecated:
          reason: renamed
          renamed_to: store.id
  - id: metric.store.bytes
    type: metric
    metric_name: store.bytes
    brief: Bytes stored.
    instrument: counter
    unit: By
    stability: stable
    attributes:
      - ref: store.id
        requirement_level: required
  - id: metric.store.old_bytes
    type: metric
    metric_name: store.old_bytes
    brief: Bytes stored, before.
    instrument: counter
    unit: By
    stability: stable
    deprecated:
      reason: obsoleted
  - id: event.store.opened
    type: event
    name: store.opened
    brief: A store opened.
    stability: stable
"""

# weaver's own example rule (crates/weaver_live_check/data/policies/live_check_advice/).
ADVICE = """\
package live_check_advice
import rego.v1

deny contains finding if {
  input.sample.number_data_point
  input.registry_group.unit == "By"
  input.sample.number_data_point.value != floor(input.sample.number_data_point.value)
  finding := {
    "id": "invalid_data_point_value",
    "level": "violation",
    "message": sprintf("Metric with unit 'By' must have an integer value, but was '%v'",
      [input.sample.number_data_point.value]),
    "context": {"data_point_value": input.sample.number_data_point.value},
  }
}

deny contains finding if {
  input.sample.exemplar
  finding := {"id": "exemplar_seen", "level": "information", "message": "exemplar", "context": {}}
}
"""

SAMPLES: list[dict[str, Any]] = [
    {"attribute": {"name": "store.id", "value": "s-1"}},
    {"attribute": {"name": "store.old_id", "value": "s-1"}},
    {
        "metric": {
            "name": "store.bytes",
            "instrument": "counter",
            "unit": "By",
            "data_points": [
                {"attributes": [{"name": "store.id", "value": "s-1"}], "value": 1.5},
                {
                    "attributes": [{"name": "store.id", "value": "s-1"}],
                    "value": 2,
                    "exemplars": [
                        {
                            "filtered_attributes": [{"name": "store.id", "value": "s-2"}],
                            "value": 2,
                            "timestamp": "2026-01-01T00:00:00Z",
                            "span_id": "",
                            "trace_id": "",
                        }
                    ],
                },
            ],
        }
    },
]


@pytest.fixture(scope="module")
def resolution(tmp_path_factory: pytest.TempPathFactory) -> Resolution:
    model = tmp_path_factory.mktemp("registry") / "model"
    model.mkdir()
    (model / "store.yaml").write_text(REGISTRY, encoding="utf-8")
    report = check_registry(CheckOptions(registry=str(model), skip_policies=True))
    assert [d.code for d in report.diagnostics if d.is_error] == []
    assert report.resolution is not None
    return report.resolution


def _run(resolution: Resolution, tmp_path: Path, **settings: Any) -> Any:
    samples = tmp_path / "samples.json"
    samples.write_text(json.dumps(SAMPLES), encoding="utf-8")
    policies = tmp_path / "advice"
    policies.mkdir(exist_ok=True)
    (policies / "points.rego").write_text(ADVICE, encoding="utf-8")
    return run_live_check(
        resolution, LiveCheckSettings(input_source=str(samples), advice_policies=str(policies), **settings)
    )


def test_deprecated_definitions_do_not_count_toward_coverage(resolution: Resolution, tmp_path: Path) -> None:
    stats = _run(resolution, tmp_path).report["statistics"]
    assert stats["seen_registry_attributes"] == {"store.id": 4}
    assert stats["seen_non_registry_attributes"] == {"store.old_id": 1}
    assert stats["seen_registry_metrics"] == {"store.bytes": 1}
    assert stats["seen_registry_events"] == {"store.opened": 0}
    # store.id and store.bytes seen, store.opened not: 2 of 3.
    assert stats["registry_coverage"] == pytest.approx(2 / 3)


def test_data_points_and_exemplars_are_entities_the_policies_see(
    resolution: Resolution, tmp_path: Path
) -> None:
    outcome = _run(resolution, tmp_path)
    stats = outcome.report["statistics"]
    assert stats["total_entities_by_type"] == {"attribute": 5, "data_point": 2, "exemplar": 1, "metric": 1}
    assert stats["advice_type_counts"]["invalid_data_point_value"] == 1
    assert stats["advice_type_counts"]["exemplar_seen"] == 1
    metric = outcome.report["samples"][2]["metric"]
    first, second = metric["data_points"]
    found = first["live_check_result"]["all_advice"]
    assert [f["id"] for f in found] == ["invalid_data_point_value"]
    assert found[0]["context"] == {"data_point_value": 1.5}
    assert second["live_check_result"]["all_advice"] == []
    assert outcome.exit_code == 1


@pytest.mark.parametrize(("fail_on", "warned"), [("violation", True), ("information", True), ("none", False)])
def test_no_stats_warns_that_fail_on_cannot_be_enforced(
    resolution: Resolution, tmp_path: Path, fail_on: str, warned: bool
) -> None:
    outcome = _run(resolution, tmp_path, no_stats=True, fail_on=fail_on)
    warnings = [d for d in outcome.diagnostics if d.code == "FailOnNotEnforced"]
    assert bool(warnings) is warned
    if warned:
        assert not warnings[0].is_error
        assert f"--fail-on {fail_on}" in warnings[0].message
    assert "statistics" not in outcome.report
    assert outcome.exit_code == 0


def test_finding_log_records_carry_resource_attributes_and_flat_context() -> None:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

    from weavergen.livecheck.findings_log import FindingEmitter

    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    emitter = FindingEmitter(provider)
    finding = {
        "id": "missing_attribute",
        "level": "violation",
        "message": "Attribute 'x' does not exist in the registry.",
        "context": {"attribute_key": "x", "nested": {"list": ["a", "b"], "none": None}},
        "signal_type": "span",
        "signal_name": "checkout",
    }
    resource = {
        "attributes": [
            {"name": "service.name", "value": "shop"},
            {"name": "host.ids", "value": ["a", "b"]},
            {"name": "empty", "value": None},
        ]
    }
    emitter.emit(finding, "attribute", resource)
    emitter.close()
    (record,) = exporter.get_finished_logs()
    attributes = dict(record.log_record.attributes or {})
    assert attributes["weaver.finding.resource.attribute.service.name"] == "shop"
    assert tuple(attributes["weaver.finding.resource.attribute.host.ids"]) == ("a", "b")
    assert "weaver.finding.resource.attribute.empty" not in attributes
    assert attributes["weaver.finding.context.attribute_key"] == "x"
    assert attributes["weaver.finding.context.nested.list.0"] == "a"
    assert attributes["weaver.finding.context.nested.list.1"] == "b"
    assert not any(k.startswith("weaver.finding.context.nested.none") for k in attributes)
    assert attributes["weaver.finding.signal.type"] == "span"
    assert record.log_record.body == finding["message"]
