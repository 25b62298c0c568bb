"""`registry emit` → `registry live-check` round trip: the example registry's own example telemetry, sent by
the real OpenTelemetry SDK over OTLP/gRPC to our receiver on 127.0.0.1, has no violation."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from test_livecheck import EXAMPLE, _listening_ports, advice_of

from weavergen.check import CheckOptions, check_registry
from weavergen.emit import example_attributes
from weavergen.livecheck.checker import RegistryIndex

EMIT = [sys.executable, "-m", "weavergen.cli", "registry", "emit"]
LIVE_CHECK = [sys.executable, "-m", "weavergen.cli", "registry", "live-check"]


def test_emit_then_live_check_has_no_violation() -> None:
    resolution = check_registry(CheckOptions(registry=str(EXAMPLE), skip_policies=True)).resolution
    assert resolution is not None
    index = RegistryIndex.of(resolution)
    command = [sys.executable, "-m", "weavergen.cli", "registry", "live-check", "-r", str(EXAMPLE)]
    command += ["--otlp-grpc-port", "0", "--otlp-http-port", "-1", "--admin-port", "0"]
    command += ["--inactivity-timeout", "30", "--format", "json"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as live:
        ports = _listening_ports(live)
        assert "OTLP/HTTP" not in ports
        emitted = subprocess.run(
            [*EMIT, "-r", str(EXAMPLE), "--endpoint", f"http://127.0.0.1:{ports['OTLP/gRPC']}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert emitted.returncode == 0, emitted.stderr
        urllib.request.urlopen(
            urllib.request.Request(f"http://127.0.0.1:{ports['admin']}/stop", method="POST"), timeout=5
        ).close()
        out, err = live.communicate(timeout=30)
    assert live.returncode == 0, err
    report = json.loads(out)
    violations = [a for a in advice_of(report) if a["level"] == "violation"]
    assert violations == []
    kinds = [next(iter(s)) for s in report["samples"]]
    spans = {
        g["id"]
        for g in resolution.template_schema()["groups"]
        if g["type"] == "span" and not g.get("deprecated")
    }
    assert kinds.count("span") == len(spans)
    assert {s["metric"]["name"] for s in report["samples"] if "metric" in s} == set(index.metrics)
    assert {s["log"]["event_name"] for s in report["samples"] if "log" in s} == set(index.events)
    stats = report["statistics"]
    assert stats["seen_non_registry_attributes"] == {}
    assert all(n > 0 for n in stats["seen_registry_metrics"].values())
    assert stats["registry_coverage"] > 0.5
    assert (
        f"emitted {len(spans)} spans, {len(index.metrics)} metrics, {len(index.events)} events"
        in emitted.stderr
    )


def test_emit_to_stdout_writes_otlp_json_that_live_check_reads(tmp_path: Path) -> None:
    result = subprocess.run(
        [*EMIT, "-r", str(EXAMPLE), "--stdout"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    requests = [json.loads(line) for line in result.stdout.splitlines()]
    assert {next(iter(r)) for r in requests} == {"resourceSpans", "resourceMetrics", "resourceLogs"}
    spans = [
        s
        for r in requests
        for rs in r.get("resourceSpans", [])
        for ss in rs["scopeSpans"]
        for s in ss["spans"]
    ]
    assert "shop.checkout.submit" in {s["name"] for s in spans}
    assert all(len(s["traceId"]) == 32 and int(s["traceId"], 16) for s in spans)  # hex, as OTLP/JSON says
    file = tmp_path / "telemetry.jsonl"
    file.write_text(result.stdout, encoding="utf-8")
    live = subprocess.run(
        [
            *LIVE_CHECK,
            "-r",
            str(EXAMPLE),
            "--input-source",
            str(file),
            "--input-format",
            "json",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert live.returncode == 0, live.stderr
    report = json.loads(live.stdout)
    assert [a for a in advice_of(report) if a["level"] == "violation"] == []
    kinds = [next(iter(s)) for s in report["samples"]]
    assert kinds.count("span") == len(spans) and "metric" in kinds and "log" in kinds


def test_example_values_follow_the_registry() -> None:
    attrs = [
        {"name": "a.enum", "type": {"members": [{"id": "x", "value": "x"}]}},
        {"name": "a.list", "type": "string[]", "examples": [["p", "q"]]},
        {"name": "a.tpl", "type": "template[int]"},
        {"name": "a.old", "type": "string", "deprecated": {"reason": "obsoleted"}},
        {"name": "a.flat", "type": "string[]", "examples": ["p", "q"]},
    ]
    assert example_attributes(attrs) == {
        "a.enum": "x",
        "a.list": ["p", "q"],
        "a.tpl.example": 42,
        "a.flat": ["p", "q"],
    }


def test_emit_of_a_broken_registry_exits_1(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        "groups:\n  - id: x\n    type: span\n    attributes:\n      - ref: nope\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "registry", "emit", "-r", str(tmp_path), "--stdout"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
