"""`--diagnostic-format json` carries weaver's serialised error for each diagnostic: the same variant, fields
and values as weaver 0.25.1, one element per weaver error (other places go to our `related`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CLI = [sys.executable, "-m", "weavergen.cli"]
# The warnings weaver's resolver harness ignores (fixtures README).
IGNORED = {"UnstableFileFormat", "LegacyRegistryManifest", "DeprecatedVersionField", "InvalidGroupUsesPrefix"}
# weaver's harness loads every fixture with this schema url (no manifest); ours is the registry's own.
HARNESS_SCHEMA_URL = "https://default/0.1.0"


def _json_check(registry: Path, *extra: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [*CLI, "registry", "check", "-r", str(registry), "--diagnostic-format", "json", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout == ""
    return json.loads(result.stderr) if result.stderr.strip() else []


def _canonical(value: Any) -> Any:
    """weaver's comparison: object keys sorted, every array sorted."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _harness_paths(value: Any, root: str) -> Any:
    """Our provenances as weaver's harness writes them: `data/<fixture>/…` and the harness schema url."""
    if isinstance(value, dict):
        out = {k: _harness_paths(v, root) for k, v in value.items()}
        if set(out) == {"schema_url", "path"}:
            out["schema_url"] = HARNESS_SCHEMA_URL
        return out
    if isinstance(value, list):
        return [_harness_paths(v, root) for v in value]
    if isinstance(value, str) and value.startswith(root):
        return "data/" + value[len(root) :]
    return value


def _expected_error_fixtures(fixtures: Path) -> list[str]:
    return sorted(p.parent.name for p in (fixtures / "weaver" / "resolver").glob("*/expected-errors.json"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "error_fixture" in metafunc.fixturenames:
        import os

        root = Path(
            os.environ.get("WEAVERGEN_FIXTURES", Path(__file__).resolve().parents[2] / "shared/fixtures")
        )
        names = _expected_error_fixtures(root)
        metafunc.parametrize("error_fixture", names or ["<no fixtures>"])


def test_payloads_equal_weavers_expected_errors(fixtures: Path, error_fixture: str) -> None:
    folder = fixtures / "weaver" / "resolver" / error_fixture
    assert folder.is_dir(), f"missing fixture {folder}"
    expected = json.loads((folder / "expected-errors.json").read_text(encoding="utf-8"))
    expected_errors = expected.get("CompoundError", [expected])
    root = str(fixtures / "weaver" / "resolver") + "/"
    ours = [
        _harness_paths(item["error"], root)
        for item in _json_check(folder / "registry", "--skip-policies")
        if next(iter(item["error"])) not in IGNORED
    ]
    assert _canonical(ours) == _canonical(expected_errors)


ATTRS = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop.
    attributes:
      - id: shop.id
        type: string
        stability: stable
        brief: The shop.
        examples: ["s"]
"""


def test_one_element_per_duplicate_with_related_places(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "a.yaml").write_text(ATTRS, encoding="utf-8")
    (model / "b.yaml").write_text(ATTRS, encoding="utf-8")
    (model / "c.yaml").write_text(ATTRS.replace("registry.shop", "registry.other"), encoding="utf-8")
    items = _json_check(model)
    by_code: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_code.setdefault(next(iter(item["error"])), []).append(item)
    (dup_group,) = by_code["DuplicateGroupId"]
    payload = dup_group["error"]["DuplicateGroupId"]
    assert payload["group_id"] == "registry.shop"
    assert sorted(p["path"] for p in payload["provenances"]) == [str(model / "a.yaml"), str(model / "b.yaml")]
    assert all(p["schema_url"] for p in payload["provenances"])
    assert [r["file"] for r in dup_group["diagnostic"]["related"]] == [str(model / "b.yaml")]
    (dup_attr,) = by_code["DuplicateAttributeId"]
    assert dup_attr["error"]["DuplicateAttributeId"]["attribute_id"] == "shop.id"
    assert len(dup_attr["diagnostic"]["related"]) == 2
    assert dup_attr["diagnostic"]["message"].endswith('["registry.shop", "registry.shop", "registry.other"]')


V2_ENTITY = """\
file_format: definition/2
attributes:
  - key: shop.id
    type: string
    brief: The shop.
    stability: stable
    examples: ["s"]
entities:
  - type: shop.store
    brief: A store.
    stability: stable
    requirement_level: recommended
    identity: []
"""


def test_entity_payloads_name_the_entity_type(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "store.yaml").write_text(V2_ENTITY, encoding="utf-8")
    items = _json_check(model)
    (missing,) = [i for i in items if "EntityMissingIdentity" in i["error"]]
    assert missing["error"] == {
        "EntityMissingIdentity": {"path_or_url": str(model / "store.yaml"), "group_id": "shop.store"}
    }
    assert (
        missing["diagnostic"]["message"]
        == "The entity `shop.store` does not declare any `identity` attributes."
    )


def test_schema_error_has_weavers_span_label_and_code(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    text = ATTRS.replace("brief: The shop.", "brief: The shop.\n        colour: red")
    (model / "a.yaml").write_text(text, encoding="utf-8")
    (item,) = _json_check(model)
    payload = item["error"]["InvalidSemConvSpec"]
    assert set(payload) == {"err_span", "error", "advice"}
    span = payload["err_span"]
    start = text.encode().index(b"colour")
    assert span["offset"] == start and span["length"] == len("colour")
    assert item["diagnostic"]["code"] == "invalid_semconv_group"
    assert item["diagnostic"]["labels"] == [
        {"label": "somewhere in this block", "span": span, "primary": False}
    ]


def test_parse_errors_carry_path_and_error(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "bad.yaml").write_text("groups:\n  - id: [unclosed\n", encoding="utf-8")
    (model / "fmt.yaml").write_text("file_format: definition/9\n", encoding="utf-8")
    items = {next(iter(i["error"])): i["error"] for i in _json_check(model)}
    bad = items["DeserializationError"]["DeserializationError"]
    assert bad["path_or_url"] == str(model / "bad.yaml") and bad["error"]
    assert items["InvalidFileFormat"] == {
        "InvalidFileFormat": {"field_key": "file_format", "field_value": "definition/9"}
    }
