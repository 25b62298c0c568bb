"""The served registry kept live: a workspace reloaded when files change on disk, the current view, its
diagnostics, and the events announcing each change.

A watcher thread polls the registry folder (the workspace's own `disk_changes`), re-reads only the files
that changed (the workspace re-resolves incrementally), then swaps in a new view and publishes
`registry` and `diagnostics` events.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.serve.events import Broker
from weavergen.serve.index import RegistryView
from weavergen.workspace import RegistryWorkspace, WorkspaceOptions

log = logging.getLogger(__name__)
POLL_SECONDS = 0.4


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    """A diagnostic as the API gives it: weaver's code and message, a 1-based position, the docs link."""
    out: dict[str, Any] = {
        "code": d.code,
        "severity": str(d.severity),
        "message": d.message,
        "file": d.file,
        "docs": d.docs_url,
    }
    if d.range is not None:
        out["range"] = {
            "start": {"line": d.range.start.line + 1, "column": d.range.start.column + 1},
            "end": {"line": d.range.end.line + 1, "column": d.range.end.column + 1},
        }
    if d.help:
        out["help"] = d.help
    return out


@dataclass(slots=True)
class ServeOptions:
    """What `serve` was asked for."""

    registry: Path
    workspace: WorkspaceOptions = field(default_factory=WorkspaceOptions)
    watch: bool = True
    poll_seconds: float = POLL_SECONDS


class ServeState:
    """The registry a server answers from, reloaded as its files change."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.events = Broker()
        self.workspace = RegistryWorkspace(options.registry, options.workspace)
        self._policy_lock = threading.Lock()
        self._review_lock = threading.Lock()
        self._review: tuple[int, dict[str, Any]] | None = None
        self._run_policies()
        self.view = RegistryView.of(self.workspace.snapshot())
        self.diagnostics = self._diagnostics()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.live: Any = None  # a `LiveSession` when --live-check is on

    @property
    def root(self) -> Path:
        """The registry folder."""
        return self.workspace.root

    def start(self) -> None:
        """Start watching the registry folder."""
        if self.options.watch and self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="weavergen-serve-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop watching and end every event stream."""
        self._stop.set()
        self.events.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(self.options.poll_seconds):
            try:
                self.refresh()
            except Exception:  # the watcher must outlive any one bad reload
                log.exception("reloading the registry failed")

    def refresh(self) -> bool:
        """Apply the changes on disk since the last call; whether anything changed."""
        changed = self.workspace.disk_changes()
        if not changed:
            return False
        log.info("reloading %d changed file(s)", len(changed))
        self.workspace.update_many(dict.fromkeys(changed))
        self._run_policies()
        self.view = RegistryView.of(self.workspace.snapshot())
        self.diagnostics = self._diagnostics()
        self.events.publish("registry", self.summary())
        self.events.publish("diagnostics", self.diagnostics)
        if self.live is not None:
            self.live.registry_changed(self.workspace.snapshot().resolution)
        return True

    def _run_policies(self) -> None:
        if not self.workspace.has_policies():
            return
        with self._policy_lock:
            snapshot = self.workspace.snapshot()
            found = self.workspace.compute_policies(snapshot)
            self.workspace.set_policy_diagnostics(snapshot.generation, found)

    def _diagnostics(self) -> dict[str, Any]:
        by_file = self.workspace.all_diagnostics()
        items = [diagnostic_json(d) for diags in by_file.values() for d in diags]
        counts: dict[str, int] = {}
        for item in items:
            counts[item["severity"]] = counts.get(item["severity"], 0) + 1
        return {
            "generation": self.view.generation,
            "registry": str(self.root),
            "counts": counts,
            "diagnostics": items,
        }

    def review(self) -> dict[str, Any]:
        """The registry review (`registry review --format json`) of the current generation, computed on
        first request and kept until the registry changes."""
        from weavergen.review.report import review

        with self._review_lock:
            snapshot = self.workspace.snapshot()
            if self._review is None or self._review[0] != snapshot.generation:
                data = review(snapshot.resolution).to_data()
                self._review = (snapshot.generation, {"generation": snapshot.generation, **data})
            return self._review[1]

    def summary(self) -> dict[str, Any]:
        """The registry at a glance: generation, schema URL and counts (the `registry` event)."""
        counts = {k: len(v) for k, v in self.view.lookup.items()}
        return {
            "generation": self.view.generation,
            "registry": str(self.root),
            "schema_url": self.view.materialized.get("schema_url"),
            "counts": counts,
        }
