"""`serve --live-check`: the live-check OTLP receivers run beside the API, and every sample that arrives
is checked against the current registry; coverage and findings stream to the dashboard.

When the registry is reloaded the checker is rebuilt from the new resolution and coverage starts again
(its denominators are the registry's attributes, metrics and events, which may have changed). The
checker is built and used only in the consuming thread: regorus engines (advice policies) must stay on
the thread that made them.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import replace
from typing import Any

from weavergen.livecheck.receiver import Receiver, ReceiverOptions
from weavergen.livecheck.report import LiveCheckSession
from weavergen.livecheck.run import LiveCheckSettings, make_checker
from weavergen.livecheck.samples import Sample
from weavergen.resolve import Resolution
from weavergen.serve.events import Broker

log = logging.getLogger(__name__)
RECENT_FINDINGS = 200
PUBLISH_SECONDS = 0.25


class LiveSession:
    """Receivers feeding a live-check session; the latest coverage and findings, published as events."""

    def __init__(self, resolution: Resolution, receiver: ReceiverOptions, events: Broker) -> None:
        receiver = replace(receiver, inactivity_timeout=0)  # a server keeps listening
        self.settings = LiveCheckSettings(receiver=receiver)
        self.events = events
        self.receiver = Receiver(receiver)
        self.findings: deque[dict[str, Any]] = deque(maxlen=RECENT_FINDINGS)
        self.problems: list[str] = []
        self._lock = threading.Lock()
        self._session: LiveCheckSession | None = None
        self._pending: Resolution | None = resolution
        self._ready = threading.Event()
        self._last: dict[str, Any] | None = None
        self._threads: list[threading.Thread] = []
        self._dirty = False
        self._stop = threading.Event()

    def _new_session(self, resolution: Resolution) -> LiveCheckSession | None:
        checker, diagnostics = make_checker(resolution, self.settings)
        self.problems = [d.message for d in diagnostics]
        return None if checker is None else LiveCheckSession(checker, keep=False)

    def start(self) -> dict[str, int]:
        """Bind the receivers (OSError names the address when one cannot bind); their ports."""
        self.receiver.start()
        for target in (self._consume, self._publisher):
            thread = threading.Thread(target=target, name="weavergen-serve-live", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._ready.wait(timeout=60)
        return dict(self.receiver.ports)

    def stop(self) -> None:
        """Stop the receivers."""
        self._stop.set()
        self.receiver.request_stop()
        self.receiver.stop()
        for thread in self._threads:
            thread.join(timeout=5)

    def registry_changed(self, resolution: Resolution) -> None:
        """Rebuild the checker for a reloaded registry before the next sample; coverage starts again."""
        with self._lock:
            self._pending = resolution

    def _rebuild(self) -> None:
        """Build the checker of the pending resolution (in the consuming thread)."""
        with self._lock:
            resolution, self._pending = self._pending, None
            if resolution is not None:
                self._session = self._new_session(resolution)
                self.findings.clear()
                self._dirty = True

    def _consume(self) -> None:
        try:
            self._rebuild()
            self._ready.set()
            for sample in self.receiver.samples():
                if self._pending is not None:
                    self._rebuild()
                self._check(sample)
        finally:
            with self._lock:
                self._last = self._state()
                self._session = None  # its regorus engine must be dropped on this thread

    def _check(self, sample: Sample) -> None:
        with self._lock:
            if self._session is None:
                return
            try:
                found = self._session.add(sample)
            except Exception:  # one odd sample must not end the stream
                log.exception("checking a sample failed")
                return
            ((kind, body),) = sample.items()
            name = body.get("name") or body.get("event_name") or kind
            for f in found:
                self.findings.append({"sample": kind, "name": name, **f})
            self._dirty = True

    def _publisher(self) -> None:
        """At most one `live` event per PUBLISH_SECONDS, however fast telemetry arrives."""
        while not self._stop.wait(PUBLISH_SECONDS):
            if self._dirty:
                self._dirty = False
                self.events.publish("live", self.state())

    def state(self) -> dict[str, Any]:
        """Ports, samples checked, weaver's statistics (with `registry_coverage`), recent findings."""
        with self._lock:
            return self._state()

    def _state(self) -> dict[str, Any]:
        session = self._session
        if session is None and self._last is not None:
            return self._last
        return {
            "enabled": True,
            "ports": dict(self.receiver.ports),
            "samples": session.count if session else 0,
            "requests": self.receiver.requests,
            "highest": session.highest if session else None,
            "statistics": session.statistics.as_dict() if session and session.statistics else None,
            "findings": list(self.findings)[-50:],
            "problems": list(self.problems),
        }
