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
from typing import TYPE_CHECKING, Any

from weavergen.check import CheckOptions
from weavergen.diagnostics import Diagnostic, internal_error
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
from weavergen.workflow_library import ProcessInfo, WorkflowLibrary, builtin_library

if TYPE_CHECKING:
    from opentelemetry.trace import Span
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.task import Task


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
