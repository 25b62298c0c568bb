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
    # Schema errors: the definition or item is set aside, its last good version lends its groups.
    "misspell a type": lambda text: re.sub(r"(type: )string\b", r"\1strnig", text, count=1),
    "drop a type": lambda text: re.sub(r"^\s*type: \w+\n", "", text, count=1, flags=re.M),
    "break the YAML mid-file": lambda text: re.sub(r"brief: .*", "brief: [unclosed", text, count=1),
}
TWICE = ("misspell a ref", "misspell a type")
"""Edits applied a second time on top of the first (typing on in a file that is wrong already)."""


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


def assert_same_as_full(ws: RegistryWorkspace, step: str) -> Resolution:
    """The workspace's resolution equals a full one of the same texts; returns the full one."""
    snap = ws.snapshot()
    # a broken file lends the definitions of its last good version, in the editor as in full
    shadow = shadow_groups(snap.registry, ws.last_good)
    full = Resolver(snap.registry, ws._deps, False, shadow).run()
    assert canon(snap.resolution) == canon(full), step
    return full


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
            if label in TWICE:  # a second edit on top of the first, then back
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


@pytest.mark.parametrize("name", sorted(REGISTRIES))
def test_several_broken_files_resolve_as_a_full_resolution(name: str, tmp_path: Path) -> None:
    """Two files broken at once (each lending its last good groups), typed on, then fixed in turn."""
    root = tmp_path / name
    shutil.copytree(REGISTRIES[name], root)
    files = sorted(str(p.resolve()) for p in root.rglob("*.yaml") if p.name != "manifest.yaml")
    # a file already broken on disk has no last good version to lend
    Path(files[-1]).write_text(EDITS["break the YAML"](Path(files[-1]).read_text(encoding="utf-8")))
    ws = RegistryWorkspace(root, None)
    assert_same_as_full(ws, "load with a broken file")
    first, second = files[0], files[len(files) // 2]
    texts = {p: Path(p).read_text(encoding="utf-8") for p in (first, second)}
    steps = [
        (first, EDITS["misspell a type"](texts[first])),
        (second, EDITS["break the YAML mid-file"](texts[second])),
        (first, EDITS["break the YAML"](EDITS["misspell a type"](texts[first]))),
        (second, texts[second]),
        (first, EDITS["drop a type"](texts[first])),
        (first, texts[first]),
        (files[-1], EDITS["misspell a ref"](texts.get(files[-1], Path(files[-1]).read_text()))),
    ]
    for i, (path, text) in enumerate(steps):
        ws.update(path, text)
        assert_same_as_full(ws, f"step {i}: {Path(path).name}")
    assert ws.what_if({second: EDITS["misspell a type"](texts[second])})
    assert_same_as_full(ws, "after a what-if of a broken file")


def test_a_broken_file_re_resolves_only_what_it_reaches(tmp_path: Path) -> None:
    """While a file is broken, the groups it cannot reach keep their resolved form (nothing is resolved
    in full), and its last good definitions still resolve the references to what the error hides."""
    root = tmp_path / "r"
    shutil.copytree(REGISTRIES["example"], root)
    ws = RegistryWorkspace(root, None)
    path = str((root / "store" / "registry.yaml").resolve())
    text = Path(path).read_text(encoding="utf-8")
    before = ws.resolution.by_id
    ws.update(path, EDITS["misspell a type"](text))
    spec = ws.snapshot().file(path)
    assert spec is not None and spec.check.broken_names, "the misspelt type sets a definition aside"
    full = assert_same_as_full(ws, "broken")
    hidden = set(spec.check.broken_names)
    users = [g.id for g in full.groups if hidden & {a["name"] for a in g.attributes}]
    assert users, "other groups reference the set-aside definition, resolved from the last good version"
    assert not [d for d in full.diagnostics if d.code in ("UnresolvedAttributeRef", "UncheckedReference")]
    after = ws.resolution.by_id
    reach = _reaching(
        full, {gid for gid, gs in full.all_groups.items() if any(g.provenance == path for g in gs)}
    )
    untouched = [gid for gid in after if gid in before and gid not in reach]
    assert untouched, "the example registry has groups the edited file does not reach"
    assert [gid for gid in untouched if after[gid] is not before[gid]] == []


def _reaching(res: Resolution, ids: set[str]) -> set[str]:
    """`ids` and the groups that inherit from them or use an attribute they define, at any depth."""
    reach = set(ids)
    while True:
        defined = {k for k, d in res.definitions.items() if d.group.id in reach}
        more = {
            gid
            for gid, g in res.by_id.items()
            if {*g.lineage.get("includes_group", []), g.lineage.get("extends_group")} & reach
            or defined & {a["name"] for a in g.attributes}
        }
        if more <= reach:
            return reach
        reach |= more
