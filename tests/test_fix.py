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
from weavergen.fixer import fix_registry
from weavergen.fixes import EXPERIMENTAL
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
_SHOP = """groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop.
    attributes:
      - id: shop.cart.item_count
        type: int
        brief: Items in the cart.
        stability: development
        examples: [3]
      - id: shop.order.id
        type: string
        brief: The order.
        stability: development
        examples: ["o-1"]
  - id: shop.common
    type: attribute_group
    brief: Common.
    attributes:
      - ref: shop.order.id
  - id: span.shop.checkout
    type: span
    span_kind: client
    brief: Checkout.
    stability: development
    extends: shop.common
    attributes:
      - ref: shop.cart.item_count
        requirement_level: required
"""
_SHOP_V2 = """file_format: definition/2
attributes:
  - key: shop.size
    type: int
    brief: A size.
    stability: development
attribute_groups:
  - id: shop.sizes
    visibility: internal
    attributes:
      - ref: shop.size
metrics:
  - name: shop.sizes
    instrument: histogram
    unit: "By"
    brief: Sizes.
    stability: development
    requirement_level: recommended
    attributes:
      - ref_group: shop.sizes
metric_refinements:
  - id: shop.sizes.refined
    ref: shop.sizes
    brief: Refined sizes.
"""
# "Did you mean" diagnostics: each carries its replacement, which both faces apply.
SUGGESTIONS = {
    "unresolved_ref": (
        "UnresolvedAttributeRef",
        ("- ref: shop.cart.item_count", "- ref: shop.cart.item_cont"),
    ),
    "unresolved_extends": ("UnresolvedExtendsRef", ("extends: shop.common", "extends: shop.comon")),
    "unknown_key": ("InvalidSemConvSpec", ("        brief: The order.", "        breif: The order.")),
    "misspelt_stability": (
        "InvalidSemConvSpec",
        ("stability: development\n        examples: [3]", "stability: developmnt\n        examples: [3]"),
    ),
    "misspelt_requirement_level": (
        "InvalidSemConvSpec",
        ("requirement_level: required", "requirement_level: reqired"),
    ),
    "unknown_type": ("InvalidSemConvSpec", ("type: int\n", "type: integer\n")),
    "unknown_enum_value": ("InvalidSemConvSpec", ("span_kind: client", "span_kind: clinet")),
    "quoted_unknown_value": ("InvalidSemConvSpec", ("span_kind: client", 'span_kind: "clinet"')),
}
for _name, (_code, (_good, _bad)) in SUGGESTIONS.items():
    CASES[_name] = (_code, _SHOP.replace(_good, _bad, 1))
CASES["unresolved_include_v2"] = (
    "UnresolvedIncludeRef",
    _SHOP_V2.replace("ref_group: shop.sizes", "ref_group: shop.sise"),
)
CASES["unresolved_refinement_v2"] = (
    "UnresolvedExtendsRef",
    _SHOP_V2.replace("ref: shop.sizes\n    brief: Refined", "ref: shop.sizez\n    brief: Refined"),
)
CASES["unresolved_ref_v2"] = (
    "UnresolvedAttributeRef",
    _SHOP_V2.replace("      - ref: shop.size\n", "      - ref: shop.sise\n"),
)
CASES["version_field"] = ("DeprecatedVersionField", 'version: "2"\n' + _SHOP_V2.split("\n", 1)[1])
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


@pytest.mark.parametrize("case", sorted(n for n in CASES if n in SUGGESTIONS or n.endswith("_v2")))
def test_each_did_you_mean_fix_writes_exactly_the_suggestion(case: str, tmp_path: Path) -> None:
    code, text = CASES[case]
    intended = _SHOP_V2 if case.endswith("_v2") else _SHOP
    if case == "quoted_unknown_value":
        intended = _SHOP.replace("span_kind: client", 'span_kind: "client"')
    root = make(tmp_path / case, text)
    ws = RegistryWorkspace(root, None)
    (suggesting,) = {d.help for ds in ws.all_diagnostics().values() for d in ds if d.code == code}
    assert suggesting is not None and suggesting.startswith("Did you mean `")
    proc = run_fix(root, "--code", code, "--apply")
    assert proc.returncode == 0, proc.stderr
    assert (root / "f.yaml").read_text() == intended
    assert "Replace `" in proc.stderr


@pytest.mark.parametrize(
    ("manifest", "intended"),
    [
        (
            "schema_ulr: https://example.com/schemas/demo/1.0.0\n",
            "schema_url: https://example.com/schemas/demo/1.0.0\n",
        ),
        (
            "name: demo\nschema_base_url: https://example.com/schemas/demo/\nsemconv_version: 1.0.0\n",
            "name: demo\nschema_url: https://example.com/schemas/demo/1.0.0\n",
        ),
    ],
)
def test_manifest_suggestions_are_fixed(manifest: str, intended: str, tmp_path: Path) -> None:
    root = make(tmp_path / "r", _SHOP)
    (root / "manifest.yaml").write_text(manifest)
    assert codes(root)
    proc = run_fix(root, "--apply")
    assert proc.returncode == 0, proc.stderr
    assert (root / "manifest.yaml").read_text() == intended
    assert codes(root) == []


def test_the_diagnostics_reference_says_for_each_code_whether_it_has_a_quick_fix() -> None:
    from weavergen.fixes import _BUILDERS

    text = (Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md").read_text()
    sections = {s.split()[0]: s for s in text.split("\n## ")[1:]}
    intro = {"Workflow", "Generation", "Live-check"}
    missing = [c for c, s in sections.items() if c not in intro and "**Quick fix.**" not in s]
    assert missing == []
    for code in [*_BUILDERS, *{c for c, _ in SUGGESTIONS.values()}, "UnresolvedIncludeRef"]:
        assert "**Quick fix.** yes" in sections[code], code
