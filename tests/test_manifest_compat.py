"""Manifests as weaver reads them: legacy fields, numeric versions."""

from __future__ import annotations

from pathlib import Path

from weavergen.check import CheckOptions, check_registry
from weavergen.registry import load_registry

_GROUP = """groups:
  - id: registry.a
    type: attribute_group
    brief: A.
    attributes:
      - id: a.b
        type: string
        brief: B.
        stability: stable
        examples: [x]
"""


def test_legacy_manifest_numeric_semconv_version_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "registry_manifest.yaml").write_text(
        "name: acme\nsemconv_version: 1.1\nschema_base_url: https://acme.com/schemas/\n", encoding="utf-8"
    )
    (tmp_path / "a.yaml").write_text(_GROUP, encoding="utf-8")
    registry = load_registry(str(tmp_path))
    assert registry.manifest is not None
    assert registry.manifest.version == "1.1"
    assert registry.schema_url == "https://acme.com/schemas/1.1"
    report = check_registry(CheckOptions(registry=str(tmp_path)))
    assert [d.code for d in report.diagnostics if d.is_error] == []


def test_legacy_manifest_non_scalar_version_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / "registry_manifest.yaml").write_text(
        "name: acme\nsemconv_version: [1]\nschema_base_url: https://acme.com/schemas/\n", encoding="utf-8"
    )
    (tmp_path / "a.yaml").write_text(_GROUP, encoding="utf-8")
    report = check_registry(CheckOptions(registry=str(tmp_path)))
    errors = [d for d in report.diagnostics if d.is_error]
    assert errors and all(d.file and d.file.endswith("registry_manifest.yaml") for d in errors)
    assert errors[0].range is not None
