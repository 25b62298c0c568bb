"""One live-check run: read samples from OTLP, stdin or a file, check them, build the report.

The workflow operation `weaver.livecheck.run` calls `run_live_check`; a face that wants to stream the
annotated samples, print the bound ports, or stop the receivers registers a `LiveCheckControl` under a
token and passes the token as a parameter (the workflow's start data stays JSON).
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from weavergen.diagnostics import Diagnostic, Range, Severity
from weavergen.livecheck.checker import AdvicePolicies, LiveChecker, RegistryIndex
from weavergen.livecheck.findings_log import FindingEmitter
from weavergen.livecheck.receiver import Receiver, ReceiverOptions
from weavergen.livecheck.report import LiveCheckSession, Sink, should_fail
from weavergen.livecheck.samples import (
    Sample,
    SampleError,
    parse_json_samples,
    parse_text_line,
    parse_text_samples,
)
from weavergen.resolve import Resolution


@dataclass(slots=True)
class LiveCheckSettings:
    """weaver's live-check flags (ports `None` = that server is off)."""

    input_source: str = "otlp"
    input_format: str = "json"
    fail_on: str = "violation"
    no_stats: bool = False
    keep_samples: bool = True
    advice_policies: str | None = None
    advice_preprocessor: str | None = None
    advice_data: str | None = None
    emit_otlp_logs: bool = False
    otlp_logs_endpoint: str = "http://localhost:4317"
    otlp_logs_stdout: bool = False
    http_report: str | None = None
    project_config: str | None = None
    receiver: ReceiverOptions = field(default_factory=ReceiverOptions)


@dataclass(slots=True)
class LiveCheckControl:
    """What a face gives a run: a sink for each checked sample, a hook once listening, stdin, a stop."""

    sink: Sink | None = None
    on_listening: Callable[[dict[str, int]], None] | None = None
    stdin: TextIO | None = None
    receiver: Receiver | None = None
    stop_requested: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """End the run: the receivers stop accepting and the report is finished."""
        self.stop_requested.set()
        if self.receiver is not None:
            self.receiver.request_stop()


_CONTROLS: dict[str, LiveCheckControl] = {}


def register_control(control: LiveCheckControl) -> str:
    """Make a control reachable from a workflow parameter; returns its token."""
    token = uuid.uuid4().hex
    _CONTROLS[token] = control
    return token


def release_control(token: str) -> None:
    """Forget a control once its run is over."""
    _CONTROLS.pop(token, None)


def control_of(token: str | None) -> LiveCheckControl:
    """The control a token names (a fresh one when there is none)."""
    return _CONTROLS.get(token or "") or LiveCheckControl()


@dataclass(slots=True)
class LiveCheckOutcome:
    """A finished run: the report, its highest finding level, exit code, and input problems."""

    report: dict[str, Any]
    highest: str | None
    exit_code: int
    diagnostics: list[Diagnostic]
    samples: int
    requests: int = 0


def make_checker(
    resolution: Resolution, settings: LiveCheckSettings
) -> tuple[LiveChecker | None, list[Diagnostic]]:
    """The checker with its advice policies; None when the policies cannot be loaded."""
    from weavergen.livecheck.checker import load_advice_data
    from weavergen.livecheck.rules import rules_from_file

    index = RegistryIndex.of(resolution)
    rules, diagnostics = rules_from_file(settings.project_config)
    extra, problems = load_advice_data(settings.advice_data) if settings.advice_data else ({}, [])
    diagnostics.extend(problems)
    policies, problems = AdvicePolicies.load(
        settings.advice_policies, index, settings.advice_preprocessor, extra
    )
    diagnostics.extend(problems)
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    return LiveChecker(index, policies, rules), diagnostics


def run_live_check(
    resolution: Resolution, settings: LiveCheckSettings, control: LiveCheckControl | None = None
) -> LiveCheckOutcome:
    """Check every sample of the configured input against the registry; never raises for bad input."""
    control = control or LiveCheckControl()
    checker, diagnostics = make_checker(resolution, settings)
    if checker is None:
        return LiveCheckOutcome({"samples": []}, None, 1, diagnostics, 0)
    emitter = FindingEmitter.open(settings) if settings.emit_otlp_logs else None
    sink = control.sink if emitter is None else _both(control.sink, emitter.sink(checker))
    session = LiveCheckSession(checker, sink=sink, keep=settings.keep_samples, stats=not settings.no_stats)
    requests = 0
    try:
        if settings.input_source == "otlp":
            requests = _from_otlp(session, settings, control, diagnostics)
        else:
            session.add_all(_from_input(settings, control))
    except SampleError as err:
        diagnostics.append(sample_diagnostic(err))
    except OSError as err:
        diagnostics.append(ingest_error(str(err)))
    if emitter is not None:
        emitter.close()
    if settings.no_stats and settings.fail_on != "none":
        diagnostics.append(no_stats_warning(settings.fail_on))
    if checker.policies is not None:
        diagnostics.extend(checker.policies.diagnostics)
    failed = (not settings.no_stats and should_fail(session.highest, settings.fail_on)) or any(
        d.is_error for d in diagnostics
    )
    return LiveCheckOutcome(
        session.report(), session.highest, 1 if failed else 0, diagnostics, session.count, requests
    )


def no_stats_warning(fail_on: str) -> Diagnostic:
    """`--no-stats` keeps no statistics, so weaver's `--fail-on` gate has nothing to read: say so."""
    return Diagnostic(
        code="FailOnNotEnforced",
        message=f"Statistics are disabled (--no-stats): the --fail-on {fail_on} threshold cannot be "
        "enforced, and this run does not fail on findings.",
        severity=Severity.WARNING,
        help="Drop --no-stats to make findings fail the run, or pass --fail-on none to silence this.",
    )


def _both(first: Sink | None, second: Sink) -> Sink:
    def sink(sample: Sample) -> None:
        if first is not None:
            first(sample)
        second(sample)

    return sink


def _from_otlp(
    session: LiveCheckSession,
    settings: LiveCheckSettings,
    control: LiveCheckControl,
    diagnostics: list[Diagnostic],
) -> int:
    receiver = Receiver(settings.receiver)
    receiver.start()
    control.receiver = receiver
    try:
        if control.on_listening is not None:
            control.on_listening(dict(receiver.ports))
        if control.stop_requested.is_set():
            receiver.request_stop()
        session.add_all(receiver.samples())
        if settings.http_report is not None:
            from weavergen.livecheck.report import render_report

            text = render_report(session.report(), settings.http_report)
            kind = "application/json" if settings.http_report == "json" else "text/plain; charset=utf-8"
            receiver.respond_to_stop(text.encode(), kind)
    finally:
        receiver.stop()
        control.receiver = None
    for error in receiver.errors:
        diagnostics.append(ingest_error(f"{error.endpoint}: {error.message}", error.endpoint))
    return receiver.requests


def _from_input(settings: LiveCheckSettings, control: LiveCheckControl) -> Iterator[Sample]:
    """Samples from stdin (text: until an empty line, as weaver) or from a file."""
    text_format = settings.input_format == "text"
    if settings.input_source == "stdin":
        stream = control.stdin or sys.stdin
        if text_format:
            for line in stream:
                sample = parse_text_line(line)
                if sample is None:
                    return
                yield sample
            return
        yield from parse_json_samples(stream.read(), "<stdin>")
        return
    path = Path(settings.input_source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SampleError("the input file does not exist", str(path)) from None
    except UnicodeDecodeError as err:
        raise SampleError(f"the input file is not UTF-8 text: {err.reason}", str(path)) from None
    yield from parse_text_samples(text) if text_format else parse_json_samples(text, str(path))


def sample_diagnostic(err: SampleError) -> Diagnostic:
    """A bad input as weaver's `IngestError`, placed at the line and column when known."""
    where = None
    if err.line is not None:
        column = err.column or 0
        where = Range.of(err.line, column, err.line, column + 1)
    return ingest_error(err.message if where else str(err), err.source or None, where)


def ingest_error(error: str, file: str | None = None, where: Range | None = None) -> Diagnostic:
    """weaver_live_check's `IngestError { error }`: input that could not be read as telemetry."""
    return Diagnostic(
        code="IngestError",
        message=f"Fatal error during ingest. {error}",
        file=file,
        range=where,
        error={"IngestError": {"error": error}},
    )


def settings_from(params: dict[str, Any]) -> LiveCheckSettings:
    """Settings from a workflow's parameters; a parameter left out (None) keeps weaver's default."""
    given = {k: v for k, v in params.items() if v is not None}
    base = LiveCheckSettings()
    receiver = ReceiverOptions(
        address=str(given.get("address", base.receiver.address)),
        grpc_port=_port(given, "grpc_port", base.receiver.grpc_port),
        http_port=_port(given, "http_port", base.receiver.http_port),
        admin_port=_port(given, "admin_port", base.receiver.admin_port),
        inactivity_timeout=float(given.get("inactivity_timeout", base.receiver.inactivity_timeout)),
        report_on_stop=given.get("http_report") is not None,
    )
    return LiveCheckSettings(
        input_source=str(given.get("input_source", base.input_source)),
        input_format=str(given.get("input_format", base.input_format)),
        fail_on=str(given.get("fail_on", base.fail_on)),
        no_stats=bool(given.get("no_stats", base.no_stats)),
        keep_samples=bool(given.get("keep_samples", base.keep_samples)),
        advice_policies=given.get("advice_policies"),
        advice_preprocessor=given.get("advice_preprocessor"),
        advice_data=given.get("advice_data"),
        emit_otlp_logs=bool(given.get("emit_otlp_logs", base.emit_otlp_logs)),
        otlp_logs_endpoint=str(given.get("otlp_logs_endpoint", base.otlp_logs_endpoint)),
        otlp_logs_stdout=bool(given.get("otlp_logs_stdout", base.otlp_logs_stdout)),
        http_report=given.get("http_report"),
        project_config=given.get("project_config"),
        receiver=receiver,
    )


def _port(given: dict[str, Any], key: str, default: int | None) -> int | None:
    """A port parameter: a number, or -1 to turn that server off."""
    value = int(given.get(key, default if default is not None else -1))
    return None if value < 0 else value


def live_check_operation(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The `weaver.livecheck.run` operation: run, keep the outcome on `ctx.outputs`, summarise."""
    outcome = run_live_check(ctx.need_resolution(), settings_from(params), control_of(params.get("control")))
    ctx.outputs["live_check"] = outcome
    ctx.add(outcome.diagnostics)
    return {"samples": outcome.samples, "highest": outcome.highest, "exit_code": outcome.exit_code}
