"""Live-check in the language server: telemetry findings as diagnostics on the registry's YAML.

The `weavergen.liveCheck` setting starts OTLP receivers inside the server (127.0.0.1 only) and/or
watches a samples file. Each sample is checked against every open registry; the engine's
`LiveCheckLens` places the findings on the definitions they concern, and they are published with the
registry's own diagnostics. Registry coverage goes out as a `weavergen/liveCheckStatus` notification and
a log message. Thin: the checking, the placing and the stub fix are the engine's.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import functools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as t

from weavergen.diagnostics import Diagnostic, Range
from weavergen.livecheck.checker import LiveChecker
from weavergen.livecheck.positions import LiveCheckLens
from weavergen.livecheck.receiver import Receiver, ReceiverOptions
from weavergen.livecheck.report import Statistics
from weavergen.livecheck.run import LiveCheckSettings, make_checker
from weavergen.livecheck.samples import Sample, SampleError, parse_json_samples, parse_text_samples
from weavergen.server.settings import SECTION

if TYPE_CHECKING:
    from weavergen.server.convert import Lines
    from weavergen.server.server import WeavergenServer
    from weavergen.workspace import RegistryWorkspace

log = logging.getLogger("weavergen.server.livecheck")
STATUS = "weavergen/liveCheckStatus"
POLL_SECONDS = 0.5
PUBLISH_DELAY = 0.1
RECENT_SAMPLES = 2000
"""How many received samples are kept to re-check when the registry changes."""


@dataclass(slots=True)
class Options:
    """The `weavergen.liveCheck` setting."""

    receiver: bool = False
    grpc_port: int | None = 4317
    http_port: int | None = 4318
    samples_file: str | None = None

    @classmethod
    def from_any(cls, value: Any) -> Options:
        """From the `weavergen` section; bad values fall back to the defaults."""
        raw = value.get("liveCheck") if isinstance(value, dict) else None
        out = cls()
        if not isinstance(raw, dict):
            return out
        receiver = raw.get("receiver")
        ports = raw
        if isinstance(receiver, dict):
            # The VS Code extension's shape, `receiver: {enabled, grpcPort, httpPort}`, where 0 is "none".
            out.receiver = receiver.get("enabled") is True
            ports = {**raw, **{k: -1 if v == 0 else v for k, v in receiver.items()}}
        else:
            out.receiver = receiver is True
        for key, attr in (("grpcPort", "grpc_port"), ("httpPort", "http_port")):
            port = ports.get(key)
            if isinstance(port, int) and not isinstance(port, bool) and -1 <= port <= 65535:
                setattr(out, attr, None if port < 0 else port)
        if isinstance(raw.get("samplesFile"), str) and raw["samplesFile"].strip():
            out.samples_file = raw["samplesFile"].strip()
        return out


@dataclass(slots=True)
class _Registry:
    """One workspace's checker (rebuilt when the registry changes) and its lens."""

    lens: LiveCheckLens = field(default_factory=LiveCheckLens)
    checker: LiveChecker | None = None
    generation: int = -1
    rechecking: bool = False


class LiveCheckFeature:
    """The receivers, the samples-file watcher and the per-registry findings of one server."""

    def __init__(self, ls: WeavergenServer, options: Options) -> None:
        self.ls = ls
        self.options = options
        self.loop = asyncio.get_running_loop()
        self.registries: dict[Path, _Registry] = {}
        self.receiver: Receiver | None = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.publish_pending = False
        self.problems: list[str] = []
        self.recent: collections.deque[Sample] = collections.deque(maxlen=RECENT_SAMPLES)
        self.progress: str | None = None
        # regorus engines may only be used (and dropped) on the thread that made them: all checking
        # happens on this one worker thread.
        self.work: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self.worker = threading.Thread(target=self._work, name="weavergen-livecheck", daemon=True)

    # -- threads --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker, the receivers and the file watcher as configured."""
        self.worker.start()
        if self.options.receiver:
            receiver = Receiver(
                ReceiverOptions("127.0.0.1", self.options.grpc_port, self.options.http_port, None, 0.0)
            )
            try:
                receiver.start()
            except OSError as err:
                self.report_problem(f"live-check receiver not started: {err}")
            else:
                self.receiver = receiver
                threading.Thread(target=self._consume, args=(receiver,), daemon=True).start()
        if self.options.samples_file:
            threading.Thread(target=self._watch, args=(self._samples_path(),), daemon=True).start()
        self.schedule_publish()

    async def open_status(self) -> None:
        """A work-done progress that shows the coverage in the editor's status bar, if the client can."""
        window = self.ls.client_capabilities.window
        if window is None or not window.work_done_progress:
            return
        token = f"weavergen-livecheck-{id(self)}"
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), 5)
        except Exception:
            log.warning("the client refused a work-done progress; coverage goes to the log only")
            return
        self.progress = token
        ports = ", ".join(f"{k} 127.0.0.1:{p}" for k, p in self.status()["ports"].items())
        where = f"listening on {ports}" if ports else f"watching {self.options.samples_file}"
        self.ls.work_done_progress.begin(token, t.WorkDoneProgressBegin(title="live-check", message=where))

    def stop(self) -> None:
        """Stop the receivers, the watcher and the worker."""
        if self.progress is not None:
            self.ls.work_done_progress.end(self.progress, t.WorkDoneProgressEnd(message="stopped"))
        self.stopping.set()
        if self.receiver is not None:
            self.receiver.stop()
        self.work.put(None)
        self.worker.join(5)

    def _work(self) -> None:
        while True:
            job = self.work.get()
            if job is None:
                self.registries.clear()  # drop the checkers (and their Rego engines) on this thread
                return
            try:
                job()
            except Exception:
                log.exception("live-check failed")
            self.schedule_publish()

    def _consume(self, receiver: Receiver) -> None:
        for sample in receiver.samples():
            self.work.put(functools.partial(self.check, sample))

    def _samples_path(self) -> Path:
        path = Path(self.options.samples_file or "")
        if not path.is_absolute():
            folders = self.ls.folders()
            path = (folders[0] if folders else Path.cwd()) / path
        return path

    def _watch(self, path: Path) -> None:
        """Re-read the samples file whenever it changes; its findings replace the previous ones."""
        last: tuple[int, int] | None = None
        while not self.stopping.is_set():
            try:
                stat = path.stat()
                state: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                state = None
            if state != last:
                last = state
                self.work.put(lambda: self._load_file(path))
            self.stopping.wait(POLL_SECONDS)

    def _load_file(self, path: Path) -> None:
        with self.lock:
            for registry in self.registries.values():
                registry.lens.reset(_statistics(registry))
            self.problems = []
            self.recent.clear()
        try:
            text = path.read_text(encoding="utf-8")
            samples = (
                parse_json_samples(text, str(path)) if path.suffix != ".txt" else parse_text_samples(text)
            )
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as err:
            self.report_problem(f"live-check cannot read {path}: {err}")
            return
        except SampleError as err:
            self.report_problem(f"live-check: {err}")
            return
        for sample in samples:
            self.check(sample)

    # -- checking -------------------------------------------------------------------------------

    def check(self, sample: Sample) -> None:
        """Check one sample against every registry the server has open."""
        self.recent.append(sample)
        for ws in list(self.ls.workspaces):
            registry = self._registry(ws)
            if registry.checker is not None:
                checked = copy.deepcopy(sample)
                with self.lock:
                    registry.checker.check(checked)
                registry.lens.add(checked)

    def _registry(self, ws: RegistryWorkspace) -> _Registry:
        with self.lock:
            registry = self.registries.setdefault(ws.root, _Registry())
            snap = ws.snapshot()
            if registry.generation != snap.generation:
                registry.checker, _ = make_checker(snap.resolution, LiveCheckSettings())
                registry.generation = snap.generation
                if registry.lens.statistics is None and registry.checker is not None:
                    registry.lens.statistics = Statistics.of(registry.checker.index)
            return registry

    def recheck(self, ws: RegistryWorkspace) -> None:
        """The registry changed: check the recent samples again with a checker of the new registry."""
        registry = self._registry(ws)
        registry.lens.reset(_statistics(registry))
        for sample in list(self.recent):
            if registry.checker is not None:
                checked = copy.deepcopy(sample)
                registry.checker.check(checked)
                registry.lens.add(checked)
        registry.rechecking = False

    def diagnostics(self, ws: RegistryWorkspace, path: str) -> list[Diagnostic]:
        """The live-check diagnostics placed in one file of a registry (a changed registry is re-checked)."""
        registry = self.registries.get(ws.root)
        if registry is None:
            return []
        snap = ws.snapshot()
        if snap.generation != registry.generation and not registry.rechecking:
            registry.rechecking = True
            self.work.put(functools.partial(self.recheck, ws))
        return registry.lens.diagnostics(snap.resolution).get(path, [])

    # -- publishing -----------------------------------------------------------------------------

    def schedule_publish(self) -> None:
        """From any thread: publish every registry's files soon (once for a burst of samples)."""
        with self.lock:
            if self.publish_pending:
                return
            self.publish_pending = True
        self.loop.call_soon_threadsafe(lambda: self.loop.create_task(self._publish()))

    async def _publish(self) -> None:
        await asyncio.sleep(PUBLISH_DELAY)
        with self.lock:
            self.publish_pending = False
        for ws in list(self.ls.workspaces):
            ws.revision += 1  # pull clients: the files' diagnostics changed although the registry did not
            self.ls.publish(ws, set(ws.files()))
        status = self.status()
        self.ls.protocol.notify(STATUS, status)
        for root, seen in status["registries"].items():
            coverage = f"{seen['coverage'] * 100:.1f}%" if seen["coverage"] is not None else "unknown"
            message = f"registry coverage {coverage} ({seen['samples']} samples)"
            self.ls.window_log_message(
                t.LogMessageParams(type=t.MessageType.Info, message=f"live-check {root}: {message}")
            )
            if self.progress is not None:
                self.ls.work_done_progress.report(self.progress, t.WorkDoneProgressReport(message=message))

    def status(self) -> dict[str, Any]:
        """Ports, samples seen and registry coverage, for the status notification."""
        registries = {}
        for root, registry in self.registries.items():
            registries[str(root)] = {"samples": registry.lens.samples, "coverage": registry.lens.coverage}
        ports = dict(self.receiver.ports) if self.receiver is not None else {}
        return {"ports": ports, "registries": registries, "problems": list(self.problems)}

    def report_problem(self, message: str) -> None:
        log.warning("%s", message)
        self.problems.append(message)

    # -- code actions ---------------------------------------------------------------------------

    def code_actions(
        self, ws: RegistryWorkspace, path: str, want: Range, codec: Any, caps: tuple[bool, bool]
    ) -> list[t.CodeAction]:
        """Quick fixes of the live-check diagnostics under a range: the stub of a missing attribute."""
        from weavergen.server import convert
        from weavergen.server.convert import Lines

        out = []
        for d in self.diagnostics(ws, path):
            fix = d.extra.get("fix")
            if fix is None or d.range is None or not _touches(d.range, want):
                continue
            target = ws.text_of(fix.file)
            here = ws.text_of(path)
            if target is None or here is None:
                continue
            lines: Lines = Lines(target, codec)
            echoed = convert.diagnostic(d, Lines(here, codec), {})
            out.append(convert.code_action(fix, lines, None, [echoed], caps[0], caps[1]))
        return out


def _statistics(registry: _Registry) -> Statistics | None:
    return Statistics.of(registry.checker.index) if registry.checker is not None else None


def _touches(a: Range, b: Range) -> bool:
    return (a.start.line, a.start.column) <= (b.end.line, b.end.column) and (
        b.start.line,
        b.start.column,
    ) <= (
        a.end.line,
        a.end.column,
    )


_FEATURES: dict[int, LiveCheckFeature] = {}


async def start(ls: WeavergenServer) -> None:
    """Read `weavergen.liveCheck` and start what it asks for (hook: after the workspaces load)."""
    caps = ls.client_capabilities.workspace
    raw: Any = None
    if caps is not None and caps.configuration:
        try:
            got = await ls.workspace_configuration_async(
                t.ConfigurationParams(items=[t.ConfigurationItem(section=SECTION)])
            )
            raw = got[0] if got else None
        except Exception:
            log.exception("workspace/configuration failed; live-check stays off")
    options = Options.from_any(raw)
    if not options.receiver and not options.samples_file:
        return
    feature = LiveCheckFeature(ls, options)
    _FEATURES[id(ls)] = feature
    feature.start()
    await feature.open_status()


def stop(ls: WeavergenServer) -> None:
    """Stop the receivers (hook: shutdown)."""
    feature = _FEATURES.pop(id(ls), None)
    if feature is not None:
        feature.stop()


def diagnostics(ls: WeavergenServer, ws: RegistryWorkspace, path: str) -> list[Diagnostic]:
    """The live-check diagnostics of a file (hook: merged into the server's own)."""
    feature = _FEATURES.get(id(ls))
    return feature.diagnostics(ws, path) if feature is not None else []


def code_actions(
    ls: WeavergenServer, ws: RegistryWorkspace, path: str, want: Range, caps: tuple[bool, bool]
) -> list[t.CodeAction]:
    """The live-check quick fixes under a range (hook: added to the server's code actions)."""
    feature = _FEATURES.get(id(ls))
    if feature is None:
        return []
    return feature.code_actions(ws, path, want, ls.workspace.position_codec, caps)


def manifest_actions(
    ls: WeavergenServer, ws: RegistryWorkspace, path: str, rng: t.Range
) -> list[t.CodeAction]:
    """The live-check quick fixes under a client range of the manifest (hook: the manifest's actions)."""
    from weavergen.server.convert import Lines

    text = ws.text_of(path)
    if text is None:
        return []
    lines = Lines(text, ls.workspace.position_codec)
    caps = ls.client_capabilities.workspace
    edit_caps = caps.workspace_edit if caps is not None else None
    flags = (
        bool(edit_caps and edit_caps.snippet_edit_support),
        bool(edit_caps and edit_caps.document_changes),
    )
    return code_actions(ls, ws, path, Range(lines.from_client(rng.start), lines.from_client(rng.end)), flags)
