"""`registry infer`: draft a v2 registry from the telemetry seen, as weaver_infer 0.25.1 does.

Samples (from the OTLP receivers, a file or stdin, as live-check reads them) are accumulated by signal:
resource attributes, one span per span name (with its span events), one metric per metric name (with
its data points' attributes), one event per log event name. Each attribute gets its type and up to five
distinct example values; everything is `stability: development` with an empty brief, for a person to
complete. The result is one `definition/2` file, `registry.yaml`; an existing one is never replaced
unless asked (`--force`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.livecheck.receiver import ReceiverOptions
from weavergen.livecheck.samples import Sample, infer_type

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5
INSTRUMENTS = ("counter", "updowncounter", "gauge", "histogram")


def _scalar_kind(value: Any) -> str | None:
    """The kind of example a JSON value makes (boolean, int, double, string); None for others."""
    kind = infer_type(value)
    return kind if kind in ("boolean", "int", "double", "string") else None


@dataclass(slots=True)
class Examples:
    """weaver's `Examples` as it grows: one value, promoted to a list at the second distinct one."""

    kind: str
    values: list[Any]
    array: bool = False

    def add(self, value: Any) -> None:
        """Add a value of the same kind (an int joins doubles as a double); others are ignored."""
        new = _scalar_kind(value)
        if new == "int" and self.kind == "double":
            value = float(value)
        elif new != self.kind:
            return
        if value in self.values:
            return
        if not self.array:
            self.values, self.array = [self.values[0], value], True
        elif len(self.values) < MAX_EXAMPLES:
            self.values.append(value)

    def as_yaml(self) -> Any:
        """One value, or the list once promoted."""
        return list(self.values) if self.array else self.values[0]


def new_examples(value: Any) -> Examples | None:
    """The examples of an attribute's first value; None for null, arrays and maps (weaver keeps none)."""
    kind = _scalar_kind(value)
    return Examples(kind, [value]) if kind is not None else None


@dataclass(slots=True)
class InferredAttribute:
    """One attribute as seen: its key, type (from its first sample) and examples."""

    key: str
    type: str
    examples: Examples | None = None

    def add(self, value: Any) -> None:
        """Another value of this attribute."""
        if value is None:
            return
        if self.examples is None:
            self.examples = new_examples(value)
        else:
            self.examples.add(value)

    def as_yaml(self) -> dict[str, Any]:
        """weaver's `AttributeDef`: key, type, examples, brief, stability."""
        out: dict[str, Any] = {"key": self.key, "type": self.type}
        if self.examples is not None:
            out["examples"] = self.examples.as_yaml()
        return {**out, "brief": "", "stability": "development"}


Attributes = dict[str, InferredAttribute]


def accumulate(into: Attributes, attributes: Iterable[dict[str, Any]] | None) -> None:
    """Add sample attributes (`{name, value, type}`) to a set of inferred attributes."""
    for a in attributes or []:
        name = str(a.get("name", ""))
        found = into.get(name)
        if found is None:
            found = into[name] = InferredAttribute(name, str(a.get("type") or "string"))
            found.examples = new_examples(a.get("value"))
        else:
            found.add(a.get("value"))


@dataclass(slots=True)
class _Span:
    kind: str
    attributes: Attributes = field(default_factory=dict)
    events: dict[str, Attributes] = field(default_factory=dict)


@dataclass(slots=True)
class _Metric:
    instrument: str
    unit: str
    attributes: Attributes = field(default_factory=dict)


@dataclass(slots=True)
class Accumulator:
    """weaver_infer's `AccumulatedSamples`: what has been seen, by signal."""

    resources: Attributes = field(default_factory=dict)
    spans: dict[str, _Span] = field(default_factory=dict)
    metrics: dict[str, _Metric] = field(default_factory=dict)
    events: dict[str, Attributes] = field(default_factory=dict)

    def add(self, sample: Sample) -> None:
        """Take one sample into account (instrumentation scopes and lone span events/links are ignored)."""
        ((kind, body),) = sample.items()
        if kind == "resource":
            accumulate(self.resources, body.get("attributes"))
        elif kind == "attribute":
            accumulate(self.resources, [body])
        elif kind == "span":
            name = str(body.get("name", ""))
            span = self.spans.setdefault(name, _Span(str(body.get("kind") or "internal")))
            accumulate(span.attributes, body.get("attributes"))
            for event in body.get("span_events") or []:
                accumulate(span.events.setdefault(str(event.get("name", "")), {}), event.get("attributes"))
        elif kind == "metric":
            self._metric(body)
        elif kind == "log":
            name = str(body.get("event_name") or "")
            if name:
                accumulate(self.events.setdefault(name, {}), body.get("attributes"))
        else:
            log.info("ignoring a %s sample: registry infer does not use it", kind)

    def _metric(self, body: dict[str, Any]) -> None:
        instrument = str(body.get("instrument") or "")
        if instrument not in INSTRUMENTS:
            return  # weaver skips summaries and unspecified metrics: no schema can be inferred for them
        name = str(body.get("name", ""))
        metric = self.metrics.setdefault(name, _Metric(instrument, str(body.get("unit") or "")))
        for point in body.get("data_points") or []:
            accumulate(metric.attributes, point.get("attributes"))

    def add_all(self, samples: Iterable[Sample]) -> None:
        """Take every sample of an iterable into account."""
        for sample in samples:
            self.add(sample)

    @property
    def empty(self) -> bool:
        """Whether nothing usable was seen (then no file is written, as in weaver)."""
        return not (self.resources or self.spans or self.metrics or self.events)

    def counts(self) -> dict[str, int]:
        """How much was accumulated: resource attributes, spans, metrics, events."""
        return {
            "resource_attributes": len(self.resources),
            "spans": len(self.spans),
            "metrics": len(self.metrics),
            "events": len(self.events),
        }

    def registry(self) -> dict[str, Any]:
        """The inferred `definition/2` file: attributes, spans, metrics and events, each sorted."""
        definitions: Attributes = {}
        _collect(definitions, self.resources)
        spans = []
        for name in sorted(self.spans):
            span = self.spans[name]
            _collect(definitions, span.attributes)
            for attrs in span.events.values():
                _collect(definitions, attrs)
            entry: dict[str, Any] = {"type": name, "kind": span.kind, "name": {"note": name}}
            spans.append(_signal(entry, span.attributes))
        metrics = []
        for name in sorted(self.metrics):
            metric = self.metrics[name]
            _collect(definitions, metric.attributes)
            entry = {"name": name, "instrument": metric.instrument, "unit": metric.unit}
            metrics.append(_signal(entry, metric.attributes))
        events: dict[str, set[str]] = {}
        for name, attrs in self.events.items():
            _collect(definitions, attrs)
            events.setdefault(name, set()).update(attrs)
        for span in self.spans.values():
            for name, attrs in span.events.items():
                _collect(definitions, attrs)
                events.setdefault(name, set()).update(attrs)
        out: dict[str, Any] = {"file_format": "definition/2"}
        if definitions:
            out["attributes"] = [definitions[k].as_yaml() for k in sorted(definitions)]
        for key, items in (("spans", spans), ("metrics", metrics)):
            if items:
                out[key] = items
        if events:
            out["events"] = [_signal({"name": n}, dict.fromkeys(events[n])) for n in sorted(events)]
        return out


def _collect(into: Attributes, attributes: Attributes) -> None:
    """The first definition seen of each attribute key wins (weaver's `collect_attribute_defs`)."""
    for key, attribute in attributes.items():
        into.setdefault(key, attribute)


def _signal(entry: dict[str, Any], attributes: dict[str, Any]) -> dict[str, Any]:
    if attributes:
        entry["attributes"] = [{"ref": key} for key in sorted(attributes)]
    return {**entry, "brief": "", "stability": "development"}


REGISTRY_FILE = "registry.yaml"
DEFAULT_OUTPUT = "./inferred-registry/"


@dataclass(slots=True)
class InferSettings:
    """`registry infer`'s flags: where the telemetry comes from and where the registry goes."""

    output: str = DEFAULT_OUTPUT
    force: bool = False
    input_source: str = "otlp"
    input_format: str = "json"
    receiver: ReceiverOptions = field(default_factory=lambda: ReceiverOptions(http_port=None))


@dataclass(slots=True)
class InferOutcome:
    """A finished run: the file written (None when nothing was seen), the counts, input problems."""

    written: str | None
    counts: dict[str, int]
    diagnostics: list[Diagnostic]
    samples: int = 0
    requests: int = 0


def output_problem(settings: InferSettings) -> str | None:
    """Why the registry could not be written into the output folder, found before any telemetry is read."""
    from weavergen.output import output_folder_problem

    folder = Path(settings.output)
    target = folder / REGISTRY_FILE
    if target.exists() and not settings.force:
        return f"{target} already exists; choose another -o, or pass --force to replace it"
    return output_folder_problem(folder)


def run_infer(settings: InferSettings, control: Any = None) -> InferOutcome:
    """Accumulate the configured input's samples and write the inferred registry; never raises for bad
    input (it becomes an `IngestError` diagnostic, and what was read before it is still used)."""
    from weavergen.livecheck.run import LiveCheckControl, LiveCheckSettings, ingest_error, input_samples
    from weavergen.livecheck.samples import SampleError

    control = control or LiveCheckControl()
    accumulator = Accumulator()
    diagnostics: list[Diagnostic] = []
    seen = requests = 0
    try:
        if settings.input_source == "otlp":
            seen, requests = _from_otlp(accumulator, settings, control, diagnostics)
        else:
            source = LiveCheckSettings(input_source=settings.input_source, input_format=settings.input_format)
            for sample in input_samples(source, control):
                accumulator.add(sample)
                seen += 1
    except SampleError as err:
        from weavergen.livecheck.run import sample_diagnostic

        diagnostics.append(sample_diagnostic(err))
    except OSError as err:
        diagnostics.append(ingest_error(str(err)))
    written = None
    if not accumulator.empty:
        written, problem = write_registry(accumulator.registry(), settings)
        if problem is not None:
            diagnostics.append(problem)
    return InferOutcome(written, accumulator.counts(), diagnostics, seen, requests)


def _from_otlp(
    accumulator: Accumulator, settings: InferSettings, control: Any, diagnostics: list[Diagnostic]
) -> tuple[int, int]:
    from weavergen.livecheck.receiver import Receiver
    from weavergen.livecheck.run import ingest_error

    receiver = Receiver(settings.receiver)
    receiver.start()
    control.receiver = receiver
    seen = 0
    try:
        if control.on_listening is not None:
            control.on_listening(dict(receiver.ports))
        if control.stop_requested.is_set():
            receiver.request_stop()
        for sample in receiver.samples():
            accumulator.add(sample)
            seen += 1
    finally:
        receiver.stop()
        control.receiver = None
    for error in receiver.errors:
        diagnostics.append(ingest_error(f"{error.endpoint}: {error.message}", error.endpoint))
    return seen, receiver.requests


def write_registry(registry: dict[str, Any], settings: InferSettings) -> tuple[str | None, Diagnostic | None]:
    """Write `registry.yaml` into the output folder (atomically; an existing file only with `force`)."""
    from weavergen.output import OutputError, output_folder_problem, to_yaml, write_atomic, write_new

    folder = Path(settings.output)
    target = folder / REGISTRY_FILE
    problem = output_folder_problem(folder)
    try:
        if problem is not None:
            raise OutputError(problem)
        (write_atomic if settings.force else write_new)(target, to_yaml(registry))
    except OutputError as exc:
        return None, output_error(str(exc), str(target))
    return str(target), None


def output_error(message: str, file: str) -> Diagnostic:
    """weaver's `OtlpError`: the inferred registry could not be written."""
    return Diagnostic(
        code="OtlpError",
        message=f"The following OTLP error occurred: Failed to write file: {message}",
        file=file,
        error={"OtlpError": {"error": message}},
        help="Choose another output folder with -o, or pass --force to replace an inferred registry.",
    )


def infer_operation(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The `weaver.registry.infer` operation: run, keep the outcome on `ctx.outputs`, summarise."""
    from weavergen.livecheck.run import control_of, settings_from

    given = {k: v for k, v in params.items() if v is not None}
    receiver = settings_from({**given, "http_port": given.get("http_port", -1)}).receiver
    settings = InferSettings(
        output=str(given.get("output", DEFAULT_OUTPUT)),
        force=bool(given.get("force", False)),
        input_source=str(given.get("input_source", "otlp")),
        input_format=str(given.get("input_format", "json")),
        receiver=receiver,
    )
    outcome = run_infer(settings, control_of(given.get("control")))
    ctx.outputs["infer"] = outcome
    ctx.add(outcome.diagnostics)
    return {"samples": outcome.samples, "written": outcome.written is not None, **outcome.counts}
