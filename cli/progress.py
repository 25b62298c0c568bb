"""The transient progress bar of an `ansi` run on a terminal (rich, on stderr, only after a moment)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from weavergen.check import Progress

PROGRESS_DELAY_SECONDS = 0.3
"""A run shorter than this never shows a progress bar."""


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Progress | None]:
    """The engine's progress callback drawing the bar, or None when the bar is off; none under NO_COLOR,
    which asks for output without escape sequences (the bar is drawn with them)."""
    if not enabled or os.environ.get("NO_COLOR"):
        yield None
        return
    bar = _ProgressBar()
    try:
        yield bar.update
    finally:
        bar.stop()


class _ProgressBar:
    """A transient rich progress bar on stderr that appears once a run has lasted a moment, even when the
    engine's next update is long in coming (one policy evaluation can take seconds)."""

    def __init__(self) -> None:
        self._started_at = time.monotonic()
        self._progress: Any = None
        self._task: Any = None
        self._latest: tuple[str, int, int] | None = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._stopped = False

    def update(self, stage: str, done: int, total: int) -> None:
        """The engine's `progress(stage, done, total)` callback."""
        with self._lock:
            self._latest = (stage, done, total)
            if self._progress is None:
                waited = time.monotonic() - self._started_at
                if waited < PROGRESS_DELAY_SECONDS:
                    if self._timer is None:
                        self._timer = threading.Timer(PROGRESS_DELAY_SECONDS - waited, self._show)
                        self._timer.daemon = True
                        self._timer.start()
                    return
                self._start(stage, total)
            self._refresh(stage, done, total)

    def _refresh(self, stage: str, done: int, total: int) -> None:
        self._progress.update(self._task, description=stage, completed=done, total=total or None)

    def _show(self) -> None:
        """The delayed start: show the latest state, which the bar's elapsed time then keeps alive."""
        with self._lock:
            if self._stopped or self._progress is not None or self._latest is None:
                return
            stage, done, total = self._latest
            self._start(stage, total)
            self._refresh(stage, done, total)

    def stop(self) -> None:
        """Remove the bar (it is transient) once the run is over."""
        with self._lock:
            self._stopped = True
            if self._timer is not None:
                self._timer.cancel()
            if self._progress is not None:
                self._progress.stop()

    def _start(self, stage: str, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(stage, total=total or None)
