"""Telemetry samples in weaver's shape, from every input live-check accepts.

A sample is one JSON object keyed by its kind (`{"span": {...}}`), exactly as weaver's `Sample` enum
serialises; the checker later adds `live_check_result` to each node. Inputs: weaver's JSON sample arrays,
text lines (`name` or `name=value`), OTLP protobuf requests (gRPC and HTTP bodies) and OTLP JSON — one
request per HTTP body, or one per line in files written by the OpenTelemetry OTLP JSON file exporter.
Bad input raises `SampleError` with a position where the input has one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

SAMPLE_KINDS = (
    "attribute",
    "span",
    "span_event",
    "span_link",
    "resource",
    "instrumentation_scope",
    "metric",
    "log",
)
SIGNALS = ("traces", "metrics", "logs")
_SPAN_KINDS = {0: "internal", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
_STATUS_CODES = {0: "unset", 1: "ok", 2: "error"}
_ID_FIELDS = ("traceId", "spanId", "parentSpanId")

Sample = dict[str, Any]
"""One sample: `{kind: body}` with kind one of `SAMPLE_KINDS`."""


class SampleError(Exception):
    """Input that is not valid telemetry; `line`/`column` are zero-based when known."""

    def __init__(self, message: str, source: str = "", line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.source, self.line, self.column = message, source, line, column

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line + 1}:{(self.column or 0) + 1}"
        return f"{where}: {self.message}" if where else self.message


def infer_type(value: Any) -> str | None:
    """weaver's `SampleAttribute::infer_type`: the semconv type a JSON value has, or None."""
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    items = [v for v in value if v is not None]
    if not items:
        return None
    for kind, test in (
        ("boolean[]", lambda v: isinstance(v, bool)),
        ("int[]", lambda v: isinstance(v, int) and not isinstance(v, bool)),
        ("double[]", lambda v: isinstance(v, int | float) and not isinstance(v, bool)),
        ("string[]", lambda v: isinstance(v, str)),
    ):
        if test(items[0]) and all(test(v) for v in items):
            return kind
    return None


def attribute(name: str, value: Any, type_: str | None = None) -> dict[str, Any]:
    """A sample attribute, its type given or inferred from the value."""
    return {"name": name, "value": value, "type": type_ if type_ is not None else infer_type(value)}


# --- weaver's JSON samples and text lines ------------------------------------------------------------


def parse_json_samples(text: str, source: str = "") -> list[Sample]:
    """A JSON document: weaver's sample array, one sample object, or OTLP JSON (one request or JSONL)."""
    stripped = text.strip()
    if not stripped:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        if "\n" in stripped and stripped.startswith("{"):
            return list(_otlp_json_lines(text, source))
        raise SampleError(f"invalid JSON: {err.msg}", source, err.lineno - 1, err.colno - 1) from None
    if isinstance(value, dict) and _otlp_signal(value) is not None:
        return otlp_json_to_samples(value, source)
    items = value if isinstance(value, list) else [value]
    return [_sample(item, source, index) for index, item in enumerate(items)]


def _otlp_json_lines(text: str, source: str) -> Iterator[Sample]:
    """Files of the OTLP JSON file exporter: one export request per line."""
    for number, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            raise SampleError(f"invalid JSON: {err.msg}", source, number, err.colno - 1) from None
        if not isinstance(value, dict) or _otlp_signal(value) is None:
            raise SampleError(
                "expected an OTLP export request (resourceSpans, resourceMetrics or resourceLogs)",
                source,
                number,
                0,
            )
        try:
            yield from otlp_json_to_samples(value, source)
        except SampleError as err:
            raise SampleError(err.message, source, number, 0) from None


def _sample(item: Any, source: str, index: int) -> Sample:
    """Validate one element of a sample array: a one-key object naming a known sample kind."""
    if not isinstance(item, dict) or len(item) != 1:
        raise SampleError(f"sample {index}: expected an object with one key, the sample kind", source)
    ((kind, body),) = item.items()
    if kind not in SAMPLE_KINDS:
        raise SampleError(
            f"sample {index}: unknown sample kind '{kind}', expected one of {', '.join(SAMPLE_KINDS)}",
            source,
        )
    if not isinstance(body, dict):
        raise SampleError(f"sample {index}: the '{kind}' sample must be an object", source)
    try:
        return {kind: _normalise(kind, body)}
    except (KeyError, TypeError, ValueError) as err:
        raise SampleError(f"sample {index} ({kind}): {err}", source) from None


def _normalise(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """Fill the fields weaver's deserialiser defaults, inferring attribute types."""
    out = dict(body)
    if kind == "attribute":
        if not isinstance(body.get("name"), str):
            raise ValueError("missing field `name`")
        return attribute(body["name"], body.get("value"), body.get("type"))
    if "attributes" in out or kind in ("span", "span_event", "span_link", "resource", "log"):
        out["attributes"] = _attributes(out.get("attributes") or [])
    if kind == "span":
        out.setdefault("kind", "internal")
        out["span_events"] = [_normalise("span_event", e) for e in out.get("span_events") or []]
        out["span_links"] = [_normalise("span_link", e) for e in out.get("span_links") or []]
    if kind == "metric":
        out.setdefault("unit", "")
        points = []
        for point in out.get("data_points") or []:
            normalised = {**point, "attributes": _attributes(point.get("attributes") or [])}
            if isinstance(point.get("exemplars"), list):
                normalised["exemplars"] = [
                    {**e, "filtered_attributes": _attributes(e.get("filtered_attributes") or [])}
                    for e in point["exemplars"]
                    if isinstance(e, dict)
                ]
            points.append(normalised)
        out["data_points"] = points
    if kind == "log":
        out.setdefault("event_name", "")
    return out


def _attributes(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise TypeError("`attributes` must be a list")
    return [_normalise("attribute", a) for a in items]


def parse_text_line(line: str) -> Sample | None:
    """weaver's text input: `name` or `name=value` (value parsed as JSON, else a string); empty → None."""
    trimmed = line.strip()
    if not trimmed:
        return None
    name, eq, raw = trimmed.partition("=")
    if not eq:
        return {"attribute": {"name": trimmed, "value": None, "type": None}}
    try:
        value = json.loads(raw.strip())
    except json.JSONDecodeError:
        value = raw.strip()
    return {"attribute": attribute(name.strip(), value)}


def parse_text_samples(text: str) -> list[Sample]:
    """Every non-empty line of a text file as an attribute sample."""
    return [s for s in (parse_text_line(line) for line in text.splitlines()) if s is not None]


# --- OTLP --------------------------------------------------------------------------------------------


def _otlp_signal(value: dict[str, Any]) -> str | None:
    for key, signal in (
        ("resourceSpans", "traces"),
        ("resourceMetrics", "metrics"),
        ("resourceLogs", "logs"),
    ):
        if key in value or key.replace("resource", "resource_").lower() in value:
            return signal
    return None


def _request_class(signal: str) -> Any:
    if signal == "traces":
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        return ExportTraceServiceRequest
    if signal == "metrics":
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
            ExportMetricsServiceRequest,
        )

        return ExportMetricsServiceRequest
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    return ExportLogsServiceRequest


def otlp_json_to_samples(value: dict[str, Any], source: str = "") -> list[Sample]:
    """An OTLP/JSON export request (hex trace and span ids, as the spec says) as samples."""
    from google.protobuf import json_format

    signal = _otlp_signal(value)
    if signal is None:
        raise SampleError("expected resourceSpans, resourceMetrics or resourceLogs", source)
    message = _request_class(signal)()
    try:
        json_format.ParseDict(_hex_ids_to_base64(value), message, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError) as err:
        raise SampleError(f"invalid OTLP/JSON {signal} request: {err}", source) from None
    return otlp_to_samples(signal, message)


def _hex_ids_to_base64(value: Any) -> Any:
    """OTLP/JSON writes ids as hex where protobuf's JSON mapping expects base64."""
    if isinstance(value, list):
        return [_hex_ids_to_base64(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in _ID_FIELDS and isinstance(item, str):
            try:
                item = base64.b64encode(bytes.fromhex(item)).decode()
            except ValueError:
                raise SampleError(f"`{key}` must be hex, got {item!r}") from None
        out[key] = _hex_ids_to_base64(item)
    return out


def decode_otlp(signal: str, body: bytes, json_body: bool = False) -> list[Sample]:
    """An OTLP/HTTP or gRPC request body (protobuf, or OTLP/JSON when `json_body`) as samples."""
    from google.protobuf.message import DecodeError

    if json_body:
        try:
            value = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise SampleError(f"invalid OTLP/JSON body: {err}") from None
        if not isinstance(value, dict):
            raise SampleError("invalid OTLP/JSON body: expected an object")
        return otlp_json_to_samples(value)
    message = _request_class(signal)()
    try:
        message.ParseFromString(body)
    except DecodeError as err:
        raise SampleError(f"invalid OTLP protobuf {signal} request: {err}") from None
    return otlp_to_samples(signal, message)


def otlp_to_samples(signal: str, request: Any) -> list[Sample]:
    """The samples of one OTLP export request message: per resource a `resource` sample, per scope an
    `instrumentation_scope` sample, then the scope's spans, metrics or log records."""
    out: list[Sample] = []
    resources = {"traces": "resource_spans", "metrics": "resource_metrics", "logs": "resource_logs"}[signal]
    scopes, items, convert = {
        "traces": ("scope_spans", "spans", lambda item, res: {"span": _span(item, res)}),
        "metrics": ("scope_metrics", "metrics", lambda item, res: {"metric": _metric(item, res)}),
        "logs": ("scope_logs", "log_records", lambda item, res: {"log": _log(item, res)}),
    }[signal]
    for container in getattr(request, resources):
        resource = _resource(container.resource)
        out.append({"resource": resource})
        for scoped in getattr(container, scopes):
            out.append({"instrumentation_scope": _scope(scoped)})
            out.extend(convert(item, resource) for item in getattr(scoped, items))
    return out


def _scope(scoped: Any) -> dict[str, Any]:
    scope = scoped.scope
    return {
        "name": scope.name,
        "version": scope.version or None,
        "schema_url": scoped.schema_url or None,
        "attributes": _attrs(scope.attributes),
        "dropped_attributes_count": scope.dropped_attributes_count,
    }


def any_value(value: Any) -> Any:
    """An OTLP `AnyValue` as a JSON value."""
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in value.kvlist_value.values}
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, which)


def _attrs(kvs: Any) -> list[dict[str, Any]]:
    return [attribute(kv.key, any_value(kv.value)) for kv in kvs]


def _resource(resource: Any) -> dict[str, Any]:
    return {"attributes": _attrs(resource.attributes)}


def _span(span: Any, resource: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": span.name,
        "kind": _SPAN_KINDS.get(span.kind, "internal"),
        "attributes": _attrs(span.attributes),
        "span_events": [{"name": e.name, "attributes": _attrs(e.attributes)} for e in span.events],
        "span_links": [{"attributes": _attrs(link.attributes)} for link in span.links],
        "resource": resource,
    }
    if span.HasField("status"):
        status: dict[str, Any] = {"code": _STATUS_CODES.get(span.status.code, "unset")}
        if span.status.message:
            status["message"] = span.status.message
        out["status"] = status
    return out


def _metric(metric: Any, resource: dict[str, Any]) -> dict[str, Any]:
    which = metric.WhichOneof("data")
    points: list[dict[str, Any]] = []
    if which in ("sum", "gauge"):
        data = getattr(metric, which)
        instrument = "gauge" if which == "gauge" else ("counter" if data.is_monotonic else "updowncounter")
        for p in data.data_points:
            value = p.as_int if p.WhichOneof("value") == "as_int" else p.as_double
            points.append({"attributes": _attrs(p.attributes), "value": value})
    elif which in ("histogram", "exponential_histogram"):
        instrument = "histogram"
        for p in getattr(metric, which).data_points:
            point: dict[str, Any] = {"attributes": _attrs(p.attributes), "count": p.count, "sum": p.sum}
            if which == "histogram":
                point["bucket_counts"] = list(p.bucket_counts)
            points.append(point)
    else:
        instrument = which or "unspecified"
        data = getattr(metric, which) if which else None
        points = [{"attributes": _attrs(p.attributes)} for p in getattr(data, "data_points", [])]
    return {
        "name": metric.name,
        "unit": metric.unit,
        "instrument": instrument,
        "data_points": points,
        "resource": resource,
    }


def _log(record: Any, resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_name": record.event_name,
        "severity_number": record.severity_number or None,
        "severity_text": record.severity_text or None,
        "body": any_value(record.body) if record.HasField("body") else None,
        "attributes": _attrs(record.attributes),
        "resource": resource,
    }
