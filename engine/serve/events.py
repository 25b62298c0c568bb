"""A fan-out of server-sent events: every subscriber gets each event published after it subscribed."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

KEEPALIVE_SECONDS = 15.0
_CLOSED = ("", None)


class Broker:
    """Publish named JSON events to every open stream; `close()` ends every stream."""

    def __init__(self) -> None:
        self._subscribers: list[queue.Queue[tuple[str, Any]]] = []
        self._lock = threading.Lock()
        self.closed = threading.Event()

    def publish(self, event: str, data: Any) -> None:
        """Send one event to every subscriber."""
        with self._lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            q.put((event, data))

    def stream(self, first: list[tuple[str, Any]], keepalive: float = KEEPALIVE_SECONDS) -> Iterator[bytes]:
        """The bytes of one SSE stream: `first` (the current state), then every event until closed."""
        q: queue.Queue[tuple[str, Any]] = queue.Queue()
        with self._lock:
            self._subscribers.append(q)
        try:
            for event, data in first:
                yield frame(event, data)
            while not self.closed.is_set():
                try:
                    item = q.get(timeout=keepalive)
                except queue.Empty:
                    yield b": keepalive\n\n"
                    continue
                if item == _CLOSED:
                    return
                yield frame(*item)
        finally:
            with self._lock:
                self._subscribers.remove(q)

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        self.closed.set()
        with self._lock:
            for q in self._subscribers:
                q.put(_CLOSED)


def frame(event: str, data: Any) -> bytes:
    """One SSE frame: `event:` and a single-line JSON `data:`."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n".encode()
