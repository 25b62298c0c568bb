"""The incremental workspace against the engine's one-shot check: after any sequence of edits, the
workspace's resolution and diagnostics equal those of a fresh `load_registry` + `resolve` of the same
texts. Edits are derived from the registry's own lines (rename an id, break a ref, drop a brief...).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from weavergen.registry import load_registry
from weavergen.resolve import resolve
from weavergen.workspace import RegistryWorkspace

REPO = Path(__file__).resolve().parent.parent


def _fresh(root: Path) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """Template schema and diagnostics of a one-shot resolution of what is on disk."""
    reg = load_registry(str(root))
    res = resolve(reg)
    return res.template_schema(), _diags(res.diagnostics)


def _of(ws: RegistryWorkspace) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    res = ws.snapshot().resolution
    return res.template_schema(), _diags(res.diagnostics)


def _diags(diagnostics: list[Any]) -> list[tuple[Any, ...]]:
    return sorted((d.code, d.file or "", repr(d.range), d.message) for d in diagnostics)


def _mutations(text: str, rng: random.Random) -> str:
    """One plausible edit of a registry file: rename an id, change a ref, drop a brief, change a type..."""
    lines = text.splitlines(keepends=True)
    candidates = [
        i
        for i, line in enumerate(lines)
        if line.strip().startswith(
            ("- id:", "id:", "- ref:", "ref:", "brief:", "type: string", "stability:", "extends:")
        )
    ]
    if not candidates:
        return text + "\n"
    i = rng.choice(candidates)
    line = lines[i]
    if "brief:" in line:
        lines[i] = line.split("brief:")[0] + "brief: changed words\n"
    elif "type: string" in line:
        lines[i] = line.replace("type: string", "type: int")
    elif "stability:" in line:
        lines[i] = line.split("stability:")[0] + "stability: stable\n"
    else:
        lines[i] = line.rstrip("\n") + "_x\n"
    return "".join(lines)


@pytest.mark.parametrize("seed", range(4))
def test_incremental_equals_fresh_on_the_example_registry(seed: int, tmp_path: Path) -> None:
    root = tmp_path / "registry"
    shutil.copytree(REPO / "examples" / "registry", root)
    ws = RegistryWorkspace(root)
    rng = random.Random(seed)
    files = sorted(p for p in root.rglob("*.yaml") if p.name != "manifest.yaml")
    for _ in range(12):
        f = rng.choice(files)
        text = _mutations(f.read_text(), rng)
        f.write_text(text)
        ws.update(str(f.resolve()), text)
        assert _of(ws) == _fresh(root)


def test_incremental_equals_fresh_on_semconv(fixtures: Path, tmp_path: Path) -> None:
    root = tmp_path / "model"
    shutil.copytree(fixtures / "semconv" / "v1.44.0" / "model", root)
    ws = RegistryWorkspace(root)
    rng = random.Random(7)
    files = sorted(p for p in root.rglob("*.yaml") if p.name != "manifest.yaml")
    for _ in range(6):
        f = rng.choice(files)
        text = _mutations(f.read_text(), rng)
        f.write_text(text)
        ws.update(str(f.resolve()), text)
        assert _of(ws) == _fresh(root)
    # undo everything one file at a time: the reused groups must follow
    for f in files[:3]:
        original = (fixtures / "semconv" / "v1.44.0" / "model" / f.relative_to(root)).read_text()
        f.write_text(original)
        ws.update(str(f.resolve()), original)
        assert _of(ws) == _fresh(root)


def test_editing_a_definition_reaches_every_group_that_refs_it(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    root.mkdir()
    (root / "manifest.yaml").write_text("schema_url: https://example.com/schemas/demo/1.0.0\n")
    attrs = root / "attrs.yaml"
    attrs.write_text(
        "groups:\n  - id: registry.demo\n    type: attribute_group\n    brief: Demo.\n    attributes:\n"
        "      - id: demo.count\n        type: int\n        brief: A count.\n        stability: stable\n"
    )
    (root / "spans.yaml").write_text(
        "groups:\n  - id: span.demo\n    type: span\n    span_kind: client\n    stability: stable\n"
        "    brief: A span.\n    attributes:\n      - ref: demo.count\n"
    )
    ws = RegistryWorkspace(root)
    text = attrs.read_text().replace("brief: A count.", "brief: How many.")
    ws.update(str(attrs.resolve()), text)
    span = ws.snapshot().resolution.by_id["span.demo"]
    assert span.attributes[0]["brief"] == "How many."
