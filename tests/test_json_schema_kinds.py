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
# Kinds weavergen has no complete model of yet (docs/commands.md says why).
NOT_YET = {"resolved-registry-v2", "materialized-registry-v2"}


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
    """The document with its schema URLs as `{url}`: schemars describes weaver's `SchemaUrl` as that
    object, while weaver reads and writes it as a plain string (the one known flaw of those schemas)."""
    if isinstance(doc, dict):
        return {
            k: {"url": v} if k.endswith("schema_url") and isinstance(v, str) else as_weaver_schema_sees(v)
            for k, v in doc.items()
        }
    if isinstance(doc, list):
        return [as_weaver_schema_sees(v) for v in doc]
    return doc


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


@pytest.mark.parametrize("kind", [k for k in WEAVER_KINDS if k not in NOT_YET])
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
