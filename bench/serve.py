"""Benchmark `weavergen serve` on semantic conventions v1.44.0: search latency at the API and the
dashboard's first load.

A real `weavergen serve` process is started; search requests go over one keep-alive HTTP connection
(the time a client waits for each response, JSON included). The first load is measured in Debian's
Chromium with Playwright (`bench/serve_first_load.mjs`, from navigation to the statistics on screen,
in a fresh browser context each time) when `make e2e-serve`'s setup has run; otherwise it says why not.
Usage: `python bench/serve.py [--reps N] [--registry DIR]`. Goal: search p95 <= 10 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", REPO.parent / "shared" / "fixtures"))
E2E = REPO / "tests" / "e2e_serve"
# What people type: full ids, prefixes, words of briefs, several tokens, a namespace, a misspelling.
QUERIES = [
    "http.request.method",
    "http.server.request.duration",
    "http",
    "db.system",
    "server.port",
    "k8s.pod",
    "duration",
    "request size",
    "exception",
    "host",
    "messaging destination",
    "gen_ai.usage",
    "cpu",
    "user agent",
    "url.full",
    "cloud provider",
    "network peer",
    "process.pid",
    "rpc method",
    "htpp",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_healthy(port: int, timeout: float = 120) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def search_latencies(port: int, reps: int) -> tuple[list[float], dict[str, float]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times: list[float] = []
    per_query: dict[str, float] = {}
    for q in QUERIES:  # one warm-up pass
        conn.request("GET", f"/api/v1/registry/search?q={quote(q)}")
        json.loads(conn.getresponse().read())
    for q in QUERIES:
        mine = []
        for _ in range(reps):
            start = time.perf_counter()
            conn.request("GET", f"/api/v1/registry/search?q={quote(q)}")
            body = conn.getresponse().read()
            mine.append(time.perf_counter() - start)
            assert body.startswith(b'{"query"')
        times += mine
        per_query[q] = statistics.median(mine)
    return times, per_query


def in_process(registry: Path, reps: int) -> tuple[list[float], list[float]]:
    """The API's own work per search, without HTTP: wall and CPU (thread) times, in ms. The CPU time
    hardly changes with the machine's load, so it is the figure to compare between runs."""
    from weavergen.serve.api import Api
    from weavergen.serve.state import ServeOptions, ServeState

    api = Api(ServeState(ServeOptions(registry, watch=False)))
    wall: list[float] = []
    cpu: list[float] = []
    for q in QUERIES:
        api.get("/api/v1/registry/search", f"q={quote(q)}")
        for _ in range(reps):
            w, c = time.perf_counter(), time.thread_time()
            api.get("/api/v1/registry/search", f"q={quote(q)}")
            cpu.append((time.thread_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
    return wall, cpu


def first_load(url: str, runs: int) -> str:
    if shutil.which("node") is None:
        return "not measured: node is not installed"
    if not (E2E / "node_modules" / "playwright-core").is_dir():
        return "not measured: run tests/e2e_serve/setup.sh (make e2e-serve) first"
    proc = subprocess.run(
        ["node", str(REPO / "bench" / "serve_first_load.mjs"), url, str(runs)],
        capture_output=True,
        text=True,
        cwd=E2E,
        timeout=300,
    )
    if proc.returncode != 0:
        return f"not measured: {proc.stderr.strip()[-500:]}"
    loads = json.loads(proc.stdout)
    median = statistics.median(loads)
    return f"median {median:.0f} ms, min {min(loads):.0f} ms, max {max(loads):.0f} ms ({runs} loads)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--registry", type=Path, default=FIXTURES / "semconv" / "v1.44.0" / "model")
    args = parser.parse_args()
    port = free_port()
    cmd = [sys.executable, "-m", "weavergen.cli", "serve", "-r", str(args.registry)]
    cmd += ["--bind", f"127.0.0.1:{port}", "--exit-after", "900"]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        startup = wait_healthy(port)
        times, per_query = search_latencies(port, args.reps)
        load = first_load(f"http://127.0.0.1:{port}", args.loads)
    finally:
        server.terminate()
        server.wait(timeout=30)
    wall, cpu = in_process(args.registry, args.reps)
    ms = [t * 1000 for t in times]
    slowest = max(per_query, key=per_query.__getitem__)
    print(f"weavergen serve on {args.registry} (uptime: {os.getloadavg()[0]:.2f} load)")
    print(f"  start until /health answers: {startup:.2f} s")
    print(
        f"  search at the API: p50 {percentile(ms, 50):.2f} ms, p95 {percentile(ms, 95):.2f} ms "
        f"({len(QUERIES)} queries x {args.reps}; slowest {slowest!r} {per_query[slowest] * 1000:.2f} ms; "
        "goal <= 10 ms)"
    )
    walls = f"wall p50 {percentile(wall, 50):.2f} ms, p95 {percentile(wall, 95):.2f} ms"
    cpus = f"CPU p50 {percentile(cpu, 50):.2f} ms, p95 {percentile(cpu, 95):.2f} ms"
    print(f"  search in process (no HTTP): {walls}; {cpus}")
    print(f"  dashboard first load: {load}")


if __name__ == "__main__":
    main()
