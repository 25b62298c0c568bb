"""`weavergen fix` and the engine's quick fixes: each fix, applied by the real CLI, removes its diagnostic.

Every case is a small registry with one problem; after the fix, the engine's own check must no longer
report that code, and must report no error the original did not have.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from weavergen.check import CheckOptions, check_registry
from weavergen.fixes import EXPERIMENTAL, fix_registry
from weavergen.workspace import RegistryWorkspace

MANIFEST = "schema_url: https://example.com/schemas/demo/1.0.0\n"
CASES = {
    "add_stability": (
        "InvalidAttributeWarning",
        """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    attributes:
      - id: demo.count
        type: int
        brief: A count.
""",
    ),
    "experimental": (
        "ExperimentalStability",
        """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    attributes:
      - id: demo.count
        type: int
        brief: A count.
        stability: experimental
""",
    ),
    "deprecated": (
        "UnstructuredDeprecatedProperty",
        """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    attributes:
      - id: demo.count
        type: int
        brief: A count.
        stability: development
        deprecated: "Replaced by `demo.total`."
      - id: demo.total
        type: int
        brief: A total.
        stability: development
""",
    ),
    "brief": (
        "InvalidAttribute",
        """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    attributes:
      - id: demo.count
        type: int
        stability: development
""",
    ),
    "span_kind": (
        "InvalidSpanMissingSpanKind",
        """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    attributes:
      - id: demo.count
        type: int
        brief: A count.
        stability: development
  - id: span.demo
    type: span
    stability: development
    brief: A span.
    attributes:
      - ref: demo.count
""",
    ),
    "examples": (
        "InvalidExampleWarning",
        """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    attributes:
      - id: demo.name
        type: string
        brief: A name.
        stability: development
""",
    ),
    "duplicate_ref": (
        "InvalidGroupDuplicateAttributeRef",
        """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    attributes:
      - id: demo.count
        type: int
        brief: A count.
        stability: development
  - id: span.demo
    type: span
    span_kind: client
    stability: development
    brief: A span.
    attributes:
      - ref: demo.count
      - ref: demo.count
        requirement_level: required
""",
    ),
    "prefix": (
        "InvalidGroupUsesPrefix",
        """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    prefix: demo
    attributes:
      - id: count
        type: int
        brief: A count.
        stability: development
  - id: span.demo
    type: span
    span_kind: client
    stability: development
    brief: A span.
    attributes:
      - ref: demo.count
""",
    ),
}
CASES["group_stability"] = (
    "InvalidGroupStability",
    CASES["span_kind"][1].replace(
        "    type: span\n    stability: development\n", "    type: span\n    span_kind: server\n"
    ),
)
CASES["requirement_level"] = (
    "MissingRequirementLevelWarning",
    """file_format: definition/2
attributes:
  - key: demo.count
    type: int
    brief: A count.
    stability: development
metrics:
  - name: demo.runs
    instrument: counter
    unit: "{run}"
    stability: development
    brief: Runs.
    attributes:
      - ref: demo.count
""",
)
SNIPPETS = {"brief", "span_kind", "examples"}


def make(root: Path, text: str) -> Path:
    """A registry with one file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "manifest.yaml").write_text(MANIFEST)
    (root / "f.yaml").write_text(text)
    return root


def codes(root: Path) -> list[str]:
    """The codes the engine reports for a registry, editor hints included."""
    ws = RegistryWorkspace(root, None)
    return [d.code for ds in ws.all_diagnostics().values() for d in ds]


def run_fix(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `weavergen fix` command."""
    cmd = [sys.executable, "-m", "weavergen.cli", "fix", "-r", str(root), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_fix_removes_its_diagnostic(case: str, tmp_path: Path) -> None:
    code, text = CASES[case]
    root = make(tmp_path / case, text)
    before = codes(root)
    assert code in before
    proc = run_fix(root, "--code", code, "--snippets", "--apply")
    assert proc.returncode == 0, proc.stderr
    after_text = (root / "f.yaml").read_text()
    assert after_text != text
    after = codes(root)
    assert code not in after
    errors_before = {d.code for d in check_registry(CheckOptions(str(root))).diagnostics if d.is_error}
    assert set(after) - set(before) == set()
    assert {
        d.code for d in check_registry(CheckOptions(str(root))).diagnostics if d.is_error
    } <= errors_before
    assert f"fixed {root.name}" in proc.stderr or "fixed " in proc.stderr


@pytest.mark.parametrize("case", sorted(SNIPPETS))
def test_snippet_fixes_need_the_snippets_flag(case: str, tmp_path: Path) -> None:
    code, text = CASES[case]
    root = make(tmp_path / case, text)
    proc = run_fix(root, "--code", code, "--apply")
    assert proc.returncode == 0, proc.stderr
    assert (root / "f.yaml").read_text() == text


def test_diff_prints_the_change_and_writes_nothing(tmp_path: Path) -> None:
    text = CASES["experimental"][1]
    root = make(tmp_path / "r", text)
    proc = run_fix(root, "--diff")
    assert proc.returncode == 0, proc.stderr
    assert (root / "f.yaml").read_text() == text
    assert "-        stability: experimental" in proc.stdout
    assert "+        stability: development" in proc.stdout


def test_fix_everything_at_once_leaves_only_what_needs_a_human(tmp_path: Path) -> None:
    text = CASES["prefix"][1].replace(
        "        stability: development\n", "        stability: experimental\n", 1
    )
    root = make(tmp_path / "r", text)
    changed, remaining = fix_registry(str(root))
    assert [c.path for c in changed] == [str((root / "f.yaml").resolve())]
    assert {f.code for f in changed[0].applied} == {"InvalidGroupUsesPrefix", EXPERIMENTAL}
    assert remaining == []


def test_a_missing_registry_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    proc = run_fix(tmp_path / "nope")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
