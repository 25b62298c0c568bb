"""The transient progress bar of an `ansi` run on a terminal (rich, on stderr, only after a moment)."""

from __future__ import annotations

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
    """The engine's progress callback drawing the bar, or None when the bar is off."""
    if not enabled:
        yield None
        return
    bar = _ProgressBar()
    try:
        yield bar.update
    finally:
        bar.stop()


class _ProgressBar:
    """A transient rich progress bar on stderr that appears only once a run has lasted a moment."""

    def __init__(self) -> None:
        self._started_at = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def update(self, stage: str, done: int, total: int) -> None:
        """The engine's `progress(stage, done, total)` callback."""
        if self._progress is None:
            if time.monotonic() - self._started_at < PROGRESS_DELAY_SECONDS:
                return
            self._start(stage, total)
        self._progress.update(self._task, description=stage, completed=done, total=total or None)

    def stop(self) -> None:
        """Remove the bar (it is transient) once the run is over."""
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
