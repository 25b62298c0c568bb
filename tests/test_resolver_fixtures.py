"""weaver's own resolver fixtures, replayed as weaver's harness does (`test_registry_resolution`).

Each `registry-test-*` folder of `weaver/resolver/` holds a registry and what weaver 0.25.1 resolves it
to: a catalog plus groups naming catalog entries by index, the errors resolution must fail with, or (with
`output_v2: true`) the resolved v2 schema. The harness runs in a folder whose `data/` is the fixtures
folder, so provenances and dependency paths read `data/registry-test-…` as weaver's do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from weavergen.check import CheckOptions, load_step, resolve_step
from weavergen.diagnostics import Diagnostic, Severity
from weavergen.registry import Manifest
from weavergen.resolve import Resolution

_ROOT = Path(
    os.environ.get("WEAVERGEN_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures")
)
_RESOLVER = _ROOT / "weaver" / "resolver"
# weaver's harness ignores these (`.ignore(...)` in `test_registry_resolution`).
_IGNORED = {
    "UnstableFileFormat",
    "LegacyRegistryManifest",
    "DeprecatedVersionField",
    "InvalidGroupUsesPrefix",
}
# Not replayed by `test_registry_resolution` (the fixtures' README) but by weaver's lib.rs tests:
# registry-test-v2-dep is replayed below as they do, registry-test-dep-exclusion in test_dep_exclusion.py.
_NOT_IN_HARNESS = {"registry-test-v2-dep", "registry-test-dep-exclusion"}
_V2_DEP = _RESOLVER / "registry-test-v2-dep"
_DEFAULT_URL = "https://default/0.1.0"
_V2_SECTIONS = ("attribute_groups", "spans", "metrics", "events", "entities")
_V2_REFINEMENTS = ("spans", "metrics", "events", "entities")


def _cases() -> list[str]:
    if not _RESOLVER.is_dir():
        return ["missing-fixtures"]
    return sorted(p.name for p in _RESOLVER.glob("registry-test-*") if p.name not in _NOT_IN_HARNESS)


def canonical(value: Any) -> Any:
    """weaver_diff's `canonicalize_json`: object keys sorted, every array sorted (by canonical text)."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        items = [canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _flatten(errors: Any) -> list[Any]:
    if isinstance(errors, dict) and set(errors) == {"CompoundError"}:
        return [e for inner in errors["CompoundError"] for e in _flatten(inner)]
    return [errors]


def _errors(diagnostics: list[Diagnostic]) -> list[str]:
    """The distinct weaver error payloads among the diagnostics (one per weaver error).

    weaver's harness fails on warnings too (`into_result_failing_non_fatal`), all but the ignored ones.
    """
    out = set()
    for d in diagnostics:
        if d.severity in (Severity.ERROR, Severity.WARNING) and d.code not in _IGNORED:
            out.add(json.dumps(canonical(d.error or {d.code: None}), sort_keys=True))
    return sorted(out)


def _identity(payload: str) -> tuple[str, str]:
    """An error's code and what it is about (group, metric name, attribute, refinement), payload aside."""
    ((code, fields),) = json.loads(payload).items()
    fields = fields or {}
    about = [fields.get(k) for k in ("group_id", "metric_name", "group_name", "refinement_id", "id")]
    return (
        code,
        f"{next((a for a in about if a), '')}/{fields.get('attribute_id') or fields.get('attr') or ''}",
    )


def _expected_errors(case: Path) -> list[str]:
    expected = _flatten(json.loads((case / "expected-errors.json").read_text()))
    return sorted({json.dumps(canonical(e), sort_keys=True) for e in expected})


def _expected_groups(case: Path) -> list[dict[str, Any]]:
    """The expected groups with each catalog index replaced by the catalog entry it names."""
    catalog = json.loads((case / "expected-attribute-catalog.json").read_text())
    registry = json.loads((case / "expected-registry.json").read_text())
    groups = []
    for g in registry["groups"]:
        g = dict(g)
        attrs = [catalog[i] for i in g.get("attributes", [])]
        g["attributes"] = sorted(attrs, key=lambda a: a["name"])
        groups.append(g)
    return sorted(groups, key=lambda g: g["id"])


def _with_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """A resolved/2.0 schema as serde reads it: an absent or null list is an empty one."""
    out = dict(schema)
    for part, keys in (("registry", (*_V2_SECTIONS, "attributes")), ("refinements", _V2_REFINEMENTS)):
        section = dict(out.get(part) or {})
        for k in keys:
            section[k] = section.get(k) or []
        out[part] = section
    return out


def _normalise(group: dict[str, Any]) -> dict[str, Any]:
    """Drop what weaver's internal group and `registry resolve` spell differently but mean alike.

    The internal group writes `brief` even when empty and `attributes: []`; `registry resolve` (forge's
    `ResolvedGroup`) omits both. Nothing else is touched.
    """
    out = {k: v for k, v in group.items() if not (k in ("brief", "note", "prefix") and v == "")}
    if not out.get("attributes"):
        out.pop("attributes", None)
    return out


def _resolve(case: Path) -> tuple[Resolution | None, list[Diagnostic]]:
    path = f"data/{case.name}/registry"
    options = CheckOptions(registry=path)
    registry, diagnostics = load_step(options)
    if registry.manifest is None:
        # weaver's harness loads the folder as registry "default" at schema url https://default/0.1.0.
        registry.manifest = Manifest(schema_url=_DEFAULT_URL, name="https://default", version="0.1.0")
    resolution = resolve_step(options, registry)
    if resolution is not None:
        diagnostics.extend(resolution.diagnostics)
    return resolution, diagnostics


@pytest.fixture
def in_harness_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder whose `data/` is the resolver fixtures folder, as weaver's crate folder is."""
    (tmp_path / "data").symlink_to(_RESOLVER, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", _cases())
def test_weaver_resolver_fixture(name: str, in_harness_folder: Path) -> None:
    if not _RESOLVER.is_dir():
        pytest.fail(f"weaver resolver fixtures not found: {_RESOLVER} (set WEAVERGEN_FIXTURES)")
    case = _RESOLVER / name
    resolution, diagnostics = _resolve(case)
    observed_errors = _errors(diagnostics)
    if (case / "expected-errors.json").is_file():
        assert observed_errors == _expected_errors(case)
        return
    assert observed_errors == [], "resolution must succeed"
    assert resolution is not None
    settings_file = case / "settings.yaml"
    settings = yaml.safe_load(settings_file.read_text()) if settings_file.is_file() else {}
    if settings.get("output_v2"):
        from weavergen.package import resolved_v2

        expected_schema = yaml.safe_load((case / "expected-schema.yaml").read_text())
        assert canonical(_with_defaults(resolved_v2(resolution))) == canonical(
            _with_defaults(expected_schema)
        )
        return
    observed = [_normalise(g) for g in resolution.template_schema()["groups"]]
    expected_groups = [_normalise(g) for g in _expected_groups(case)]
    assert [g["id"] for g in observed] == [g["id"] for g in expected_groups]
    for got, want in zip(observed, expected_groups, strict=True):
        assert got == want, f"group {want['id']}"


def _check(path: str) -> tuple[Resolution, list[str]]:
    options = CheckOptions(registry=path)
    registry, diagnostics = load_step(options)
    resolution = resolve_step(options, registry)
    assert resolution is not None
    return resolution, _errors([*diagnostics, *resolution.diagnostics])


@pytest.mark.parametrize("name", ["entity_registry", "event_registry", "metric_registry", "span_registry"])
def test_weaver_v2_dependency_refinements(name: str, in_harness_folder: Path) -> None:
    """A refinement of a published (`resolved/2.0`) dependency's signal, as weaver resolves it."""
    resolution, errors = _check(f"data/registry-test-v2-dep/{name}/registry")
    assert errors == []
    from weavergen.package import resolved_v2

    expected = yaml.safe_load((_V2_DEP / name / "expected-schema.yaml").read_text())
    assert canonical(_with_defaults(resolved_v2(resolution))) == canonical(_with_defaults(expected))


def _attrs(resolution: Resolution, group: str) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in resolution.by_id[group].attributes}


def test_weaver_v2_dependency_chain(in_harness_folder: Path) -> None:
    """weaver's lib.rs `test_v2_dependency_resolution*` and `test_v2_three_layer_dependency_resolution`."""
    consumer, errors = _check("data/registry-test-v2-dep/consumer_registry")
    assert errors == []
    attrs = _attrs(consumer, "metric.consumer.request.count")
    assert set(attrs) == {"server.address", "server.port"}
    address, port = attrs["server.address"], attrs["server.port"]
    assert (address["requirement_level"], address["brief"], address["type"]) == (
        "required",
        "Server address.",
        "string",
    )
    assert (port["brief"], port["type"]) == ("The server port used by the consumer.", "int")
    # Three layers: app → consumer (definitions) → published; refs reach the published definitions.
    app, errors = _check("data/registry-test-v2-dep/app_registry")
    assert errors == []
    briefs = {k: a["brief"] for k, a in _attrs(app, "metric.app.request.count").items()}
    assert briefs == {"server.address": "Server address.", "server.port": "Server port."}
    # A refinement may not demote an identity attribute of a published entity.
    _, errors = _check("data/registry-test-v2-dep/entity_demote_registry/registry")
    assert [_identity(e) for e in errors] == [("EntityRefinementChangedIdentity", "demoted.host/host.id")]


def test_every_fixture_is_replayed() -> None:
    """34 fixtures at v0.25.1; only the two weaver itself tests elsewhere are left to other tests."""
    if not _RESOLVER.is_dir():
        pytest.fail(f"weaver resolver fixtures not found: {_RESOLVER}")
    assert len(list(_RESOLVER.glob("registry-test-*"))) == 34
    assert len(_cases()) == 32
