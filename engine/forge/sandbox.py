"""Rendering under a budget: templates (MiniJinja) and jq filters (jaq) run in a child process with a
time and a memory limit, so a template or filter that loops, allocates without end or crashes the
native engine (`def f: [f]; f` overflows jaq's stack) becomes a diagnostic naming it — never a dead CLI
or language server.

Each call forks from the forkserver (which has the rendering modules preloaded, so a child starts in
milliseconds), sets `RLIMIT_DATA`, runs the function, and sends back its result. While it works, the
child reports which template or filter it is on (`at`), so a kill or a crash can be blamed precisely.
The budget comes from `$WEAVERGEN_RENDER_TIMEOUT` (seconds, default 300) and
`$WEAVERGEN_RENDER_MEMORY_MB` (default 4096); 0 turns a limit off.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from weavergen.diagnostics import Diagnostic, Range

DEFAULT_TIMEOUT_S = 300.0
DEFAULT_MEMORY_MB = 4096
PRELOAD = [
    "weavergen.forge.generate",
    "weavergen.forge.render",
    "weavergen.forge.jq",
    "weavergen.forge.sandbox",
]

_child: Any = None  # in a child: the pipe to the parent
_child_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Budget:
    """How long (seconds) and how much memory (MiB) one rendering may take; 0 is no limit."""

    seconds: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB

    @classmethod
    def from_env(cls) -> Budget:
        """`$WEAVERGEN_RENDER_TIMEOUT` and `$WEAVERGEN_RENDER_MEMORY_MB`, else the defaults."""
        return cls(
            _number("WEAVERGEN_RENDER_TIMEOUT", DEFAULT_TIMEOUT_S),
            int(_number("WEAVERGEN_RENDER_MEMORY_MB", DEFAULT_MEMORY_MB)),
        )


def _number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value >= 0 else default


@dataclass(frozen=True, slots=True)
class Place:
    """What a child is rendering: a template or a filter, and where it is written."""

    code: str  # the diagnostic code a failure there gets: TemplateEvaluationFailed or FilterError
    what: str  # "template `x.j2`", "jq filter `.groups`"
    file: str | None = None
    line: int | None = None


def at(code: str, what: str, file: str | None = None, line: int | None = None) -> None:
    """Tell the parent what the child is about to render (a no-op outside a budgeted child)."""
    if _child is None:
        return
    with _child_lock:
        _child.send(("at", Place(code, what, file, line)))


def context() -> Any:
    """The forkserver context, with the rendering modules preloaded (before the server first starts)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


class BudgetExceeded(Exception):
    """A rendering took longer than its budget, ran out of memory, or its process died."""

    def __init__(self, diagnostic: Diagnostic, reason: str) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.reason = reason  # what happened, without the template or filter: "took longer than…"


def _main(conn: Any, memory_mb: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    global _child
    if memory_mb:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    _child = conn
    try:
        result = ("ok", fn(*args))
    except MemoryError:
        result = ("memory", None)
    except BaseException as exc:  # any failure goes back to the parent, which reports it
        result = ("raise", exc)
    with _child_lock:
        try:
            conn.send(result)
        except MemoryError:
            conn.send(("memory", None))
        except Exception as exc:  # a result or an exception that does not pickle
            conn.send(("raise", RuntimeError(f"{type(exc).__name__}: {exc}")))


def bounded(fn: Callable[..., Any], args: tuple[Any, ...], label: str, budget: Budget | None = None) -> Any:
    """`fn(*args)` in a child process under `budget`; its result, or BudgetExceeded with a diagnostic
    naming the template or filter being rendered (`label` names the whole job when nothing more precise
    is known). An exception `fn` raises is raised again here."""
    budget = budget or Budget.from_env()
    parent, child = multiprocessing.Pipe(duplex=False)
    process = context().Process(target=_main, args=(child, budget.memory_mb, fn, args), daemon=True)
    process.start()
    child.close()
    place = Place("TemplateEvaluationFailed", label)
    deadline = None if not budget.seconds else _now() + budget.seconds
    try:
        while True:
            remaining = None if deadline is None else max(0.0, deadline - _now())
            if not parent.poll(remaining):
                raise _exceeded(place, f"took longer than its time budget of {budget.seconds:g} s")
            try:
                kind, value = parent.recv()
            except (EOFError, OSError):
                process.join(5)
                raise _exceeded(place, _death(process.exitcode, budget)) from None
            if kind == "at":
                place = value
            elif kind == "ok":
                return value
            elif kind == "memory":
                raise _exceeded(place, f"ran out of its memory budget of {budget.memory_mb} MiB")
            else:
                raise value
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(5)


def _now() -> float:
    import time

    return time.monotonic()


def _death(exitcode: int | None, budget: Budget) -> str:
    import signal

    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        return (
            f"crashed the rendering process ({name}): it recursed too deep or ran out of its memory "
            f"budget of {budget.memory_mb} MiB"
        )
    return f"ended the rendering process (exit code {exitcode}) before it finished"


def _exceeded(place: Place, what_happened: str) -> BudgetExceeded:
    return BudgetExceeded(_diagnostic(place, what_happened), what_happened)


def _diagnostic(place: Place, what_happened: str) -> Diagnostic:
    rng = Range.of(place.line, 0, place.line, 0) if place.line is not None else None
    kind = "Template evaluation error" if place.code == "TemplateEvaluationFailed" else "jq filter error"
    return Diagnostic(
        code=place.code,
        message=f"{kind} -> {place.what} {what_happened}; rendering was stopped.",
        file=place.file,
        range=rng,
        help="Look for unbounded recursion or repetition there. The budget is set by "
        "$WEAVERGEN_RENDER_TIMEOUT (seconds) and $WEAVERGEN_RENDER_MEMORY_MB; see docs/security.md.",
    )
