"""The editor's incremental resolution gives exactly what a full resolution gives, after every edit.

Real registries (the example, weaver's resolver fixtures with extends, includes, lineage and v2
refinements) are copied to tmp_path and edited file by file in the ways typing does: an id renamed, a
reference or parent misspelt, a brief changed, a group dropped, the YAML broken, the file deleted and
restored. After each edit the workspace's resolution (re-resolving only what the edit reaches) is
compared with a fresh full resolution of the same texts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from weavergen.resolve import Resolution, Resolver
from weavergen.unchecked import shadow_groups
from weavergen.workspace import RegistryWorkspace

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", REPO.parent / "shared" / "fixtures"))
RESOLVER = FIXTURES / "weaver" / "resolver"
REGISTRIES = {
    "example": REPO / "examples" / "registry",
    **{p.parent.name: p for p in sorted(RESOLVER.glob("*/registry")) if p.is_dir()},
}


def _bump(pattern: str) -> Callable[[str], str]:
    return lambda text: re.sub(pattern, lambda m: m.group(0) + "x", text, count=1, flags=re.MULTILINE)


EDITS: dict[str, Callable[[str], str]] = {
    "rename an id": _bump(r"^\s*-?\s*(?:id|key): [\w.]+"),
    "rename the last id": lambda text: re.sub(
        r"((?:id|key): [\w.]+)(?![\s\S]*(?:id|key): )", r"\1y", text, count=1
    ),
    "misspell a ref": _bump(r"^\s*-?\s*ref: [\w.]+"),
    "misspell a parent": _bump(r"^\s*-?\s*(?:extends|ref_group): [\w.]+"),
    "misspell an include": _bump(r"^\s*-\s+[\w.]+(?=\s*$)"),
    "change a brief": lambda text: re.sub(r"brief: .*", "brief: Changed.", text, count=1),
    "drop the first item": lambda text: re.sub(r"^  - [\s\S]*?(?=^  - |\Z)", "", text, count=1, flags=re.M),
    "break the YAML": lambda text: text + "\n  - id: [broken\n",
}


def canon(res: Resolution) -> dict[str, Any]:
    """Everything a resolution says, in comparable form."""

    def rng(r: Any) -> Any:
        return None if r is None else (r.start.line, r.start.column, r.end.line, r.end.column)

    return {
        "schema": json.dumps(res.template_schema(), sort_keys=True, default=str),
        "diagnostics": sorted(
            json.dumps([d.code, d.file, rng(d.range), d.message, d.help, str(d.fix), d.severity], default=str)
            for d in res.diagnostics
        ),
        "definitions": {
            k: (json.dumps(v.attribute, sort_keys=True, default=str), v.group.id, v.group.provenance)
            for k, v in res.definitions.items()
        },
        "by_id": sorted(res.by_id),
        "all_groups": {k: [g.provenance for g in v] for k, v in res.all_groups.items()},
        "entries": {
            g.id: [
                (e.key, e.origin, e.inherited, e.path, e.file.provenance if e.file else None)
                for e in g.attribute_entries
            ]
            for g in res.groups
        },
    }


def assert_same_as_full(ws: RegistryWorkspace, step: str) -> None:
    snap = ws.snapshot()
    # a broken file lends the definitions of its last good version, in the editor as in full
    shadow = shadow_groups(snap.registry, ws.last_good)
    full = Resolver(snap.registry, ws._deps, False, shadow).run()
    assert canon(snap.resolution) == canon(full), step


def test_the_resolver_fixtures_are_there() -> None:
    if not RESOLVER.is_dir() and os.environ.get("CI") != "true":
        pytest.skip(f"fixtures {RESOLVER} are missing")
    assert len(REGISTRIES) > 30, f"weaver's resolver fixtures are missing from {RESOLVER}"


@pytest.mark.parametrize("name", sorted(REGISTRIES))
def test_every_edit_resolves_as_a_full_resolution(name: str, tmp_path: Path) -> None:
    source = REGISTRIES[name]
    root = tmp_path / name
    shutil.copytree(source, root)
    ws = RegistryWorkspace(root, None)
    assert_same_as_full(ws, "load")
    files = sorted(str(p.resolve()) for p in root.rglob("*.yaml") if p.name != "manifest.yaml")
    for path in files:
        original = Path(path).read_text(encoding="utf-8")
        for label, edit in EDITS.items():
            text = edit(original)
            ws.update(path, text)
            assert_same_as_full(ws, f"{Path(path).name}: {label}")
            if label == "misspell a ref":  # a second edit on top of the first, then back
                ws.update(path, edit(text))
                assert_same_as_full(ws, f"{Path(path).name}: {label} twice")
        ws.update(path, original)
        assert_same_as_full(ws, f"{Path(path).name}: restored")
    victim = Path(files[0])
    kept = victim.read_text(encoding="utf-8")
    victim.unlink()
    ws.update(str(victim.resolve()), None)
    assert_same_as_full(ws, "deleted")
    victim.write_text(kept, encoding="utf-8")
    ws.update(str(victim.resolve()), None)
    assert_same_as_full(ws, "re-created")


def test_a_what_if_leaves_the_workspace_as_it_was(tmp_path: Path) -> None:
    root = tmp_path / "r"
    shutil.copytree(REGISTRIES["example"], root)
    ws = RegistryWorkspace(root, None)
    before = canon(ws.resolution)
    path = str(sorted(root.rglob("registry.yaml"))[0].resolve())
    text = Path(path).read_text(encoding="utf-8")
    assert ws.what_if({path: EDITS["rename an id"](text)})
    ws.update(path, EDITS["change a brief"](text))
    ws.update(path, text)
    assert canon(ws.resolution) == before
    assert_same_as_full(ws, "after what-if")
