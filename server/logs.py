"""The server's logs reach the client at their real level, as `window/logMessage` notifications.

VS Code shows every line a server writes to stderr as an error, so while a client is connected the log
records go to it instead, each with its level; stderr (or `WEAVERGEN_LSP_LOG`) gets them only before
`initialize` and after `exit`, or always when the file is set. pygls' warnings about routine protocol
events (a `$/cancelRequest` for a request already answered) are demoted to debug.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from lsprotocol import types as t

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
ROUTINE = (
    "Cancel notification for unknown message id",  # the client cancelled a request already answered
    "Server shutting down. No more requests!",  # a notification that crossed the shutdown request
)
"""pygls warnings that describe normal traffic: logged at debug level."""

_LEVELS = (
    (logging.ERROR, t.MessageType.Error),
    (logging.WARNING, t.MessageType.Warning),
    (logging.INFO, t.MessageType.Info),
)


def message_type(levelno: int) -> t.MessageType:
    """The LSP message type of a logging level (debug and below: Debug)."""
    for level, kind in _LEVELS:
        if levelno >= level:
            return kind
    return t.MessageType.Debug


class DemoteRoutine(logging.Filter):
    """Turns pygls' warnings about routine protocol traffic into debug records (dropped unless the
    pygls logger is at debug level)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("pygls") and str(record.msg).startswith(ROUTINE):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


class ClientLogHandler(logging.Handler):
    """Sends log records to the client while it is connected; otherwise hands them to `fallback`.

    Records from other threads (the engine's, the policies') are sent from the event loop's thread,
    since the writer is not thread-safe.
    """

    def __init__(self, server: Any, fallback: logging.Handler | None, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.server = server
        self.fallback = fallback
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: int | None = None
        self.sending = threading.local()
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def connect(self, loop: asyncio.AbstractEventLoop) -> None:
        """The client is initialized: from now on records go to it (called on the loop's thread)."""
        self.loop, self.thread = loop, threading.get_ident()

    def disconnect(self) -> None:
        """The client said `exit`: records go to the fallback again."""
        self.loop = self.thread = None

    def emit(self, record: logging.LogRecord) -> None:
        loop = self.loop
        if loop is None or loop.is_closed() or getattr(self.sending, "active", False):
            if self.fallback is not None and record.levelno >= self.fallback.level:
                self.fallback.handle(record)
            return
        try:
            params = t.LogMessageParams(type=message_type(record.levelno), message=self.format(record))
        except Exception:
            self.handleError(record)
            return
        if threading.get_ident() == self.thread:
            self._send(params)
        else:
            loop.call_soon_threadsafe(self._send, params)

    def _send(self, params: t.LogMessageParams) -> None:
        if self.loop is None:
            return
        self.sending.active = True  # a record logged while sending (a broken pipe) must not loop back here
        try:
            self.server.window_log_message(params)
        except Exception:
            self.disconnect()
        finally:
            self.sending.active = False


def configure(server: Any, filename: str | None, weavergen_level: str) -> ClientLogHandler:
    """Route every log record through one `ClientLogHandler`: weavergen's at `weavergen_level` (INFO by
    default), the libraries' at WARNING; the file, when named, gets every record as well."""
    stream: logging.Handler = logging.FileHandler(filename) if filename else logging.StreamHandler()
    stream.setFormatter(logging.Formatter(FORMAT))
    handler = ClientLogHandler(server, None if filename else stream)
    handlers: list[logging.Handler] = [handler] + ([stream] if filename else [])
    for h in handlers:
        h.addFilter(DemoteRoutine())
    logging.basicConfig(level=logging.WARNING, handlers=handlers, force=True)
    logging.getLogger("weavergen").setLevel(weavergen_level.upper())
    return handler
