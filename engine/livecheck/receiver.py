"""OTLP receivers for live-check: gRPC (as weaver) and HTTP (protobuf or JSON, gzip accepted — weaver
has none, its issue #1563), plus the admin endpoints `/health` and `POST /stop`, all on loopback by
default. Received requests become samples on one queue; `samples()` yields them until `/stop`, `stop()`
or the inactivity timeout.

The network is untrusted, even on loopback: bodies are capped before and after decompression, sockets
time out, concurrent connections are capped, malformed requests get a 4xx without a traceback, and
`POST /stop` is refused to a browser page of another origin (see docs/security.md#receivers).
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from weavergen.livecheck.samples import Sample, SampleError, decode_otlp

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.1


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True, slots=True)
class ReceiverLimits:
    """What one client may cost: body sizes (raw, decompressed), socket timeout, open connections."""

    max_body: int = 16 * 1024 * 1024
    max_decompressed: int = 64 * 1024 * 1024
    socket_timeout: float = 10.0
    request_deadline: float = 60.0
    max_connections: int = 64

    @classmethod
    def from_env(cls) -> ReceiverLimits:
        """`$WEAVERGEN_RECEIVER_MAX_BODY_MB`, `…_MAX_DECOMPRESSED_MB`, `…_TIMEOUT`, `…_MAX_CONNECTIONS`."""
        mb = 1024 * 1024
        return cls(
            _env_int("WEAVERGEN_RECEIVER_MAX_BODY_MB", 16) * mb,
            _env_int("WEAVERGEN_RECEIVER_MAX_DECOMPRESSED_MB", 64) * mb,
            float(_env_int("WEAVERGEN_RECEIVER_TIMEOUT", 10)),
            float(_env_int("WEAVERGEN_RECEIVER_TIMEOUT", 10)) * 6,
            _env_int("WEAVERGEN_RECEIVER_MAX_CONNECTIONS", 64),
        )


@dataclass(slots=True)
class ReceiverOptions:
    """Where to listen; port 0 lets the system choose (the bound ports are on `Receiver.ports`)."""

    address: str = "127.0.0.1"
    grpc_port: int | None = 4317
    http_port: int | None = 4318
    admin_port: int | None = 4320
    inactivity_timeout: float = 10.0
    report_on_stop: bool = False
    limits: ReceiverLimits = field(default_factory=ReceiverLimits.from_env)


@dataclass(slots=True)
class ReceiverError:
    """A request that could not be decoded: which endpoint, and why."""

    endpoint: str
    message: str


@dataclass(slots=True)
class Receiver:
    """Running OTLP/gRPC, OTLP/HTTP and admin servers feeding one sample queue."""

    options: ReceiverOptions
    ports: dict[str, int] = field(default_factory=dict)
    errors: list[ReceiverError] = field(default_factory=list)
    requests: int = 0
    _queue: queue.Queue[list[Sample]] = field(default_factory=queue.Queue)
    _stop: threading.Event = field(default_factory=threading.Event)
    _last: float = field(default_factory=time.monotonic)
    _http: list[ThreadingHTTPServer] = field(default_factory=list)
    _grpc: Any = None
    _report: tuple[bytes, str] | None = None
    _report_ready: threading.Event = field(default_factory=threading.Event)
    _report_sent: threading.Event = field(default_factory=threading.Event)
    stop_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def start(self) -> None:
        """Bind every configured server; raises OSError naming the address when one cannot bind."""
        try:
            if self.options.grpc_port is not None:
                self._start_grpc(self.options.grpc_port)
            if self.options.http_port is not None:
                self.ports["http"] = self._start_http(self.options.http_port)
            if self.options.admin_port is not None:
                self.ports["admin"] = self._start_http(self.options.admin_port)
        except OSError:
            self.stop()
            raise

    def _start_http(self, port: int) -> int:
        receiver = self

        from weavergen.livecheck.http_receiver import BoundedServer, OTLPHandler

        class Handler(OTLPHandler):
            owner = receiver
            timeout = receiver.options.limits.socket_timeout

        try:
            server = BoundedServer((self.options.address, port), Handler)
        except OSError as err:
            raise OSError(f"cannot listen on {self.options.address}:{port}: {err.strerror or err}") from err
        server.slots = threading.BoundedSemaphore(self.options.limits.max_connections)
        server.daemon_threads = True
        self._http.append(server)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        return int(server.server_address[1])

    def _start_grpc(self, port: int) -> None:
        from concurrent import futures

        import grpc
        from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
        from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

        receiver = self

        def servicer(base: type, signal: str, response: Any) -> Any:
            class Servicer(base):
                def Export(self, request: Any, context: Any) -> Any:
                    receiver.accept(signal, request)
                    return response()

            return Servicer()

        limit = self.options.limits.max_decompressed
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=4),
            options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)],
            maximum_concurrent_rpcs=self.options.limits.max_connections,
        )
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(
            servicer(
                trace_service_pb2_grpc.TraceServiceServicer,
                "traces",
                trace_service_pb2.ExportTraceServiceResponse,
            ),
            server,
        )
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(
            servicer(
                metrics_service_pb2_grpc.MetricsServiceServicer,
                "metrics",
                metrics_service_pb2.ExportMetricsServiceResponse,
            ),
            server,
        )
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(
            servicer(
                logs_service_pb2_grpc.LogsServiceServicer, "logs", logs_service_pb2.ExportLogsServiceResponse
            ),
            server,
        )
        try:
            bound = server.add_insecure_port(f"{self.options.address}:{port}")
        except RuntimeError as err:
            raise OSError(f"cannot listen on {self.options.address}:{port} (gRPC): {err}") from err
        if not bound:
            raise OSError(f"cannot listen on {self.options.address}:{port} (gRPC)")
        server.start()
        self._grpc = server
        self.ports["grpc"] = int(bound)

    def accept(self, signal: str, request: Any) -> None:
        """Queue the samples of one decoded OTLP request message."""
        from weavergen.livecheck.samples import otlp_to_samples

        self.touch()
        self._queue.put(otlp_to_samples(signal, request))

    def accept_body(self, signal: str, body: bytes, json_body: bool) -> str | None:
        """Queue the samples of an HTTP body; the error message when it is not valid OTLP."""
        self.touch()
        try:
            samples = decode_otlp(signal, body, json_body)
        except SampleError as err:
            self.errors.append(ReceiverError(f"/v1/{signal}", err.message))
            return err.message
        except RecursionError:
            message = f"invalid OTLP {signal} request: nested too deeply"
            self.errors.append(ReceiverError(f"/v1/{signal}", message))
            return message
        self._queue.put(samples)
        return None

    def touch(self) -> None:
        """Note activity (a request arrived): the inactivity timeout starts again."""
        self.requests += 1
        self._last = time.monotonic()

    def samples(self) -> Iterator[Sample]:
        """Every received sample, in arrival order, until stopped or inactive for the timeout."""
        timeout = self.options.inactivity_timeout
        while True:
            try:
                batch = self._queue.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if self._stop.is_set():
                    return
                if timeout > 0 and time.monotonic() - self._last > timeout:
                    log.info("no telemetry for %s s: stopping", timeout)
                    return
                continue
            yield from batch

    def respond_to_stop(self, body: bytes, content_type: str, timeout: float = 5.0) -> None:
        """`-o http`: hand the report to the waiting `POST /stop` and wait until it is sent."""
        self._report = (body, content_type)
        self._report_ready.set()
        self._report_sent.wait(timeout)

    def stop_reply(self, timeout: float = 60.0) -> tuple[bytes, str]:
        """What `POST /stop` answers: the report once it is ready (`-o http`), else `stopping`."""
        if not self.options.report_on_stop:
            return b"stopping", "text/plain"
        self._report_ready.wait(timeout)
        return self._report or (b"the report was not ready in time", "text/plain")

    def request_stop(self) -> None:
        """Ask `samples()` to end once the queue is drained (`POST /stop`, SIGINT)."""
        self._stop.set()

    def stop(self) -> None:
        """Shut every server down."""
        self._stop.set()
        for server in self._http:
            server.shutdown()
            server.server_close()
        self._http.clear()
        if self._grpc is not None:
            self._grpc.stop(grace=0.5).wait(2)
            self._grpc = None
