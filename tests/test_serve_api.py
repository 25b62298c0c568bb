"""`serve`'s weaver routes against weaver 0.25.1's shapes (`src/serve/handlers.rs`, `weaver_search`), on
semantic conventions v1.44.0: status codes, error bodies, search scoring, paging and filters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from serve_helpers import fetch, get_json, serving

from weavergen.serve import Server


@pytest.fixture(scope="module")
def semconv(fixtures: Path) -> Iterator[Server]:
    with serving(fixtures / "semconv" / "v1.44.0" / "model") as server:
        yield server


def test_health_is_an_empty_200(semconv: Server) -> None:
    status, _, body = fetch(semconv, "/health")
    assert (status, body) == (200, b"")


def test_schema_by_name_and_the_404_that_lists_the_names(semconv: Server) -> None:
    status, forge = get_json(semconv, "/api/v1/schema/ForgeRegistryV2")
    assert status == 200 and forge["title"] == "ForgeResolvedRegistry"
    status, definition = get_json(semconv, "/api/v1/schema/SemconvDefinitionV2")
    assert status == 200 and "properties" in definition
    status, sample = get_json(semconv, "/api/v1/schema/LiveCheckSample")
    assert status == 200 and {"span", "metric", "log"} <= {
        next(iter(o["properties"])) for o in sample["oneOf"]
    }
    status, error = get_json(semconv, "/api/v1/schema/nope")
    assert status == 404
    names = "ForgeRegistryV2, SemconvDefinitionV2, LiveCheckSample"
    assert error == {"error": f"Schema 'nope' not found. Available schemas: {names}"}


def test_stats_are_registry_stats_v2_with_the_schema_url(semconv: Server) -> None:
    status, stats = get_json(semconv, "/api/v1/registry/stats")
    assert status == 200
    assert stats["schema_url"] == "https://opentelemetry.io/schemas/1.44.0"
    assert stats["version"] == "v2"
    reg = stats["registry"]
    # the counts the fixtures' README gives for v1.44.0
    assert reg["attributes"]["attribute_count"] == 940
    assert reg["metrics"]["common"]["count"] == 541
    assert reg["events"]["common"]["count"] == 32
    assert reg["entities"]["common"]["count"] == 64
    # the materialized registry's spans: span groups that refine another are refinements, not spans
    _, spans = get_json(semconv, "/api/v1/registry/search?type=span")
    assert reg["spans"]["common"]["count"] == spans["total"] == 58
    assert set(reg) == {"attributes", "metrics", "spans", "events", "entities", "attribute_groups"}


@pytest.mark.parametrize(
    ("kind", "ident", "field"),
    [
        ("attribute", "http.request.method", "key"),
        ("metric", "http.server.request.duration", "name"),
        ("span", "http.client", "type"),
        ("event", "exception", "name"),
        ("entity", "host", "type"),
    ],
)
def test_lookup_by_id_and_weavers_404(semconv: Server, kind: str, ident: str, field: str) -> None:
    status, body = get_json(semconv, f"/api/v1/registry/{kind}/{quote(ident)}")
    assert status == 200 and body[field] == ident
    assert "brief" in body and "stability" in body
    status, body = get_json(semconv, f"/api/v1/registry/{kind}/no.such.{kind}")
    assert status == 404
    assert body == {"error": f"{kind.capitalize()} not found", field: f"no.such.{kind}"}


def test_an_attribute_is_the_materialized_v2_attribute(semconv: Server) -> None:
    _, attr = get_json(semconv, "/api/v1/registry/attribute/http.request.method")
    assert attr["stability"] == "stable"
    assert {"connect", "get", "other"} <= {m["id"] for m in attr["type"]["members"]}
    assert attr["provenance"]["path"].endswith("http/registry.yaml")
    _, span = get_json(semconv, "/api/v1/registry/span/http.client")
    assert span["kind"] == "client"
    assert all("requirement_level" in a for a in span["attributes"])


def test_search_shape_and_scores(semconv: Server) -> None:
    status, page = get_json(semconv, "/api/v1/registry/search?q=http.request.method")
    assert status == 200
    assert set(page) == {"query", "total", "count", "offset", "results"}
    assert page["query"] == "http.request.method" and page["offset"] == 0
    assert page["count"] == len(page["results"]) <= page["total"]
    first = page["results"][0]
    assert (first["result_type"], first["key"], first["score"]) == ("attribute", "http.request.method", 100)
    scores = [r["score"] for r in page["results"]]
    assert scores == sorted(scores, reverse=True)
    # prefix 80, substring 70, tokens 60, brief 40
    _, prefix = get_json(semconv, "/api/v1/registry/search?q=http.request.me&type=attribute")
    assert prefix["results"][0]["score"] == 80
    _, inner = get_json(semconv, "/api/v1/registry/search?q=request.method&type=attribute")
    assert {r["score"] for r in inner["results"]} >= {70}
    _, tokens = get_json(semconv, "/api/v1/registry/search?q=method%20http&type=attribute")
    assert "http.request.method" in {r["key"] for r in tokens["results"] if r["score"] == 60}


def test_deprecated_items_keep_a_tenth_of_their_score(semconv: Server) -> None:
    _, page = get_json(semconv, "/api/v1/registry/search?q=&type=attribute&limit=200")
    _, browse = get_json(semconv, "/api/v1/registry/search?type=attribute&limit=200&offset=200")
    deprecated = next(r for r in page["results"] + browse["results"] if r.get("deprecated"))
    _, hit = get_json(semconv, f"/api/v1/registry/search?q={quote(deprecated['key'])}&type=attribute")
    exact = next(r for r in hit["results"] if r["key"] == deprecated["key"])
    assert exact["score"] == 10


def test_search_filters_by_type_and_stability(semconv: Server) -> None:
    _, metrics = get_json(semconv, "/api/v1/registry/search?q=duration&type=metric&limit=200")
    assert metrics["results"] and {r["result_type"] for r in metrics["results"]} == {"metric"}
    _, stable = get_json(semconv, "/api/v1/registry/search?q=http&stability=stable&limit=200")
    assert stable["results"] and {r["stability"] for r in stable["results"]} == {"stable"}
    _, experimental = get_json(semconv, "/api/v1/registry/search?type=span&stability=experimental")
    _, development = get_json(semconv, "/api/v1/registry/search?type=span&stability=development")
    assert experimental["total"] == development["total"] > 0


def test_browse_mode_pages_through_everything(semconv: Server) -> None:
    _, first = get_json(semconv, "/api/v1/registry/search?limit=10")
    _, second = get_json(semconv, "/api/v1/registry/search?limit=10&offset=10")
    _, both = get_json(semconv, "/api/v1/registry/search?limit=20")
    assert first["query"] is None and first["total"] == 940 + 541 + 58 + 32 + 64
    assert {r["score"] for r in both["results"]} == {0}
    assert first["results"] + second["results"] == both["results"]
    assert second["offset"] == 10


def test_search_limit_is_capped_at_200(semconv: Server) -> None:
    _, page = get_json(semconv, "/api/v1/registry/search?limit=100000")
    assert page["count"] == 200


@pytest.mark.parametrize("query", ["type=bogus", "stability=gold", "limit=-1", "offset=x"])
def test_bad_query_parameters_are_400(semconv: Server, query: str) -> None:
    status, _, body = fetch(semconv, f"/api/v1/registry/search?q=http&{query}")
    assert status == 400
    assert body.decode().startswith("Failed to deserialize query string: ")


def test_filter_runs_jq_over_the_materialized_registry(semconv: Server) -> None:
    status, count = get_json(
        semconv, "/api/v1/registry/filter?filter=" + quote(".registry.attributes | length")
    )
    assert (status, count) == (200, 940)
    code = '[.registry.spans[] | select(.type == "http.client") | .kind]'
    assert get_json(semconv, "/api/v1/registry/filter?filter=" + quote(code)) == (200, ["client"])


def test_a_broken_filter_is_400_with_its_position(semconv: Server) -> None:
    status, error = get_json(semconv, "/api/v1/registry/filter?filter=" + quote(".registry |\n  bar("))
    assert status == 400
    assert error["error"].startswith("Filter failed: ")
    (detail,) = error["details"]
    assert detail["source"]["start"] == {"line": 2, "col": 6}
    status, _, body = fetch(semconv, "/api/v1/registry/filter")
    assert status == 400 and b"filter" in body


def test_openapi_lists_every_route(semconv: Server) -> None:
    status, spec = get_json(semconv, "/api/v1/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    for path in (
        "/health",
        "/api/v1/schema/{name}",
        "/api/v1/registry/stats",
        "/api/v1/registry/search",
        "/api/v1/registry/filter",
        "/api/v1/registry/attribute/{key}",
        "/api/v1/registry/metric/{name}",
        "/api/v1/registry/span/{type}",
        "/api/v1/registry/event/{name}",
        "/api/v1/registry/entity/{type}",
        "/api/v1/diagnostics",
        "/api/v1/events",
        "/api/v1/runs",
        "/api/v1/review",
    ):
        assert path in spec["paths"], path


def test_review_is_registry_reviews_report(semconv: Server) -> None:
    from weavergen.review.report import review
    from weavergen.workspace import RegistryWorkspace

    status, body = get_json(semconv, "/api/v1/review")
    assert status == 200
    expected = review(RegistryWorkspace(semconv.state.root, None).resolution).to_data()
    assert {k: v for k, v in body.items() if k != "generation"} == json.loads(json.dumps(expected))
    assert 0 < body["score"] <= 100 and body["namespaces"] and body["near_duplicates"]


def test_unknown_api_path_and_other_methods(semconv: Server) -> None:
    status, body = get_json(semconv, "/api/v1/nothing")
    assert status == 404 and body["error"] == "Not found"
    status, _, _ = fetch(semconv, "/api/v1/registry/stats", method="POST")
    assert status == 405


def test_cors_is_off_unless_asked(semconv: Server, fixtures: Path) -> None:
    _, headers, _ = fetch(semconv, "/health", {"Origin": "http://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in headers
    with serving(
        fixtures / "weaver" / "semconv-parsing", cors="http://a.example, http://b.example"
    ) as server:
        _, headers, _ = fetch(server, "/health", {"Origin": "http://b.example"})
        assert headers["Access-Control-Allow-Origin"] == "http://b.example"
        _, headers, _ = fetch(server, "/health", {"Origin": "http://c.example"})
        assert "Access-Control-Allow-Origin" not in headers
        status, headers, _ = fetch(
            server, "/api/v1/registry/stats", {"Origin": "http://a.example"}, "OPTIONS"
        )
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://a.example"
    with serving(fixtures / "weaver" / "semconv-parsing", cors="*") as server:
        _, headers, _ = fetch(server, "/health", {"Origin": "http://any.example"})
        assert headers["Access-Control-Allow-Origin"] == "*"


def test_binds_loopback_by_default() -> None:
    from weavergen.serve import DEFAULT_BIND, BindError, parse_bind

    assert parse_bind(DEFAULT_BIND) == ("127.0.0.1", 8080)
    assert parse_bind(":9000") == ("127.0.0.1", 9000)
    assert parse_bind("[::1]:9000") == ("::1", 9000)
    with pytest.raises(BindError):
        parse_bind("localhost")


def test_the_dashboard_needs_no_network(semconv: Server) -> None:
    status, headers, page = fetch(semconv, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert fetch(semconv, "/attribute/http.request.method")[2] == page  # routed in the page
    from importlib import resources

    assets = resources.files("weavergen.serve").joinpath("assets")
    for asset in assets.iterdir():
        text = asset.read_text(encoding="utf-8")
        for bad in ("http://", "https://", "//cdn", "@import"):
            assert bad not in text.replace("http://www.w3.org/2000/svg", ""), (asset.name, bad)
        status, _, body = fetch(semconv, f"/{asset.name}")
        assert status == 200 and body == asset.read_bytes()
    assert json.loads(fetch(semconv, "/api/v1/namespaces")[2])["total"] == 940
