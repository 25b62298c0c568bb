"""The Rego policy engine: loading, weaver's three finding shapes, message rendering, errors, caching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weavergen.cache import DiskCache
from weavergen.diagnostics import Range, Severity
from weavergen.policy import PolicyEngine
from weavergen.policy_findings import Finding, finding_diagnostic, finding_subjects

HEADER = "package after_resolution\nimport rego.v1\n\n"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own cache directory, so no result leaks between tests or into ~/.cache."""
    monkeypatch.setenv("WEAVERGEN_CACHE_DIR", str(tmp_path / "cache"))


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def engine_for(tmp_path: Path, *policies: str) -> PolicyEngine:
    paths = [write(tmp_path / "p", f"policy{i}.rego", text) for i, text in enumerate(policies)]
    engine, diagnostics = PolicyEngine.load(paths, None)
    assert diagnostics == []
    return engine


def test_unified_finding_renders_weavers_message(tmp_path: Path) -> None:
    # The worked example naming_conventions/metric_brief_period of v2-and-policy-inputs.md §5.2.
    engine = engine_for(
        tmp_path,
        HEADER
        + """deny contains {
    "id": "naming_convention_metric_brief_period",
    "context": {"brief": m.brief},
    "message": sprintf("Non-empty metric brief '%s' must end with a period (.).", [m.brief]),
    "level": "violation",
    "signal_type": "metric",
    "signal_name": m.name,
} if {
    some m in input.registry.metrics
    not endswith(m.brief, ".")
}
""",
    )
    input_json = json.dumps(
        {"registry": {"metrics": [{"name": "test.metric", "brief": "A test metric without period"}]}}
    )
    findings = engine.evaluate("after_resolution", input_json, provenance="current")
    assert findings.diagnostics == []
    assert findings == [
        Finding(
            id="naming_convention_metric_brief_period",
            level="violation",
            message="Non-empty metric brief 'A test metric without period' must end with a period (.).",
            context={"brief": "A test metric without period"},
            signal_type="metric",
            signal_name="test.metric",
        )
    ]
    diagnostic = finding_diagnostic(
        findings[0], "current", file="current/model.yaml", range=Range.of(1, 2, 1, 9)
    )
    assert diagnostic.message == (
        "Policy violation: id=naming_convention_metric_brief_period, "
        'context={"brief":"A test metric without period"}, message=Non-empty metric brief '
        "'A test metric without period' must end with a period (.)., level=Violation, "
        'signal_type=Some("metric"), signal_name=Some("test.metric"), provenance: current'
    )
    assert diagnostic.code == "naming_convention_metric_brief_period"
    assert diagnostic.severity is Severity.ERROR
    assert diagnostic.is_policy
    assert (diagnostic.file, diagnostic.range) == ("current/model.yaml", Range.of(1, 2, 1, 9))
    assert diagnostic.error == {
        "type": "policy_violation",
        "provenance": "current",
        "violation": {
            "type": "PolicyFinding",
            "id": "naming_convention_metric_brief_period",
            "context": {"brief": "A test metric without period"},
            "message": "Non-empty metric brief 'A test metric without period' must end with a period (.).",
            "level": "violation",
            "signal_type": "metric",
            "signal_name": "test.metric",
        },
    }


def test_legacy_advice_shape_maps_advice_fields(tmp_path: Path) -> None:
    engine = engine_for(
        tmp_path,
        HEADER
        + """deny contains {
    "type": "advice", "advice_type": "is_deprecated", "advice_level": "improvement",
    "advice_context": {"attribute_key": "foo.bar"}, "message": "Use foo.baz",
} if { true }
""",
    )
    [finding] = engine.evaluate("after_resolution", "{}")
    assert finding == Finding("is_deprecated", "improvement", "Use foo.baz", {"attribute_key": "foo.bar"})
    diagnostic = finding_diagnostic(finding, "reg")
    # Whatever its level, a policy finding is an error for weaver (exit code 1).
    assert diagnostic.severity is Severity.ERROR
    assert diagnostic.message == (
        'Policy violation: id=is_deprecated, context={"attribute_key":"foo.bar"}, message=Use foo.baz, '
        "level=Improvement, signal_type=None, signal_name=None, provenance: reg"
    )


def test_legacy_semconv_attribute_shape_renders_only_its_message(tmp_path: Path) -> None:
    engine = engine_for(
        tmp_path,
        HEADER
        + """deny contains {"id": "attr_removed", "type": "semconv_attribute", "category": "schema_evolution",
    "group": "registry.network", "attr": "protocol.name"} if { true }
""",
    )
    [finding] = engine.evaluate("after_resolution", "{}")
    assert finding.id == "semconv_attribute"
    assert finding.level == "violation"
    assert finding.context == {
        "id": "attr_removed",
        "category": "schema_evolution",
        "group": "registry.network",
        "attr": "protocol.name",
    }
    assert finding_diagnostic(finding, "current").message == (
        "Policy violation: id=attr_removed, category=schema_evolution, group=registry.network, "
        "attr=protocol.name, provenance: current"
    )
    assert finding_subjects(finding) == [("group", "registry.network"), ("attribute", "protocol.name")]


def test_levels_and_missing_context(tmp_path: Path) -> None:
    engine = engine_for(
        tmp_path,
        HEADER
        + """deny contains {"id": "a", "message": "m", "level": "information"} if { true }
deny contains {"id": "b", "message": "m", "level": "improvement", "context": null} if { true }
""",
    )
    findings = sorted(engine.evaluate("after_resolution", "{}"), key=lambda f: f.id)
    messages = [finding_diagnostic(f, "p").message for f in findings]
    assert messages == [
        "Policy violation: id=a, context=None, message=m, level=Information, signal_type=None, "
        "signal_name=None, provenance: p",
        # serde keeps an explicit JSON null as `Some(Null)`, which prints `null`, not `None`.
        "Policy violation: id=b, context=null, message=m, level=Improvement, signal_type=None, "
        "signal_name=None, provenance: p",
    ]
    errors = [finding_diagnostic(f, "p").error or {} for f in findings]
    assert [error["violation"]["context"] for error in errors] == [None, None]


def test_context_sets_become_sorted_arrays_and_keys_are_sorted(tmp_path: Path) -> None:
    engine = engine_for(
        tmp_path,
        HEADER
        + """deny contains {
    "id": "compatibility_metric_added_attributes",
    "context": {"zeta": 1, "added_attributes": added, "alpha": {"y": true, "b": [2, 1]}},
    "message": sprintf("Metric 'm' cannot add required attributes (added '%s')", [added]),
    "level": "violation",
} if { added := {"c", "a", "b"} }
""",
    )
    [finding] = engine.evaluate("after_resolution", "{}")
    assert finding.context == {
        "zeta": 1,
        "added_attributes": ["a", "b", "c"],
        "alpha": {"y": True, "b": [2, 1]},
    }
    assert finding.message == """Metric 'm' cannot add required attributes (added '{"a", "b", "c"}')"""
    assert finding_diagnostic(finding, "p").message == (
        "Policy violation: id=compatibility_metric_added_attributes, "
        'context={"added_attributes":["a","b","c"],"alpha":{"b":[2,1],"y":true},"zeta":1}, '
        "message=Metric 'm' cannot add required attributes "
        """(added '{"a", "b", "c"}'), level=Violation, signal_type=None, signal_name=None, provenance: p"""
    )


def test_signal_fields_use_rust_debug_escaping() -> None:
    finding = Finding(
        id="x",
        level="violation",
        message='plain "quoted" text',
        context={"k": 'q"\\é\n'},
        signal_type="span",
        signal_name='a"b\\c\nd\te\x01f\u0301g\x7fh',
    )
    assert finding_diagnostic(finding, "p").message == (
        'Policy violation: id=x, context={"k":"q\\"\\\\é\\n"}, message=plain "quoted" text, level=Violation, '
        'signal_type=Some("span"), '
        'signal_name=Some("a\\"b\\\\c\\nd\\te\\u{1}f\\u{301}g\\u{7f}h"), provenance: p'
    )


def test_unparseable_findings_become_diagnostics_and_good_ones_survive(tmp_path: Path) -> None:
    engine = engine_for(
        tmp_path,
        HEADER
        + """deny contains {"id": "good", "message": "m", "level": "violation"} if { true }
deny contains {"id": "no_level", "message": "m"} if { true }
deny contains {"type": "mystery", "id": "x", "message": "m", "level": "violation"} if { true }
deny contains {"id": "bad_level", "message": "m", "level": "fatal"} if { true }
deny contains {"id": 7, "message": "m", "level": "violation"} if { true }
deny contains "just a string" if { true }
""",
    )
    findings = engine.evaluate("after_resolution", "{}", provenance="current")
    assert [f.id for f in findings] == ["good"]
    assert sorted(d.message for d in findings.diagnostics) == sorted(
        f"Invalid policy file 'current', error: Violation evaluation error: {error})"
        for error in (
            "missing field `level`",
            "invalid type: map, expected A policy violation",
            "unknown variant `fatal`, expected one of `information`, `improvement`, `violation`",
            "invalid type: integer `7`, expected a string",
            'invalid type: string "just a string", expected A policy violation',
        )
    )
    assert {d.code for d in findings.diagnostics} == {"ViolationEvaluationError"}
    assert all(d.error and d.error["type"] == "invalid_policy_file" for d in findings.diagnostics)
    assert not any(d.is_policy for d in findings.diagnostics)


def test_evaluation_failure_is_a_diagnostic_not_an_exception(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, HEADER + "deny contains x if { x := 1 / input.zero }\n")
    findings = engine.evaluate("after_resolution", '{"zero": 0}', provenance="current")
    assert list(findings) == []
    [diagnostic] = findings.diagnostics
    assert diagnostic.code == "InvalidPolicyFile"
    assert diagnostic.message.startswith("Invalid policy file 'current', error: Violation evaluation error: ")
    assert "divide by zero" in diagnostic.message
    assert "Stack backtrace" not in diagnostic.message


def test_invalid_input_and_data_are_diagnostics(tmp_path: Path) -> None:
    engine = engine_for(
        tmp_path, HEADER + 'deny contains {"id": "a", "message": "m", "level": "violation"} if { true }\n'
    )
    bad_input = engine.evaluate("after_resolution", "{not json", provenance="r")
    assert [d.code for d in bad_input.diagnostics] == ["InvalidInput"]
    assert bad_input.diagnostics[0].message.startswith(
        "Invalid policy file 'r', error: Invalid input, error: "
    )
    bad_data = engine.evaluate("after_resolution", "{}", data_json="[1, 2]", provenance="r")
    assert [d.code for d in bad_data.diagnostics] == ["InvalidData"]


def test_invalid_policy_file_is_positioned_and_others_keep_working(tmp_path: Path) -> None:
    broken = write(tmp_path / "p", "broken.rego", HEADER + 'x := "ééé" )\n')
    good = write(
        tmp_path / "p",
        "good.rego",
        HEADER + 'deny contains {"id": "a", "message": "m", "level": "violation"} if { true }\n',
    )
    engine, diagnostics = PolicyEngine.load([broken, good], None)
    [diagnostic] = diagnostics
    assert diagnostic.code == "InvalidPolicyFile"
    assert diagnostic.file == broken
    assert diagnostic.message.startswith(f"Invalid policy file '{broken}', error: ")
    assert "expecting" in diagnostic.message and diagnostic.message.endswith(")")
    # Line 4 (zero-based 3); regorus counts the column in bytes, we in code points: `)` is the 12th char.
    assert diagnostic.range == Range.of(3, 11, 3, 12)
    assert diagnostic.error is not None
    assert diagnostic.error["type"] == "invalid_policy_file" and diagnostic.error["file"] == broken
    assert diagnostic.message == f"Invalid policy file '{broken}', error: {diagnostic.error['error']})"
    assert [f.id for f in engine.evaluate("after_resolution", "{}")] == ["a"]


def test_missing_policy_path_is_access_denied(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere")
    engine, diagnostics = PolicyEngine.load([missing], None)
    [diagnostic] = diagnostics
    assert diagnostic.code == "AccessDenied"
    assert diagnostic.message == f"Invalid policy path '{missing}'"
    assert diagnostic.error == {
        "type": "access_denied",
        "path": missing,
        "error": "No such file or directory (os error 2)",
    }
    assert engine.packages == frozenset({"data.semconv"})


def test_stages_present_and_absent(tmp_path: Path) -> None:
    engine = engine_for(
        tmp_path,
        "package comparison_after_resolution.helpers\nimport rego.v1\nx := 1\n",
        "package after_resolution\nimport rego.v1\n"
        'deny contains {"id": "a", "message": "m", "level": "violation"} if { true }\n',
    )
    assert engine.has_stage("after_resolution")
    assert not engine.has_stage("comparison_after_resolution")
    assert not engine.has_stage("before_resolution")
    assert engine.evaluate("comparison_after_resolution", "{}") == []
    assert engine.regorus_evaluations == 0


def test_registry_dir_policies_load_recursively_skipping_hidden(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    deny = 'deny contains {"id": "%s", "message": "m", "level": "violation"} if { true }\n'
    write(registry, "top.rego", HEADER + deny % "top")
    write(registry, "nested/deeper/inner.rego", HEADER + deny % "inner")
    write(registry, ".hidden/skipped.rego", HEADER + deny % "hidden")
    write(registry, "nested/.skipped.rego", HEADER + deny % "dotfile")
    write(registry, "nested/notes.txt", HEADER + deny % "txt")
    engine, diagnostics = PolicyEngine.load([], str(registry))
    assert diagnostics == []
    assert sorted(f.id for f in engine.evaluate("after_resolution", "{}")) == ["inner", "top"]


def test_embedded_semconv_helpers(tmp_path: Path) -> None:
    engine = engine_for(
        tmp_path,
        HEADER
        + """deny contains {"id": "removed", "message": name, "level": "violation"} if {
    some name in data.semconv.registry_baseline_attributes
    not name in data.semconv.registry_attributes
}
deny contains {"id": "group_of", "message": data.semconv.baseline_group_ids_by_attribute["a.kept"],
    "level": "violation"} if { true }
""",
    )
    current = {
        "groups": [
            {"id": "registry.a", "attributes": [{"name": "a.kept"}]},
            {"id": "span.x", "attributes": []},
        ]
    }
    baseline = {
        "groups": [
            {"id": "registry.a", "attributes": [{"name": "a.kept"}, {"name": "a.gone"}]},
            {"id": "metric.m", "attributes": [{"name": "not.registry"}]},
        ]
    }
    findings = engine.evaluate("after_resolution", json.dumps(current), data_json=json.dumps(baseline))
    assert sorted((f.id, f.message) for f in findings) == [("group_of", "registry.a"), ("removed", "a.gone")]


def test_data_does_not_leak_between_evaluations(tmp_path: Path) -> None:
    engine = engine_for(
        tmp_path,
        HEADER
        + 'deny contains {"id": "saw_data", "message": data.marker, "level": "violation"} if {\n'
        + "    data.marker\n}\n",
    )
    with_data = engine.evaluate("after_resolution", "{}", data_json='{"marker": "baseline"}')
    assert [f.message for f in with_data] == ["baseline"]
    assert engine.evaluate("after_resolution", '{"other": 1}') == []


def test_second_evaluation_is_served_from_the_disk_cache(tmp_path: Path) -> None:
    text = (
        HEADER
        + 'deny contains {"id": "n", "message": sprintf("%d", [count(input.items)]),\n'
        + '    "level": "violation"} if {\n'
        + "    true\n}\n"
    )
    first = engine_for(tmp_path, text)
    result = first.evaluate("after_resolution", '{"items": [1, 2]}', data_json='{"k": 1}')
    assert first.regorus_evaluations == 1
    # A fresh engine over the same policies (a warm re-check in a new process) does not run regorus.
    second = engine_for(tmp_path, text)
    again = second.evaluate("after_resolution", '{"items": [1, 2]}', data_json='{"k": 1}')
    assert second.regorus_evaluations == 0
    assert again == result == [Finding("n", "violation", "2")]
    # Anything that can change the result misses: input, data, or a policy text.
    assert [
        f.message for f in second.evaluate("after_resolution", '{"items": [1]}', data_json='{"k": 1}')
    ] == ["1"]
    second.evaluate("after_resolution", '{"items": [1, 2]}')
    assert second.regorus_evaluations == 2
    changed = engine_for(tmp_path, text + "# a comment changes the digest\n")
    changed.evaluate("after_resolution", '{"items": [1, 2]}', data_json='{"k": 1}')
    assert changed.regorus_evaluations == 1


def test_cache_can_be_given_explicitly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.rego",
        HEADER + 'deny contains {"id": "a", "message": "m", "level": "violation"} if { true }\n',
    )
    cache = DiskCache("policies", root=tmp_path / "explicit")
    engine, _ = PolicyEngine.load([path], None, cache=cache)
    engine.evaluate("after_resolution", "{}")
    assert any((tmp_path / "explicit" / "policies").rglob("*"))


def test_finding_subjects_from_signal_and_context() -> None:
    finding = Finding(
        id="stability_metric_lower_stability_attribute",
        level="violation",
        message="m",
        context={"attribute_key": "experimental.attr", "attribute_stability": "development"},
        signal_type="metric",
        signal_name="stable.metric",
    )
    assert finding_subjects(finding) == [("metric", "stable.metric"), ("attribute", "experimental.attr")]
    grouped = Finding("g", "violation", "m", {"group_id": "registry.http", "attr": "http.method"})
    assert finding_subjects(grouped) == [("group", "registry.http"), ("attribute", "http.method")]
    assert finding_subjects(Finding("e", "violation", "m", None)) == []
