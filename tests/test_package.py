"""`registry package` and published dependencies: package a registry, depend on it, check and resolve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from weavergen.check import CheckOptions, check_registry
from weavergen.package import PackageOptions, package_problem, resolved_v2
from weavergen.registry import load_registry
from weavergen.resolve import resolve

BASE_MANIFEST = (
    "schema_url: https://acme.com/schemas/base/1.2.0\ndescription: Base conventions.\nstability: stable\n"
)
BASE = """file_format: definition/2
attributes:
  - key: acme.user.id
    type: string
    brief: The user id.
    stability: stable
    examples: ["u-1"]
  - key: acme.region
    type: string
    brief: The region.
    stability: development
spans:
  - type: acme.login
    kind: server
    name:
      note: login
    brief: A login.
    stability: stable
    requirement_level: recommended
    attributes:
      - ref: acme.user.id
        requirement_level: required
      - ref: acme.region
metrics:
  - name: acme.logins
    instrument: counter
    unit: "{login}"
    brief: Logins.
    stability: stable
    requirement_level: recommended
    attributes:
      - ref: acme.region
"""
APP_MANIFEST = """schema_url: https://acme.com/schemas/app/0.1.0
dependencies:
  - schema_url: https://acme.com/schemas/base/1.2.0
    registry_path: ../pkg
"""
APP = """file_format: definition/2
attributes:
  - key: app.screen
    type: string
    brief: The screen.
    stability: development
events:
  - name: app.opened
    brief: The app opened.
    stability: development
    requirement_level: recommended
    attributes:
      - ref: app.screen
      - ref: acme.user.id
        requirement_level: opt_in
imports:
  spans:
    - acme.*
"""
URI = "https://acme.com/base/1.2.0/resolved.yaml"


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def errors(registry: Path) -> list[str]:
    report = check_registry(CheckOptions(registry=str(registry), skip_policies=True))
    return [f"{d.code}: {d.message}" for d in report.diagnostics if d.is_error]


def test_package_round_trip(tmp_path: Path) -> None:
    base = write(tmp_path / "base", {"manifest.yaml": BASE_MANIFEST, "base.yaml": BASE})
    app = write(tmp_path / "app", {"manifest.yaml": APP_MANIFEST, "app.yaml": APP})
    packed = cli(
        "registry",
        "package",
        "-r",
        str(base),
        "--v2",
        "-o",
        "pkg",
        "--resolved-registry-uri",
        URI,
        cwd=tmp_path,
    )
    assert packed.returncode == 0, packed.stderr
    manifest = yaml.safe_load((tmp_path / "pkg" / "manifest.yaml").read_text())
    assert manifest == {
        "file_format": "manifest/2.0",
        "schema_url": "https://acme.com/schemas/base/1.2.0",
        "description": "Base conventions.",
        "stability": "stable",
        "resolved_registry_uri": URI,
    }
    published = yaml.safe_load((tmp_path / "pkg" / "resolved.yaml").read_text())
    assert published["file_format"] == "resolved/2.0"
    assert [a["key"] for a in published["attribute_catalog"]] == ["acme.region", "acme.user.id"]
    (span,) = published["registry"]["spans"]
    assert span["type"] == "acme.login"
    assert span["attributes"] == [{"base": 0, "requirement_level": "recommended"},
                                  {"base": 1, "requirement_level": "required"}]  # fmt: skip

    # The consumer refers to and imports from the package: no error, the package's signals imported.
    assert errors(app) == []
    resolved = cli("registry", "resolve", "-r", str(app), "-f", "json", cwd=tmp_path)
    assert resolved.returncode == 0, resolved.stderr
    groups = {g["id"]: g for g in json.loads(resolved.stdout)["groups"]}
    assert {"acme.login", "event.app.opened"} <= set(groups)
    login = groups["acme.login"]
    assert login["lineage"]["provenance"] == {"schema_url": "https://acme.com/schemas/base/1.2.0", "path": ""}
    assert {a["name"]: a["requirement_level"] for a in login["attributes"]} == {
        "acme.region": "recommended",
        "acme.user.id": "required",
    }
    assert "acme.logins" not in groups  # not imported
    opened = groups["event.app.opened"]
    user = next(a for a in opened["attributes"] if a["name"] == "acme.user.id")
    assert user["requirement_level"] == "opt_in" and user["brief"] == "The user id."
    lineage = opened["lineage"]["attributes"]["acme.user.id"]
    assert lineage["source_group"] == "v2_dependency.acme.com/schemas/base"
    assert lineage["locally_overridden_fields"] == ["requirement_level"]

    # Packaging the consumer in turn names its dependency and marks what came from it.
    resolution = resolve(load_registry(str(app)))
    again = resolved_v2(resolution)
    assert again["dependencies"] == ["https://acme.com/schemas/base/1.2.0"]
    from_dep = [a["key"] for a in again["attribute_catalog"] if a.get("provenance") == {"source": 0}]
    assert from_dep == ["acme.region", "acme.user.id"]


def test_package_refuses_what_weaver_refuses(tmp_path: Path) -> None:
    base = write(tmp_path / "base", {"manifest.yaml": BASE_MANIFEST, "base.yaml": BASE})
    bare = write(tmp_path / "bare", {"base.yaml": BASE})
    resolution = resolve(load_registry(str(base)))
    no_uri = package_problem(PackageOptions(str(base), v2=True), resolution)
    assert no_uri is not None and no_uri.code == "Config"
    no_v2 = package_problem(PackageOptions(str(base), resolved_registry_uri=URI), resolution)
    assert no_v2 is not None and no_v2.code == "PackagingRequiresV2"
    no_manifest = package_problem(
        PackageOptions(str(bare), resolved_registry_uri=URI, v2=True), resolve(load_registry(str(bare)))
    )
    assert no_manifest is not None and no_manifest.code == "PackagingRequiresManifest"
    assert no_manifest.message == f"Registry `{bare}` does not contain a manifest file"

    # Through the CLI: exit 1, the reason in weaver's words, nothing written.
    out = cli(
        "registry", "package", "-r", str(base), "-o", "pkg", "--resolved-registry-uri", URI, cwd=tmp_path
    )
    assert out.returncode == 1
    assert "Packaging is only supported for v2 registries. Pass `--v2` to enable v2 schema." in out.stderr
    assert not (tmp_path / "pkg").exists()

    # A published registry is not a definition registry: packaging it again is refused.
    args = ("registry", "package", "-r", str(base), "--v2", "-o", "pkg", "--resolved-registry-uri", "r.yaml")
    packed = cli(*args, cwd=tmp_path)
    assert packed.returncode == 0, packed.stderr
    twice = package_problem(
        PackageOptions(str(tmp_path / "pkg"), resolved_registry_uri=URI, v2=True),
        resolve(load_registry(str(tmp_path / "pkg"))),
    )
    assert twice is not None and twice.code == "UnexpectedPublicationManifest"


def test_package_of_a_broken_registry_writes_nothing(tmp_path: Path) -> None:
    broken = BASE.replace("ref: acme.region\n", "ref: acme.regoin\n", 1)
    base = write(tmp_path / "base", {"manifest.yaml": BASE_MANIFEST, "base.yaml": broken})
    out = cli("registry", "package", "-r", str(base), "--v2", "-o", "pkg", "--resolved-registry-uri", URI,
              cwd=tmp_path)  # fmt: skip
    assert out.returncode == 1
    assert "UnresolvedAttributeRef" in out.stderr
    assert not (tmp_path / "pkg").exists()


def test_broken_published_dependency_is_a_diagnostic(tmp_path: Path) -> None:
    pkg = write(
        tmp_path / "pkg",
        {
            "manifest.yaml": "file_format: manifest/2.0\nschema_url: https://acme.com/schemas/base/1.2.0\n"
            "resolved_registry_uri: resolved.yaml\n",
            "resolved.yaml": "file_format: resolved/9\nattribute_catalog: []\nregistry: {}\n",
        },
    )
    app = write(tmp_path / "app", {"manifest.yaml": APP_MANIFEST, "app.yaml": APP})
    found = errors(app)
    assert any(e.startswith("InvalidFileFormat: ") and "resolved/2.0" in e for e in found), found
    (pkg / "resolved.yaml").unlink()
    found = errors(app)
    assert any(e.startswith("InvalidPublicationManifest: ") and "resolved.yaml" in e for e in found), found
