"""`registry json-schema -j KIND` for every kind of weaver 0.25.1, and where weaver's schema is in the
fixtures, both schemas give the same verdict on the same real documents, valid and invalid."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

CLI = [sys.executable, "-m", "weavergen.cli"]
WEAVER_KINDS = (
    "resolved-registry",
    "semconv-group",
    "semconv-definition-v2",
    "resolved-registry-v2",
    "materialized-registry-v2",
    "diff",
    "diff-v2",
    "publication-manifest-v2",
    "definition-manifest-v2",
    "policy-finding",
    "weaver-config",
)


def ours(kind: str) -> jsonschema.Draft202012Validator:
    result = subprocess.run(
        [*CLI, "registry", "json-schema", "-j", kind], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def weavers(fixtures: Path, name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((fixtures / "weaver" / "schemas" / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def as_weaver_schema_sees(doc: Any) -> Any:
    """The document as weaver's generated schemas describe it: schema URLs (and a provenance's `source`, a
    registry's `dependencies`) as `{url}` objects, which weaver reads and writes as plain strings, and
    entity-association leaves as `{type}`, which weaver 0.25.1 writes as the entity type alone."""
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for key, value in doc.items():
            if (key.endswith("schema_url") or key == "source") and isinstance(value, str):
                out[key] = {"url": value}
            elif key == "dependencies" and isinstance(value, list) and all(isinstance(v, str) for v in value):
                out[key] = [{"url": v} for v in value]
            elif key == "entity_associations" and isinstance(value, list):
                out[key] = [_association(v) for v in value]
            else:
                out[key] = as_weaver_schema_sees(value)
        return out
    if isinstance(doc, list):
        return [as_weaver_schema_sees(v) for v in doc]
    return doc


def _association(leaf: Any) -> Any:
    if isinstance(leaf, str):
        return {"type": leaf}
    if isinstance(leaf, dict):
        return {k: [_association(v) for v in vs] if isinstance(vs, list) else vs for k, vs in leaf.items()}
    return leaf


def agree(
    mine: jsonschema.Draft202012Validator, theirs: jsonschema.Draft202012Validator, docs: list[Any]
) -> tuple[int, int]:
    """Assert both verdicts are equal on every document; how many each side accepted and rejected."""
    accepted = rejected = 0
    for doc in docs:
        verdict = mine.is_valid(doc)
        assert verdict == theirs.is_valid(as_weaver_schema_sees(doc)), json.dumps(doc)[:400]
        accepted, rejected = accepted + verdict, rejected + (not verdict)
    return accepted, rejected


@pytest.mark.parametrize("kind", WEAVER_KINDS)
def test_every_kind_prints_a_valid_schema(kind: str) -> None:
    ours(kind)


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_definition_manifest_agrees_with_weaver(fixtures: Path) -> None:
    real = [
        _yaml(p)
        for p in sorted(fixtures.rglob("manifest.yaml"))
        if "file_format" not in (_yaml(p) or {})  # publication manifests are the other kind
    ]
    assert len(real) >= 8
    base = next(d for d in real if d.get("dependencies"))
    broken = [
        {k: v for k, v in base.items() if k != "schema_url"},
        {**base, "stability": "experimental"},
        {**base, "stability": 3},
        {**base, "description": ["not", "text"]},
        {**base, "dependencies": {"schema_url": "x"}},
        {**base, "dependencies": [{"registry_path": "x"}]},
        {**base, "dependencies": [{"schema_url": "https://x/1.0.0", "registry_path": 5}]},
        {"name": "legacy", "semconv_version": "1.1"},
    ]
    accepted, rejected = agree(
        ours("definition-manifest-v2"), weavers(fixtures, "definition-manifest.v2.json"), real + broken
    )
    assert accepted == len(real) and rejected == len(broken)


def test_publication_manifest_agrees_with_weaver(fixtures: Path) -> None:
    real = [
        _yaml(p)
        for name in ("manifest.yaml", "registry_manifest.yaml")
        for p in sorted(fixtures.rglob(name))
        if (_yaml(p) or {}).get("file_format") == "manifest/2.0"
    ]
    assert len(real) >= 4
    base = real[0]
    broken = [
        {**base, "file_format": "manifest/3.0"},
        {k: v for k, v in base.items() if k != "resolved_registry_uri"},
        {k: v for k, v in base.items() if k != "file_format"},
        {**base, "stability": "experimental"},
        _yaml(fixtures / "semconv" / "v1.44.0" / "model" / "manifest.yaml"),  # a definition manifest
    ]
    accepted, rejected = agree(
        ours("publication-manifest-v2"), weavers(fixtures, "publication-manifest.v2.json"), real + broken
    )
    assert accepted == len(real) and rejected == len(broken)


WEAVER_TOMLS = [
    """
[registry]
path = "model"
v2 = true
follow_symlinks = false

[policy]
paths = ["policies", "more/extra.rego"]
skip = false

[diagnostics]
format = "json"
stdout = true
""",
    """
[template]
acronyms = ["CICD", "HTTP"]
[template.text_maps.namespace_mapping]
cicd = "CI/CD"

[resolve.schema_url_overrides]
"https://opentelemetry.io/schemas/1.25.0" = "path/to/local/1.25.0"

[[auth]]
url_prefix = "https://github.com/acme/"
token_env = "ACME_GITHUB_TOKEN"

[[auth]]
url_prefix = "https://github.com/"
token_command = ["gh", "auth", "token"]
""",
    """
[live-check]
fail_on = "improvement"
format = "json"
no_stats = false

[live-check.otlp]
grpc_port = 4318
inactivity_timeout = 0

[live-check.emit]
otlp_logs = true

[[live-check.finding_filters]]
exclude = ["not_stable"]
min_level = "improvement"

[[live-check.finding_level_overrides]]
ids = ["undefined_enum_variant"]
level = "violation"
""",
    """
[generate]
templates = "templates"
target = "markdown"

[update-markdown]
dry_run = true
target = "markdown"

[stats]
format = "json"

[diff]
format = "markdown"

[emit]
stdout = true

[package]
output = "dist"

[mcp]
namespace_separator = "_"

[serve]
bind = "0.0.0.0:9000"

[infer]
grpc_port = 4319

[check]
""",
]

BROKEN_TOMLS = [
    '[registry]\nv2 = "yes"\n',
    "[policy]\npaths = 'one'\n",
    '[live-check]\nfail_on = "fatal"\n',
    '[[live-check.finding_level_overrides]]\nids = ["x"]\n',
    '[[live-check.finding_filters]]\nmin_level = "fatal"\n',
    '[[auth]]\nurl_prefix = "https://x/"\ntoken = "a"\ntoken_env = "B"\n',
    '[[auth]]\ntoken_env = "B"\n',
    '[[auth]]\nurl_prefix = "https://x/"\n',
    "[template.text_maps]\nnamespace_mapping = 1\n",
    '[live-check.otlp]\ngrpc_port = "4317"\n',
    '[update-markdown]\ndry_run = "no"\n',
    "[emit]\nstdout = 1\n",
]


def test_weaver_config_agrees_with_weaver(fixtures: Path) -> None:
    real = [tomllib.loads(text) for text in WEAVER_TOMLS]
    broken = [tomllib.loads(text) for text in BROKEN_TOMLS]
    accepted, rejected = agree(ours("weaver-config"), weavers(fixtures, "weaver-config.json"), real + broken)
    assert accepted == len(real) and rejected == len(broken)


def test_diff_v2_agrees_with_weaver(fixtures: Path) -> None:
    """weaver's v2 `SchemaChanges`, filled with the real changes between semconv 1.43.0 and 1.44.0."""
    semconv = fixtures / "semconv"
    result = subprocess.run(
        [
            *CLI,
            *("registry", "diff", "-r", str(semconv / "v1.44.0" / "model")),
            *("--baseline-registry", str(semconv / "v1.43.0" / "model"), "--v2", "--format", "json"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)["changes"]
    doc = {
        "head_schema_url": "https://opentelemetry.io/schemas/1.44.0",
        "baseline_schema_url": "https://opentelemetry.io/schemas/1.43.0",
        "registry": {
            "attribute_changes": changes["registry_attributes"],
            "attribute_group_changes": changes["attribute_groups"],
            "entity_changes": changes["resources"],
            "event_changes": changes["events"],
            "metric_changes": changes["metrics"],
            "span_changes": changes["spans"],
        },
    }
    assert sum(len(v) for v in doc["registry"].values()) > 20
    kinds = {c["type"] for v in doc["registry"].values() for c in v}
    assert {"added", "renamed"} <= kinds, kinds

    def broken(edit: Any) -> dict[str, Any]:
        out = copy.deepcopy(doc)
        edit(out)
        return out

    renamed = next(c for c in doc["registry"]["metric_changes"] if c["type"] == "renamed")
    no_note = {k: v for k, v in renamed.items() if k != "note"}
    invalid = [
        broken(lambda d: d["registry"]["attribute_changes"].append({"type": "moved", "name": "x"})),
        broken(lambda d: d["registry"]["attribute_changes"].append({"type": "added"})),
        broken(lambda d: d["registry"]["metric_changes"].append(no_note)),
        broken(lambda d: d["registry"].pop("span_changes")),
        broken(lambda d: d.pop("registry")),
        broken(lambda d: d.pop("head_schema_url")),
    ]
    accepted, rejected = agree(ours("diff-v2"), weavers(fixtures, "semconv.diff.v2.json"), [doc, *invalid])
    assert (accepted, rejected) == (1, len(invalid))


def _materialized(registry: Path) -> dict[str, Any]:
    result = subprocess.run(
        [*CLI, "registry", "resolve", "--v2", "-f", "json", "-r", str(registry)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_materialized_registry_agrees_with_weaver(fixtures: Path) -> None:
    """`registry resolve --v2` of real registries (and broken copies): same verdicts as weaver's schema."""
    root = Path(__file__).resolve().parents[1]
    resolver = fixtures / "weaver" / "resolver"
    real = [
        _materialized(root / "examples" / "registry"),
        *(_materialized(resolver / f"registry-test-v2-{name}" / "registry")
          for name in ("1-everything", "2-multifile", "3-both-version", "4-refinements")),
    ]  # fmt: skip
    for section in ("metrics", "spans", "events", "entities"):
        assert any(d["registry"][section] for d in real), section
    assert any(any(d["refinements"].values()) for d in real)

    def broken(edit: Any) -> dict[str, Any]:
        out = copy.deepcopy(real[0])
        edit(out)
        return out

    invalid = [
        broken(lambda d: d["registry"]["attributes"][0].update(type="text")),
        broken(lambda d: d["registry"]["attributes"][0].pop("brief")),
        broken(lambda d: d["registry"]["attributes"][0].update(colour="red")),
        broken(lambda d: d["registry"]["metrics"][0].update(instrument="meter")),
        broken(lambda d: d["registry"]["spans"][0].update(kind="sideways")),
        broken(lambda d: d["registry"]["spans"][0].update(name="not an object")),
        broken(lambda d: d["registry"]["metrics"][0]["attributes"][0].pop("requirement_level")),
        broken(lambda d: d["registry"].pop("events")),
        broken(lambda d: d.pop("refinements")),
        broken(lambda d: d["registry"]["attributes"][0].update(stability="experimental")),
    ]
    accepted, rejected = agree(
        ours("materialized-registry-v2"), weavers(fixtures, "semconv.materialized.v2.json"), real + invalid
    )
    assert (accepted, rejected) == (len(real), len(invalid))


def test_resolved_registry_v2_agrees_with_weaver(fixtures: Path) -> None:
    """The published `resolved.yaml` files and v2 expected schemas of weaver's resolver fixtures."""
    resolver = fixtures / "weaver" / "resolver"
    docs = [
        _yaml(p)
        for pattern in ("**/resolved*.yaml", "**/expected-schema.yaml")
        for p in sorted(resolver.glob(pattern))
    ]
    good = next(d for d in docs if d.get("attribute_catalog") and d["registry"].get("metrics"))
    broken = copy.deepcopy(good)
    broken["registry"]["metrics"][0]["attributes"].append({"base": -1, "requirement_level": "required"})
    unknown = copy.deepcopy(good)
    unknown["registry"]["metrics"][0]["colour"] = "red"
    wrong_format = {**copy.deepcopy(good), "file_format": "resolved/3.0"}
    accepted, rejected = agree(
        ours("resolved-registry-v2"),
        weavers(fixtures, "semconv.resolved.v2.json"),
        [*docs, broken, unknown, wrong_format],
    )
    assert accepted >= 8 and rejected >= 3
