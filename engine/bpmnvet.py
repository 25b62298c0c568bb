"""What user-supplied BPMN may do without `--allow-scripts`: call registered services and evaluate plain
data expressions (names, literals, indexing, comparisons, arithmetic) — never run code.

Two layers, so that no element kind is missed: `vet_process` reads every expression and script of a
process and of its subprocesses (embedded, event and call activities) before it is accepted, each
refusal a diagnostic on its element; `GuardedEnvironment` is the evaluation environment of an untrusted
run, through which SpiffWorkflow evaluates every expression and runs every script, and it refuses
anything the allow-list does not permit, whatever element it comes from.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from weavergen.diagnostics import Diagnostic, Range

_SAFE_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Subscript,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Mod,
    ast.IfExp,
)
_MAX_EXPRESSION = 10_000  # characters: a data expression is short; a long one is an attack on the parser
_MAX_FACTOR = 100_000  # `"x" * 10**9`: a repetition is small, and never chained


class ScriptRefused(Exception):
    """An untrusted process tried to run a script or evaluate an expression outside the allow-list."""


def safe_expression(text: str) -> str | None:
    """Why an expression is not a plain data expression (names, literals, indexing, comparisons), or None."""
    if len(text) > _MAX_EXPRESSION:
        return f"it is longer than {_MAX_EXPRESSION} characters"
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return f"it is not a Python expression ({getattr(exc, 'msg', None) or type(exc).__name__})"
    for node in ast.walk(tree):
        if not isinstance(node, _SAFE_NODES):
            return f"it uses `{type(node).__name__}`, which only --allow-scripts permits"
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            return "it names a dunder, which only --allow-scripts permits"
    products = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)]
    factors = [s.value for n in products for s in (n.left, n.right) if isinstance(s, ast.Constant)]
    if len(products) > 1 or any(isinstance(f, int) and abs(f) > _MAX_FACTOR for f in factors):
        return (
            f"it multiplies more than once or by more than {_MAX_FACTOR}, which only --allow-scripts permits"
        )
    return None


class GuardedEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment for untrusted processes: allow-listed expressions only."""

    def evaluate(self, expression: Any, context: Any, external_context: Any = None) -> Any:
        """Evaluate `expression` if it is a plain data expression, else refuse it."""
        why = safe_expression(str(expression))
        if why is not None:
            raise ScriptRefused(f"Expression `{expression}` is refused: {why}.")
        return super().evaluate(expression, context, external_context)

    def execute(self, script: Any, context: Any, external_context: Any = None) -> Any:
        """Scripts never run in an untrusted process."""
        raise ScriptRefused("A script is refused: pass --allow-scripts to run scripts you trust.")


def _expression_text(condition: Any) -> str:
    """The Python source of a gateway condition (Spiff wraps it in an operator object)."""
    args = getattr(condition, "args", None)
    return str(args[0]) if args else str(condition)


def _event_definitions(ts: Any) -> Iterator[Any]:
    """The event definitions of a task spec (a multiple event holds several)."""
    stack = [getattr(ts, "event_definition", None)]
    while stack:
        definition = stack.pop()
        if definition is None:
            continue
        yield definition
        stack.extend(getattr(definition, "event_definitions", None) or [])


def _expressions(ts: Any) -> Iterator[str]:
    """Every expression SpiffWorkflow may evaluate for one task spec."""
    yield from (_expression_text(cond) for cond, _ in getattr(ts, "cond_task_specs", None) or [] if cond)
    for attr in ("condition", "cardinality", "completion_condition"):
        if value := getattr(ts, attr, None):
            yield str(value)
    for param in (getattr(ts, "operation_params", None) or {}).values():
        if isinstance(param, Mapping) and param.get("value") is not None:
            yield str(param["value"])
    for definition in _event_definitions(ts):
        if value := getattr(definition, "expression", None):  # timers, conditions, message payloads
            yield str(value)
        for prop in getattr(definition, "correlation_properties", None) or []:
            if value := getattr(prop, "retrieval_expression", None):
                yield str(value)


def _scripts(ts: Any) -> Iterator[str]:
    """What of a task spec is a script: a script task's body, Spiff's pre- and post-scripts."""
    from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask

    if isinstance(ts, ScriptTask):
        yield "script"
    for hook in ("prescript", "postscript"):
        if getattr(ts, hook, None):
            yield hook


def vet_process(
    spec: Any,
    subprocess_specs: Mapping[str, Any],
    file: Path,
    known: Mapping[str, Any],
    *,
    allow_scripts: bool,
    line_of: Callable[[Path, str | None], int | None],
) -> list[Diagnostic]:
    """Refuse a user process (and every subprocess it may run) that calls unknown services, or runs
    scripts or evaluates more than data expressions without `allow_scripts`."""
    from SpiffWorkflow.spiff.specs.defaults import ServiceTask

    out: list[Diagnostic] = []
    specs = [spec, *subprocess_specs.values()]
    for process in specs:
        where = getattr(process, "name", "")
        expressions = (
            [str(process.completion_condition)] if getattr(process, "completion_condition", None) else []
        )
        for expr in expressions:
            if not allow_scripts and (why := safe_expression(expr)):
                out.append(
                    _diagnostic(
                        file, line_of(file, where), f"Expression `{expr}` in `{where}` is refused: {why}."
                    )
                )
        for ts in process.task_specs.values():
            bpmn_id = getattr(ts, "bpmn_id", None)
            line = line_of(file, bpmn_id)
            if isinstance(ts, ServiceTask) and ts.operation_name not in known:
                out.append(
                    _diagnostic(
                        file,
                        line,
                        f"Service task `{bpmn_id}` calls `{ts.operation_name}`, which is not a registered "
                        "operation.",
                        "Registered operations: " + ", ".join(sorted(known)) + ".",
                    )
                )
            if allow_scripts:
                continue
            for kind in _scripts(ts):
                label = "Script task" if kind == "script" else f"The {kind} of task"
                out.append(
                    _diagnostic(
                        file,
                        line,
                        f"{label} `{bpmn_id}` is refused.",
                        "Pass --allow-scripts to run scripts you trust.",
                    )
                )
            for expr in _expressions(ts):
                if why := safe_expression(expr):
                    out.append(
                        _diagnostic(file, line, f"Expression `{expr}` in `{bpmn_id}` is refused: {why}.")
                    )
    return out


def _diagnostic(file: Path, line: int | None, message: str, help: str | None = None) -> Diagnostic:
    rng = Range.of(line - 1, 0, line - 1, 0) if line else None
    return Diagnostic(code="InvalidWorkflow", message=message, file=str(file), range=rng, help=help)
