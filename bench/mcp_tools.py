"""Benchmark `weavergen registry mcp` on semconv v1.44.0: start-up, and tool latency p50/p95.

In process: the `search`, `get_attribute` and `browse_namespace` answers, each including the look at the
registry's files that keeps it live. Over stdio: the same `search` calls made by the MCP SDK's client to a
real `weavergen registry mcp` process (JSON-RPC framing included). Usage:
`python bench/mcp_tools.py [--registry DIR] [--calls N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", REPO.parent / "shared" / "fixtures"))
QUERIES = ["http", "http.request.method", "db system", "server duration", "cloud", "k8s pod", "error", "rpc"]


def _percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ms)})"


def in_process(registry: Path, calls: int) -> None:
    """Start-up and per-call latency of the tools without the transport."""
    from weavergen.check import CheckOptions
    from weavergen.mcp.tools import McpSettings, RegistryTools

    start = time.perf_counter()
    tools = RegistryTools(McpSettings(CheckOptions(registry=str(registry), skip_policies=True)))
    state = tools.state()
    print(f"load + check + index {len(state.catalog.items)} items: {time.perf_counter() - start:.2f} s")
    key = next(iter(state.catalog.index["attribute"]))
    cases = {
        "search": lambda i: tools.search(QUERIES[i % len(QUERIES)]),
        "get_attribute": lambda i: tools.get("attribute", key),
        "browse_namespace": lambda i: tools.browse_namespace("http" if i % 2 else None),
    }
    for name, call in cases.items():
        times = []
        for i in range(calls):
            t = time.perf_counter()
            call(i)
            times.append(time.perf_counter() - t)
        print(f"{name:17s} {_percentiles(times)}")


async def over_stdio(registry: Path, calls: int) -> None:
    """The same searches through the SDK client and a real server process."""
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    command = str(Path(sys.executable).parent / "weavergen")
    params = StdioServerParameters(command=command, args=["registry", "mcp", "-r", str(registry), "--quiet"])
    start = time.perf_counter()
    async with Client(params, read_timeout_seconds=300) as client:
        await client.list_tools()
        print(f"stdio: server ready after {time.perf_counter() - start:.2f} s")
        times = []
        for i in range(calls):
            t = time.perf_counter()
            await client.call_tool("search", {"query": QUERIES[i % len(QUERIES)]})
            times.append(time.perf_counter() - t)
    print(f"stdio search      {_percentiles(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registry", type=Path, default=FIXTURES / "semconv" / "v1.44.0" / "model")
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(f"registry: {args.registry}")
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    in_process(args.registry, args.calls)
    asyncio.run(over_stdio(args.registry, max(args.calls // 4, 10)))


if __name__ == "__main__":
    main()
