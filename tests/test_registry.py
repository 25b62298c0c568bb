"""Whole registries: loading past broken files, real semconv releases, resolved shapes (weaver.md §3)."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from weavergen.check import CheckOptions, check_registry
from weavergen.diagnostics import Diagnostic, Severity
from weavergen.materialize import materialize
from weavergen.registry import load_registry
from weavergen.resolve import Resolution, resolve

PACKAGES = ("naming_conventions", "stability", "entity_associations", "backwards-compatibility")


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def errors(diagnostics: list[Diagnostic]) -> list[str]:
    return [f"{d.code} {d.file} {d.message[:200]}" for d in diagnostics if d.is_error]


def policy_findings(diagnostics: list[Diagnostic]) -> list[str]:
    return [f"{d.code} {d.message[:200]}" for d in diagnostics if d.is_policy]


# --- keeping going past a broken file --------------------------------------------------------------


class TestBrokenFileDoesNotHideOthers:
    """weaver aborts on the first unparsable file; weavergen reports it and still checks the rest."""

    def test_syntax_error_and_unresolved_ref_in_another_file(self, tmp_path: Path) -> None:
        """The YAML error and the other file's unresolved ref are both reported, each on its line."""
        registry = tmp_path / "reg"
        write(registry, {**self.HEALTHY, "broken.yaml": self.TAB_IN_FIRST_GROUP})
        report = check_registry(CheckOptions(registry=str(registry)))
        by_code = {d.code: d for d in report.diagnostics}
        syntax = by_code["DeserializationError"]
        assert syntax.file == f"{registry}/broken.yaml"
        assert syntax.severity is Severity.ERROR
        assert syntax.range is not None and syntax.range.start.line + 1 == 4
        assert "tab character" in syntax.message
        unresolved = by_code["UnresolvedAttributeRef"]
        assert unresolved.file == f"{registry}/span.yaml"
        assert unresolved.range is not None
        assert (unresolved.range.start.line + 1, unresolved.range.start.column) == (10, 13)
        assert "Attribute reference: x.missing" in unresolved.message
        extends = by_code["UnresolvedExtendsRef"]
        assert extends.file == f"{registry}/span.yaml"
        assert extends.range is not None and extends.range.start.line + 1 == 11
        # x.a, defined in a healthy file, and other.a, in the broken file's healthy group, resolve.
        assert [d.message for d in report.diagnostics if d.code == "UnresolvedAttributeRef"] == [
            unresolved.message
        ]
        assert "UncheckedReference" not in by_code

    def test_reference_into_a_cut_off_file_is_a_note(self, tmp_path: Path) -> None:
        """A quote never closed swallows the rest of the file: what it hides cannot be checked."""
        registry = tmp_path / "reg"
        write(registry, {**self.HEALTHY, "broken.yaml": self.QUOTE_TO_THE_END})
        report = check_registry(CheckOptions(registry=str(registry)))
        codes = [d.code for d in report.diagnostics]
        assert "UnresolvedAttributeRef" not in codes and "UnresolvedExtendsRef" not in codes
        notes = [d for d in report.diagnostics if d.code == "UncheckedReference"]
        # other.a is in the group before the broken one: recovered, it resolves
        assert {d.error["UncheckedReference"]["reference"] for d in notes if d.error} == {
            "x.missing",
            "nowhere",
        }
        for note in notes:
            assert note.severity is Severity.ADVICE and note.file == f"{registry}/span.yaml"
            assert "broken.yaml" in note.message and "Did you mean" not in (note.help or "")
        assert report.resolution is not None and "x.a" in report.resolution.definitions

    HEALTHY: ClassVar[dict[str, str]] = {
        "attrs.yaml": """
        groups:
          - id: registry.x
            type: attribute_group
            brief: X.
            attributes:
              - id: x.a
                type: int
                brief: A.
                stability: stable
        """,
        "span.yaml": """
        groups:
          - id: span.x
            type: span
            brief: S.
            stability: stable
            span_kind: client
            attributes:
              - ref: x.a
              - ref: other.a
              - ref: x.missing
            extends: nowhere
        """,
    }
    TAB_IN_FIRST_GROUP = """
    groups:
      - id: registry.broken
        type: attribute_group
    \tbrief: tab-indented
      - id: registry.other
        type: attribute_group
        brief: O.
        attributes:
          - id: other.a
            type: int
            brief: A.
            stability: stable
    """
    QUOTE_TO_THE_END = """
    groups:
      - id: registry.other
        type: attribute_group
        brief: O.
        attributes:
          - id: other.a
            type: int
            brief: A.
            stability: stable
      - id: registry.broken
        type: attribute_group
        brief: "never closed
        attributes: []
    """


# --- the real semantic-conventions releases --------------------------------------------------------


class TestSemconvReleases:
    """The fixtures' semconv releases load, resolve and pass their own policies as they do with weaver."""

    def test_v1_44_model_has_warnings_only(self, fixtures: Path) -> None:
        """v1.44.0 checks clean except for the 32 v2 files' UnstableFileFormat warnings."""
        model = fixtures / "semconv" / "v1.44.0" / "model"
        report = check_registry(CheckOptions(registry=str(model)))
        assert errors(report.diagnostics) == []
        assert report.files == 249
        unstable = sorted(d.file for d in report.diagnostics if d.code == "UnstableFileFormat")
        v2_files = sorted(
            f"{model}/{p.relative_to(model).as_posix()}"
            for p in model.rglob("*.yaml")
            if "file_format: definition/2" in p.read_text(encoding="utf-8")
        )
        assert len(unstable) == 32
        assert unstable == v2_files
        assert all(d.severity is Severity.WARNING for d in report.diagnostics)

    def test_v1_44_model_resolves_its_signals(self, fixtures: Path) -> None:
        """The resolved v2 view has the counts the fixtures README gives for v1.44.0."""
        resolution = resolve(load_registry(str(fixtures / "semconv" / "v1.44.0" / "model")))
        registry = materialize(resolution)["registry"]
        counts = {k: len(registry[k]) for k in ("attributes", "metrics", "events", "entities")}
        assert counts == {"attributes": 940, "metrics": 541, "events": 32, "entities": 64}

    @pytest.mark.slow
    def test_v1_43_with_its_policies_has_no_violation(self, fixtures: Path) -> None:
        """semconv v1.43.0 passes its own v1 policies, as in upstream CI."""
        release = fixtures / "semconv" / "v1.43.0"
        assert len(list((release / "policies").glob("*.rego"))) >= 12
        report = check_registry(
            CheckOptions(registry=str(release / "model"), policies=[str(release / "policies")])
        )
        assert report.files >= 241
        assert policy_findings(report.diagnostics) == []
        assert errors(report.diagnostics) == []

    def test_head_v2_with_packages_and_baseline_has_no_violation(self, fixtures: Path) -> None:
        """`--v2` head against the v1.44.0 baseline passes brief.rego and the four weaver packages."""
        packages = fixtures / "weaver-packages" / "policies" / "check"
        for name in PACKAGES:
            assert list((packages / name).glob("*.rego")), name
        report = check_registry(
            CheckOptions(
                registry=str(fixtures / "semconv" / "head" / "model"),
                policies=[str(fixtures / "semconv" / "v1.44.0" / "policies")]
                + [str(packages / name) for name in PACKAGES],
                v2=True,
                baseline_registry=str(fixtures / "semconv" / "v1.44.0" / "model"),
            )
        )
        assert report.files > 200
        assert policy_findings(report.diagnostics) == []
        assert errors(report.diagnostics) == []


# --- resolution details ----------------------------------------------------------------------------


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    """Run in tmp_path so registries can be given by a relative `-r` path, as users do."""
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(previous)


def resolved(root: Path, files: dict[str, str], path: str = "current") -> Resolution:
    write(root / path, files)
    resolution = resolve(load_registry(path))
    assert errors(resolution.diagnostics) == []
    return resolution


def group(resolution: Resolution, gid: str) -> dict[str, Any]:
    [g] = [g for g in resolution.template_schema()["groups"] if g["id"] == gid]
    return g


def attribute(g: dict[str, Any], name: str) -> dict[str, Any]:
    [a] = [a for a in g.get("attributes", []) if a["name"] == name]
    return a


V1_MODEL = """
groups:
  - id: registry.x
    type: attribute_group
    brief: X.
    attributes:
      - id: x.a
        type: int
        brief: A.
        stability: stable
        requirement_level: opt_in
        examples: [1]
      - id: x.b
        type: string
        brief: B.
        stability: stable
        examples: ["b"]
  - id: attributes.base
    type: attribute_group
    brief: Base.
    attributes:
      - ref: x.a
        requirement_level: required
      - ref: x.b
  - id: span.x
    type: span
    brief: S.
    stability: stable
    span_kind: client
    extends: attributes.base
    attributes:
      - ref: x.a
        brief: Overridden.
  - id: registry.p
    type: attribute_group
    brief: P.
    prefix: pp
    attributes:
      - id: q
        type: string
        brief: Q.
        stability: stable
        examples: ["q"]
"""

V2_MODEL = """
file_format: definition/2
attributes:
  - {key: server.port, type: int, brief: Server port., stability: stable, examples: [80]}
  - {key: server.address, type: string, brief: Server address., stability: stable, examples: ["h"]}
attribute_groups:
  - id: common.server
    visibility: internal
    attributes:
      - ref: server.address
        requirement_level: required
metrics:
  - name: http.client.duration
    instrument: histogram
    unit: s
    brief: Duration.
    stability: stable
    requirement_level: recommended
    attributes:
      - ref_group: common.server
      - ref: server.port
        brief: Peer port.
        requirement_level: {conditionally_required: If set.}
metric_refinements:
  - id: http.client.duration.java
    ref: http.client.duration
    brief: Java.
"""


class TestResolution:
    """Resolved shapes of small registries match weaver.md §3 and v2-and-policy-inputs.md §2–3."""

    def test_ref_overrides_brief_and_requirement_level_but_keeps_type(self, in_tmp: Path) -> None:
        """A ref's own fields override the root's; `type` and unset fields come from the definition."""
        res = resolved(in_tmp, {"model.yaml": V1_MODEL})
        base = attribute(group(res, "attributes.base"), "x.a")
        assert base["type"] == "int"
        assert base["brief"] == "A."
        assert base["requirement_level"] == "required"
        assert base["examples"] == [1]
        root = attribute(group(res, "registry.x"), "x.a")
        assert root["requirement_level"] == "opt_in"

    def test_extends_inherits_the_parents_attributes(self, in_tmp: Path) -> None:
        """span.x gets x.a and x.b from its parent; its own ref merges over the inherited x.a."""
        res = resolved(in_tmp, {"model.yaml": V1_MODEL})
        span = group(res, "span.x")
        assert sorted(a["name"] for a in span["attributes"]) == ["x.a", "x.b"]
        own = attribute(span, "x.a")
        assert (own["type"], own["brief"], own["requirement_level"]) == ("int", "Overridden.", "required")
        assert attribute(span, "x.b")["brief"] == "B."
        assert span["lineage"]["extends_group"] == "attributes.base"

    def test_prefix_makes_prefixed_ids(self, in_tmp: Path) -> None:
        """A group `prefix` turns its `id` attributes into `prefix.id` (weaver.md §3 step 4)."""
        res = resolved(in_tmp, {"model.yaml": V1_MODEL})
        assert [a["name"] for a in group(res, "registry.p")["attributes"]] == ["pp.q"]

    def test_v2_attributes_get_a_synthetic_registry_group(self, in_tmp: Path) -> None:
        """`-r current` + `model.yaml` puts v2 attributes in group `registry.current.model`."""
        res = resolved(in_tmp, {"model.yaml": V2_MODEL})
        synthetic = group(res, "registry.current.model")
        assert synthetic["type"] == "attribute_group"
        assert sorted(a["name"] for a in synthetic["attributes"]) == ["server.address", "server.port"]
        ids = {g["id"] for g in res.template_schema()["groups"]}
        assert "metric.http.client.duration" in ids
        assert "common.server" not in ids  # internal groups are dropped after resolution

    def test_v2_metric_with_ref_group_gets_the_groups_attributes(self, in_tmp: Path) -> None:
        """`ref_group` brings the internal group's attributes, with the group's requirement level."""
        reg = materialize(resolved(in_tmp, {"model.yaml": V2_MODEL}))["registry"]
        [metric] = reg["metrics"]
        attrs = {a["key"]: a for a in metric["attributes"]}
        assert set(attrs) == {"server.address", "server.port"}
        assert attrs["server.address"]["requirement_level"] == "required"
        assert attrs["server.port"]["brief"] == "Peer port."
        assert attrs["server.port"]["requirement_level"] == {"conditionally_required": "If set."}
        assert attrs["server.port"]["provenance"] == {"path": "current/model.yaml"}
        assert reg["attribute_groups"] == []
        assert {a["key"]: a["brief"] for a in reg["attributes"]} == {
            "server.address": "Server address.",
            "server.port": "Server port.",
        }

    def test_v2_refinement_inherits_instrument_and_unit(self, in_tmp: Path) -> None:
        """A metric refinement copies instrument, unit and metric name from the metric it refines."""
        mat = materialize(resolved(in_tmp, {"model.yaml": V2_MODEL}))
        refinements = {r["id"]: r for r in mat["refinements"]["metrics"]}
        assert set(refinements) == {"http.client.duration", "http.client.duration.java"}
        java = refinements["http.client.duration.java"]
        assert (java["name"], java["instrument"], java["unit"]) == ("http.client.duration", "histogram", "s")
        assert java["brief"] == "Java."
        assert java["stability"] == "stable"
        assert {a["key"] for a in java["attributes"]} == {"server.address", "server.port"}
        assert mat["schema_url"] == "https://unknown/unknown"
