"""Registries that depend on other registries: a local folder or an archive named in the manifest."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from weavergen.check import CheckOptions, check_registry
from weavergen.registry import load_registry
from weavergen.resolve import resolve

DEP_ATTRS = """
groups:
  - id: registry.dep
    type: attribute_group
    brief: Dependency attributes.
    attributes:
      - id: dep.id
        type: string
        brief: The id.
        stability: stable
        examples: ["a1"]
      - id: dep.size
        type: int
        brief: The size.
        stability: development
  - id: metric.dep.requests
    type: metric
    metric_name: dep.requests
    instrument: counter
    unit: "{request}"
    brief: Requests.
    stability: stable
    attributes:
      - ref: dep.id
"""

MAIN_SPANS = """
groups:
  - id: span.main.call
    type: span
    span_kind: client
    brief: A call.
    stability: stable
    attributes:
      - ref: dep.id
        requirement_level: required
        brief: The id of the callee.
      - ref: dep.size
imports:
  metrics:
    - dep.req*
"""


def write(root: Path, files: dict[str, str]) -> None:
    """Write a tree of text files."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def make_registries(tmp_path: Path, registry_path: str) -> Path:
    """A dependency registry in `dep/` and a main registry in `main/` that depends on it."""
    write(
        tmp_path / "dep",
        {"manifest.yaml": "schema_url: https://example.com/schemas/dep/1.0.0\n", "attrs.yaml": DEP_ATTRS},
    )
    manifest = (
        "schema_url: https://example.com/schemas/main/0.1.0\n"
        "dependencies:\n"
        f"  - schema_url: https://example.com/schemas/dep/1.0.0\n    registry_path: {registry_path}\n"
    )
    write(tmp_path / "main", {"manifest.yaml": manifest, "spans.yaml": MAIN_SPANS})
    return tmp_path / "main"


@pytest.mark.parametrize("kind", ["folder", "zip", "tar.gz"])
def test_refs_and_imports_resolve_through_a_dependency(tmp_path: Path, kind: str) -> None:
    """A ref to an attribute of the dependency takes its definition; an import brings its metric."""
    if kind == "folder":
        main = make_registries(tmp_path, "../dep")
    else:
        main = make_registries(tmp_path, f"../dep.{kind}")
        fmt = "zip" if kind == "zip" else "gztar"
        shutil.make_archive(str(tmp_path / "dep"), fmt, root_dir=tmp_path, base_dir="dep")
        shutil.rmtree(tmp_path / "dep")
    registry = load_registry(str(main))
    assert [d.name for d in registry.dependencies] == ["https://example.com/schemas/dep"]
    resolution = resolve(registry)
    assert [d for d in resolution.diagnostics if d.is_error] == []
    groups = {g["id"]: g for g in resolution.template_schema()["groups"]}
    assert set(groups) == {"span.main.call", "metric.dep.requests"}
    attrs = {a["name"]: a for a in groups["span.main.call"]["attributes"]}
    assert attrs["dep.id"]["type"] == "string"
    assert attrs["dep.id"]["brief"] == "The id of the callee."
    assert attrs["dep.id"]["requirement_level"] == "required"
    assert attrs["dep.size"]["type"] == "int"
    assert attrs["dep.size"]["stability"] == "development"


def test_missing_dependency_attribute_is_an_error_on_the_ref(tmp_path: Path) -> None:
    """A ref that neither the registry nor its dependency defines is reported where it is written."""
    main = make_registries(tmp_path, "../dep")
    (main / "spans.yaml").write_text(MAIN_SPANS.replace("ref: dep.size", "ref: dep.sise"), encoding="utf-8")
    report = check_registry(CheckOptions(registry=str(main), skip_policies=True))
    errors = [d for d in report.diagnostics if d.is_error]
    assert [d.code for d in errors] == ["UnresolvedAttributeRef"]
    text = (main / "spans.yaml").read_text(encoding="utf-8").splitlines()
    assert errors[0].range is not None
    assert "dep.sise" in text[errors[0].range.start.line]
    assert errors[0].help == "Did you mean `dep.size`?"


def test_unmatched_import_is_a_warning_on_its_pattern(tmp_path: Path) -> None:
    """An import wildcard that matches nothing in any dependency is a positioned warning."""
    main = make_registries(tmp_path, "../dep")
    (main / "spans.yaml").write_text(MAIN_SPANS.replace("dep.req*", "nothing.*"), encoding="utf-8")
    report = check_registry(CheckOptions(registry=str(main), skip_policies=True))
    found = [d for d in report.diagnostics if d.code == "UnmatchedImport"]
    assert len(found) == 1 and not found[0].is_error
    assert found[0].range is not None
    line = (main / "spans.yaml").read_text(encoding="utf-8").splitlines()[found[0].range.start.line]
    assert "nothing.*" in line


def test_missing_dependency_path_is_reported_on_the_manifest(tmp_path: Path) -> None:
    """A dependency whose registry_path does not exist is an error pointing at the manifest."""
    main = make_registries(tmp_path, "../nowhere")
    report = check_registry(CheckOptions(registry=str(main), skip_policies=True))
    codes = {d.code for d in report.diagnostics if d.is_error}
    assert "RegistryNotFound" in codes
    assert any(d.file == f"{main}/manifest.yaml" for d in report.diagnostics if d.code == "RegistryNotFound")


def test_circular_dependency_is_reported(tmp_path: Path) -> None:
    """Two registries that depend on each other give CircularDependency instead of looping."""
    write(
        tmp_path / "a",
        {
            "manifest.yaml": "schema_url: https://example.com/schemas/a/1.0.0\ndependencies:\n"
            "  - schema_url: https://example.com/schemas/b/1.0.0\n    registry_path: ../b\n",
            "x.yaml": DEP_ATTRS,
        },
    )
    write(
        tmp_path / "b",
        {
            "manifest.yaml": "schema_url: https://example.com/schemas/b/1.0.0\ndependencies:\n"
            "  - schema_url: https://example.com/schemas/a/1.0.0\n    registry_path: ../a\n",
        },
    )
    registry = load_registry(str(tmp_path / "a"))
    codes = [d.code for d in registry.dependencies[0].diagnostics]
    assert codes == ["CircularDependency"]
