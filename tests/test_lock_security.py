"""The lock file is untrusted input: what it names must stay inside its folder, or nothing is touched.

Each hostile lock is built from a real generation's lock, edited as an attacker would in a pull request;
then `regenerate` (measure + apply, `--force` too), `--check` and the editor's staleness check run on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from weavergen.regenerate import LOCK_NAME, apply, measure, stale_generations

REGISTRY = """\
groups:
  - id: registry.a
    type: attribute_group
    brief: a attributes.
    attributes:
      - {id: a.id, type: string, stability: stable, brief: The id., examples: ["x"]}
"""
WEAVER_YAML = "templates:\n  - template: attrs.txt.j2\n    filter: .\n    application_mode: single\n"
ATTRS = "{% for g in ctx.groups %}{% for a in g.attributes %}{{ a.name }}\n{% endfor %}{% endfor %}"
SECRET = b"the user's own file\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def generated(tmp_path: Path) -> Path:
    """`tmp_path/project`, generated once into `gen` with its lock; a victim file lies outside it."""
    from weavergen.forge import GenerateOptions
    from weavergen.workflow_commands import run_generate

    root = tmp_path / "project"
    (root / "model").mkdir(parents=True)
    (root / "model" / "shop.yaml").write_text(REGISTRY, encoding="utf-8")
    target = root / "templates" / "t"
    target.mkdir(parents=True)
    (target / "weaver.yaml").write_text(WEAVER_YAML, encoding="utf-8")
    (target / "attrs.txt.j2").write_text(ATTRS, encoding="utf-8")
    options = GenerateOptions(
        registry=str(root / "model"), target="t", output=str(root / "gen"), templates=str(root / "templates")
    )
    report, _ = run_generate(options, ["t"], parallel=False)
    assert not [d for d in report.diagnostics if d.is_error]
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "secret.txt").write_bytes(SECRET)
    return root


def edit_lock(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply `change` to the project's one recorded generation."""
    lock = json.loads((root / LOCK_NAME).read_text(encoding="utf-8"))
    [entry] = lock["generations"].values()
    change(entry)
    (root / LOCK_NAME).write_text(json.dumps(lock, indent=2), encoding="utf-8")


def _output_elsewhere(root: Path) -> Callable[[dict[str, Any]], None]:
    def change(entry: dict[str, Any]) -> None:
        entry["output"] = "../victim"
        entry["outputs"] = {"secret.txt": _sha(SECRET)}  # an unedited orphan: regenerate would delete it

    return change


def _output_absolute(root: Path) -> Callable[[dict[str, Any]], None]:
    def change(entry: dict[str, Any]) -> None:
        entry["output"] = str(root.parent / "victim")
        entry["outputs"] = {"secret.txt": _sha(SECRET)}

    return change


def _file_climbs(root: Path) -> Callable[[dict[str, Any]], None]:
    def change(entry: dict[str, Any]) -> None:
        # hand-edited: --force would delete it
        entry["outputs"]["../../victim/secret.txt"] = _sha(b"not what is there")

    return change


def _symlink_out(root: Path) -> Callable[[dict[str, Any]], None]:
    (root / "gen" / "link").symlink_to(root.parent / "victim", target_is_directory=True)

    def change(entry: dict[str, Any]) -> None:
        entry["outputs"]["link/secret.txt"] = _sha(SECRET)

    return change


def _output_folder_is_a_symlink_out(root: Path) -> Callable[[dict[str, Any]], None]:
    (root / "out").symlink_to(root.parent / "victim", target_is_directory=True)

    def change(entry: dict[str, Any]) -> None:
        entry["output"] = "out"
        entry["outputs"] = {"secret.txt": _sha(SECRET)}

    return change


def _device(root: Path) -> Callable[[dict[str, Any]], None]:
    (root / "gen" / "zero").symlink_to("/dev/zero")

    def change(entry: dict[str, Any]) -> None:
        entry["outputs"]["zero"] = _sha(b"")

    return change


def _fifo(root: Path) -> Callable[[dict[str, Any]], None]:
    os.mkfifo(root / "gen" / "pipe")

    def change(entry: dict[str, Any]) -> None:
        entry["outputs"]["pipe"] = _sha(b"")

    return change


def _input_outside(root: Path) -> Callable[[dict[str, Any]], None]:
    def change(entry: dict[str, Any]) -> None:
        entry["settings"]["params_file"] = "../../../../../../../../dev/zero"

    return change


def _input_absolute(root: Path) -> Callable[[dict[str, Any]], None]:
    def change(entry: dict[str, Any]) -> None:
        entry["settings"]["registry"] = str(root / "model")

    return change


HOSTILE = {
    "output elsewhere with ..": _output_elsewhere,
    "absolute output": _output_absolute,
    "output file climbing with ..": _file_climbs,
    "symlink out inside the output": _symlink_out,
    "output folder a symlink out": _output_folder_is_a_symlink_out,
    "a device": _device,
    "a fifo": _fifo,
    "an input outside the project": _input_outside,
    "an absolute input": _input_absolute,
}


@pytest.mark.parametrize("attack", sorted(HOSTILE))
def test_a_hostile_lock_is_a_diagnostic_and_nothing_is_touched(tmp_path: Path, attack: str) -> None:
    root = generated(tmp_path)
    edit_lock(root, HOSTILE[attack](root))
    before = (root / LOCK_NAME).read_bytes()
    [drift] = measure(root / LOCK_NAME, parallel=False)
    assert drift.failed and [d.code for d in drift.diagnostics][:1] == ["InvalidLockFile"]
    diag = drift.diagnostics[0]
    assert diag.file == str(root / LOCK_NAME) and diag.range is not None  # points at the offending value
    for force in (False, True):
        result = apply(drift, force=force)
        assert result.written == result.deleted == []
    assert (tmp_path / "victim" / "secret.txt").read_bytes() == SECRET
    assert (root / LOCK_NAME).read_bytes() == before
    assert stale_generations((root / "model").resolve(), [], [root]) == []


def test_regenerate_cli_refuses_a_hostile_lock_and_check_ends(tmp_path: Path) -> None:
    root = generated(tmp_path)
    (root / "gen" / "zero").symlink_to("/dev/zero")
    edit_lock(
        root, lambda e: e["outputs"].update({"zero": _sha(b""), "../../victim/secret.txt": _sha(SECRET)})
    )
    for args in (["--check"], ["-y"], ["-y", "--force"]):
        run = subprocess.run(
            [sys.executable, "-m", "weavergen.cli", "regenerate", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 1, run.stderr
        assert "error[InvalidLockFile]" in run.stderr and "Traceback" not in run.stderr
        assert re.search(r"^\.weavergen-lock\.json:\d+:\d+: error\[InvalidLockFile\]", run.stderr, re.M)
        assert "`../../victim/secret.txt` as a generated file, which climbs out with `..`" in run.stderr
    assert (tmp_path / "victim" / "secret.txt").read_bytes() == SECRET


def test_a_lock_that_is_a_device_reads_as_empty(tmp_path: Path) -> None:
    root = generated(tmp_path)
    (root / LOCK_NAME).unlink()
    (root / LOCK_NAME).symlink_to("/dev/zero")
    assert measure(root / LOCK_NAME, parallel=False) == []


def test_an_edit_made_while_regenerate_waits_is_not_overwritten(tmp_path: Path) -> None:
    root = generated(tmp_path)
    (root / "templates" / "t" / "attrs.txt.j2").write_text("{{ ctx.groups | length }}\n", encoding="utf-8")
    (root / "gen" / "extra.txt").write_text("gone\n", encoding="utf-8")
    edit_lock(root, lambda e: e["outputs"].update({"extra.txt": _sha(b"gone\n")}))  # an unedited orphan
    [drift] = measure(root / LOCK_NAME, parallel=False)
    assert {f.path: f.action for f in drift.files} == {"attrs.txt": "write", "extra.txt": "delete"}
    (root / "gen" / "attrs.txt").write_text("typed while the prompt waited\n", encoding="utf-8")
    (root / "gen" / "extra.txt").write_text("kept by its owner\n", encoding="utf-8")
    result = apply(drift)
    assert result.written == result.deleted == [] and sorted(result.kept) == ["attrs.txt", "extra.txt"]
    assert {d.code for d in result.diagnostics} == {"OutputChangedDuringRegenerate"}
    assert (root / "gen" / "attrs.txt").read_text(encoding="utf-8") == "typed while the prompt waited\n"
    assert (root / "gen" / "extra.txt").read_text(encoding="utf-8") == "kept by its owner\n"
