"""`registry infer`: weaver_infer's accumulation rules, and the round trip — the example registry's telemetry,
sent by `registry emit` over real OTLP/gRPC, becomes a registry that checks clean and against which the same
telemetry live-checks without a violation; read back from a file, the same samples infer the same registry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_livecheck import advice_of

from weavergen.check import CheckOptions, check_registry
from weavergen.infer import Accumulator, Examples, new_examples
from weavergen.output import resolved_document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "registry"
CLI = [sys.executable, "-m", "weavergen.cli"]


def _examples(*values: Any) -> Any:
    found: Examples | None = None
    for value in values:
        if found is None:
            found = new_examples(value)
        else:
            found.add(value)
    return found.as_yaml() if found is not None else None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("a",), "a"),
        (("a", "a"), "a"),
        (("a", "b", "a"), ["a", "b"]),
        ((1, 2, 3, 4, 5, 6), [1, 2, 3, 4, 5]),
        ((42, 1.5), 42),  # a double does not join int examples
        ((1.5, 2), [1.5, 2.0]),  # an int joins double examples as a double
        (("text", 42), "text"),
        ((True, False), [True, False]),
        ((True, 1), True),  # a bool is not an int
        ((None,), None),
        (([1, 2],), None),  # arrays and maps make no example
        (({"k": "v"},), None),
    ],
)
def test_examples_grow_as_weaver_infers_them(values: tuple[Any, ...], expected: Any) -> None:
    assert _examples(*values) == expected


def test_samples_accumulate_into_one_definition_file() -> None:
    acc = Accumulator()
    acc.add({"resource": {"attributes": [{"name": "service.name", "value": "shop", "type": "string"}]}})
    acc.add({"instrumentation_scope": {"name": "lib", "attributes": []}})
    span = {
        "name": "checkout",
        "kind": "server",
        "attributes": [{"name": "order.id", "value": "o-1", "type": "string"}],
        "span_events": [
            {"name": "retry", "attributes": [{"name": "retry.count", "value": 2, "type": "int"}]}
        ],
    }
    acc.add({"span": span})
    acc.add({"span": {**span, "kind": "client", "attributes": [{"name": "order.id", "value": "o-2"}]}})
    acc.add({"metric": {"name": "m", "instrument": "summary", "unit": "s", "data_points": []}})
    points = [{"attributes": [{"name": "order.id", "value": "o-3", "type": "string"}]}]
    acc.add({"metric": {"name": "orders", "instrument": "counter", "unit": "{order}", "data_points": points}})
    acc.add({"log": {"event_name": "", "attributes": []}})
    acc.add(
        {
            "log": {
                "event_name": "retry",
                "attributes": [{"name": "reason", "value": "busy", "type": "string"}],
            }
        }
    )
    registry = acc.registry()
    assert acc.counts() == {"resource_attributes": 1, "spans": 1, "metrics": 1, "events": 1}
    assert [a["key"] for a in registry["attributes"]] == ["order.id", "reason", "retry.count", "service.name"]
    order = registry["attributes"][0]
    assert order == {
        "key": "order.id", "type": "string", "examples": ["o-1", "o-2"], "brief": "",
        "stability": "development",
    }  # fmt: skip
    (span_def,) = registry["spans"]
    assert span_def["type"] == "checkout" and span_def["kind"] == "server"  # the first kind seen
    assert span_def["attributes"] == [{"ref": "order.id"}]
    (metric,) = registry["metrics"]  # the summary was skipped
    assert (metric["name"], metric["instrument"], metric["unit"]) == ("orders", "counter", "{order}")
    (event,) = registry["events"]  # the span event and the log event of the same name merge
    assert event == {
        "name": "retry", "attributes": [{"ref": "reason"}, {"ref": "retry.count"}], "brief": "",
        "stability": "development",
    }  # fmt: skip


def _ports(process: subprocess.Popen[str], prefix: str) -> dict[str, int]:
    assert process.stderr is not None
    for _ in range(200):
        line = process.stderr.readline()
        if not line:
            break
        if line.startswith(prefix):
            return {m[0]: int(m[1]) for m in re.findall(r"(OTLP/gRPC|OTLP/HTTP|admin) [\d.]+:(\d+)", line)}
    process.kill()
    raise AssertionError(f"never said where it listens ({prefix})")


def _emit_to(process: subprocess.Popen[str], prefix: str) -> tuple[str, str]:
    """Send the example registry's telemetry to a listening infer or live-check, stop it, its output."""
    ports = _ports(process, prefix)
    emitted = subprocess.run(
        [
            *CLI,
            "registry",
            "emit",
            "-r",
            str(EXAMPLE),
            "--endpoint",
            f"http://127.0.0.1:{ports['OTLP/gRPC']}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert emitted.returncode == 0, emitted.stderr
    stop = urllib.request.Request(f"http://127.0.0.1:{ports['admin']}/stop", method="POST")
    urllib.request.urlopen(stop, timeout=10).close()
    return process.communicate(timeout=60)


LISTEN = ["--admin-port", "0", "--inactivity-timeout", "60"]


def test_emit_infer_check_and_live_check_round_trip(tmp_path: Path) -> None:
    inferred = tmp_path / "inferred"
    command = [*CLI, "registry", "infer", "-o", str(inferred), "--grpc-port", "0", *LISTEN]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as infer:
        _, err = _emit_to(infer, "infer listening:")
    assert infer.returncode == 0, err
    written = inferred / "registry.yaml"
    registry = yaml.safe_load(written.read_text())
    assert registry["file_format"] == "definition/2"

    # what the example registry defines is what was inferred
    resolution = check_registry(CheckOptions(registry=str(EXAMPLE), skip_policies=True)).resolution
    assert resolution is not None
    v2 = resolved_document(resolution, True)["registry"]
    for kind, key in (("spans", "type"), ("metrics", "name"), ("events", "name")):
        wanted = {item[key] for item in v2[kind] if not item.get("deprecated")}
        assert {item[key] for item in registry[kind]} == wanted, kind
    types = {a["key"]: a["type"] for a in v2["attributes"]}
    for attribute in registry["attributes"]:
        if isinstance(types.get(attribute["key"]), str):
            assert attribute["type"] == types[attribute["key"]], attribute

    # the inferred registry checks clean: no error (weaver's own warnings about v2 remain)
    checked = subprocess.run(
        [*CLI, "registry", "check", "-r", str(inferred), "--diagnostic-format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    levels = {d["diagnostic"]["severity"] for d in json.loads(checked.stderr or "[]")}
    assert levels <= {"Warning"}, checked.stderr

    # live-checking the same telemetry against it finds no violation
    command = [*CLI, "registry", "live-check", "-r", str(inferred), "--otlp-grpc-port", "0"]
    command += ["--otlp-http-port", "-1", *LISTEN, "--format", "json"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as live:
        out, err = _emit_to(live, "live-check listening:")
    assert live.returncode == 0, err
    report = json.loads(out)
    assert [a for a in advice_of(report) if a["level"] == "violation"] == []
    assert report["statistics"]["seen_non_registry_attributes"] == {}

    # the same samples read from a file (live-check's report, as `--input-source` reads it) infer the same
    samples = tmp_path / "samples.json"
    samples.write_text(json.dumps(report["samples"]))
    again = tmp_path / "again"
    done = subprocess.run(
        [*CLI, "registry", "infer", "-o", str(again), "--input-source", str(samples)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load((again / "registry.yaml").read_text()) == registry


def test_an_existing_registry_is_never_replaced_unasked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "registry.yaml").write_text("mine\n")
    samples = tmp_path / "samples.json"
    samples.write_text(json.dumps([{"attribute": {"name": "a.b", "value": 1}}]))
    refused = subprocess.run(
        [*CLI, "registry", "infer", "-o", str(out), "--input-source", str(samples)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert (out / "registry.yaml").read_text() == "mine\n"
    forced = subprocess.run(
        [*CLI, "registry", "infer", "-o", str(out), "--input-source", str(samples), "--force"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert forced.returncode == 0, forced.stderr
    assert yaml.safe_load((out / "registry.yaml").read_text())["attributes"][0]["key"] == "a.b"


def test_nothing_received_writes_nothing_and_bad_input_is_a_positioned_diagnostic(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    done = subprocess.run(
        [*CLI, "registry", "infer", "-o", str(tmp_path / "out"), "--input-source", str(empty)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and not (tmp_path / "out" / "registry.yaml").exists()
    assert "no registry written" in done.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"attribute": {"name": "a"}},\n  oops\n]')
    failed = subprocess.run(
        [*CLI, "registry", "infer", "-o", str(tmp_path / "out"), "--input-source", str(bad),
         "--diagnostic-format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    (diagnostic,) = json.loads(failed.stderr.split("\ninferred")[0])
    assert diagnostic["error"]["IngestError"]["error"].startswith("invalid JSON")
    assert not (tmp_path / "out" / "registry.yaml").exists()
