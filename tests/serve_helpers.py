"""Helpers of the serve tests: a server on 127.0.0.1 over a copy of a registry, stopped at the end."""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from weavergen.livecheck.receiver import ReceiverOptions
from weavergen.serve import Server, start
from weavergen.serve.state import ServeOptions

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "registry"


@contextmanager
def serving(
    root: Path, cors: str | None = None, live: ReceiverOptions | None = None, copy_to: Path | None = None
) -> Iterator[Server]:
    """A server on a free port of 127.0.0.1 (over a copy of `root` when `copy_to` is given)."""
    if copy_to is not None:
        shutil.copytree(root, copy_to)
        root = copy_to
    server = start(ServeOptions(root, poll_seconds=0.1), bind="127.0.0.1:0", cors=cors, live=live)
    try:
        yield server
    finally:
        server.stop()


def fetch(
    server: Server, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one request."""
    request = urllib.request.Request(server.url + path, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(server: Server, path: str) -> tuple[int, Any]:
    """Status and decoded JSON body."""
    status, _, body = fetch(server, path)
    return status, json.loads(body)


def until(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll until `check()` is truthy; fail with `what` after the timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
