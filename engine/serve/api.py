"""The serve API, independent of any HTTP server: a GET path and query in, a `Response` out.

weaver 0.25.1's routes and JSON shapes (`src/serve/handlers.rs`, `weaver_search`): `/health`,
`/api/v1/schema/{name}`, `/api/v1/registry/stats`, `/api/v1/registry/{kind}/{id}` (404
`{"error": "<Kind> not found", "<key|name|type>": id}`), `/api/v1/registry/search`,
`/api/v1/registry/filter`, `/api/v1/openapi.json`; then weavergen's live routes (diagnostics, events,
namespaces, details, runs, live-check).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from weavergen.serve.filter import run_filter
from weavergen.serve.openapi import openapi
from weavergen.serve.runs_view import runs_of
from weavergen.serve.search import DEFAULT_LIMIT, KINDS, STABILITIES
from weavergen.serve.state import ServeState

JSON = "application/json"
_NOT_FOUND_KEY = {"attribute": "key", "metric": "name", "span": "type", "event": "name", "entity": "type"}
_SCHEMAS = {
    "ForgeRegistryV2": "materialized-registry-v2",
    "SemconvDefinitionV2": "semconv-definition-v2",
    "LiveCheckSample": None,
}


@dataclass(slots=True)
class Response:
    """A status, a content type, and a body (bytes) or a stream of chunks (server-sent events)."""

    status: int
    content_type: str | None = None
    body: bytes = b""
    stream: Iterator[bytes] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class QueryError(ValueError):
    """A query string axum would refuse: 400 with its `Failed to deserialize query string` text."""


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON body."""
    return Response(status, JSON, json.dumps(data, ensure_ascii=False).encode())


def _text(status: int, text: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", text.encode())


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _unsigned(query: dict[str, list[str]], name: str, default: int) -> int:
    raw = _one(query, name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise QueryError("invalid digit found in string" if raw else "cannot parse integer from empty string")
    return int(raw)


def _variant(query: dict[str, list[str]], name: str, allowed: tuple[str, ...]) -> str | None:
    raw = _one(query, name)
    if raw is None:
        return None
    if raw == "experimental" and name == "stability":
        return "development"
    if raw not in allowed:
        expected = ", ".join(f"`{a}`" for a in allowed)
        raise QueryError(f"{name}: unknown variant `{raw}`, expected one of {expected}")
    return raw


class Api:
    """Answers the API's GET requests from a `ServeState`."""

    def __init__(self, state: ServeState) -> None:
        self.state = state

    def get(self, path: str, query_string: str = "") -> Response | None:
        """The response to `GET path?query`; None when the path is not an API route (a dashboard asset)."""
        query = parse_qs(query_string, keep_blank_values=True)
        try:
            return self._route(path, query)
        except QueryError as err:
            return _text(400, f"Failed to deserialize query string: {err}")

    def _route(self, path: str, query: dict[str, list[str]]) -> Response | None:
        view = self.state.view
        if path == "/health":
            return Response(200)
        if path == "/api/v1/openapi.json":
            return json_response(openapi())
        if path.startswith("/api/v1/schema/"):
            return self._schema(unquote(path[len("/api/v1/schema/") :]).lstrip("/"))
        if path == "/api/v1/registry/stats":
            return json_response(view.stats())
        if path == "/api/v1/registry/search":
            return self._search(query)
        if path == "/api/v1/registry/filter":
            code = _one(query, "filter")
            if code is None:
                raise QueryError("missing field `filter`")
            status, body = run_filter(code, view.materialized)
            return json_response(body, status)
        for kind in KINDS:
            for prefix, details in ((f"/api/v1/registry/{kind}/", False), (f"/api/v1/details/{kind}/", True)):
                if path.startswith(prefix):
                    return self._item(kind, unquote(path[len(prefix) :]).lstrip("/"), details)
        return self._live_route(path)

    def _live_route(self, path: str) -> Response | None:
        state = self.state
        if path == "/api/v1/diagnostics":
            return json_response(state.diagnostics)
        if path == "/api/v1/namespaces":
            return json_response(state.view.namespaces())
        if path == "/api/v1/registry":
            return json_response(state.summary())
        if path == "/api/v1/review":
            return json_response(state.review())
        if path == "/api/v1/runs":
            return json_response({"registry": str(state.root), "runs": runs_of(str(state.root))})
        if path == "/api/v1/live":
            return json_response(state.live.state() if state.live else {"enabled": False})
        if path == "/api/v1/events":
            first: list[tuple[str, Any]] = [("registry", state.summary()), ("diagnostics", state.diagnostics)]
            if state.live is not None:
                first.append(("live", state.live.state()))
            return Response(
                200,
                "text/event-stream",
                stream=state.events.stream(first),
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        if path.startswith("/api/"):
            return json_response({"error": "Not found", "path": path}, 404)
        return None

    def _schema(self, name: str) -> Response:
        if name not in _SCHEMAS:
            available = ", ".join(_SCHEMAS)
            return json_response({"error": f"Schema '{name}' not found. Available schemas: {available}"}, 404)
        kind = _SCHEMAS[name]
        if kind is None:
            return json_response(_sample_schema())
        from weavergen.schemas import json_schema

        return Response(200, JSON, json.dumps(json_schema(kind), indent=2).encode())

    def _search(self, query: dict[str, list[str]]) -> Response:
        kind = _variant(query, "type", ("all", *KINDS)) or "all"
        stability = _variant(query, "stability", STABILITIES)
        limit = _unsigned(query, "limit", DEFAULT_LIMIT)
        offset = _unsigned(query, "offset", 0)
        q = _one(query, "q")
        index = self.state.view.index
        found, total = index.page(q, kind, stability, limit, offset)
        results = ", ".join(index.result_json(s, item) for s, item in found)
        head = json.dumps({"query": q, "total": total, "count": len(found), "offset": offset})
        return Response(200, JSON, f'{head[:-1]}, "results": [{results}]}}'.encode())

    def _item(self, kind: str, ident: str, details: bool) -> Response:
        view = self.state.view
        found = view.get(kind, ident)
        if found is None:
            return json_response(
                {"error": f"{kind.capitalize()} not found", _NOT_FOUND_KEY[kind]: ident}, 404
            )
        return json_response(view.details(kind, ident) if details else found)


def _sample_schema() -> dict[str, Any]:
    """weaver's `LiveCheckSample`: one object keyed by its kind."""
    from weavergen.livecheck.samples import SAMPLE_KINDS

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Sample",
        "description": "One telemetry sample live-check accepts, keyed by its kind.",
        "oneOf": [
            {
                "type": "object",
                "required": [k],
                "properties": {k: {"type": "object"}},
                "additionalProperties": False,
            }
            for k in SAMPLE_KINDS
        ],
    }
