"""Receivers that survive the network (only ever against 127.0.0.1, bounded in count and time): capped
raw and decompressed bodies, bad Content-Length and deep OTLP/JSON answered 400 without a traceback,
socket timeouts and a connection cap against slow clients, silent hang-ups, `POST /stop` refused to
another origin, and the `-o` folder checked before the session starts."""

from __future__ import annotations

import gzip
import http.client
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from weavergen.livecheck.receiver import Receiver, ReceiverLimits, ReceiverOptions

LIMITS = ReceiverLimits(
    max_body=1024 * 1024,
    max_decompressed=4 * 1024 * 1024,
    socket_timeout=1.0,
    request_deadline=3.0,
    max_connections=8,
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    options = ReceiverOptions(grpc_port=None, http_port=0, admin_port=0, inactivity_timeout=0, limits=LIMITS)
    running = Receiver(options)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("POST", path, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        if body:
            conn.send(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def healthy(receiver: Receiver) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", receiver.ports["admin"], timeout=5)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status == 200
    finally:
        conn.close()


def test_a_gzip_bomb_is_refused_without_inflating_it(receiver: Receiver) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # ~64 KiB that would become 64 MiB
    status, body = post(
        receiver.ports["http"],
        "/v1/traces",
        bomb,
        {
            "Content-Length": str(len(bomb)),
            "Content-Encoding": "gzip",
            "Content-Type": "application/x-protobuf",
        },
    )
    assert status == 413 and b"decompresses to more than" in body
    assert healthy(receiver) and receiver.requests == 0


def test_a_body_over_the_cap_is_refused_before_it_is_read(receiver: Receiver) -> None:
    status, body = post(
        receiver.ports["http"], "/v1/traces", b"x" * 10, {"Content-Length": str(200 * 1024 * 1024)}
    )
    assert status == 413 and b"larger than" in body


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", " 12 3"])
def test_a_bad_content_length_is_400(
    receiver: Receiver, length: str, capfd: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    status, _ = post(receiver.ports["http"], "/v1/traces", b"", {"Content-Length": length})
    assert status == 400 and time.monotonic() - started < 5  # never pinned waiting for a body
    assert "Traceback" not in capfd.readouterr().err


def test_deeply_nested_otlp_json_is_400_without_a_traceback(
    receiver: Receiver, capfd: pytest.CaptureFixture[str]
) -> None:
    deep = b'{"resourceSpans": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    status, body = post(
        receiver.ports["http"],
        "/v1/traces",
        deep,
        {"Content-Length": str(len(deep)), "Content-Type": "application/json"},
    )
    assert status == 400 and b"nested too deeply" in body
    assert "Traceback" not in capfd.readouterr().err and healthy(receiver)


def test_slow_clients_are_bounded_by_the_connection_cap_and_timeouts(receiver: Receiver) -> None:
    before = threading.active_count()
    slow = [socket.create_connection(("127.0.0.1", receiver.ports["http"]), timeout=5) for _ in range(100)]
    try:
        for s in slow:
            s.sendall(b"POST /v1/traces HTTP/1.1\r\nContent-Length: 100\r\n\r\n")  # and then nothing
        time.sleep(0.5)
        assert threading.active_count() - before <= LIMITS.max_connections + 2
    finally:
        for s in slow:
            s.close()
    deadline = time.monotonic() + 10  # the stalled ones time out and free their slots
    while time.monotonic() < deadline and not healthy(receiver):
        time.sleep(0.2)
    assert healthy(receiver)


def test_a_client_that_hangs_up_leaves_no_traceback(
    receiver: Receiver, capfd: pytest.CaptureFixture[str]
) -> None:
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", receiver.ports["http"]), timeout=5)
        s.sendall(
            b"POST /v1/traces HTTP/1.1\r\nContent-Length: 4\r\nContent-Type: application/json\r\n\r\n{}"
        )
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()  # a reset, before the answer is written
    time.sleep(0.5)
    assert healthy(receiver)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err


def test_stop_is_refused_to_another_origin(receiver: Receiver) -> None:
    admin = receiver.ports["admin"]
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Host": "evil.example:80"},
    ):
        status, _ = post(admin, "/stop", b"", {"Content-Length": "0", **headers})
        assert status == 403, headers
    assert not receiver._stop.is_set()
    status, _ = post(admin, "/stop", b"", {"Content-Length": "0", "Origin": "https://evil.example",
                                              "X-Weavergen-Token": receiver.stop_token})  # fmt: skip
    assert status == 200 and receiver._stop.is_set()


def test_stop_from_a_command_line_still_works(receiver: Receiver) -> None:
    status, body = post(receiver.ports["admin"], "/stop", b"", {"Content-Length": "0"})  # as curl sends it
    assert status == 200 and body == b"stopping"


def test_live_check_checks_the_output_folder_before_listening(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("in the way")
    cmd = [sys.executable, "-m", "weavergen.cli", "registry", "live-check", "-r", str(tmp_path),
           "-o", str(tmp_path / "file"), "--otlp-grpc-port", "0", "--otlp-http-port", "0",
           "--admin-port", "0", "--inactivity-timeout", "1"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1 and "is not a folder" in proc.stderr and "listening" not in proc.stderr
