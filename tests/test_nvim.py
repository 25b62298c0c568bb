"""A real editor: headless Neovim (Debian's 0.7.2 in CI) opens a registry file, receives the engine's
diagnostics from `weavergen lsp`, applies a quick fix, and sees the file re-checked clean.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_fix import CASES, MANIFEST

from weavergen.workspace import RegistryWorkspace

LUA = Path(__file__).resolve().parent / "nvim" / "quickfix.lua"


def _nvim() -> str:
    nvim = shutil.which("nvim")
    if nvim is None:  # a failure, not a skip: CI must not pass without the editor test
        pytest.fail("nvim is not installed: `apt-get install neovim` (.ci/run does)")
    return nvim


@pytest.mark.parametrize("case", ["add_stability", "duplicate_ref", "deprecated"])
def test_neovim_receives_diagnostics_and_applies_a_quick_fix(case: str, tmp_path: Path) -> None:
    nvim = _nvim()
    code, text = CASES[case]
    root = tmp_path / "reg"
    root.mkdir()
    (root / "manifest.yaml").write_text(MANIFEST)
    file = root / "f.yaml"
    file.write_text(text)
    expected = {
        (d.code, d.range.start.line, d.range.start.column)
        for d in RegistryWorkspace(root).diagnostics(str(file.resolve()))
        if d.range is not None
    }
    out = tmp_path / "out.json"
    env = {
        **os.environ,
        "SERVER_CMD": json.dumps([sys.executable, "-m", "weavergen.server"]),
        "ROOT": str(root),
        "CODE": code,
        "OUT": str(out),
        "HOME": str(tmp_path),  # nvim writes its log and state under HOME
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "WEAVERGEN_CACHE_DIR": "off",
    }
    cmd = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {LUA}", str(file)]
    proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, timeout=90)
    assert out.exists(), f"nvim wrote no result: {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert "error" not in result, result.get("error")
    assert result["got_diagnostics"], result
    assert {(d["code"], d["lnum"], d["col"]) for d in result["before"]} == expected
    assert all(d["source"] == "weavergen" for d in result["before"])
    assert result["action"], result
    assert result["fixed"], result
    assert code not in {d["code"] for d in result["after"]}
    assert "\n".join(result["lines"]) + "\n" != text
