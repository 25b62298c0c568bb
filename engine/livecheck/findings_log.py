"""`--emit-otlp-logs`: every live-check finding also sent as an OTLP log record, as weaver does.

Event `weaver.live_check.finding`, body = the message, severity ERROR / WARN / INFO for violation /
improvement / information, attributes `weaver.finding.{id,level,sample.type,signal.type,signal.name}`,
`weaver.finding.context.<key>` and `weaver.finding.resource.attribute.<key>`; over OTLP/gRPC to
`--otlp-logs-endpoint`, or to stdout with `--otlp-logs-stdout`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from weavergen.livecheck.checker import LiveChecker, _nodes
from weavergen.livecheck.samples import Sample

if TYPE_CHECKING:
    from weavergen.livecheck.run import LiveCheckSettings

EVENT = "weaver.live_check.finding"
_SEVERITY = {"violation": ("ERROR", 17), "improvement": ("WARN", 13), "information": ("INFO", 9)}


class FindingEmitter:
    """An SDK logger provider that turns findings into `weaver.live_check.finding` log records."""

    def __init__(self, provider: Any) -> None:
        self._provider = provider
        self._logger = provider.get_logger("weaver.live_check")

    @classmethod
    def open(cls, settings: LiveCheckSettings) -> FindingEmitter:
        """A provider exporting to the settings' endpoint (OTLP/gRPC) or to stdout."""
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogRecordExporter
        from opentelemetry.sdk.resources import Resource

        exporter: Any
        if settings.otlp_logs_stdout:
            exporter = ConsoleLogRecordExporter(out=sys.stdout)
        else:
            from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

            endpoint = settings.otlp_logs_endpoint
            exporter = OTLPLogExporter(endpoint=endpoint, insecure=endpoint.startswith("http://"))
        from weavergen import __version__

        own = {"service.version": __version__}
        if not _service_name_from_env():
            own["service.name"] = "weaver"
        provider = LoggerProvider(resource=Resource.create(own))
        provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
        return cls(provider)

    def sink(self, checker: LiveChecker) -> Callable[[Sample], None]:
        """A sample sink that logs the sample's findings (with the resource the checker last saw)."""

        def emit_sample(sample: Sample) -> None:
            ((kind, body),) = sample.items()
            # weaver: the resource of the sample itself (a `resource` sample is its own resource).
            resource = body if kind == "resource" else body.get("resource") or checker.resource or {}
            for node_kind, node, _ in _nodes(kind, body):
                for finding in (node.get("live_check_result") or {}).get("all_advice", []):
                    self.emit(finding, node_kind, resource)

        return emit_sample

    def emit(self, finding: dict[str, Any], sample_type: str, resource: dict[str, Any]) -> None:
        """One finding as a log record."""
        from opentelemetry._logs import SeverityNumber

        text, number = _SEVERITY.get(finding["level"], ("INFO", 9))
        attributes: dict[str, Any] = {
            "weaver.finding.id": finding["id"],
            "weaver.finding.level": finding["level"],
            "weaver.finding.sample.type": sample_type,
        }
        if finding.get("signal_type"):
            attributes["weaver.finding.signal.type"] = finding["signal_type"]
        if finding.get("signal_name"):
            attributes["weaver.finding.signal.name"] = finding["signal_name"]
        for key, value in _flatten(finding.get("context"), ""):
            attributes[f"weaver.finding.context.{key}"] = value
        for attr in resource.get("attributes", []):
            value = _attribute_value(attr.get("value"))
            if value is not None:
                attributes[f"weaver.finding.resource.attribute.{attr['name']}"] = value
        self._logger.emit(
            event_name=EVENT,
            body=finding["message"],
            severity_text=text,
            severity_number=SeverityNumber(number),
            attributes=attributes,
        )

    def close(self) -> None:
        """Flush and shut the provider down."""
        self._provider.shutdown()


def _service_name_from_env() -> bool:
    """Whether the user names the service through the SDK's environment (weaver then keeps theirs)."""
    import os

    return bool(os.environ.get("OTEL_SERVICE_NAME")) or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )


def _attribute_value(value: Any) -> Any:
    """weaver's `json_value_to_any_value`: scalars as they are, arrays of what converts (None when
    nothing does), null and objects dropped (None)."""
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list):
        items = [v for v in (_attribute_value(x) for x in value) if v is not None]
        if not items:
            return None
        kinds = {type(v) for v in items}
        # The Python SDK takes only homogeneous scalar lists; weaver's AnyValue list may mix types.
        return items if len(kinds) == 1 and not isinstance(items[0], list) else json.dumps(items)
    return None


def _flatten(value: Any, prefix: str) -> list[tuple[str, Any]]:
    """weaver's `flatten_finding_context`: objects and arrays become dotted keys (`a.b`, `items.0`)."""
    if isinstance(value, dict):
        pairs = value.items()
    elif isinstance(value, list):
        pairs = ((str(i), v) for i, v in enumerate(value))  # type: ignore[assignment]
    else:
        converted = _attribute_value(value)
        return [(prefix, converted)] if converted is not None else []
    return [kv for key, val in pairs for kv in _flatten(val, f"{prefix}.{key}" if prefix else str(key))]
