"""weavergen's own telemetry: one span per workflow task, kept in memory, stored, validated.

Spans go to an in-memory collector by default and, when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces
variant) is set, to that endpoint over OTLP/HTTP too. The attributes are described by the semconv
registry shipped in `weavergen/telemetry-registry`, which `registry check` passes on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from weavergen import __version__
from weavergen.diagnostics import Diagnostic

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan, Span, TracerProvider
    from opentelemetry.trace import Tracer

TELEMETRY_REGISTRY = Path(__file__).parent / "telemetry-registry"
"""The semconv registry that describes the spans and attributes below."""

NS = "weavergen.workflow"
PROCESS_ID = f"{NS}.process.id"
RUN_ID = f"{NS}.run.id"
OUTCOME = f"{NS}.outcome"
END_EVENT = f"{NS}.end_event"
TASK_ID = f"{NS}.task.id"
TASK_NAME = f"{NS}.task.name"
TASK_TYPE = f"{NS}.task.type"
TASK_STATE = f"{NS}.task.state"
TASK_INSTANCE = f"{NS}.task.instance"
TASK_INDEX = f"{NS}.task.index"
OPERATION = f"{NS}.service.operation"
RESULT = f"{NS}.service.result"
BRANCH = f"{NS}.gateway.branch"
ERROR_TYPE = f"{NS}.error.type"

RUN_SPAN = "weavergen.workflow.run"
TASK_SPAN = "weavergen.workflow.task"


@dataclass(slots=True)
class SpanRecord:
    """A finished (or, if `end_ns` is None, still open) span, in a JSON-friendly shape."""

    name: str
    trace_id: str
    span_id: str
    parent_id: str | None
    start_ns: int
    end_ns: int | None
    status: str
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    status_message: str | None = None

    @property
    def duration_ms(self) -> float:
        """Wall time of the span in milliseconds (0 while it is open)."""
        return 0.0 if self.end_ns is None else (self.end_ns - self.start_ns) / 1e6

    @classmethod
    def of(cls, span: ReadableSpan, ended: bool = True) -> SpanRecord:
        """Convert an SDK span."""
        ctx = span.get_span_context()
        assert ctx is not None
        parent = span.parent
        return cls(
            name=span.name,
            trace_id=f"{ctx.trace_id:032x}",
            span_id=f"{ctx.span_id:016x}",
            parent_id=f"{parent.span_id:016x}" if parent is not None else None,
            start_ns=span.start_time or 0,
            end_ns=span.end_time if ended else None,
            status=span.status.status_code.name,
            status_message=span.status.description,
            attributes=dict(span.attributes or {}),
            events=[{"name": e.name, "attributes": dict(e.attributes or {})} for e in span.events],
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpanRecord:
        """Read back a record written by `as_dict`."""
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, Any]:
        """The record as plain JSON data."""
        return asdict(self)


class _Collector:
    """A span processor that keeps every span of a trace until the run that owns it takes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[int, dict[int, Span]] = {}
        self._done: dict[int, list[SpanRecord]] = {}

    def on_start(self, span: Span, parent_context: Any = None) -> None:
        ctx = span.get_span_context()
        with self._lock:
            self._open.setdefault(ctx.trace_id, {})[ctx.span_id] = span

    def on_end(self, span: ReadableSpan) -> None:
        ctx = span.get_span_context()
        assert ctx is not None
        with self._lock:
            self._open.get(ctx.trace_id, {}).pop(ctx.span_id, None)
            self._done.setdefault(ctx.trace_id, []).append(SpanRecord.of(span))

    def take(self, trace_id: int) -> list[SpanRecord]:
        """Every span of a trace, finished ones first, then any left open; forgets the trace."""
        with self._lock:
            done = self._done.pop(trace_id, [])
            still_open = self._open.pop(trace_id, {})
        return sorted(done, key=lambda s: s.start_ns) + [
            SpanRecord.of(s, ended=False) for s in still_open.values()
        ]

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def _on_ending(self, span: Any) -> None:  # called by newer SDKs before on_end
        return None


_state_lock = threading.Lock()
_provider: TracerProvider | None = None
_collector: _Collector | None = None


def _setup() -> tuple[TracerProvider, _Collector]:
    global _provider, _collector
    with _state_lock:
        if _provider is None or _collector is None:
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider

            provider = TracerProvider(
                resource=Resource.create({"service.name": "weavergen", "service.version": __version__})
            )
            collector = _Collector()
            provider.add_span_processor(collector)  # type: ignore[arg-type]
            if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
            ):
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
                from opentelemetry.sdk.trace.export import BatchSpanProcessor

                provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            _provider, _collector = provider, collector
        return _provider, _collector


def tracer() -> Tracer:
    """weavergen's tracer (created on first use)."""
    return _setup()[0].get_tracer("weavergen", __version__)


def take_spans(trace_id: int) -> list[SpanRecord]:
    """The spans recorded for one trace (one workflow run)."""
    return _setup()[1].take(trace_id)


def flush(timeout_ms: int = 5000) -> None:
    """Push buffered spans to the OTLP exporter, if one is configured."""
    if _provider is not None:
        _provider.force_flush(timeout_ms)


# Validating a run from its spans.


@dataclass(frozen=True, slots=True)
class ExecutedTask:
    """A task the workflow engine says ran: its instance id, BPMN id, name and final state."""

    instance: str
    bpmn_id: str
    name: str
    state: str
    predecessors: tuple[str, ...] = ()
    container: str | None = None


def validate_spans(
    process_id: str,
    spans: Sequence[SpanRecord],
    executed: Iterable[ExecutedTask],
    *,
    failed: bool,
    file: str | None = None,
) -> list[Diagnostic]:
    """Check a run's spans against the tasks the engine executed on the process's path.

    One root span; exactly one span per executed task, child of the root; none for tasks that did not run;
    nothing left open; error spans carry the exception; each task started after one of its predecessors
    (per the process definition) had finished, so the spans follow a path through the process.
    """
    problems: list[str] = []
    roots = [s for s in spans if s.parent_id is None]
    if len(roots) != 1:
        problems.append(f"expected one root span, found {len(roots)}")
    root = roots[0] if roots else None
    by_instance: dict[str, list[SpanRecord]] = {}
    for s in spans:
        if s is root:
            continue
        inst = s.attributes.get(TASK_INSTANCE)
        if not isinstance(inst, str):
            problems.append(f"span `{s.name}` has no `{TASK_INSTANCE}` attribute")
            continue
        by_instance.setdefault(inst, []).append(s)
        if root is not None and s.parent_id != root.span_id:
            problems.append(
                f"span of task `{s.attributes.get(TASK_ID)}` is not a child of the run's root span"
            )
        if root is not None and s.trace_id != root.trace_id:
            problems.append(f"span of task `{s.attributes.get(TASK_ID)}` belongs to another trace")
    for s in spans:
        if s.end_ns is None:
            problems.append(f"span `{s.attributes.get(TASK_ID) or s.name}` was never ended")
        if s.status == "ERROR" and s is not root and not any(e.get("name") == "exception" for e in s.events):
            problems.append(f"error span of task `{s.attributes.get(TASK_ID)}` carries no exception event")
    tasks = {t.instance: t for t in executed}
    for inst, task in tasks.items():
        found = by_instance.get(inst, [])
        if len(found) != 1:
            problems.append(f"task `{task.bpmn_id}` ({task.name}) ran once but has {len(found)} spans")
        elif task.state == "ERROR" and found[0].status != "ERROR":
            problems.append(f"task `{task.bpmn_id}` failed but its span is not marked as an error")
    for inst, found in by_instance.items():
        if inst not in tasks:
            problems.append(f"span for task `{found[0].attributes.get(TASK_ID)}` that the engine never ran")
    problems.extend(_order_problems(tasks, by_instance))
    if root is not None and failed != (root.status == "ERROR"):
        problems.append("the root span's status does not match the run's outcome")
    return [
        Diagnostic(
            code="InvalidWorkflowRun",
            message=f"The spans of a `{process_id}` run do not match the process: {p}.",
            file=file,
            help="A weavergen bug: report it with `weavergen debug spans --format json`.",
        )
        for p in problems
    ]


def _order_problems(tasks: Mapping[str, ExecutedTask], spans: Mapping[str, list[SpanRecord]]) -> list[str]:
    """Each task starts after a predecessor ended (an instance: after its multi-instance task began)."""
    first = {inst: found[0] for inst, found in spans.items() if len(found) == 1}
    by_bpmn: dict[str, list[SpanRecord]] = {}
    for inst, s in first.items():
        if inst in tasks:
            by_bpmn.setdefault(tasks[inst].bpmn_id, []).append(s)
    problems = []
    for inst, task in tasks.items():
        span = first.get(inst)
        if span is None:
            continue
        if task.container is not None:
            container = first.get(task.container)
            if container is None or span.start_ns < container.start_ns:
                problems.append(f"instance of `{task.bpmn_id}` started outside its multi-instance task")
            continue
        if not task.predecessors:
            continue
        before = [
            p
            for pred in task.predecessors
            for p in by_bpmn.get(pred, [])
            if p.end_ns is not None and p.end_ns <= span.start_ns
        ]
        if not before:
            problems.append(
                f"task `{task.bpmn_id}` started before any of its predecessors "
                f"({', '.join(task.predecessors)}) had finished"
            )
    return problems
