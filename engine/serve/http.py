"""The HTTP face of `serve`: a threading server answering the API, the server-sent events and the
dashboard's files (package data, so nothing is fetched from a network at run time).

CORS is off unless origins are given (`*` or a comma-separated list), as in weaver.
"""

from __future__ import annotations

import logging
import mimetypes
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from weavergen.serve.api import Api, Response

log = logging.getLogger(__name__)
ASSETS = "assets"


def asset(name: str) -> bytes | None:
    """A dashboard file shipped with the package, or None."""
    if not name or ".." in name.split("/"):
        return None
    node = resources.files("weavergen.serve").joinpath(ASSETS)
    for part in name.split("/"):
        node = node.joinpath(part)
    return node.read_bytes() if node.is_file() else None


def _static(path: str) -> Response:
    """A dashboard file; any other path gets index.html (the dashboard routes in the page)."""
    name = path.lstrip("/") or "index.html"
    body = asset(name)
    if body is None:
        name, body = "index.html", asset("index.html")
    if body is None:
        return Response(404, "text/plain; charset=utf-8", b"UI not available")
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
        kind += "; charset=utf-8"
    return Response(200, kind, body)


@dataclass(slots=True)
class Cors:
    """Allowed origins: `*`, a list, or none (CORS off)."""

    origins: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: str | None) -> Cors:
        """weaver's `--cors-origins`: `*` or comma-separated origins."""
        if not value:
            return cls()
        return cls(tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip()))

    def allow(self, origin: str | None) -> str | None:
        """The `Access-Control-Allow-Origin` value for a request's origin, or None."""
        if not self.origins or origin is None:
            return None
        if "*" in self.origins:
            return "*"
        return origin if origin.rstrip("/") in self.origins else None


class ServeServer(ThreadingHTTPServer):
    """The server: its API, CORS policy and a way to stop from any thread."""

    daemon_threads = True
    api: Api
    cors: Cors

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is a debug line, not a traceback."""
        log.debug("request from %s failed", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    """GET for the API and the dashboard; OPTIONS for CORS preflight; other methods 405."""

    server: ServeServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        response = self.server.api.get(url.path, url.query) or _static(url.path)
        self._send(response)

    def do_OPTIONS(self) -> None:
        allowed = self.server.cors.allow(self.headers.get("Origin"))
        response = Response(200 if allowed else 405)
        if allowed:
            response.headers.update(
                {
                    "Access-Control-Allow-Methods": "*",
                    "Access-Control-Allow-Headers": self.headers.get("Access-Control-Request-Headers") or "*",
                }
            )
        self._send(response)

    def _refuse(self) -> None:
        self._send(Response(405, headers={"Allow": "GET"}))

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        allowed = self.server.cors.allow(self.headers.get("Origin"))
        if allowed:
            self.send_header("Access-Control-Allow-Origin", allowed)
            if allowed != "*":
                self.send_header("Vary", "Origin")
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.stream is None:
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
            return
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for chunk in response.stream:
                self.wfile.write(chunk)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            log.debug("event stream closed by the client")
        finally:
            close = getattr(response.stream, "close", None)
            if close is not None:
                close()


def start_server(api: Api, host: str, port: int, cors: Cors) -> tuple[ServeServer, threading.Thread]:
    """Bind and serve in a thread (OSError names the address when it cannot bind)."""
    server_class = ServeServer
    if ":" in host:  # an IPv6 address such as ::1

        class ServeServer6(ServeServer):
            address_family = socket.AF_INET6

        server_class = ServeServer6
    try:
        server = server_class((host, port), Handler)
    except OSError as err:
        raise OSError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err
    server.api, server.cors = api, cors
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    return server, thread
