"""`weavergen registry mcp` spoken to by the official MCP SDK's own client, over real stdio: weaver's eight
tools with their inputs and outputs, and weavergen's `check` and `fix` on a registry edited while it runs."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from weavergen.check import CheckOptions, check_registry
from weavergen.mcp.catalog import Catalog
from weavergen.output import resolved_document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "registry"
WEAVERGEN = str(Path(sys.executable).parent / "weavergen")
WEAVER_TOOLS = [
    "search",
    "get_attribute",
    "get_metric",
    "get_span",
    "get_event",
    "get_entity",
    "live_check",
    "browse_namespace",
]


def _session(registry: Path, scenario: Callable[[Client], Awaitable[None]], *extra: str) -> None:
    async def run() -> None:
        params = StdioServerParameters(
            command=WEAVERGEN, args=["registry", "mcp", "-r", str(registry), *extra]
        )
        async with Client(params, read_timeout_seconds=60) as client:
            await scenario(client)

    asyncio.run(run())


async def _text(client: Client, tool: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result
    (content,) = result.content
    assert content.type == "text"
    return str(content.text)


async def _json(client: Client, tool: str, args: dict[str, Any]) -> Any:
    return json.loads(await _text(client, tool, args))


def _schema() -> dict[str, Any]:
    resolution = check_registry(CheckOptions(registry=str(EXAMPLE), skip_policies=True)).resolution
    assert resolution is not None
    return resolved_document(resolution, True)["registry"]


def test_tools_are_weavers_with_weavers_parameters() -> None:
    async def scenario(client: Client) -> None:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert list(tools) == [*WEAVER_TOOLS, "check", "fix"]
        props = {name: t.input_schema.get("properties", {}) for name, t in tools.items()}
        required = {name: t.input_schema.get("required", []) for name, t in tools.items()}
        assert list(props["search"]) == ["query", "type", "stability", "limit"] and required["search"] == []
        assert props["search"]["limit"]["default"] == 20
        assert (required["get_attribute"], required["get_metric"], required["get_span"]) == (
            ["key"], ["name"], ["type"],
        )  # fmt: skip
        assert (required["get_event"], required["get_entity"]) == (["name"], ["type"])
        assert required["live_check"] == ["samples"] and props["live_check"]["samples"]["type"] == "array"
        assert set(props["live_check"]["output"]["enum"]) == {"full", "findings_only", "counts_only"}
        assert list(props["browse_namespace"]) == ["prefix"]
        assert tools["get_attribute"].description == (
            "Get detailed information about a specific semantic convention attribute by its key. Returns "
            "type, examples, stability, deprecation info, and full documentation."
        )

    _session(EXAMPLE, scenario)


def test_search_and_lookups_answer_as_weaver_does() -> None:
    registry = _schema()
    metric = registry["metrics"][0]
    span = registry["spans"][0]
    event = registry["events"][0]
    entity = registry["entities"][0]
    attribute = registry["attributes"][0]

    async def scenario(client: Client) -> None:
        found = await _json(client, "search", {"query": "order"})
        scores = [r["score"] for r in found["results"]]
        assert found["count"] == len(found["results"]) > 0 and found["total"] >= found["count"]
        assert scores == sorted(scores, reverse=True)
        exact = await _json(client, "search", {"query": metric["name"], "type": "metric"})
        assert exact["results"][0] == {"result_type": "metric", "score": 100, **metric}
        assert {r["result_type"] for r in exact["results"]} == {"metric"}
        browse = await _json(client, "search", {"limit": 3})  # no query: the registry in order, score 0
        assert browse["total"] == sum(len(v) for k, v in registry.items() if k != "attribute_groups")
        assert [r["score"] for r in browse["results"]] == [0, 0, 0]
        stable = await _json(client, "search", {"stability": "stable", "limit": 100})
        assert all(r.get("stability") == "stable" for r in stable["results"])
        assert await _json(client, "get_attribute", {"key": attribute["key"]}) == attribute
        assert await _json(client, "get_metric", {"name": metric["name"]}) == metric
        assert await _json(client, "get_span", {"type": span["type"]}) == span
        assert await _json(client, "get_event", {"name": event["name"]}) == event
        assert await _json(client, "get_entity", {"type": entity["type"]}) == entity
        assert await _text(client, "get_attribute", {"key": "no.such"}) == (
            "Attribute 'no.such' not found in registry"
        )
        assert await _text(client, "get_span", {"type": "no.such"}) == "Span 'no.such' not found in registry"
        top = await _json(client, "browse_namespace", {})
        assert top["prefix"] == "" and top["total_attribute_count"] == len(registry["attributes"])
        first = top["child_namespaces"][0]
        inner = await _json(client, "browse_namespace", {"prefix": first + "."})
        assert inner["prefix"] == first
        keys = [a["key"] for a in registry["attributes"] if a["key"].startswith(first + ".")]
        assert inner["total_attribute_count"] == len(keys)
        assert {a["key"] for a in inner["attributes"]} == {
            k for k in keys if k.count(".") == first.count(".") + 1
        }

    _session(EXAMPLE, scenario)


def test_live_check_annotates_samples_in_the_three_output_modes() -> None:
    key = next(a for a in _schema()["attributes"] if a["type"] == "string")["key"]
    samples = [
        {"attribute": {"name": key, "value": 3}},
        {"attribute": {"name": "no.such.attribute", "value": "x"}},
        {
            "span": {
                "name": "GET /",
                "kind": "server",
                "attributes": [{"name": "no.such.attribute", "value": 1}],
            }
        },
    ]

    async def scenario(client: Client) -> None:
        full = await _json(client, "live_check", {"samples": samples})
        assert [next(iter(s)) for s in full] == ["attribute", "attribute", "span"]
        advice = full[0]["attribute"]["live_check_result"]["all_advice"]
        assert "type_mismatch" in {a["id"] for a in advice}
        compact = await _json(client, "live_check", {"samples": samples, "output": "findings_only"})
        assert compact["total_samples_checked"] == 3 and compact["samples_with_findings"] == 3
        assert compact["findings"][1] == {
            "name": "no.such.attribute",
            "findings": [
                {
                    "id": "missing_attribute",
                    "level": "violation",
                    "message": "Attribute 'no.such.attribute' does not exist in the registry.",
                }
            ],
        }
        assert compact["findings"][2]["type"] == "span"
        counts = await _json(client, "live_check", {"samples": samples, "output": "counts_only"})
        assert counts["counts"]["missing_attribute"] == 2 and counts["total_samples_checked"] == 3
        bad = await _text(client, "live_check", {"samples": [{"spaceship": {}}]})
        assert bad.startswith("Invalid sample:")

    _session(EXAMPLE, scenario)


BROKEN_STABILITY = """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    attributes:
      - id: demo.count
        type: int
        brief: A count.
"""


def test_check_and_fix_follow_the_registry_as_it_is_edited(tmp_path: Path) -> None:
    registry = tmp_path / "model"
    registry.mkdir()
    (registry / "manifest.yaml").write_text("schema_url: https://example.com/schemas/demo/1.0.0\n")
    demo = registry / "demo.yaml"
    demo.write_text(BROKEN_STABILITY.replace("brief: A count.", "brief: A count.\n        stability: stable"))

    async def scenario(client: Client) -> None:
        clean = await _json(client, "check", {})
        assert clean["valid"] and clean["diagnostics"] == []
        assert await _text(client, "get_attribute", {"key": "demo.total"}) == (
            "Attribute 'demo.total' not found in registry"
        )
        demo.write_text(BROKEN_STABILITY + "      - id: demo.total\n        type: int\n        brief: T.\n")
        checked = await _json(client, "check", {"file": "demo.yaml"})
        codes = {d["code"] for d in checked["diagnostics"]}
        assert "InvalidAttributeWarning" in codes
        first = checked["diagnostics"][0]
        assert first["file"].endswith("demo.yaml") and first["line"] >= 1 and first["docs"].startswith("http")
        assert (await _json(client, "get_attribute", {"key": "demo.total"}))["key"] == "demo.total"
        before = demo.read_text()
        listed = await _json(client, "fix", {})
        assert listed["applied"] is False and demo.read_text() == before
        assert {f["code"] for f in listed["fixes"]} == {"InvalidAttributeWarning"}
        assert "+        stability:" in listed["diff"]
        done = await _json(client, "fix", {"apply": True})
        assert done["applied"] is True and demo.read_text() != before
        after = await _json(client, "check", {})
        assert "InvalidAttributeWarning" not in {d["code"] for d in after["diagnostics"]}
        assert after["errors"] == 0

    _session(registry, scenario)


def test_a_missing_registry_is_an_error_before_serving(tmp_path: Path) -> None:
    done = subprocess.run(
        [WEAVERGEN, "registry", "mcp", "-r", str(tmp_path / "nowhere")],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "nowhere" in done.stderr and "Traceback" not in done.stderr


def _attr(key: str, brief: str = "", note: str = "", **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": "string", "brief": brief, "note": note, "stability": "stable", **extra}


@pytest.mark.parametrize(
    ("query", "score"),
    [
        ("http.request.method", 100),  # the exact key
        ("http.req", 80),  # a prefix of it
        ("request.meth", 70),  # inside it
        ("request method", 60),  # every word in a part of the key
        ("verb used", 40),  # the brief contains the query
        ("used verb", 35),  # every word in the brief
        ("idempotent calls", 20),  # the note contains the query
        ("calls idempotent", 15),  # every word in the note
        ("nothing like it", 0),
    ],
)
def test_search_scores_as_weaver_search(query: str, score: int) -> None:
    registry = {
        "registry": {"attributes": [_attr("http.request.method", "The HTTP verb used.", "Idempotent calls.")]}
    }
    results, total = Catalog.of(registry).search(query)
    assert [r["score"] for r in results] == ([score] if score else []) and total == len(results)


def test_deprecated_definitions_keep_a_tenth_and_templates_are_browsed_not_looked_up() -> None:
    registry = {
        "registry": {
            "attributes": [
                _attr("db.system", deprecated={"reason": "renamed", "renamed_to": "db.system.name"}),
                _attr("db.system.name"),
                _attr("db.query.parameter", type="template[string]"),
            ]
        }
    }
    catalog = Catalog.of(registry)
    results, _ = catalog.search("db.system")
    assert [(r["key"], r["score"]) for r in results] == [("db.system.name", 80), ("db.system", 10)]
    assert catalog.get("attribute", "db.query.parameter") is None
    info = catalog.browse_namespace("db")
    assert info["child_namespaces"] == ["db.query", "db.system"] and info["total_attribute_count"] == 3
    assert [a["key"] for a in info["attributes"]] == ["db.system"] and info["max_depth"] == 2
