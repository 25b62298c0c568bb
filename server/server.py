"""The weavergen language server: pygls handlers that snapshot a document, call the engine, convert.

State lives in `WeavergenServer`: the registry workspaces (engine objects), the settings, and one
debounce task per URI. Engine work runs on one worker thread, so edits apply in order and the event
loop keeps answering; policies run on another, and their findings are published when ready.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from weavergen import __version__
from weavergen.cache import flush_writes, hold_writes
from weavergen.registry import MANIFEST_NAMES
from weavergen.server import convert, livecheck, logs, regenerate, review
from weavergen.server.convert import Lines, path_of, uri_of
from weavergen.server.settings import SECTION, Settings
from weavergen.server.workflow import run_check_workflow, run_generate_on_save
from weavergen.workspace import RegistryWorkspace, WorkspaceOptions, open_workspaces

log = logging.getLogger("weavergen.server")
T = TypeVar("T")
POLL_SECONDS = 2.0
PUBLISH_BATCH = 32


def _load_quietly(
    folders: list[Path], registry_path: str | None, options: WorkspaceOptions
) -> list[RegistryWorkspace]:
    """Open the registries with the garbage collector paused, then freeze what was loaded: loading
    allocates hundreds of thousands of long-lived objects, and collecting over and over while they pile
    up (or in every later full collection) costs a third of the load."""
    started, cpu = time.perf_counter(), time.thread_time()
    hold_writes()  # the parsed files reach the disk cache after the first publication (`flush_writes`)
    gc.disable()
    try:
        found = open_workspaces(folders, registry_path, options)
        gc.freeze()
        return found
    finally:
        gc.enable()
        log.debug(
            "loaded %s: %.1f ms (CPU %.1f ms)",
            ", ".join(str(f) for f in folders) or "no folder",
            (time.perf_counter() - started) * 1000,
            (time.thread_time() - cpu) * 1000,
        )


_ANSWERED = object()
"""Stands for a request already answered with an error while it was being read."""


class _Protocol(LanguageServerProtocol):
    """pygls's protocol, except that a request whose parameters do not fit their type (a position with
    `line: -1`, a string for a number) is answered with an `InvalidParams` error instead of dropped."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "method" not in data or "id" not in data or not isinstance(data["id"], int | str):
                raise
            self._send_response(data["id"], error=exc.to_response_error())
            return _ANSWERED

    def handle_message(self, message: Any) -> None:
        if message is not _ANSWERED:
            super().handle_message(message)


class WeavergenServer(LanguageServer):
    """A language server over one or more registry workspaces."""

    def __init__(self) -> None:
        super().__init__("weavergen", __version__, protocol_cls=_Protocol)
        self.settings = Settings()
        self.workspaces: list[RegistryWorkspace] = []
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.latest: dict[str, int] = {}
        self.last_edit: dict[str, float] = {}
        self.ready = asyncio.Event()
        self.engine = ThreadPoolExecutor(1, thread_name_prefix="weavergen-engine")
        self.policy_pool = ThreadPoolExecutor(1, thread_name_prefix="weavergen-policies")
        self.poll_pool = ThreadPoolExecutor(1, thread_name_prefix="weavergen-poll")
        self.pull = False
        self.published: set[str] = set()
        self.poller: asyncio.Task[None] | None = None
        self.background: set[asyncio.Task[Any]] = set()
        self.announced: set[Path] = set()

        self.log_handler: logs.ClientLogHandler | None = None
        self.closing = False

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log handler failures instead of showing a toast; the server carries on."""
        log.error("handler failed: %r", error, exc_info=error)

    async def run(self, fn: Callable[..., T], *args: Any) -> T | None:
        """Run engine work on the engine thread; an exception is logged and None returned.

        After `shutdown` the engine thread takes no more work: the call returns None quietly.
        """
        if self.closing:
            return None
        try:
            return await asyncio.get_running_loop().run_in_executor(self.engine, fn, *args)
        except Exception:
            if not self.closing:
                log.exception("engine call %s failed", getattr(fn, "__name__", fn))
            return None

    async def off_loop(self, fn: Callable[..., T], *args: Any) -> T | None:
        """Run slow work (policies, workflows) on the policy thread; None once the server is closing."""
        if self.closing:
            return None
        try:
            return await asyncio.get_running_loop().run_in_executor(self.policy_pool, fn, *args)
        except RuntimeError:
            if self.closing:  # the pool was shut down while this waited: not an error
                return None
            raise

    def spawn(self, coro: Any) -> None:
        """Start a background task, kept referenced until it finishes."""
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    # -- workspaces -----------------------------------------------------------------------------

    def folders(self) -> list[Path]:
        """The client's workspace folders (or root) as local paths."""
        out = []
        for folder in self.workspace.folders.values():
            p = path_of(folder.uri)
            if p:
                out.append(Path(p))
        if not out and self.workspace.root_uri:
            p = path_of(self.workspace.root_uri)
            if p:
                out.append(Path(p))
        return out

    def owner(self, path: str | None) -> RegistryWorkspace | None:
        """The innermost registry workspace a file belongs to, if any."""
        found = [ws for ws in self.workspaces if path is not None and ws.contains(path)]
        return max(found, key=lambda ws: len(ws.root.parts)) if found else None

    async def load_workspaces(self) -> None:
        """(Re)build the registry workspaces from the settings and folders, then publish everything."""
        folders, settings = self.folders(), self.settings
        gc.unfreeze()  # the registries loaded before (frozen by `_load_quietly`) may be dropped now
        for old in self.workspaces:
            review.forget(old)
        self.workspaces = (
            await self.run(_load_quietly, folders, settings.registry_path, settings.workspace_options()) or []
        )
        for ws in self.workspaces:
            for uri, doc in list(self.workspace.text_documents.items()):
                path = path_of(uri)
                if path and ws.contains(path):
                    await self.run(ws.open, path, doc.source)
        self.announce()
        self.ready.set()
        await self.publish_all()
        self.spawn(self.off_loop(flush_writes))
        for ws in self.workspaces:
            self.spawn(self.check_policies(ws))
            review.schedule(self, ws)

    def announce(self) -> None:
        """Log (to the client, at info level), once per registry, where it is and how it was found."""
        for ws in self.workspaces:
            if ws.root not in self.announced:
                self.announced.add(ws.root)
                log.info("registry %s: %s", ws.root, ws.found_by or "found")
        if not self.workspaces and not self.announced:
            log.info(
                "no registry in this workspace (no manifest.yaml, no semantic-convention YAML with "
                "`groups:` or `file_format: definition/2`, no weavergen.registryPath)"
            )

    async def publish_all(self) -> None:
        """Publish every file of every registry, open documents first; clear files no registry covers
        any more. The event loop gets a turn between batches, so requests are not held up."""
        current: set[str] = set()
        for ws in self.workspaces:
            files = set(ws.files())
            current |= files
            opened = {p for p in files if uri_of(p) in self.workspace.text_documents}
            self.publish(ws, opened)
            rest = sorted(files - opened)
            for i in range(0, len(rest), PUBLISH_BATCH):
                await asyncio.sleep(0)
                self.publish(ws, set(rest[i : i + PUBLISH_BATCH]))
        for stale in self.published - current:
            self.text_document_publish_diagnostics(
                t.PublishDiagnosticsParams(uri=uri_of(stale), diagnostics=[])
            )
        self.published = current

    def publish(
        self, ws: RegistryWorkspace, files: set[str], checked: dict[str, int | None] | None = None
    ) -> None:
        """Push the diagnostics of these files; a file checked at an older version than the open one waits."""
        if self.pull:
            self.refresh_pull()
            return
        for path in sorted(files):
            uri = uri_of(path)
            doc = self.workspace.text_documents.get(uri)
            version = doc.version if doc is not None else None
            if checked is not None and path in checked and checked[path] != version:
                continue
            text = ws.text_of(path)
            if text is None:
                self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
                continue
            diags = self.lsp_diagnostics(ws, path, text)
            self.text_document_publish_diagnostics(
                t.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diags)
            )
            self.published.add(path)

    def lsp_diagnostics(self, ws: RegistryWorkspace, path: str, text: str) -> list[t.Diagnostic]:
        """The LSP diagnostics of one file, in the negotiated position encoding."""
        codec = self.workspace.position_codec
        lines = Lines(text, codec)
        cache: dict[str, Lines] = {path: lines}
        out = []
        extra: list[Any] = []
        for hook in (livecheck.diagnostics, regenerate.diagnostics, review.diagnostics):
            try:
                extra.extend(hook(self, ws, path))
            except Exception:  # an add-on's failure must not cost the file its check diagnostics
                log.exception("%s.diagnostics failed for %s", hook.__module__, path)
        for d in [*ws.diagnostics(path), *extra]:
            for r in d.related:
                if r.file not in cache:
                    other = ws.text_of(r.file)
                    cache[r.file] = Lines(other, codec) if other is not None else lines
            out.append(convert.diagnostic(d, lines, cache))
        return out

    def refresh_pull(self) -> None:
        """Ask a pull-diagnostics client to pull again after a change elsewhere in the registry."""
        ws_caps = self.client_capabilities.workspace
        if ws_caps and ws_caps.diagnostics and ws_caps.diagnostics.refresh_support:
            self.workspace_diagnostic_refresh(None)

    # -- checks ---------------------------------------------------------------------------------

    async def recheck(self, uri: str, delay: float) -> None:
        """Debounced per-URI re-check of one edited document, then publish what changed."""
        await asyncio.sleep(delay)
        path = path_of(uri)
        ws = self.owner(path)
        doc = self.workspace.text_documents.get(uri)
        if ws is None or doc is None or path is None:
            return
        text, version = doc.source, doc.version

        started = time.perf_counter()
        cpu = [0.0]

        def update() -> set[str] | None:
            if self.latest.get(uri, version) != version:
                return None  # a newer edit is queued behind this one: skip the stale text
            before = time.thread_time()
            try:
                return ws.update(path, text)
            finally:
                cpu[0] = time.thread_time() - before

        changed = await self.run(update)
        if changed is not None:
            checked = time.perf_counter()
            self.publish(ws, changed | {path}, checked={path: version})
            review.schedule(self, ws)
            log.debug(
                "re-checked %s v%s: engine %.1f ms (CPU %.1f ms), publish %.1f ms",
                path,
                version,
                (checked - started) * 1000,
                cpu[0] * 1000,
                (time.perf_counter() - checked) * 1000,
            )

    async def check_policies(self, ws: RegistryWorkspace) -> None:
        """Run the registry's policies off the event loop and publish their findings when ready."""
        if not ws.has_policies():
            return
        snap = ws.snapshot()
        try:
            found = await self.off_loop(ws.compute_policies, snap)
        except Exception:
            log.exception("policy run failed")
            return
        if found is None:
            return
        changed = await self.run(ws.set_policy_diagnostics, snap.generation, found) or set()
        self.publish(ws, changed)

    async def settled(self, uri: str) -> None:
        """Wait until the registries are loaded and the document's pending re-check (if any) is done,
        so a request reads the model of the text the client sees."""
        await self.ready.wait()
        pending = self.pending.get(uri)
        if pending is not None:
            # asyncio.wait, not `await pending`: when the client cancels this request, the re-check of
            # its last edit must go on (awaiting a task directly would cancel it too).
            await asyncio.wait({pending})

    async def saved(self, ws: RegistryWorkspace, uri: str) -> None:
        """didSave: the check workflow (policies included), then generation for configured targets."""
        await self.settled(uri)  # check the saved text, not the one before the last edit
        generation = ws.generation
        try:
            found = await self.off_loop(run_check_workflow, ws)
        except Exception:
            log.exception("check workflow failed")
            return
        if found is None:
            return
        changed = await self.run(ws.set_policy_diagnostics, generation, found) or set()
        self.publish(ws, changed)
        targets = self.settings.generate_on_save
        log.info("saved %s: %d policy finding(s); generate %s", uri, len(found), targets)
        if targets:
            base = self.folder_of(ws)
            templates, output = base / self.settings.templates, base / self.settings.output
            try:
                written = await self.off_loop(run_generate_on_save, ws, targets, templates, output)
            except Exception:
                log.exception("generate-on-save failed")
                return
            if written is not None:
                log.info("generate-on-save wrote %d file(s) for %s", len(written), targets)

    def folder_of(self, ws: RegistryWorkspace) -> Path:
        """The workspace folder holding a registry: where `templates` and `output` settings are resolved."""
        for folder in self.folders():
            if ws.root.is_relative_to(folder.resolve()):
                return folder.resolve()
        return ws.root.parent

    async def poll_disk(self) -> None:
        """Fallback for clients that cannot watch files: notice disk changes every few seconds."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(POLL_SECONDS)
            for ws in list(self.workspaces):
                # Off the engine thread: a walk of the registry must not hold up an edit's re-check.
                try:
                    changed = await loop.run_in_executor(self.poll_pool, ws.disk_changes)
                except Exception:
                    log.exception("polling %s failed", ws.root)
                    continue
                await self.disk_changed(ws, changed)

    async def disk_changed(self, ws: RegistryWorkspace, paths: list[str]) -> None:
        """Files changed on disk: reload them together, except those an open document overrides."""
        closed = {p: None for p in paths if uri_of(p) not in self.workspace.text_documents}
        if closed:
            self.publish(ws, await self.run(ws.update_many, closed) or set())
            review.schedule(self, ws)


server = WeavergenServer()


@server.feature(t.INITIALIZE)
def initialize(ls: WeavergenServer, params: t.InitializeParams) -> None:
    """Read initializationOptions; choose pull diagnostics when the client supports them."""
    if ls.log_handler is not None:
        ls.log_handler.connect(asyncio.get_running_loop())
    ls.settings = Settings.from_any(params.initialization_options)
    td = params.capabilities.text_document
    if td is not None and td.diagnostic is not None:
        ls.pull = True
        from weavergen.server import pull

        pull.register(ls)


@server.feature(t.INITIALIZED)
async def initialized(ls: WeavergenServer, params: t.InitializedParams) -> None:
    """Fetch settings, load the registries, publish, and start watching files."""
    caps = ls.client_capabilities.workspace
    if caps is not None and caps.configuration:
        try:
            got = await ls.workspace_configuration_async(
                t.ConfigurationParams(items=[t.ConfigurationItem(section=SECTION)])
            )
            if got and isinstance(got[0], dict):
                ls.settings = Settings.from_any(got[0])
        except Exception:
            log.exception("workspace/configuration failed; keeping the initial settings")
    await ls.load_workspaces()
    await livecheck.start(ls)  # the `weavergen.liveCheck` setting
    watch = caps.did_change_watched_files if caps is not None else None
    if watch is not None and watch.dynamic_registration:
        await ls.client_register_capability_async(
            t.RegistrationParams(
                registrations=[
                    t.Registration(
                        id=str(uuid.uuid4()),
                        method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=t.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[t.FileSystemWatcher(glob_pattern="**/*.{yaml,yml}")]
                        ),
                    )
                ]
            )
        )
    else:
        ls.poller = asyncio.ensure_future(ls.poll_disk())


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: WeavergenServer, params: t.DidOpenTextDocumentParams) -> None:
    """Overlay the opened text on disk and publish its diagnostics with the document's version."""
    await ls.ready.wait()
    uri, path = params.text_document.uri, path_of(params.text_document.uri)
    ws = ls.owner(path)
    if ws is None or path is None:
        return
    version = params.text_document.version
    changed = await ls.run(ws.open, path, params.text_document.text) or {path}
    ls.publish(ws, changed | {path}, checked={path: version} if uri in ls.workspace.text_documents else None)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: WeavergenServer, params: t.DidChangeTextDocumentParams) -> None:
    """Re-check the edited document: at once after a pause, else when a burst of edits pauses.

    Edits closer together than `debounceMs` are a burst: each restarts the per-URI wait, so only the
    last text of a burst is checked. An edit after a quiet spell is checked without waiting.
    """
    uri = params.text_document.uri
    ls.latest[uri] = params.text_document.version
    now, debounce = time.monotonic(), ls.settings.debounce_ms / 1000
    burst = now - ls.last_edit.get(uri, -debounce) < debounce
    ls.last_edit[uri] = now
    old = ls.pending.pop(uri, None)
    if old is not None:
        old.cancel()
    if not ls.ready.is_set():
        await ls.ready.wait()
    task = asyncio.ensure_future(ls.recheck(uri, debounce if burst else 0.0))
    task.add_done_callback(_log_failure)
    ls.pending[uri] = task


def _log_failure(task: asyncio.Task[Any]) -> None:
    """A background re-check that failed says so in the log instead of vanishing."""
    if not task.cancelled() and task.exception() is not None:
        log.error("re-check failed", exc_info=task.exception())


@server.feature(t.TEXT_DOCUMENT_DID_SAVE, t.SaveOptions(include_text=False))
async def did_save(ls: WeavergenServer, params: t.DidSaveTextDocumentParams) -> None:
    """Run the check workflow (and generate-on-save) for the saved file's registry."""
    await ls.ready.wait()
    ws = ls.owner(path_of(params.text_document.uri))
    if ws is not None:
        ls.spawn(ls.saved(ws, params.text_document.uri))


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: WeavergenServer, params: t.DidCloseTextDocumentParams) -> None:
    """Drop the overlay: the file's disk text (and diagnostics) apply again."""
    await ls.ready.wait()
    uri, path = params.text_document.uri, path_of(params.text_document.uri)
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    ws = ls.owner(path)
    if ws is not None and path is not None:
        ls.publish(ws, (await ls.run(ws.close, path) or set()))


@server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def did_change_watched_files(ls: WeavergenServer, params: t.DidChangeWatchedFilesParams) -> None:
    """Keep the model in sync with files changed outside the editor; a new manifest adds a registry."""
    await ls.ready.wait()
    reload = False
    by_workspace: dict[RegistryWorkspace, list[str]] = {}
    for change in params.changes:
        path = path_of(change.uri)
        if path is None:
            continue
        ws = ls.owner(path)
        if Path(path).name in MANIFEST_NAMES and (ws is None or not ws.is_manifest(path)):
            reload = True
        elif ws is not None:
            by_workspace.setdefault(ws, []).append(path)
    for ws, paths in by_workspace.items():
        await ls.disk_changed(ws, paths)
    if reload:
        await ls.load_workspaces()


@server.feature(t.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
async def did_change_workspace_folders(
    ls: WeavergenServer, params: t.DidChangeWorkspaceFoldersParams
) -> None:
    """Folders added or removed: find the registries again."""
    await ls.ready.wait()
    await ls.load_workspaces()


@server.feature(t.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: WeavergenServer, params: t.DidChangeConfigurationParams) -> None:
    """New settings: rebuild the workspaces and republish."""
    if params.settings is not None and isinstance(params.settings, dict) and params.settings:
        new = Settings.from_any(params.settings)
        if new != ls.settings:
            ls.settings = new
            await ls.load_workspaces()


@server.feature(t.SHUTDOWN)
def shutdown(ls: WeavergenServer, params: None) -> None:
    """Stop background work before pygls answers the shutdown request.

    Work already running on the pools finishes, but nothing new is queued (`closing`) and the tasks
    waiting for it are cancelled, so shutting down never logs a traceback.
    """
    ls.closing = True
    livecheck.stop(ls)
    if ls.poller is not None:
        ls.poller.cancel()
    for task in [*ls.pending.values(), *ls.background]:
        task.cancel()
    ls.engine.shutdown(wait=False, cancel_futures=True)
    ls.policy_pool.shutdown(wait=False, cancel_futures=True)
    ls.poll_pool.shutdown(wait=False, cancel_futures=True)


@server.feature(t.EXIT)
def exit_(ls: WeavergenServer, params: None) -> None:
    """The client is gone: later log records go to stderr (or the log file)."""
    ls.closing = True
    if ls.log_handler is not None:
        ls.log_handler.disconnect()


def main(argv: list[str] | None = None) -> None:
    """Start the server on stdio (default) or TCP, logging to stderr only."""
    import argparse

    ap = argparse.ArgumentParser(prog="weavergen-lsp")
    ap.add_argument("--stdio", action="store_true")
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2087)
    args = ap.parse_args(argv)
    serve(tcp=args.tcp, host=args.host, port=args.port)


def serve(tcp: bool = False, host: str = "127.0.0.1", port: int = 2087) -> None:
    """Run the server until the client exits; logs go to the client (see `logs`)."""
    server.log_handler = logs.configure(
        server,
        os.environ.get("WEAVERGEN_LSP_LOG") or None,
        os.environ.get("WEAVERGEN_LSP_LOG_LEVEL", "INFO"),
    )
    from weavergen.server import features  # noqa: F401  (registers navigation and code actions)

    try:
        if tcp:
            server.start_tcp(host, port)
        else:
            server.start_io()
    except SystemExit as exc:
        _exit_even_if_busy(exc.code if isinstance(exc.code, int) else 1)
        raise
    _exit_even_if_busy(0)


def _exit_even_if_busy(code: int, grace: float = 2.0) -> None:
    """After `exit`, end the process even when an engine call is still running.

    Python waits for its worker threads at exit; an engine call that does not finish (a bug, hostile
    input) would keep the process alive after the client asked it to go. Give running work a moment,
    then leave without waiting.
    """
    import threading

    server.engine.shutdown(wait=False, cancel_futures=True)
    server.policy_pool.shutdown(wait=False, cancel_futures=True)
    current = threading.current_thread()
    deadline = time.monotonic() + grace
    busy = [t for t in threading.enumerate() if t is not current and not t.daemon]
    for thread in busy:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in busy):
        log.error("engine work still running at exit; leaving without waiting for it")
        logging.shutdown()
        os._exit(code)
