"""The OTLP/HTTP and admin server of live-check, hardened for an untrusted network.

Bodies are read only with a valid Content-Length under the raw cap, and decompressed under the
decompressed cap; each socket times out and each body has a deadline; open connections are capped
(past the cap a connection is closed at once); a client that hangs up is a debug log line, never a
traceback; `POST /stop` is refused to a page of another origin unless it carries the printed token.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from weavergen.livecheck.receiver import Receiver

log = logging.getLogger(__name__)

_PATHS = {"/v1/traces": "traces", "/v1/metrics": "metrics", "/v1/logs": "logs"}
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


class BoundedServer(ThreadingHTTPServer):
    """A threading HTTP server with a cap on open connections; network errors are logged, not printed."""

    slots: threading.BoundedSemaphore

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve in a thread while a slot is free; past the cap, close the connection at once."""
        if not self.slots.acquire(blocking=False):
            log.info("too many connections: closing one from %s", client_address)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve one connection, then free its slot."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up or misbehaved is a log line, not a traceback on stderr."""
        log.debug("request from %s failed", client_address, exc_info=True)


class _BadRequest(Exception):
    """A request refused before it is read whole: the status and the reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class OTLPHandler(BaseHTTPRequestHandler):
    """OTLP/HTTP (`/v1/traces|metrics|logs`) and admin (`/health`, `POST /stop`) requests."""

    owner: Receiver
    server: BoundedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def handle(self) -> None:
        """Serve the connection; a client that hangs up or stalls just ends it."""
        try:
            super().handle()
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def do_GET(self) -> None:
        if self.path == "/health":
            self._reply(200, b"OK", "text/plain")
        else:
            self._reply(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        try:
            body = self._body()
            if self.path.split("?", 1)[0] == "/stop":
                self._stop()
                return
            signal = _PATHS.get(self.path.split("?", 1)[0])
            if signal is None:
                raise _BadRequest(404, "not found")
            body = self._decompressed(body)
        except _BadRequest as bad:
            self.close_connection = bad.status in (400, 408, 411, 413)
            self._reply(bad.status, bad.message.encode(), "text/plain")
            return
        json_body = "json" in (self.headers.get("Content-Type") or "").lower()
        problem = self.owner.accept_body(signal, body, json_body)
        if problem is not None:
            payload = json.dumps({"code": 3, "message": problem}).encode()
            self._reply(400, payload, "application/json")
        elif json_body:
            self._reply(200, b"{}", "application/json")
        else:
            self._reply(200, b"", "application/x-protobuf")

    def _body(self) -> bytes:
        """The request body, read only when its Content-Length is valid and within the cap."""
        limits = self.owner.options.limits
        if self.headers.get("Transfer-Encoding"):
            raise _BadRequest(411, "send the body with a Content-Length, not a Transfer-Encoding")
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isdigit():
            raise _BadRequest(400, f"invalid Content-Length {raw[:40]!r}")
        length = int(raw)
        if length > limits.max_body:
            raise _BadRequest(413, f"body of {length} bytes is larger than the {limits.max_body} allowed")
        chunks, left = [], length
        deadline = time.monotonic() + limits.request_deadline
        while left:
            if time.monotonic() > deadline:
                raise _BadRequest(408, "the body took too long to arrive")
            chunk = self.rfile.read1(min(left, 1 << 16))
            if not chunk:
                raise _BadRequest(400, f"the body ended {left} bytes short of its Content-Length")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _decompressed(self, body: bytes) -> bytes:
        """The body decompressed (gzip, deflate), never past the decompressed cap."""
        encoding = (self.headers.get("Content-Encoding") or "").lower().strip()
        if encoding in ("", "identity"):
            return body
        if encoding not in ("gzip", "deflate"):
            raise _BadRequest(415, f"unsupported Content-Encoding {encoding[:40]}")
        limit = self.owner.options.limits.max_decompressed
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        try:
            out = inflater.decompress(body, limit + 1)
        except zlib.error as err:
            raise _BadRequest(400, f"cannot decompress the body: {err}") from None
        if len(out) > limit:
            raise _BadRequest(413, f"the body decompresses to more than the {limit} bytes allowed")
        if not inflater.eof:
            raise _BadRequest(400, "cannot decompress the body: it is truncated")
        return out

    def _stop(self) -> None:
        """`POST /stop`, from a command line (no Origin), a same-origin page, or with the printed token."""
        if not self._may_stop():
            self._reply(
                403, b"refused: POST /stop from another origin needs the token printed at start", "text/plain"
            )
            return
        self.owner.request_stop()
        self._reply(200, *self.owner.stop_reply())
        self.owner._report_sent.set()

    def _may_stop(self) -> bool:
        query = parse_qs(urlsplit(self.path).query)
        given = self.headers.get("X-Weavergen-Token") or (query.get("token") or [""])[0]
        if given and hmac.compare_digest(given, self.owner.stop_token):
            return True
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        if host and host not in _LOCAL_HOSTS and host != self.owner.options.address:
            return False  # DNS rebinding: a page of another site reaching us under its own name
        origin = self.headers.get("Origin")
        if origin is None:
            return (self.headers.get("Sec-Fetch-Site") or "same-origin") in ("same-origin", "none")
        parts = urlsplit(origin)
        local = (parts.hostname or "") in _LOCAL_HOSTS | {self.owner.options.address}
        return local and parts.port == self.server.server_port

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True  # the client left: nothing to answer
