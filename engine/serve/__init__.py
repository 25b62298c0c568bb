"""`weavergen serve`: weaver's registry API and a live dashboard over a watched registry.

`Server` ties the parts together: the live state (`state`), the API (`api`), the HTTP server (`http`) and,
with live-check on, the OTLP receivers (`live`). The CLI only parses flags and waits.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from weavergen.livecheck.receiver import ReceiverOptions
from weavergen.serve.api import Api
from weavergen.serve.http import Cors, ServeServer, start_server
from weavergen.serve.state import ServeOptions, ServeState

DEFAULT_BIND = "127.0.0.1:8080"


class BindError(ValueError):
    """A `--bind` value that is not `HOST:PORT`."""


def parse_bind(value: str) -> tuple[str, int]:
    """`127.0.0.1:8080`, `[::1]:8080` or `:8080` (no host means 127.0.0.1, never all interfaces)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise BindError(f"invalid --bind {value!r}: expected HOST:PORT, for example {DEFAULT_BIND}")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


@dataclass(slots=True)
class Server:
    """A running serve: its state, HTTP server and (with live-check) receivers; `stop()` ends them all."""

    state: ServeState
    http: ServeServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        """The base URL the server answers on."""
        host, port = str(self.http.server_address[0]), int(self.http.server_address[1])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def stop(self) -> None:
        """Stop watching, end the event streams, stop the receivers and the HTTP server."""
        self.state.stop()
        if self.state.live is not None:
            self.state.live.stop()
        self.http.shutdown()
        self.http.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def start(
    options: ServeOptions,
    bind: str = DEFAULT_BIND,
    cors: str | None = None,
    live: ReceiverOptions | None = None,
) -> Server:
    """Load the registry, start watching it, bind the server (and the receivers when `live` is given)."""
    host, port = parse_bind(bind)
    state = ServeState(options)
    if live is not None:
        from weavergen.serve.live import LiveSession

        session = LiveSession(state.workspace.snapshot().resolution, live, state.events)
        session.start()
        state.live = session
    try:
        http, thread = start_server(Api(state), host, port, Cors.parse(cors))
    except OSError:
        if state.live is not None:
            state.live.stop()
        raise
    state.start()
    return Server(state, http, thread)
