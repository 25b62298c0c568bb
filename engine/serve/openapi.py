"""The OpenAPI 3.1 description of the serve API (`/api/v1/openapi.json`): weaver's paths and tags, plus
weavergen's live additions under the `live` tag."""

from __future__ import annotations

from typing import Any

from weavergen import __version__
from weavergen.serve.search import KINDS, STABILITIES

_ID_PARAM = {"attribute": "key", "metric": "name", "span": "type", "event": "name", "entity": "type"}


def _get(
    summary: str, tag: str, params: list[dict[str, Any]] | None = None, **responses: str
) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "tags": [tag],
            "parameters": params or [],
            "responses": {code.lstrip("r"): {"description": text} for code, text in responses.items()},
        }
    }


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def openapi() -> dict[str, Any]:
    """The API description."""
    paths: dict[str, Any] = {
        "/health": _get("Health check.", "health", r200="Service is healthy"),
        "/api/v1/schema/{name}": _get(
            "Get a schema by name.",
            "schemas",
            [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "Schema name (ForgeRegistryV2, SemconvDefinitionV2, or LiveCheckSample)",
                }
            ],
            r200="Requested schema",
            r404="Schema not found",
        ),
        "/api/v1/registry/stats": _get("Get statistics for the registry.", "registry", r200="Registry stats"),
        "/api/v1/registry/search": _get(
            "Search registry across all attributes and signals.",
            "registry",
            [
                _query("q", {"type": "string"}, "Search query; none lists everything (browse mode)."),
                _query("type", {"enum": ["all", *KINDS]}, "Only this kind."),
                _query("stability", {"enum": list(STABILITIES)}, "Only this stability."),
                _query("limit", {"type": "integer", "minimum": 0, "maximum": 200}, "Page size (default 50)."),
                _query("offset", {"type": "integer", "minimum": 0}, "Page start (default 0)."),
            ],
            r200="Registry search results",
            r400="Invalid query parameters",
        ),
        "/api/v1/registry/filter": _get(
            "Run a jq filter over the v2 materialized registry.",
            "registry",
            [
                _query(
                    "filter", {"type": "string"}, "A jq filter (weaver's semconv_* helpers available).", True
                )
            ],
            r200="The filter's output",
            r400="The filter does not compile or fails",
        ),
        "/api/v1/diagnostics": _get("The registry's current diagnostics.", "live", r200="Diagnostics"),
        "/api/v1/events": _get(
            "Server-sent events: registry, diagnostics and live (live-check) as they change.",
            "live",
            r200="text/event-stream",
        ),
        "/api/v1/namespaces": _get("The attribute namespace tree.", "live", r200="Namespace tree"),
        "/api/v1/review": _get(
            "The registry review: quality score, per-namespace scores, findings and near-duplicates.",
            "live",
            r200="Review",
        ),
        "/api/v1/runs": _get("Recent workflow runs of this registry, with their spans.", "live", r200="Runs"),
        "/api/v1/live": _get("Live-check coverage and recent findings.", "live", r200="Live-check state"),
    }
    for kind, param in _ID_PARAM.items():
        path_param = {"name": param, "in": "path", "required": True, "schema": {"type": "string"}}
        paths[f"/api/v1/registry/{kind}/{{{param}}}"] = _get(
            f"Get a {kind} by {param}.",
            "registry",
            [path_param],
            r200=f"{kind} details",
            r404=f"{kind} not found",
        )
        paths[f"/api/v1/details/{kind}/{{{param}}}"] = _get(
            f"Where a {kind} is defined and mentioned.", "live", [path_param], r200="Locations"
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "weavergen API",
            "version": __version__,
            "description": "REST API for a semantic convention registry (weaver serve compatible), "
            "kept live as the registry changes.",
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "paths": paths,
        "tags": [
            {"name": "health", "description": "Health check endpoints"},
            {"name": "schemas", "description": "JSON schema endpoints"},
            {"name": "registry", "description": "Registry stats, search, and resource lookup"},
            {"name": "live", "description": "weavergen: diagnostics, events, runs and live-check"},
        ],
    }
