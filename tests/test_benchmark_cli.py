"""`weavergen benchmark parallel`: real figures with the built-in targets, a clear refusal of unknown ones."""

from __future__ import annotations

import re
from pathlib import Path

from targets_support import ROOT, weavergen

EXAMPLE = ROOT / "examples" / "registry"


def test_unknown_targets_are_refused_once_with_exit_2(tmp_path: Path) -> None:
    proc = weavergen("benchmark", "parallel", "--targets", "python,cobol,cobol", "-r", str(EXAMPLE))
    assert proc.returncode == 2
    assert proc.stderr.count("no target `cobol`") == 1
    assert "python, go, rust, java, typescript, markdown" in proc.stderr
    assert proc.stdout == ""  # nothing was timed


def test_unknown_targets_of_a_templates_folder(tmp_path: Path) -> None:
    (tmp_path / "templates" / "mine").mkdir(parents=True)
    proc = weavergen("benchmark", "parallel", "--targets", "mine,other", "-t", str(tmp_path / "templates"))
    assert proc.returncode == 2
    assert "no target `other`" in proc.stderr and "the targets there are: mine" in proc.stderr


def test_builtin_targets_give_real_figures() -> None:
    proc = weavergen(
        "benchmark", "parallel", "--targets", "python,go", "-r", str(EXAMPLE), "--skip-policies"
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    files = re.search(r"targets:\s+python, go \((\d+) files\)", proc.stdout)
    assert files is not None and int(files.group(1)) > 10
    assert "outputs:     identical" in proc.stdout
    assert re.search(r"sequential:\s+\d+\.\d ms", proc.stdout)


def test_without_a_registry_it_says_how_to_give_one(tmp_path: Path) -> None:
    proc = weavergen("benchmark", "parallel", "--targets", "python", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no registry to check" in proc.stderr and proc.stdout == ""
