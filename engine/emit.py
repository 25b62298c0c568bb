"""`registry emit`: every span, metric and event of a registry sent as example telemetry through the
OpenTelemetry SDK, over OTLP/gRPC (weaver's default `http://localhost:4317`) or to stdout as OTLP/JSON lines.

Values come from each attribute's `examples` (else a value of its type; an enum's first member), so a
live-check of the emitted telemetry against the same registry finds no violation. Deprecated signals and
attributes are left out for the same reason, and the resource carries only the registry's entity
attributes (no SDK defaults such as `telemetry.sdk.name`, which a custom registry does not define).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from weavergen.resolve import Resolution

DEFAULT_ENDPOINT = "http://localhost:4317"
_TYPE_DEFAULTS: dict[str, Any] = {
    "string": "value",
    "int": 42,
    "double": 3.5,
    "boolean": True,
    "string[]": ["value1", "value2"],
    "int[]": [1, 2],
    "double[]": [1.5, 2.5],
    "boolean[]": [True, False],
    "any": "value",
}
_SPAN_KINDS = ("internal", "server", "client", "producer", "consumer")


@dataclass(slots=True)
class EmitReport:
    """What was emitted, by kind and name."""

    spans: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """Counts, for the workflow's task data."""
        return {"spans": len(self.spans), "metrics": len(self.metrics), "events": len(self.events)}


def example_value(attr: dict[str, Any]) -> Any:
    """An attribute's first example, its enum's first member, or a value of its type."""
    kind = attr.get("type")
    if isinstance(kind, dict):
        members = kind.get("members") or []
        return members[0].get("value") if members else "value"
    name = str(kind)
    if name.startswith("template[") and name.endswith("]"):
        name = name[len("template[") : -1]
    examples = attr.get("examples")
    if isinstance(examples, list) and examples:
        first = examples[0]
        if name.endswith("[]") and not isinstance(first, list):
            return list(examples)
        return first
    if examples is not None and not isinstance(examples, list):
        return [examples] if name.endswith("[]") else examples
    return _TYPE_DEFAULTS.get(name, "value")


def example_attributes(attributes: list[dict[str, Any]]) -> dict[str, Any]:
    """Example values for every non-deprecated attribute; a template gets one key under its prefix."""
    out: dict[str, Any] = {}
    for attr in attributes:
        if attr.get("deprecated"):
            continue
        name = str(attr["name"])
        if str(attr.get("type", "")).startswith("template["):
            name = f"{name}.example"
        out[name] = example_value(attr)
    return out


def _signals(resolution: Resolution) -> list[dict[str, Any]]:
    """The registry's non-deprecated groups, each signal name once (a refinement repeats its base's)."""
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, Any]] = []
    for group in resolution.template_schema()["groups"]:
        kind = str(group.get("type"))
        name = str(group.get("metric_name") or group.get("name") or group["id"])
        if group.get("deprecated") or (kind, name) in seen:
            continue
        seen.add((kind, name))
        out.append(group)
    return out


def emit(
    resolution: Resolution, endpoint: str | None = None, stdout: bool = False, out: TextIO | None = None
) -> EmitReport:
    """Emit every span, metric and event of the registry, then flush and shut the SDK providers down."""
    from opentelemetry.sdk.resources import Resource

    groups = _signals(resolution)
    resource_attributes: dict[str, Any] = {}
    for group in groups:
        if group.get("type") == "entity":
            resource_attributes.update(example_attributes(group.get("attributes", [])))
    resource = Resource(resource_attributes)
    target = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or endpoint or DEFAULT_ENDPOINT
    exporters = _exporters(target, stdout, out or sys.stdout)
    report = EmitReport()
    _emit_spans(groups, resource, exporters[0], report)
    _emit_metrics(groups, resource, exporters[1], report)
    _emit_events(groups, resource, exporters[2], report)
    return report


def _exporters(endpoint: str, stdout: bool, out: TextIO) -> tuple[Any, Any, Any]:
    if stdout:  # OTLP/JSON lines, which `registry live-check --input-source FILE` reads back
        from weavergen.otlp_json import json_exporters

        return json_exporters(out)
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    insecure = endpoint.startswith("http://")
    return (
        OTLPSpanExporter(endpoint=endpoint, insecure=insecure),
        OTLPMetricExporter(endpoint=endpoint, insecure=insecure),
        OTLPLogExporter(endpoint=endpoint, insecure=insecure),
    )


def _emit_spans(groups: list[dict[str, Any]], resource: Any, exporter: Any, report: EmitReport) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace import SpanKind

    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("weavergen.emit")
    for group in groups:
        if group.get("type") != "span":
            continue
        name = str(group["id"]).removeprefix("span.")
        kind = str(group.get("span_kind") or "internal")
        span_kind = SpanKind[kind.upper()] if kind in _SPAN_KINDS else SpanKind.INTERNAL
        with tracer.start_as_current_span(
            name, kind=span_kind, attributes=example_attributes(group.get("attributes", []))
        ):
            report.spans.append(name)
    provider.shutdown()


def _emit_metrics(groups: list[dict[str, Any]], resource: Any, exporter: Any, report: EmitReport) -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(resource=resource, metric_readers=[reader])
    meter = provider.get_meter("weavergen.emit")
    for group in groups:
        if group.get("type") != "metric":
            continue
        name, unit = str(group["metric_name"]), str(group.get("unit") or "")
        attributes = example_attributes(group.get("attributes", []))
        instrument = group.get("instrument")
        if instrument == "counter":
            meter.create_counter(name, unit=unit).add(1, attributes)
        elif instrument == "updowncounter":
            meter.create_up_down_counter(name, unit=unit).add(1, attributes)
        elif instrument == "histogram":
            meter.create_histogram(name, unit=unit).record(1.5, attributes)
        elif instrument == "gauge":
            meter.create_gauge(name, unit=unit).set(1, attributes)
        else:
            continue
        report.metrics.append(name)
    provider.shutdown()


def _emit_events(groups: list[dict[str, Any]], resource: Any, exporter: Any, report: EmitReport) -> None:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

    provider = LoggerProvider(resource=resource)
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    logger = provider.get_logger("weavergen.emit")
    for group in groups:
        if group.get("type") != "event":
            continue
        name = str(group.get("name") or group["id"])
        logger.emit(event_name=name, attributes=example_attributes(group.get("attributes", [])))
        report.events.append(name)
    provider.shutdown()


def emit_operation(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The `weaver.registry.emit` operation: emit, keep the report on `ctx.outputs`, summarise."""
    report = emit(ctx.need_resolution(), params.get("endpoint"), bool(params.get("stdout")))
    ctx.outputs["emitted"] = report
    return report.summary()
