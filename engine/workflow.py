"""Runs the BPMN processes of `weavergen.bpmn` (and user-supplied ones) on SpiffWorkflow.

Specs are parsed once and cached. Service tasks name engine operations (`weavergen.operations`);
every task becomes an OpenTelemetry span under one root span per run, and the run is validated from its
spans. Parallel branches and multi-instance tasks really run at once: the operations of a wave of READY
service tasks execute on a thread pool (CPU-bound parts in worker processes), while Spiff's own state is
only ever touched on the runner's thread — Spiff takes no locks.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from weavergen.check import CheckOptions
from weavergen.diagnostics import Diagnostic, Range, internal_error
from weavergen.operations import Offload, Operation, OperationError, RunContext, operations
from weavergen.runs import registry_key, store_run
from weavergen.telemetry import (
    BRANCH,
    END_EVENT,
    ERROR_TYPE,
    OPERATION,
    OUTCOME,
    PROCESS_ID,
    RESULT,
    RUN_ID,
    RUN_SPAN,
    TASK_ID,
    TASK_INDEX,
    TASK_INSTANCE,
    TASK_NAME,
    TASK_STATE,
    TASK_TYPE,
    ExecutedTask,
    SpanRecord,
    flush,
    take_spans,
    tracer,
    validate_spans,
)

if TYPE_CHECKING:
    from opentelemetry.trace import Span
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
    from SpiffWorkflow.task import Task

WORKFLOW_ALIASES = {"update_markdown": "registry_update_markdown", "json_schema": "registry_json_schema"}


class WorkflowError(Exception):
    """A process cannot be found, parsed or trusted; carries diagnostics with positions."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """One executable BPMN process and where it came from."""

    id: str
    name: str
    documentation: str
    file: Path
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, Any]
    builtin: bool


# Loading processes.


def builtin_dir() -> Path:
    """The folder of the BPMN files shipped in the package."""
    return Path(str(resources.files("weavergen.bpmn")))


@lru_cache(maxsize=8)
def _parse_file(path: str, mtime_ns: int) -> tuple[dict[str, ProcessInfo], tuple[Diagnostic, ...]]:
    """Parse one BPMN file (cached by path and modification time); diagnostics instead of exceptions."""
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
    from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

    file = Path(path)
    builtin = file.parent == builtin_dir()
    try:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(path)
        found = {}
        for pid in parser.get_process_ids():
            spec = parser.get_spec(pid)
            found[pid] = ProcessInfo(
                pid,
                spec.description or pid,
                _documentation(file, pid),
                file,
                spec,
                parser.get_subprocess_specs(pid),
                builtin,
            )
        return found, ()
    except ValidationException as exc:
        line = _int(getattr(exc, "line_number", None)) or _line_of(file, getattr(exc, "id", None))
        return {}, (_bpmn_diagnostic(file, line, f"Invalid BPMN: {_one_line(exc)}"),)
    except Exception as exc:  # lxml syntax errors and anything else the parser raises
        line = _int(getattr(exc, "lineno", None)) or _int(getattr(exc, "line_number", None))
        return {}, (_bpmn_diagnostic(file, line, f"Invalid BPMN: {_one_line(exc)}"),)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _documentation(file: Path, pid: str) -> str:
    from lxml import etree

    try:
        root = etree.parse(str(file)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return ""
    for proc in root.iter("{*}process"):
        if proc.get("id") == pid:
            doc = proc.find("{*}documentation")
            return (doc.text or "").strip() if doc is not None else ""
    return ""


def _line_of(file: Path, element_id: str | None) -> int | None:
    """The 1-based line of the element with this id, for a diagnostic's position."""
    if not element_id:
        return None
    from lxml import etree

    try:
        root = etree.parse(str(file)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return None
    for el in root.iter():
        if el.get("id") == element_id:
            return int(el.sourceline) if el.sourceline else None
    return None


def _bpmn_diagnostic(file: Path, line: int | None, message: str, help: str | None = None) -> Diagnostic:
    rng = Range.of(line - 1, 0, line - 1, 0) if line else None
    return Diagnostic(code="InvalidWorkflow", message=message, file=str(file), range=rng, help=help)


class WorkflowLibrary:
    """The processes a run may use: the built-in ones, and those of a `--workflows` folder."""

    def __init__(
        self, processes: dict[str, ProcessInfo], diagnostics: list[Diagnostic], allow_scripts: bool = False
    ) -> None:
        self.processes = processes
        self.diagnostics = diagnostics
        self.allow_scripts = allow_scripts

    def trusts(self, info: ProcessInfo) -> bool:
        """Whether `info` may run scripts and any expression: built-in, or loaded with `--allow-scripts`."""
        return info.builtin or self.allow_scripts

    @classmethod
    def load(
        cls,
        workflows_dir: Path | None = None,
        *,
        allow_scripts: bool = False,
        ops: Mapping[str, Operation] | None = None,
    ) -> WorkflowLibrary:
        """Built-in processes, then the user's (which may replace a built-in of the same id).

        A user process that calls an unregistered service, or runs scripts without `allow_scripts`,
        is refused with a diagnostic on the offending element.
        """
        processes: dict[str, ProcessInfo] = {}
        diagnostics: list[Diagnostic] = []
        for path in sorted(builtin_dir().glob("*.bpmn")):
            found, diags = _parse_file(str(path), path.stat().st_mtime_ns)
            processes.update(found)
            diagnostics.extend(diags)
        if workflows_dir is not None:
            if not workflows_dir.is_dir():
                diagnostics.append(
                    _bpmn_diagnostic(
                        workflows_dir, None, f"The workflows folder {workflows_dir} does not exist."
                    )
                )
            for path in sorted(workflows_dir.glob("*.bpmn")) if workflows_dir.is_dir() else []:
                found, diags = _parse_file(str(path), path.stat().st_mtime_ns)
                diagnostics.extend(diags)
                for pid, info in found.items():
                    problems = vet_process(info, allow_scripts=allow_scripts, ops=ops)
                    diagnostics.extend(problems)
                    if not problems:
                        processes[pid] = info
        return cls(processes, diagnostics, allow_scripts)

    def find(self, name: str) -> ProcessInfo:
        """A process by id (`registry_check`) or short name (`check`, `update-markdown`)."""
        key = name.replace("-", "_").replace(" ", "_")
        for candidate in (key, WORKFLOW_ALIASES.get(key, ""), f"registry_{key}"):
            if candidate in self.processes:
                return self.processes[candidate]
        known = ", ".join(sorted(self.processes))
        raise WorkflowError(
            [
                Diagnostic(
                    code="UnknownWorkflow", message=f"No workflow named `{name}`. Known workflows: {known}."
                )
            ]
        )


def service_operations(info: ProcessInfo) -> list[str]:
    """The engine operations a process's service tasks call, in order of first appearance."""
    seen: dict[str, None] = {}
    for ts in info.spec.task_specs.values():
        op = getattr(ts, "operation_name", None)
        if op:
            seen.setdefault(op, None)
    return list(seen)


@lru_cache(maxsize=1)
def builtin_library() -> WorkflowLibrary:
    """The built-in processes, parsed once per interpreter."""
    return WorkflowLibrary.load()


def vet_process(
    info: ProcessInfo, *, allow_scripts: bool, ops: Mapping[str, Operation] | None = None
) -> list[Diagnostic]:
    """Refuse a user process that calls unknown services, or runs code without permission (`bpmnvet`)."""
    from weavergen.bpmnvet import vet_process as vet

    known = operations() if ops is None else ops
    return vet(
        info.spec, info.subprocess_specs, info.file, known, allow_scripts=allow_scripts, line_of=_line_of
    )


# Running a process.


@dataclass(slots=True)
class FailedTask:
    """The task that failed a run and why."""

    task_id: str
    name: str
    operation: str | None
    error_type: str
    message: str
    traceback: str = ""


@dataclass(slots=True)
class WorkflowRun:
    """The outcome of one run: final data, the engine context, the spans and their validation."""

    process: str
    run_id: str
    data: dict[str, Any]
    context: RunContext
    spans: list[SpanRecord]
    end_events: list[str]
    failed: bool
    failure: FailedTask | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    duration_ms: float = 0.0

    def as_record(self) -> dict[str, Any]:
        """What the local span store keeps of the run."""
        return {
            "process": self.process,
            "registry": registry_key(self.context.options.registry),
            "run_id": self.run_id,
            "failed": self.failed,
            "end_events": self.end_events,
            "duration_ms": self.duration_ms,
            "failure": None if self.failure is None else asdict(self.failure),
            "spans": [s.as_dict() for s in self.spans],
        }


_thread_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def thread_pool() -> ThreadPoolExecutor:
    """The shared pool for I/O-bound operations of parallel branches."""
    global _thread_pool
    with _pool_lock:
        if _thread_pool is None:
            _thread_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="weavergen-task")
        return _thread_pool


class _ServiceEngine:
    """Builds Spiff's script engine whose `call_service` hands out results computed by the runner."""

    @staticmethod
    def make(run: _Run, trusted: bool) -> Any:
        """The engine of one run; an untrusted process evaluates through `bpmnvet.GuardedEnvironment`."""
        from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
        from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

        from weavergen.bpmnvet import GuardedEnvironment

        class Engine(PythonScriptEngine):
            def call_service(self, task: Task, operation_name: str, operation_params: dict[str, Any]) -> str:
                outcome = run.result_for(task, operation_name, operation_params)
                if isinstance(outcome, BaseException):
                    raise WorkflowTaskException(
                        f"{operation_name} failed: {outcome}", task=task, exception=outcome
                    ) from outcome
                return json.dumps(outcome, default=str)

        return Engine() if trusted else Engine(environment=GuardedEnvironment())


class _Run:
    """One execution of a process: the Spiff workflow, its spans and the prefetched service results."""

    def __init__(
        self, info: ProcessInfo, ctx: RunContext, ops: Mapping[str, Operation], parallel: bool
    ) -> None:
        self.info = info
        self.ctx = ctx
        self.ops = ops
        self.parallel = parallel
        self.run_id = uuid.uuid4().hex[:12]
        self.tracer = tracer()
        self.root: Span | None = None
        self.spans: dict[str, Span] = {}
        self.started: set[str] = set()
        self.pending: dict[str, Future[Any]] = {}
        self.failure: FailedTask | None = None

    # Service calls.

    def _execute(self, op: Operation, params: dict[str, Any], pool: Executor | None) -> Any:
        """Run an operation (in a worker thread when part of a wave); an Offload's function runs here and
        isolates itself (rendering forks a budgeted child process, see `forge.sandbox`)."""
        result = op.run(self.ctx, **params)
        if isinstance(result, Offload):
            result = result.merge(self.ctx, result.function(*result.args))
        return result

    def _params(self, task: Task) -> dict[str, Any]:
        return {k: v["value"] for k, v in task.task_spec.evaluate_params(task).items()}

    def result_for(self, task: Task, name: str, raw_params: dict[str, Any]) -> Any:
        """The prefetched result of a service task, or the result of running it now; exceptions returned."""
        key = str(task.id)
        future = self.pending.pop(key, None)
        try:
            if future is not None:
                return future.result()
            op = self.ops.get(name)
            if op is None:
                raise OperationError(f"`{name}` is not a registered operation")
            return self._execute(op, {k: v["value"] for k, v in raw_params.items()}, None)
        except Exception as exc:
            return exc

    def prefetch(self, wf: BpmnWorkflow) -> None:
        """Start every READY service task of the current wave on the pool, parameters evaluated here."""
        from SpiffWorkflow.spiff.specs.defaults import ServiceTask
        from SpiffWorkflow.util.task import TaskState

        ready = [
            t
            for t in wf.get_tasks(state=TaskState.READY)
            if isinstance(t.task_spec, ServiceTask) and str(t.id) not in self.pending
        ]
        if len(ready) < 2:
            return
        pool = thread_pool()
        for t in ready:
            op = self.ops.get(t.task_spec.operation_name)
            try:
                params = self._params(t)
            except Exception as exc:
                failed: Future[Any] = Future()
                failed.set_exception(exc)
                self.pending[str(t.id)] = failed
                continue
            self.open_span(t)
            if op is None:
                missing: Future[Any] = Future()
                missing.set_exception(
                    OperationError(f"`{t.task_spec.operation_name}` is not a registered operation")
                )
                self.pending[str(t.id)] = missing
            else:
                self.pending[str(t.id)] = pool.submit(self._execute, op, params, pool)

    # Spans.

    def open_span(self, task: Task) -> None:
        """Start the span of a task (once), and of its multi-instance container on the first instance."""
        from opentelemetry.trace import set_span_in_context

        key = str(task.id)
        if key in self.spans or getattr(task.task_spec, "bpmn_id", None) is None or self.root is None:
            return
        container = _container_of(task)
        if container is not None:
            self.open_span(container)
        spec = task.task_spec
        inner = task.workflow.spec.task_specs.get(getattr(spec, "task_spec", None) or "")
        attrs: dict[str, Any] = {
            PROCESS_ID: self.info.id,
            RUN_ID: self.run_id,
            TASK_ID: spec.bpmn_id,
            TASK_NAME: spec.bpmn_name or getattr(inner, "bpmn_name", None) or spec.bpmn_id,
            TASK_TYPE: type(spec).__name__,
            TASK_INSTANCE: key,
        }
        op = getattr(spec, "operation_name", None)
        if op:
            attrs[OPERATION] = op
        if container is not None:
            index = task.internal_data.get("key_or_index")
            if isinstance(index, int):
                attrs[TASK_INDEX] = index
        self.started.add(key)
        self.spans[key] = self.tracer.start_span(
            f"{self.info.id} {attrs[TASK_NAME]}", context=set_span_in_context(self.root), attributes=attrs
        )

    def close_span(self, task: Task, error: BaseException | None = None) -> None:
        """End a task's span with its final state; an error records the exception."""
        from opentelemetry.trace import Status, StatusCode
        from SpiffWorkflow.util.task import TaskState

        span = self.spans.get(str(task.id))
        if span is None or not span.is_recording():
            return
        if error is not None:
            cause = error.__cause__ or error
            span.record_exception(cause)
            span.set_attribute(ERROR_TYPE, type(cause).__name__)
            span.set_status(Status(StatusCode.ERROR, f"{type(cause).__name__}: {cause}"))
            span.set_attribute(TASK_STATE, "error")
        else:
            span.set_attribute(TASK_STATE, TaskState.get_name(task.state).lower())
            result_var = getattr(task.task_spec, "result_variable", None)
            if result_var and result_var in task.data and task.task_spec.bpmn_id == task.task_spec.name:
                span.set_attribute(RESULT, json.dumps(task.data[result_var], default=str)[:1024])
            if _is_gateway(task):
                taken = [
                    c.task_spec.bpmn_id or c.task_spec.name
                    for c in task.children
                    if c.state != TaskState.CANCELLED
                ]
                span.set_attribute(BRANCH, ",".join(str(t) for t in taken if t))
        span.end()

    # The loop.

    def execute(self, wf: BpmnWorkflow) -> None:
        """Step the workflow to its end, routing failed service tasks to their error boundary events."""
        from SpiffWorkflow.exceptions import WorkflowException

        def will(task: Task) -> None:
            if self.parallel:
                self.prefetch(wf)
            self.open_span(task)

        def did(task: Task) -> None:
            self.close_span(task)

        while True:
            try:
                wf.do_engine_steps(will_complete_task=will, did_complete_task=did)
                return
            except WorkflowException as exc:
                task = getattr(exc, "task", None)
                cause = exc.__cause__ or exc
                if task is not None:
                    self.close_span(task, exc)
                    spec = task.task_spec
                    self.failure = FailedTask(
                        str(spec.bpmn_id or spec.name),
                        str(spec.bpmn_name or spec.bpmn_id or spec.name),
                        getattr(spec, "operation_name", None),
                        type(cause).__name__,
                        str(cause),
                        "".join(traceback.format_exception(cause)),
                    )
                else:
                    self.failure = FailedTask("?", "?", None, type(cause).__name__, str(cause))
                if task is None or not _route_to_boundary(wf, task, cause):
                    return

    def close_remaining(self, wf: BpmnWorkflow) -> None:
        """End the spans of tasks that were cancelled (a boundary event interrupted them)."""
        by_id = {str(t.id): t for t in wf.get_tasks()}
        for key, span in list(self.spans.items()):
            if span.is_recording():
                task = by_id.get(key)
                if task is not None:
                    self.close_span(task)
                else:
                    span.end()
        for future in self.pending.values():
            future.cancel()


def _container_of(task: Task) -> Task | None:
    """The parallel multi-instance task this task is an instance of, if any."""
    from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

    parent = task.parent
    return parent if parent is not None and isinstance(parent.task_spec, MultiInstanceTask) else None


def _is_gateway(task: Task) -> bool:
    return "Gateway" in type(task.task_spec).__name__


def _route_to_boundary(wf: BpmnWorkflow, failed: Task, cause: BaseException) -> bool:
    """Throw the BPMN error that a waiting error boundary of the failed task (or its container) catches."""
    from SpiffWorkflow.bpmn import BpmnEvent
    from SpiffWorkflow.bpmn.specs.event_definitions import ErrorEventDefinition
    from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
    from SpiffWorkflow.util.task import TaskState

    node: Task | None = failed
    while node is not None and node.parent is not None:
        for sibling in node.parent.children:
            spec = sibling.task_spec
            if (
                isinstance(spec, BoundaryEvent)
                and sibling.state == TaskState.WAITING
                and isinstance(spec.event_definition, ErrorEventDefinition)
            ):
                payload = {
                    "task": failed.task_spec.bpmn_id,
                    "error_type": type(cause).__name__,
                    "message": str(cause),
                }
                wf.catch(BpmnEvent(spec.event_definition, payload=payload))
                return True
        node = node.parent
    return False


def _executed(wf: BpmnWorkflow, info: ProcessInfo, started: set[str]) -> list[ExecutedTask]:
    """The tasks the engine ran (completed or failed, or cancelled after the runner started them)."""
    from SpiffWorkflow.util.task import TaskState

    preds = _predecessors(info)
    out = []
    for t in wf.get_tasks():
        spec = t.task_spec
        if getattr(spec, "bpmn_id", None) is None:
            continue
        if not (t.state & (TaskState.COMPLETED | TaskState.ERROR)) and str(t.id) not in started:
            continue
        container = _container_of(t)
        out.append(
            ExecutedTask(
                str(t.id),
                spec.bpmn_id,
                spec.bpmn_name or spec.bpmn_id,
                TaskState.get_name(t.state),
                tuple(sorted(preds.get(spec.name, ()))),
                str(container.id) if container is not None else None,
            )
        )
    return out


def _predecessors(info: ProcessInfo) -> dict[str, set[str]]:
    """For each task spec, the BPMN ids of the nearest visible tasks before it (through internal specs)."""
    specs = info.spec.task_specs
    out: dict[str, set[str]] = {}
    for name, spec in specs.items():
        found: set[str] = set()
        stack = list(spec.inputs)
        seen: set[str] = set()
        while stack:
            prev = stack.pop()
            if prev.name in seen:
                continue
            seen.add(prev.name)
            if getattr(prev, "bpmn_id", None) is not None:
                found.add(prev.bpmn_id)
            else:
                stack.extend(prev.inputs)
        out[name] = found
    return out


@contextmanager
def _root_span(run: _Run) -> Iterator[Span]:
    span = run.tracer.start_span(
        f"{RUN_SPAN} {run.info.id}", attributes={PROCESS_ID: run.info.id, RUN_ID: run.run_id}
    )
    run.root = span
    try:
        yield span
    finally:
        if span.is_recording():
            span.end()


def run_workflow(
    name: str,
    params: Mapping[str, Any] | None = None,
    context: RunContext | None = None,
    *,
    library: WorkflowLibrary | None = None,
    ops: Mapping[str, Operation] | None = None,
    parallel: bool = True,
    store: bool = True,
) -> WorkflowRun:
    """Run a process by name with `params` as its start data; never raises for a failing task.

    `context` carries the engine state (check options, progress callback); a fresh one is made from the
    params when omitted. A failing service task routes to its error boundary and error end event; the
    run is then `failed` with an `WorkflowTaskFailed` diagnostic. Spans are validated after every run.
    """
    from opentelemetry.trace import Status, StatusCode
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.specs.event_definitions import ErrorEventDefinition
    from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
    from SpiffWorkflow.util.task import TaskState

    library = library or builtin_library()
    info = library.find(name)
    data = dict(params or {})
    ctx = context if context is not None else RunContext(_options_from(data))
    for key, value in _defaults(ctx.options).items():
        data.setdefault(key, value)
    for key in _named_inputs(info):
        data.setdefault(key, None)  # an input left out reaches its operation as None: the operation's default
    run = _Run(info, ctx, operations() if ops is None else ops, parallel)
    started = time.perf_counter()
    with _root_span(run) as root:
        wf = BpmnWorkflow(
            info.spec, info.subprocess_specs, script_engine=_ServiceEngine.make(run, library.trusts(info))
        )
        wf.task_tree.data.update(data)
        try:
            run.execute(wf)
        except Exception as exc:  # an engine bug must not escape as a traceback
            run.failure = FailedTask("?", "?", None, type(exc).__name__, str(exc))
        run.close_remaining(wf)
        ends = [
            t
            for t in wf.get_tasks(state=TaskState.COMPLETED)
            if isinstance(t.task_spec, EndEvent) and getattr(t.task_spec, "bpmn_id", None)
        ]
        error_end = any(isinstance(t.task_spec.event_definition, ErrorEventDefinition) for t in ends)
        failed = error_end or not wf.is_completed() or (run.failure is not None and not ends)
        end_names = [t.task_spec.bpmn_id for t in ends]
        root.set_attribute(OUTCOME, "error" if failed else "ok")
        if end_names:
            root.set_attribute(END_EVENT, ",".join(end_names))
        if failed:
            detail = run.failure.message if run.failure else "the process did not complete"
            root.set_status(Status(StatusCode.ERROR, detail))
        trace_id = root.get_span_context().trace_id
    spans = take_spans(trace_id)
    result = WorkflowRun(
        info.id,
        run.run_id,
        dict(wf.data),
        ctx,
        spans,
        end_names,
        failed,
        run.failure if failed else None,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    if failed:
        result.diagnostics.append(_failure_diagnostic(info, run.failure))
    result.diagnostics.extend(
        validate_spans(info.id, spans, _executed(wf, info, run.started), failed=failed, file=str(info.file))
    )
    if store:
        store_run(result.as_record())
    flush()
    return result


def _failure_diagnostic(info: ProcessInfo, failure: FailedTask | None) -> Diagnostic:
    if failure is None:
        return internal_error(f"the `{info.id}` workflow did not complete")
    if failure.error_type == "OperationError":
        return Diagnostic(code="WorkflowTaskFailed", message=failure.message, file=None)
    op = f" ({failure.operation})" if failure.operation else ""
    return Diagnostic(
        code="WorkflowTaskFailed",
        message=f"Task `{failure.name}`{op} of workflow `{info.id}` failed: "
        f"{failure.error_type}: {failure.message}",
        help="Run `weavergen debug spans` to see the run; with --debug the CLI prints the traceback.",
    )


def _named_inputs(info: ProcessInfo) -> set[str]:
    """Start-data names that service-task parameters read directly (`limit`, `query`…)."""
    names = set()
    items = set()
    for ts in info.spec.task_specs.values():
        for param in (getattr(ts, "operation_params", None) or {}).values():
            value = str(param.get("value", "")).strip()
            if value.isidentifier():
                names.add(value)
        for item in (getattr(ts, "input_item", None), getattr(ts, "output_item", None)):
            if item is not None:
                items.add(item.bpmn_id)
    return names - items  # a multi-instance item must not pre-exist in the data


def _options_from(data: Mapping[str, Any]) -> CheckOptions:
    """Check options from a run's start data (`registry`, `policies`, `skip_policies`…)."""
    fields = CheckOptions.__dataclass_fields__
    known = {k: v for k, v in data.items() if k in fields}
    known.setdefault("registry", "")
    if isinstance(known.get("policies"), str):
        known["policies"] = [known["policies"]]
    return CheckOptions(**known)


def _defaults(options: CheckOptions) -> dict[str, Any]:
    """Start data every process can rely on, from the check options."""
    return {
        "registry": options.registry,
        "policies": list(options.policies),
        "skip_policies": options.skip_policies,
        "baseline_registry": options.baseline_registry,
        "v2": options.v2,
        "future": options.future,
        "follow_symlinks": options.follow_symlinks,
        "include_unreferenced": options.include_unreferenced,
    }


def run_generate(
    options: Any, targets: list[str] | None = None, *, parallel: bool = True
) -> tuple[Any, WorkflowRun]:
    """`registry generate` through the `registry_generate` process: check, render each target, write.

    With one target the files go straight into OUTPUT; with several, into OUTPUT/<target>. Returns the
    forge's `GenerateReport` (every diagnostic, the files written) and the run.
    """
    from weavergen.forge import GenerateReport

    names = targets if targets is not None else [options.target]
    items: list[Any] = (
        [{"name": n, "index": i} for i, n in enumerate(names)] if len(set(names)) < len(names) else names
    )
    check = options.check_options()
    settings = {
        "output": options.output,
        "templates": options.templates,
        "configs": list(options.configs),
        "params": list(options.params),
        "params_file": options.params_file,
        "project_config": options.project_config,
    }
    ctx = RunContext(check)
    run = run_workflow("registry_generate", {"targets": items, "settings": settings}, ctx, parallel=parallel)
    report = GenerateReport(
        diagnostics=[*ctx.diagnostics_after_report(), *run.diagnostics],
        written=list(ctx.outputs.get("written", [])),
        sources=ctx.report.sources if ctx.report is not None else {},
    )
    if report.written:
        from weavergen.lockfile import record_generation

        report.diagnostics.extend(record_generation(options, names, report.written, ctx.registry))
    return report, run


@dataclass(slots=True)
class ParallelComparison:
    """Sequential against parallel generation of the same targets: times, speedup, identical outputs."""

    targets: list[str]
    sequential_ms: float
    parallel_ms: float
    render_sequential_ms: float
    render_parallel_ms: float
    files: int
    identical: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def speedup(self) -> float:
        """Whole-run speedup (load and resolve included)."""
        return self.sequential_ms / self.parallel_ms if self.parallel_ms else 0.0

    @property
    def render_speedup(self) -> float:
        """Speedup of the multi-instance render task alone."""
        return self.render_sequential_ms / self.render_parallel_ms if self.render_parallel_ms else 0.0


def _render_ms(run: WorkflowRun) -> float:
    return sum(s.duration_ms for s in run.spans if s.attributes.get(TASK_TYPE) == "ParallelMultiInstanceTask")


def compare_parallel(options: Any, targets: list[str], repeat: int = 1) -> ParallelComparison:
    """Generate `targets` sequentially, then in parallel (best of `repeat` each), into temporary folders."""
    import filecmp
    import tempfile
    from dataclasses import replace

    best: dict[bool, tuple[float, float, Path, WorkflowRun]] = {}
    diagnostics: list[Diagnostic] = []
    with tempfile.TemporaryDirectory(prefix="weavergen-bench-") as tmp:
        for parallel in (False, True):
            for attempt in range(max(1, repeat)):
                out = Path(tmp) / f"{'parallel' if parallel else 'sequential'}-{attempt}"
                started = time.perf_counter()
                report, run = run_generate(replace(options, output=str(out)), targets, parallel=parallel)
                elapsed = (time.perf_counter() - started) * 1000
                diagnostics.extend(d for d in report.diagnostics if d.is_error)
                if parallel not in best or elapsed < best[parallel][0]:
                    best[parallel] = (elapsed, _render_ms(run), out, run)
        seq, par = best[False], best[True]
        seq_files = sorted(p.relative_to(seq[2]) for p in seq[2].rglob("*") if p.is_file())
        par_files = sorted(p.relative_to(par[2]) for p in par[2].rglob("*") if p.is_file())
        identical = seq_files == par_files and all(
            filecmp.cmp(seq[2] / f, par[2] / f, shallow=False) for f in seq_files
        )
        return ParallelComparison(
            list(targets), seq[0], par[0], seq[1], par[1], len(seq_files), identical, diagnostics
        )


def run_update_markdown(options: Any) -> tuple[Any, WorkflowRun]:
    """`registry update-markdown` through its process: check the registry, then refresh the snippets.

    Returns the markdown report (every diagnostic, the files changed and their diffs) and the run.
    """
    from weavergen.markdown import UpdateMarkdownReport

    check = options.check_options()
    settings = {
        "markdown_dir": options.markdown_dir,
        "templates": options.templates,
        "target": options.target,
        "params": list(options.params),
        "params_file": options.params_file,
        "dry_run": options.dry_run,
        "attribute_registry_base_url": options.attribute_registry_base_url,
        "project_config": options.project_config,
    }
    ctx = RunContext(check)
    run = run_workflow("registry_update_markdown", {"settings": settings}, ctx)
    found = ctx.outputs.get("markdown")
    report = found if isinstance(found, UpdateMarkdownReport) else UpdateMarkdownReport()
    report.diagnostics = [*ctx.diagnostics_after_report(), *run.diagnostics]
    report.sources = ctx.report.sources if ctx.report is not None else {}
    return report, run
