"""SDK exporters that write OTLP/JSON, one export request per line, as the OpenTelemetry Collector's file
exporter does: what `registry emit --stdout` prints and `registry live-check --input-source FILE` reads.

Requests are encoded with the OTLP exporter's own protobuf encoders and printed with protobuf's JSON
mapping, then trace and span ids are turned from base64 into hex, as the OTLP/JSON spec asks.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Sequence
from typing import Any, TextIO

_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def request_json(message: Any) -> str:
    """One OTLP export request message as a single line of OTLP/JSON (hex ids)."""
    from google.protobuf import json_format

    value = json_format.MessageToDict(message, use_integers_for_enums=True)
    return json.dumps(_base64_ids_to_hex(value), separators=(",", ":"), ensure_ascii=False)


def _base64_ids_to_hex(value: Any) -> Any:
    if isinstance(value, list):
        return [_base64_ids_to_hex(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        key: base64.b64decode(item).hex()
        if key in _ID_FIELDS and isinstance(item, str)
        else _base64_ids_to_hex(item)
        for key, item in value.items()
    }


class _Lines:
    """Writes whole lines to one stream, one writer at a time (the SDK exports from its own threads)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lock = threading.Lock()

    def write(self, message: Any) -> None:
        line = request_json(message)
        with self.lock:
            self.out.write(line + "\n")
            self.out.flush()


def json_exporters(out: TextIO) -> tuple[Any, Any, Any]:
    """A span, a metric and a log exporter that print OTLP/JSON lines to `out`."""
    from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
    from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk._logs.export import LogExporter, LogExportResult
    from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    lines = _Lines(out)

    class SpanJson(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            if spans:
                lines.write(encode_spans(spans))
            return SpanExportResult.SUCCESS

    class MetricJson(MetricExporter):
        def export(
            self, metrics_data: Any, timeout_millis: float = 10_000, **kwargs: Any
        ) -> MetricExportResult:
            if metrics_data.resource_metrics:
                lines.write(encode_metrics(metrics_data))
            return MetricExportResult.SUCCESS

        def force_flush(self, timeout_millis: float = 10_000) -> bool:
            return True

        def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
            return None

    class LogJson(LogExporter):
        def export(
            self, batch: Sequence[Any]
        ) -> Any:  # LogExportResult (LogRecordExportResult in newer SDKs)
            if batch:
                lines.write(encode_logs(batch))
            return LogExportResult.SUCCESS

        def force_flush(self, timeout_millis: int = 30_000) -> bool:
            return True

        def shutdown(self) -> None:
            return None

    return SpanJson(), MetricJson(), LogJson()
