"""`dependency_resolution.exclude`, replayed from weaver's own tests (crates/weaver_resolver lib.rs) on its
fixtures `registry-test-dep-exclusion/`: excluded items are invisible to dependents. The within-registry
cases of those (later) tests expect nothing here: 0.25.1 checks across registries only, and resolves
semconv 1.44, whose public groups use its own excluded attributes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from weavergen.check import CheckOptions, load_step, resolve_step
from weavergen.diagnostics import Severity

_ROOT = Path(
    os.environ.get("WEAVERGEN_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures")
)
_RESOLVER = _ROOT / "weaver" / "resolver"
_PARENT = "data/registry-test-dep-exclusion/published_v2"
_ATTR = """
        - id: secret.value
          type: string
          stability: stable
          brief: Hidden detail.
          examples: ['hidden']
          annotations:
            dependency_resolution:
              exclude: true"""
_PRIVATE = f"""
    - id: attrs.private
      type: attribute_group
      brief: Private
      annotations:
        dependency_resolution:
          exclude: true
      attributes:{_ATTR}"""
_METRIC = """
  - name: {name}
    brief: A consumer metric.
    instrument: counter
    unit: "{{request}}"
    stability: stable
    requirement_level: recommended{extra}
    attributes:
      - ref: parent.excluded
        requirement_level: required
"""
_EXCLUDED = "\n    annotations:\n      dependency_resolution:\n        exclude: true"

# (name, consumer files, depends on the published parent, expected (id, used_in) exclusions)
CONSUMERS = [
    ("ref", "file_format: definition/2\nmetrics:" + _METRIC.format(name="consumer.requests", extra=""),
     True,
     [("parent.excluded", "metric.consumer.requests")]),
    ("extends", "groups:\n  - id: consumer.requests\n    type: metric\n    metric_name: consumer.requests\n"
     "    instrument: counter\n    unit: '1'\n    stability: stable\n    brief: Extends.\n"
     "    extends: parent.excluded.metric\n", True, [("parent.excluded.metric", "consumer.requests")]),
    ("explicit-import", "file_format: definition/2\nimports:\n  metrics:\n    - parent.excluded.metric\n",
     True, [("parent.excluded.metric", "imports")]),
    ("wildcard-import", "file_format: definition/2\nimports:\n  metrics:\n    - parent.*\n", True, []),
    ("excluded-user", "file_format: definition/2\nmetrics:"
     + _METRIC.format(name="consumer.also.excluded", extra=_EXCLUDED), True,
     [("parent.excluded", "metric.consumer.also.excluded")]),
    ("leak-v1-ref", f"groups:{_PRIVATE}\n    - id: span.public\n      type: span\n      span_kind: internal\n"
     "      stability: stable\n      brief: Public.\n      attributes:\n        - ref: secret.value\n"
     "          requirement_level: required\n", False, []),
    ("leak-inline-id", "groups:\n    - id: span.public\n      type: span\n      span_kind: internal\n"
     f"      stability: stable\n      brief: Public.\n      attributes:{_ATTR}\n", False,
     []),
    ("both-excluded", f"groups:{_PRIVATE}\n    - id: span.also.excluded\n"
     "      type: span\n"
     "      span_kind: internal\n      stability: stable\n      brief: Also excluded.\n      annotations:\n"
     "        dependency_resolution:\n          exclude: true\n      attributes:\n"
     "        - ref: secret.value\n"
     "          requirement_level: required\n", False, []),
    ("internal-inline", "groups:\n    - id: attrs.internal\n      type: attribute_group\n"
     "      brief: Internal.\n"
     f"      visibility: internal\n      attributes:{_ATTR}\n", False, []),
    ("internal-extends", f"groups:{_PRIVATE}\n    - id: attrs.internal_consumer\n"
     "      type: attribute_group\n      brief: Internal.\n      visibility: internal\n"
     "      extends: attrs.private\n", False, []),
    ("internal-transitive-leak", "groups:\n    - id: attrs.internal\n      type: attribute_group\n"
     f"      brief: Internal.\n      visibility: internal\n      attributes:{_ATTR}\n    - id: span.leaks\n"
     "      type: span\n      span_kind: internal\n      stability: stable\n      brief: Leaks.\n"
     "      extends: attrs.internal\n", False, []),
]  # fmt: skip


def _exclusions(path: str) -> tuple[list[tuple[str, str]], list[str]]:
    options = CheckOptions(registry=path)
    registry, diagnostics = load_step(options)
    resolution = resolve_step(options, registry)
    assert resolution is not None
    found = [*diagnostics, *resolution.diagnostics]
    excluded = sorted(
        (
            d.error["ExcludedFromDependencyResolution"]["id"],
            d.error["ExcludedFromDependencyResolution"]["used_in"],
        )
        for d in found
        if d.code == "ExcludedFromDependencyResolution" and d.error
    )
    others = [
        d.code for d in found if d.severity == Severity.ERROR and d.code != "ExcludedFromDependencyResolution"
    ]
    return excluded, others


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not _RESOLVER.is_dir():
        pytest.fail(f"weaver resolver fixtures not found: {_RESOLVER} (set WEAVERGEN_FIXTURES)")
    (tmp_path / "data").symlink_to(_RESOLVER, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "text", "with_parent", "expected"), CONSUMERS, ids=[c[0] for c in CONSUMERS]
)
def test_exclusion(
    name: str, text: str, with_parent: bool, expected: list[tuple[str, str]], harness: Path
) -> None:
    folder = harness / name
    folder.mkdir()
    (folder / "registry.yaml").write_text(text, encoding="utf-8")
    if with_parent:
        (folder / "manifest.yaml").write_text(
            "schema_url: https://consumer.example.com/schemas/1.0.0\ndependencies:\n"
            f"  - schema_url: https://parent.example.com/schemas/1.0.0\n    registry_path: {_PARENT}\n",
            encoding="utf-8",
        )
    excluded, others = _exclusions(name)
    assert excluded == expected
    assert others == []


def test_migration_consumer_redefines_excluded_items(harness: Path) -> None:
    """weaver's `test_dep_exclusion_migration_redefine`: hidden parent items may be defined again."""
    options = CheckOptions(registry="data/registry-test-dep-exclusion/migration_consumer")
    registry, diagnostics = load_step(options)
    resolution = resolve_step(options, registry)
    assert resolution is not None
    assert [d.code for d in [*diagnostics, *resolution.diagnostics] if d.is_error] == []
    assert "moved.attr" in resolution.definitions
    for gid in ("metric.moved.metric", "span.moved.span", "metric.greenfield.requests"):
        assert resolution.by_id[gid].fields.get("deprecated") is None, gid


def test_within_registry_v2_refinement_of_excluded_base(harness: Path) -> None:
    """weaver's `test_within_registry_leak_v2_refinement`."""
    excluded, _ = _exclusions("data/registry-test-dep-exclusion/within_registry_v2_leak_ref")
    # weaver's later test expects ("metric.parent.base", "child.refined"); 0.25.1 checks exclusion only
    # across registries (it resolves semconv 1.44, whose public groups use its own excluded attributes).
    assert excluded == []
