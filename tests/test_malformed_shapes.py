"""Malformed shapes and cycles: each is a positioned diagnostic, the rest of the registry is still
checked, and every run ends.

The five shapes the attack run found (issue 14) are kept here as named cases; the whole class is
covered by the property test in `test_type_confusion.py`.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from test_cli import weavergen_cli

from weavergen.diagnostics import Diagnostic, Range
from weavergen.registry import load_registry
from weavergen.render import SourceLines, render

GOOD = """groups:
  - id: registry.good
    type: attribute_group
    brief: Good.
    attributes:
      - id: good.a
        type: string
        brief: A.
        stability: stable
"""
AFTER_POLICY = """package after_resolution

import rego.v1

deny contains finding if {
  false
  finding := {"id": "never"}
}
"""
METRIC = """  - id: metric.{name}
    type: metric
    metric_name: {name}
    brief: M.
    instrument: counter
    unit: "1"
    stability: stable
"""
MANIFEST = """schema_url: https://x.io/reg/1.0.0
dependencies:
  - schema_url: https://x.io/dep/1.0.0
    registry_path: {path}
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def check(tmp_path: Path, files: dict[str, str], *flags: str) -> list[dict]:
    """`weavergen registry check` on these files (plus a good file) as JSON diagnostics."""
    root = tmp_path / "reg"
    for name, text in {"good.yaml": GOOD, **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    done = weavergen_cli(
        "registry",
        "check",
        "-r",
        str(root),
        "--diagnostic-format",
        "json",
        *flags,
        cwd=tmp_path,
        env={"WEAVERGEN_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert "Traceback" not in done.stderr
    return [item["diagnostic"] for item in json.loads(done.stderr or "[]")]


JSON_CODES = {
    "InvalidSemConvSpec": ("InvalidSemConvSpec", "invalid_semconv_group"),
    "InvalidMetric": ("InvalidMetric",),
}
"""The JSON output names a schema error by weaver's miette code."""

SHAPES = {
    "groups-is-a-number": ({"bad.yaml": "groups: 5\n"}, (), "InvalidSemConvSpec"),
    "v2-attribute-groups-is-a-number": (
        {"bad.yaml": "file_format: definition/2\nattribute_groups: 5\n"},
        (),
        "InvalidSemConvSpec",
    ),
    "v2-entities-is-a-mapping": (
        {"bad.yaml": "file_format: definition/2\nentities:\n  type: foo\n  brief: x\n"},
        (),
        "InvalidSemConvSpec",
    ),
    "v2-metric-without-metric-name": (
        {
            "bad.yaml": "groups:\n"
            + METRIC.format(name="m.one").replace("    metric_name: m.one\n", "")
            + METRIC.format(name="m.two"),
            "after.rego": AFTER_POLICY,
        },
        ("--v2",),
        "InvalidMetric",
    ),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_a_malformed_shape_keeps_every_other_diagnostic(tmp_path: Path, name: str) -> None:
    files, flags, code = SHAPES[name]
    diags = check(tmp_path, {**files, "other.yaml": GOOD.replace("registry.good", "registry.other")}, *flags)
    assert not [d for d in diags if d["code"] in ("WorkflowTaskFailed", "internal-error")]
    (bad,) = [d for d in diags if d["code"] in JSON_CODES[code] and d.get("file", "").endswith("bad.yaml")][
        :1
    ]
    assert bad["range"]["start"]["line"] >= 0
    # the good files are still resolved: their duplicate attribute is found
    assert any(d["code"] == "DuplicateAttributeId" for d in diags)


def test_a_dependency_path_too_long_for_the_file_system_is_a_positioned_error(tmp_path: Path) -> None:
    long = "d" * 300
    manifest = MANIFEST.format(path=long)
    diags = check(tmp_path, {"manifest.yaml": manifest, "bad.yaml": "groups: 5\n"})
    assert not [d for d in diags if d["code"] in ("WorkflowTaskFailed", "internal-error")]
    (missing,) = [d for d in diags if d["code"] == "RegistryNotFound"]
    assert missing["file"].endswith("manifest.yaml") and missing["range"]["start"]["line"] == 3
    assert any(d["code"] in JSON_CODES["InvalidSemConvSpec"] for d in diags)
    # the same name as a `[sub_folder]` of the registry path
    diags = check(tmp_path, {}, "-r", f"{tmp_path / 'reg'}[{long}]")
    assert [d["code"] for d in diags] == ["RegistryNotFound"]


def test_a_relative_dependency_path_is_read_from_the_manifest_folder(tmp_path: Path) -> None:
    dep = tmp_path / "reg" / "deps" / "dep"
    dep.mkdir(parents=True)
    (dep / "manifest.yaml").write_text("schema_url: https://x.io/dep/1.0.0\n")
    (dep / "dep.yaml").write_text(GOOD.replace("registry.good", "registry.dep").replace("good.a", "dep.a"))
    manifest = MANIFEST.format(path="deps/dep")
    uses = GOOD.replace(
        "      - id: good.a\n        type: string\n        brief: A.\n", "      - ref: dep.a\n"
    )
    # a decoy with the same relative path in the working directory must not be read
    decoy = tmp_path / "deps" / "dep"
    decoy.mkdir(parents=True)
    (decoy / "manifest.yaml").write_text("schema_url: https://x.io/decoy/1.0.0\n")
    diags = check(tmp_path, {"manifest.yaml": manifest, "good.yaml": uses})
    assert not [d for d in diags if d["code"] in ("RegistryNotFound", "UnresolvedAttributeRef")], diags
    registry = load_registry(str(tmp_path / "reg"))
    assert registry.dependencies[0].root == tmp_path / "reg" / "deps" / "dep"


def test_two_metrics_extending_each_other_end_under_v2_with_a_policy(tmp_path: Path) -> None:
    cycle = "groups:\n" + METRIC.format(name="a") + "    extends: metric.b\n"
    cycle += METRIC.format(name="b") + "    extends: metric.a\n"
    diags = check(tmp_path, {"cycle.yaml": cycle, "after.rego": AFTER_POLICY}, "--v2")
    assert not [d for d in diags if d["code"] in ("WorkflowTaskFailed", "internal-error")]
    assert any(d["code"] == "UnresolvedExtendsRef" and d["file"].endswith("cycle.yaml") for d in diags)


@pytest.mark.skipif(os.name == "nt", reason="symbolic links")
def test_a_symlink_cycle_loads_each_real_file_once(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.yaml").write_text(GOOD.replace("good", "sub"))
    (root / "sub" / "up").symlink_to("..")  # reg/sub/up -> reg: a cycle
    (root / "sub" / "same.yaml").symlink_to("a.yaml")
    (root / "elsewhere").symlink_to(root / "sub")
    (root / "good.yaml").write_text(GOOD)
    registry = load_registry(str(root), follow_symlinks=True)
    assert sorted(f.provenance for f in registry.files) == [f"{root}/good.yaml", f"{root}/sub/a.yaml"]
    diags = check(tmp_path, {}, "--follow-symlinks")
    assert not [d for d in diags if d["code"] == "DuplicateAttributeId"]


def test_rendering_splits_each_source_once() -> None:
    text = "groups: []\n" * 2000
    calls: list[str] = []

    def source(file: str) -> str:
        calls.append(file)
        return text

    diags = [
        Diagnostic(code="DeserializationError", message="dup", file="a.yaml", range=Range.of(i, 0, i, 6))
        for i in range(2000)
    ]
    for fmt in ("ansi", "json"):
        calls.clear()
        out = render(diags, fmt, source=source)
        assert calls == ["a.yaml"]
        assert out.count("groups: []") == 2000
    lines = SourceLines(source)
    assert lines("a.yaml") is lines("a.yaml")
