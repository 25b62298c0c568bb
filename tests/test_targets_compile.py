"""The slow suite (`make test-targets`): every built-in target generated from semconv v1.44.0, semconv
head, the example registry and the edge-case registry, then compiled by the language's own toolchain."""

from __future__ import annotations

from pathlib import Path

import pytest
from targets_support import COMPILERS, ROOT, TARGETS, edge_registry, generate

pytestmark = pytest.mark.targets

REGISTRIES = ("semconv-v1.44.0", "semconv-head", "example", "edge")


def _registry(name: str, fixtures: Path, tmp_path: Path) -> Path:
    if name == "example":
        return ROOT / "examples" / "registry"
    if name == "edge":
        return edge_registry(tmp_path)
    folder = fixtures / "semconv" / name.removeprefix("semconv-") / "model"
    if not folder.is_dir():
        pytest.fail(f"fixture registry not found: {folder}")
    return folder


@pytest.mark.parametrize("registry", REGISTRIES)
@pytest.mark.parametrize("target", TARGETS)
def test_target_compiles(target: str, registry: str, fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(target, _registry(registry, fixtures, tmp_path), out)
    COMPILERS[target](out)
