"""live-check end to end: real OpenTelemetry SDK exporters (gRPC and HTTP) sending to our receivers on
127.0.0.1, files and stdin through the real CLI, and weaver's findings derived from the example registry.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from weavergen.check import CheckOptions, check_registry
from weavergen.livecheck.checker import RegistryIndex
from weavergen.livecheck.receiver import ReceiverOptions
from weavergen.livecheck.run import LiveCheckControl, LiveCheckOutcome, LiveCheckSettings, run_live_check
from weavergen.resolve import Resolution

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "registry"
ABSENT = "shop.not_in_the_registry"


@pytest.fixture(scope="module")
def resolution() -> Resolution:
    """The example registry, resolved once."""
    found = check_registry(CheckOptions(registry=str(EXAMPLE), skip_policies=True)).resolution
    assert found is not None
    return found


@pytest.fixture(scope="module")
def index(resolution: Resolution) -> RegistryIndex:
    return RegistryIndex.of(resolution)


def typed(index: RegistryIndex, kind: str) -> str:
    """A registry attribute of a given type that is not deprecated."""
    return next(n for n, a in index.attributes.items() if a.get("type") == kind and not a.get("deprecated"))


def deprecated(index: RegistryIndex) -> str:
    return next(n for n, a in index.attributes.items() if a.get("deprecated"))


def advice_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding of every node of a report (a signal's copy of its resource is not a node)."""
    out: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "live_check_result" in value:
                out.extend(value["live_check_result"]["all_advice"])
            for key, item in value.items():
                if key not in ("live_check_result", "resource"):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for sample in report["samples"]:
        for body in sample.values():
            walk(body)
    return out


def ids_for(report: dict[str, Any], key: str) -> set[str]:
    return {a["id"] for a in advice_of(report) if (a.get("context") or {}).get("attribute_key") == key}


class Running:
    """A live-check run in a thread with its receivers on free loopback ports."""

    def __init__(self, resolution: Resolution, **settings: Any) -> None:
        self.ports: dict[str, int] = {}
        self._ready = threading.Event()
        self.outcome: LiveCheckOutcome | None = None
        options = ReceiverOptions(grpc_port=0, http_port=0, admin_port=0, inactivity_timeout=20)
        control = LiveCheckControl(on_listening=self._listening)
        self._thread = threading.Thread(
            target=self._run, args=(resolution, LiveCheckSettings(receiver=options, **settings), control)
        )
        self._thread.start()
        assert self._ready.wait(10), "the receivers did not start"

    def _listening(self, ports: dict[str, int]) -> None:
        self.ports.update(ports)
        self._ready.set()

    def _run(self, resolution: Resolution, settings: LiveCheckSettings, control: LiveCheckControl) -> None:
        self.outcome = run_live_check(resolution, settings, control)

    def stop(self) -> LiveCheckOutcome:
        """POST /stop on the admin port, then wait for the report."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.ports['admin']}/stop", method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        self._thread.join(15)
        assert self.outcome is not None
        return self.outcome


def send_spans(exporter: Any, emit: Callable[[Any], None]) -> None:
    """Create spans with the real SDK and export them synchronously through `exporter`."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "livecheck-test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    emit(provider.get_tracer("test"))
    provider.shutdown()


def checkout_span(index: RegistryIndex) -> Callable[[Any], None]:
    """A span with a type mismatch, a deprecated attribute and an attribute missing from the registry."""
    int_attr = typed(index, "int")

    def emit(tracer: Any) -> None:
        attributes = {int_attr: "not an int", deprecated(index): 3, ABSENT: "x"}
        with tracer.start_as_current_span("checkout", attributes=attributes):
            pass

    return emit


def assert_checkout_findings(report: dict[str, Any], index: RegistryIndex) -> None:
    int_attr = typed(index, "int")
    assert "type_mismatch" in ids_for(report, int_attr)
    mismatch = next(a for a in advice_of(report) if a["id"] == "type_mismatch")
    assert mismatch["message"] == f"Attribute '{int_attr}' has type 'string'. Type should be 'int'."
    assert mismatch["level"] == "violation"
    assert mismatch["signal_type"] == "span" and mismatch["signal_name"] == "checkout"
    assert "deprecated" in ids_for(report, deprecated(index))
    # The SDK's resource attributes (service.name…) are not in the example registry: only the span's count.
    missing = [a for a in advice_of(report) if a["id"] == "missing_attribute" and a["signal_type"] == "span"]
    assert {a["message"] for a in missing} == {f"Attribute '{ABSENT}' does not exist in the registry."}


def test_http_receiver_takes_the_sdk_exporter_with_gzip(resolution: Resolution, index: RegistryIndex) -> None:
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    run = Running(resolution)
    endpoint = f"http://127.0.0.1:{run.ports['http']}/v1/traces"
    send_spans(OTLPSpanExporter(endpoint=endpoint, compression=Compression.Gzip), checkout_span(index))
    outcome = run.stop()
    assert outcome.diagnostics == []
    assert_checkout_findings(outcome.report, index)
    assert outcome.highest == "violation" and outcome.exit_code == 1
    stats = outcome.report["statistics"]
    assert stats["total_entities_by_type"]["span"] == 1
    assert stats["seen_non_registry_attributes"][ABSENT] == 1


def test_grpc_receiver_takes_the_sdk_metric_and_span_exporters(
    resolution: Resolution, index: RegistryIndex
) -> None:
    from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    run = Running(resolution)
    endpoint = f"127.0.0.1:{run.ports['grpc']}"
    send_spans(OTLPSpanExporter(endpoint=endpoint, insecure=True), checkout_span(index))
    name, metric = next(iter(index.metrics.items()))
    wrong_unit = metric["unit"] + "x"
    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=endpoint, insecure=True), export_interval_millis=60_000
    )
    provider = MeterProvider(metric_readers=[reader])
    provider.get_meter("test").create_histogram(name, unit=wrong_unit).record(1.5)
    provider.get_meter("test").create_counter("shop.unknown.total").add(1)
    provider.shutdown()
    outcome = run.stop()
    assert outcome.diagnostics == []
    assert_checkout_findings(outcome.report, index)
    findings = advice_of(outcome.report)
    unit = next(a for a in findings if a["id"] == "unit_mismatch")
    assert unit["message"] == f"Unit should be '{metric['unit']}', but found '{wrong_unit}'."
    if metric["instrument"] != "histogram":
        instrument = next(a for a in findings if a["id"] == "unexpected_instrument")
        expected = f"Instrument should be '{metric['instrument']}', but found 'histogram'."
        assert instrument["message"] == expected
    missing = next(a for a in findings if a["id"] == "missing_metric")
    assert missing["signal_name"] == "shop.unknown.total"
    assert missing["message"] == "Metric does not exist in the registry."
    assert outcome.report["statistics"]["seen_registry_metrics"][name] == 1


def otlp_json_request(index: RegistryIndex) -> dict[str, Any]:
    """A real SDK span encoded as an OTLP/JSON export request (hex ids, as the OTLP spec writes them)."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    send_spans(memory, checkout_span(index))
    request = MessageToDict(encode_spans(memory.get_finished_spans()))
    for rs in request["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for key in ("traceId", "spanId"):
                    span[key] = __import__("base64").b64decode(span[key]).hex()
    return request


def test_http_receiver_takes_otlp_json(resolution: Resolution, index: RegistryIndex) -> None:
    run = Running(resolution)
    body = gzip.compress(json.dumps(otlp_json_request(index)).encode())
    request = urllib.request.Request(
        f"http://127.0.0.1:{run.ports['http']}/v1/traces",
        data=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200 and json.loads(response.read()) == {}
    bad = urllib.request.Request(
        f"http://127.0.0.1:{run.ports['http']}/v1/traces",
        data=b"\xff\x00 not protobuf",
        headers={"Content-Type": "application/x-protobuf"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bad, timeout=5)
    assert refused.value.code == 400
    with urllib.request.urlopen(f"http://127.0.0.1:{run.ports['admin']}/health", timeout=5) as health:
        assert health.read() == b"OK"
    outcome = run.stop()
    assert_checkout_findings(outcome.report, index)
    assert [d.code for d in outcome.diagnostics] == ["IngestError"]
    assert "/v1/traces" in outcome.diagnostics[0].message
    assert outcome.exit_code == 1


def test_inactivity_timeout_ends_a_run(resolution: Resolution) -> None:
    options = ReceiverOptions(grpc_port=None, http_port=0, admin_port=None, inactivity_timeout=0.3)
    outcome = run_live_check(resolution, LiveCheckSettings(receiver=options))
    assert outcome.samples == 0 and outcome.exit_code == 0


def test_enum_and_template_and_rego_advice(
    resolution: Resolution, index: RegistryIndex, tmp_path: Path
) -> None:
    enum = next(n for n, a in index.attributes.items() if isinstance(a.get("type"), dict))
    template = next(iter(index.templates))
    samples = [
        {"attribute": {"name": enum, "value": "not-a-member"}},
        {"attribute": {"name": enum, "value": True}},
        {"attribute": {"name": f"{template}.anything", "value": "x"}},
        {"attribute": {"name": "NoNamespace", "value": 1}},
    ]
    path = tmp_path / "samples.json"
    path.write_text(json.dumps(samples))
    outcome = run_live_check(resolution, LiveCheckSettings(input_source=str(path)))
    report = outcome.report
    assert ids_for(report, enum) >= {"undefined_enum_variant", "type_mismatch"}
    assert any(
        a["message"] == f"Enum attribute '{enum}' has value 'not-a-member' which is not documented."
        for a in advice_of(report)
    )
    assert "template_attribute" in ids_for(report, f"{template}.anything")
    assert report["statistics"]["seen_registry_attributes"][template] == 1
    assert {"missing_namespace", "invalid_format", "missing_attribute"} <= ids_for(report, "NoNamespace")


def test_custom_advice_policy_and_a_broken_one(resolution: Resolution, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "span.rego").write_text(
        "package live_check_advice\nimport rego.v1\n"
        'deny contains {"id": "span_name_too_short", "level": "improvement", "message": "short", '
        '"context": {"name": input.sample.span.name}, "signal_type": "span", '
        '"signal_name": input.sample.span.name} if { count(input.sample.span.name) < 5 }\n'
    )
    samples = tmp_path / "s.json"
    samples.write_text(json.dumps([{"span": {"name": "ab", "attributes": []}}]))
    outcome = run_live_check(
        resolution,
        LiveCheckSettings(input_source=str(samples), advice_policies=str(policies), fail_on="improvement"),
    )
    assert [a["id"] for a in advice_of(outcome.report)] == ["span_name_too_short"]
    assert outcome.exit_code == 1
    (policies / "broken.rego").write_text("package live_check_advice\ndeny contains x if {\n")
    broken = run_live_check(
        resolution, LiveCheckSettings(input_source=str(samples), advice_policies=str(policies))
    )
    assert [d.code for d in broken.diagnostics] == ["InvalidPolicyFile"]
    assert broken.diagnostics[0].file == str(policies / "broken.rego")
    assert broken.diagnostics[0].range is not None and broken.exit_code == 1


def test_advice_preprocessor_feeds_the_policies(resolution: Resolution, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "ns.rego").write_text(
        "package live_check_advice\nimport rego.v1\n"
        'deny contains {"id": "known_prefix", "level": "information", "message": name, "context": {}} if {\n'
        "  name := input.sample.attribute.name\n  some prefix in data.prefixes\n"
        "  startswith(name, prefix)\n}\n"
    )
    jq = tmp_path / "pre.jq"
    jq.write_text('{prefixes: [.semconv_attributes | keys[] | split(".")[0]] | unique}')
    samples = tmp_path / "s.json"
    known = next(iter(RegistryIndex.of(resolution).attributes))
    samples.write_text(json.dumps([{"attribute": {"name": known}}, {"attribute": {"name": "other.x"}}]))
    settings = LiveCheckSettings(input_source=str(samples), advice_policies=str(policies))
    settings.advice_preprocessor = str(jq)
    outcome = run_live_check(resolution, settings)
    assert [a["message"] for a in advice_of(outcome.report) if a["id"] == "known_prefix"] == [known]
    jq.write_text("{ unclosed")
    broken = run_live_check(resolution, settings)
    assert [d.code for d in broken.diagnostics] == ["InvalidAdvicePreprocessor"]
    assert broken.exit_code == 1


@pytest.mark.parametrize(("fail_on", "code"), [("violation", 0), ("improvement", 1), ("none", 0)])
def test_fail_on_levels(
    resolution: Resolution, index: RegistryIndex, tmp_path: Path, fail_on: str, code: int
) -> None:
    # An unstable registry attribute with the right type: improvements only.
    name = typed(index, "string")
    assert index.attributes[name].get("stability") != "stable"
    path = tmp_path / "s.txt"
    path.write_text(f'{name}="ok"\n')
    outcome = run_live_check(
        resolution, LiveCheckSettings(input_source=str(path), input_format="text", fail_on=fail_on)
    )
    assert outcome.highest == "improvement"
    assert outcome.exit_code == code


def weavergen(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_cli_file_exporter_lines_and_formats(index: RegistryIndex, tmp_path: Path) -> None:
    lines = tmp_path / "traces.jsonl"
    request = json.dumps(otlp_json_request(index))
    lines.write_text(request + "\n" + request + "\n")
    for fmt, parse in (
        ("json", json.loads),
        ("yaml", __import__("yaml").safe_load),
        ("jsonl", lambda t: {"samples": [json.loads(x) for x in t.splitlines()][:-1]}),
    ):
        result = weavergen(
            "registry", "live-check", "-r", str(EXAMPLE), "--input-source", str(lines), "--format", fmt
        )
        assert result.returncode == 1, result.stderr
        report = parse(result.stdout)
        assert_checkout_findings(report, index)
        assert sum(1 for s in report["samples"] if "span" in s) == 2
    ansi = weavergen("registry", "live-check", "-r", str(EXAMPLE), "--input-source", str(lines))
    assert f"missing_attribute: Attribute '{ABSENT}' does not exist in the registry." in ansi.stdout
    assert "registry coverage:" in ansi.stdout


def test_cli_stdin_text_and_bad_input(tmp_path: Path) -> None:
    result = weavergen(
        "registry", "live-check", "-r", str(EXAMPLE), "--input-source", "stdin", "--input-format", "text",
        "--format", "json", stdin=f"{ABSENT}=1\n\nnever.read\n",
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert [s["attribute"]["name"] for s in report["samples"]] == [ABSENT]
    assert result.returncode == 1
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"span": \n')
    broken = weavergen("registry", "live-check", "-r", str(EXAMPLE), "--input-source", str(bad))
    assert broken.returncode == 1
    assert "Traceback" not in broken.stderr
    assert re.search(rf"{re.escape(str(bad))}:3:1: error\[IngestError\]", broken.stderr), broken.stderr


def test_cli_receives_from_sdk_exporters_and_stops_on_request(index: RegistryIndex) -> None:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

    command = [sys.executable, "-m", "weavergen.cli", "registry", "live-check", "-r", str(EXAMPLE)]
    command += ["--otlp-grpc-port", "0", "--otlp-http-port", "0", "--admin-port", "0"]
    command += ["--inactivity-timeout", "20", "--format", "json"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        ports = _listening_ports(process)
        send_spans(
            GrpcExporter(endpoint=f"127.0.0.1:{ports['OTLP/gRPC']}", insecure=True), checkout_span(index)
        )
        send_spans(
            HttpExporter(endpoint=f"http://127.0.0.1:{ports['OTLP/HTTP']}/v1/traces"), checkout_span(index)
        )
        stop = urllib.request.Request(f"http://127.0.0.1:{ports['admin']}/stop", method="POST")
        urllib.request.urlopen(stop, timeout=5).close()
        out, err = process.communicate(timeout=30)
    assert process.returncode == 1, err
    report = json.loads(out)
    assert sum(1 for s in report["samples"] if "span" in s) == 2
    assert_checkout_findings(report, index)


def _listening_ports(process: subprocess.Popen[str]) -> dict[str, int]:
    assert process.stderr is not None
    for line in _lines(process.stderr):
        if line.startswith("live-check listening:"):
            return {m[0]: int(m[1]) for m in re.findall(r"(OTLP/gRPC|OTLP/HTTP|admin) [\d.]+:(\d+)", line)}
    process.kill()
    raise AssertionError("live-check never said where it listens")


def _lines(stream: Any) -> Iterator[str]:
    for _ in range(200):
        line = stream.readline()
        if not line:
            return
        yield line


def test_cli_ctrl_c_ends_the_run_and_writes_the_report_into_the_output_folder(tmp_path: Path) -> None:
    import signal

    command = [sys.executable, "-m", "weavergen.cli", "registry", "live-check", "-r", str(EXAMPLE)]
    command += ["--otlp-grpc-port", "0", "--otlp-http-port", "0", "--admin-port", "0"]
    command += ["--inactivity-timeout", "0", "--format", "yaml", "-o", str(tmp_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        _listening_ports(process)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert out == ""
    report = __import__("yaml").safe_load((tmp_path / "live_check.yaml").read_text())
    assert report["samples"] == [] and report["statistics"]["total_entities"] == 0


def test_findings_go_out_as_otlp_logs_and_advice_data_reaches_the_policies(
    resolution: Resolution, tmp_path: Path
) -> None:
    run = Running(resolution)
    policies = tmp_path / "policies"
    (policies / "nested").mkdir(parents=True)
    (policies / "ban.rego").write_text(
        "package live_check_advice\nimport rego.v1\n"
        'deny contains {"id": "banned", "level": "violation", "message": name, '
        '"context": {"attribute_key": name}} if {\n'
        "  name := input.sample.attribute.name\n  data.nested.banned[name]\n}\n"
    )
    (policies / "nested" / "banned.yaml").write_text("shop.banned: true\n")
    samples = tmp_path / "s.json"
    samples.write_text(
        json.dumps([{"span": {"name": "x", "attributes": [{"name": "shop.banned", "value": 1}]}}])
    )
    settings = LiveCheckSettings(
        input_source=str(samples),
        advice_policies=str(policies),
        advice_data=str(policies / "**" / "*.yaml"),
        emit_otlp_logs=True,
        otlp_logs_endpoint=f"http://127.0.0.1:{run.ports['grpc']}",
    )
    checked = run_live_check(resolution, settings)
    ids = [a["id"] for a in advice_of(checked.report)]
    assert ids == ["missing_attribute", "banned"]
    received = run.stop()
    logs = [s["log"] for s in received.report["samples"] if "log" in s]
    assert {log["event_name"] for log in logs} == {"weaver.live_check.finding"}
    by_id = {{a["name"]: a["value"] for a in log["attributes"]}["weaver.finding.id"]: log for log in logs}
    assert set(by_id) == set(ids)
    banned = {a["name"]: a["value"] for a in by_id["banned"]["attributes"]}
    assert banned["weaver.finding.level"] == "violation"
    assert banned["weaver.finding.sample.type"] == "attribute"
    assert banned["weaver.finding.signal.type"] == "span" and banned["weaver.finding.signal.name"] == "x"
    assert banned["weaver.finding.context.attribute_key"] == "shop.banned"
    assert by_id["banned"]["severity_text"] == "ERROR" and by_id["banned"]["body"] == "shop.banned"


def test_cli_output_http_answers_stop_with_the_report(index: RegistryIndex) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    command = [sys.executable, "-m", "weavergen.cli", "registry", "live-check", "-r", str(EXAMPLE)]
    command += ["--otlp-grpc-port", "-1", "--otlp-http-port", "0", "--admin-port", "0"]
    command += ["--inactivity-timeout", "20", "--format", "json", "-o", "http"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        ports = _listening_ports(process)
        send_spans(
            OTLPSpanExporter(endpoint=f"http://127.0.0.1:{ports['OTLP/HTTP']}/v1/traces"),
            checkout_span(index),
        )
        stop = urllib.request.Request(f"http://127.0.0.1:{ports['admin']}/stop", method="POST")
        with urllib.request.urlopen(stop, timeout=20) as response:
            assert response.headers["Content-Type"] == "application/json"
            report = json.loads(response.read())
        out, err = process.communicate(timeout=30)
    assert process.returncode == 1, err
    assert out == ""
    assert_checkout_findings(report, index)
    assert report["statistics"]["total_entities_by_type"]["span"] == 1


def test_cli_report_through_the_users_templates(tmp_path: Path) -> None:
    target = tmp_path / "templates" / "summary"
    target.mkdir(parents=True)
    (target / "weaver.yaml").write_text(
        "templates:\n  - pattern: summary.txt.j2\n    filter: .\n    application_mode: single\n"
    )
    (target / "summary.txt.j2").write_text(
        "{{ ctx.statistics.total_advisories }} findings\n"
        "{% for s in ctx.samples %}{% for a in s.attribute.live_check_result.all_advice %}"
        "{{ a.id }}\n{% endfor %}{% endfor %}"
    )
    result = weavergen(
        "registry", "live-check", "-r", str(EXAMPLE), "--input-source", "stdin", "--input-format", "text",
        "--templates", str(tmp_path / "templates"), "--format", "summary", stdin=f"{ABSENT}=1\n",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1:] == ["missing_attribute", "extends_namespace"]
    assert lines[0] == "2 findings"
    unknown = weavergen("registry", "live-check", "-r", str(EXAMPLE), "--format", "nope")
    assert unknown.returncode == 2 and "'nope' is not one of" in unknown.stderr


def test_weaver_toml_finding_filters_and_level_overrides(tmp_path: Path) -> None:
    (tmp_path / ".weaver.toml").write_text(
        f'[registry]\npath = "{EXAMPLE}"\n\n'
        '[[live_check.finding_level_overrides]]\nids = ["missing_*"]\nlevel = "information"\n'
        'sample_names = ["shop.*"]\n\n'
        '[[live_check.finding_filters]]\nexclude = ["extends_namespace"]\n\n'
        '[[live_check.finding_filters]]\nexclude_samples = ["ignored.*"]\n'
    )
    text = f"{ABSENT}=1\nignored.thing=2\nother.thing=3\n"
    args = ["registry", "live-check", "--input-source", "stdin", "--input-format", "text", "--format", "json"]
    result = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    report = json.loads(result.stdout)
    by_name = {s["attribute"]["name"]: s["attribute"]["live_check_result"] for s in report["samples"]}
    assert [(a["id"], a["level"]) for a in by_name[ABSENT]["all_advice"]] == [
        ("missing_attribute", "information")
    ]
    assert by_name["ignored.thing"]["all_advice"] == []
    assert [(a["id"], a["level"]) for a in by_name["other.thing"]["all_advice"]] == [
        ("missing_attribute", "violation")
    ]
    assert result.returncode == 1  # other.thing is still a violation
    (tmp_path / ".weaver.toml").write_text('[[live_check.finding_filters]]\nmin_level = "loud"\n')
    bad = weavergen_in(tmp_path, "registry", "live-check", "-r", str(EXAMPLE), "--input-source", "stdin")
    assert bad.returncode == 1 and "InvalidLiveCheckConfig" in bad.stderr and "Traceback" not in bad.stderr


def weavergen_in(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args], input="", capture_output=True, text=True,
        timeout=60, cwd=cwd, check=False,
    )  # fmt: skip


def test_http_receiver_takes_the_sdk_metric_and_log_exporters(
    resolution: Resolution, index: RegistryIndex
) -> None:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    run = Running(resolution)
    base = f"http://127.0.0.1:{run.ports['http']}"
    name, metric = next(iter(index.metrics.items()))
    reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{base}/v1/metrics"), 60_000)
    meters = MeterProvider(metric_readers=[reader])
    meters.get_meter("test").create_counter(name, unit=metric["unit"]).add(1)
    meters.shutdown()
    logs = LoggerProvider()
    logs.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"{base}/v1/logs")))
    event, group = next(iter(index.events.items()))
    logs.get_logger("test").emit(event_name=event, attributes={})
    logs.get_logger("test").emit(event_name="shop.never.defined", attributes={})
    logs.shutdown()
    outcome = run.stop()
    assert outcome.diagnostics == []
    findings = advice_of(outcome.report)
    assert [a["message"] for a in findings if a["id"] == "missing_event"] == [
        "Event 'shop.never.defined' does not exist in the registry."
    ]
    required = [a["name"] for a in group.get("attributes", []) if a.get("requirement_level") == "required"]
    missing = {a["context"]["attribute_key"] for a in findings if a["id"] == "required_attribute_not_present"}
    assert required and set(required) <= missing
    stats = outcome.report["statistics"]
    assert stats["seen_registry_metrics"][name] == 1 and stats["seen_registry_events"][event] == 1


def test_a_busy_port_is_a_clear_error(resolution: Resolution) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        options = ReceiverOptions(grpc_port=None, http_port=port, admin_port=None, inactivity_timeout=1)
        outcome = run_live_check(resolution, LiveCheckSettings(receiver=options))
    assert outcome.exit_code == 1
    assert [d.code for d in outcome.diagnostics] == ["IngestError"]
    assert f"cannot listen on 127.0.0.1:{port}" in outcome.diagnostics[0].message


def test_live_check_and_emit_run_as_validated_bpmn_processes(tmp_path: Path) -> None:
    from test_workflow import assert_valid, task_path

    from weavergen.workflow import run_workflow

    samples = tmp_path / "s.json"
    samples.write_text(json.dumps([{"attribute": {"name": ABSENT, "value": 1}}]))
    params = {"registry": str(EXAMPLE), "skip_policies": True, "input_source": str(samples)}
    run = run_workflow("registry_live_check", params, store=False)
    assert not run.failed and run.end_events == ["done"], run.diagnostics
    assert_valid(run)
    assert task_path(run)[-2:] == ["livecheck", "done"]
    assert run.data["checked"] == {"samples": 1, "highest": "violation", "exit_code": 1}
    emitted = run_workflow("registry_emit", {"registry": str(EXAMPLE), "stdout": True}, store=False)
    assert not emitted.failed and emitted.end_events == ["done"], emitted.diagnostics
    assert_valid(emitted)
    assert emitted.data["emitted"]["spans"] > 0
