"""`serve` beyond weaver: the registry is watched (a saved edit is reloaded and its diagnostics stream as
server-sent events), workflow runs are listed with their spans, and `--live-check` checks telemetry as
it arrives (sent by the real `registry emit` over OTLP/gRPC)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

from serve_helpers import EXAMPLE, get_json, serving, until

from weavergen.livecheck.receiver import ReceiverOptions
from weavergen.serve import Server

BREAK = ("stability: development", "stability: experimental")  # checkout/spans.yaml, line 5


def _events(server: Server, into: list[tuple[str, Any]], stop: threading.Event) -> None:
    """Read the SSE stream into `into` until the server closes it."""
    with urllib.request.urlopen(server.url + "/api/v1/events", timeout=60) as stream:
        event = None
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: ") and event:
                into.append((event, json.loads(line[len("data: ") :])))
            if stop.is_set():
                return


def _codes(diagnostics: dict[str, Any], file: str) -> list[str]:
    return [d["code"] for d in diagnostics["diagnostics"] if d["file"] and d["file"].endswith(file)]


def test_a_saved_edit_is_reloaded_and_its_diagnostics_stream(tmp_path: Path) -> None:
    with serving(EXAMPLE, copy_to=tmp_path / "registry") as server:
        received: list[tuple[str, Any]] = []
        stop = threading.Event()
        reader = threading.Thread(target=_events, args=(server, received, stop), daemon=True)
        reader.start()
        until("the first events", lambda: any(e == "diagnostics" for e, _ in received))
        status, before = get_json(server, "/api/v1/diagnostics")
        assert status == 200 and "ExperimentalStability" not in _codes(before, "checkout/spans.yaml")

        spans = tmp_path / "registry" / "checkout" / "spans.yaml"
        spans.write_text(spans.read_text(encoding="utf-8").replace(*BREAK, 1), encoding="utf-8")
        after = until(
            "the broken file's diagnostic",
            lambda: (
                (d := get_json(server, "/api/v1/diagnostics")[1])
                and "ExperimentalStability" in _codes(d, "checkout/spans.yaml")
                and d
            ),
        )
        found = next(d for d in after["diagnostics"] if d["code"] == "ExperimentalStability")
        assert found["range"]["start"]["line"] == 5 and found["docs"].startswith("http")
        assert after["generation"] > before["generation"]
        until(
            "the diagnostics event",
            lambda: any(
                e == "diagnostics" and "ExperimentalStability" in _codes(d, "checkout/spans.yaml")
                for e, d in received
            ),
        )
        assert any(e == "registry" and d["generation"] == after["generation"] for e, d in received)

        registry = tmp_path / "registry" / "shop" / "registry.yaml"
        text = registry.read_text(encoding="utf-8")
        registry.write_text(
            text.replace(
                "      - id: shop.order.currency\n",
                "      - id: shop.order.coupon\n        type: string\n        stability: development\n"
                "        brief: A coupon code.\n        examples: [SAVE10]\n"
                "      - id: shop.order.currency\n",
                1,
            ),
            encoding="utf-8",
        )
        until(
            "the new attribute",
            lambda: get_json(server, "/api/v1/registry/attribute/shop.order.coupon")[0] == 200,
        )
        stop.set()


def test_an_attribute_says_where_it_is_defined_and_who_uses_it() -> None:
    with serving(EXAMPLE) as server:
        status, details = get_json(server, "/api/v1/details/attribute/shop.cart.item_count")
        assert status == 200
        definition = details["mentions"][0]
        assert definition["definition"] and definition["file"].endswith(".yaml")
        assert any(
            not m["definition"] and m["file"].endswith("checkout/spans.yaml") for m in details["mentions"]
        )
        assert {"kind": "span", "id": "shop.checkout.submit"} in details["used_by"]
        status, span = get_json(server, "/api/v1/details/span/shop.checkout.submit")
        assert status == 200 and span["mentions"][0]["file"].endswith("checkout/spans.yaml")
        assert span["mentions"][0]["line"] == 2


def test_runs_are_listed_with_their_spans(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "WEAVERGEN_CACHE_DIR": os.environ.get("WEAVERGEN_CACHE_DIR", str(tmp_path / "cache")),
    }
    os.environ["WEAVERGEN_CACHE_DIR"] = env["WEAVERGEN_CACHE_DIR"]
    registry = tmp_path / "registry"
    with serving(EXAMPLE, copy_to=registry) as server:
        _, before = get_json(server, "/api/v1/runs")
        done = subprocess.run(
            [sys.executable, "-m", "weavergen.cli", "registry", "check", "-r", str(registry)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode in (0, 1), done.stderr
        status, after = get_json(server, "/api/v1/runs")
        assert status == 200 and len(after["runs"]) == len(before["runs"]) + 1
        run = after["runs"][0]
        assert run["spans"] and run["spans"][0]["offset_ms"] == 0
        assert all(s["duration_ms"] >= 0 and s["offset_ms"] >= 0 for s in run["spans"])
        assert {"name", "span_id", "parent_id", "status", "attributes"} <= set(run["spans"][0])


def test_live_check_coverage_moves_when_emit_sends_telemetry(tmp_path: Path) -> None:
    live = ReceiverOptions(grpc_port=0, http_port=0, admin_port=None)
    with serving(EXAMPLE, live=live) as server:
        status, state = get_json(server, "/api/v1/live")
        assert status == 200 and state["enabled"] and state["samples"] == 0
        assert state["statistics"]["registry_coverage"] == 0
        port = state["ports"]["grpc"]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "weavergen.cli",
                "registry",
                "emit",
                "-r",
                str(EXAMPLE),
                "--endpoint",
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        after = until(
            "coverage",
            lambda: (s := get_json(server, "/api/v1/live")[1])["statistics"]["registry_coverage"] > 0 and s,
        )
        assert after["samples"] > 0 and after["requests"] > 0
        assert after["statistics"]["total_entities"] > 0
