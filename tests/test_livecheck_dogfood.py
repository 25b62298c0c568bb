"""Dogfooding: the spans weavergen's own workflows export over OTLP are live-checked against weavergen's
own telemetry registry (`weavergen/telemetry-registry`) and hold no violation."""

from __future__ import annotations

import os
import subprocess
import sys

from test_livecheck import EXAMPLE, Running, advice_of

from weavergen.check import CheckOptions, check_registry
from weavergen.telemetry import RUN_SPAN, TELEMETRY_REGISTRY


def test_weavergen_workflow_spans_match_its_telemetry_registry() -> None:
    resolution = check_registry(CheckOptions(registry=str(TELEMETRY_REGISTRY), skip_policies=True)).resolution
    assert resolution is not None
    run = Running(resolution)
    # A fresh process: the tracer provider (and its OTLP exporter) is set up once per process.
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{run.ports['http']}"}
    checked = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "registry", "check", "-r", str(EXAMPLE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    outcome = run.stop()
    assert outcome.diagnostics == []
    spans = [s["span"] for s in outcome.report["samples"] if "span" in s]
    assert f"{RUN_SPAN} registry_check" in {s["name"] for s in spans}
    assert len(spans) > 3  # the root span and one per task
    assert [a for a in advice_of(outcome.report) if a["level"] == "violation"] == []
    stats = outcome.report["statistics"]
    assert stats["seen_non_registry_attributes"] == {}
    seen = {name for name, n in stats["seen_registry_attributes"].items() if n}
    required = {
        a["name"]
        for g in resolution.template_schema()["groups"]
        if g["type"] == "span"
        for a in g.get("attributes", [])
        if a.get("requirement_level") == "required"
    }
    assert required <= seen
