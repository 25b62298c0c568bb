"""What a broken file still contributes, and what the rest of the registry says about it (issue 18).

A syntax error costs only the top-level items that do not parse on their own; a schema error only the
field, entry or item it touches. A reference that may point into what could not be read gets one
`UncheckedReference` note, never an unresolved-reference error or a "did you mean" guess. And v2 files
get the same care as v1 files: positions on the naming key, examples type-checked.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from mutation_corpus import EXAMPLE

from weavergen.check import CheckOptions, CheckReport, check_registry
from weavergen.diagnostics import Diagnostic, Severity
from weavergen.document import parse


def example(tmp_path: Path, edits: dict[str, tuple[str, str]]) -> tuple[Path, CheckReport]:
    """The example registry with `old` replaced by `new` in some files, checked."""
    root = tmp_path / "registry"
    shutil.copytree(EXAMPLE, root)
    for rel, (old, new) in edits.items():
        text = (root / rel).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        (root / rel).write_text(text.replace(old, new, 1), encoding="utf-8")
    return root, check_registry(CheckOptions(registry=str(root)))


def codes(report: CheckReport) -> list[str]:
    return [d.code for d in report.diagnostics if d.severity is not Severity.ADVICE]


def notes(report: CheckReport) -> list[Diagnostic]:
    return [d for d in report.diagnostics if d.code == "UncheckedReference"]


def test_yaml_errors_in_two_files_invent_nothing(tmp_path: Path) -> None:
    """The issue's session: a YAML error in store/registry.yaml and one in checkout/metrics.yaml."""
    _, report = example(
        tmp_path,
        {
            "store/registry.yaml": (
                "        brief: Identifier of the store",
                '        brief: "Identifier of the store',
            ),
            "checkout/metrics.yaml": (
                "    instrument: histogram\n",
                "    instrument: histogram\n\tbad: tab\n",
            ),
        },
    )
    errors = [d for d in report.diagnostics if d.is_error]
    assert {d.code for d in errors} == {"DeserializationError"}, [d.message for d in errors]
    assert not any(
        "Did you mean" in (d.help or "") for d in report.diagnostics if d.code.startswith("Unresolved")
    )
    store = [
        d for d in notes(report) if d.error and d.error["UncheckedReference"]["reference"] == "shop.store.id"
    ]
    assert store and all("store/registry.yaml" in d.message for d in store)
    assert all(d.severity is Severity.ADVICE for d in notes(report))


def test_unknown_key_keeps_the_group(tmp_path: Path) -> None:
    """`colour: blue` is one schema error; the group still resolves, so nothing that extends it breaks."""
    _, report = example(
        tmp_path,
        {
            "checkout/common.yaml": (
                "    extends: shop.checkout.common\n",
                "    extends: shop.checkout.common\n    colour: blue\n",
            )
        },
    )
    assert codes(report).count("InvalidSemConvSpec") == 1
    assert "UnresolvedExtendsRef" not in codes(report) and notes(report) == []
    assert report.resolution is not None
    submit = report.resolution.by_id["span.shop.checkout.submit"]
    assert "shop.store.id" in {a["name"] for a in submit.attributes}


def test_wrong_type_makes_refs_unchecked_not_undefined(tmp_path: Path) -> None:
    """`type: integer` sets the attribute aside; refs to it say why, and never "define it first"."""
    _, report = example(
        tmp_path,
        {
            "store/registry.yaml": (
                "      - id: shop.store.id\n        type: string",
                "      - id: shop.store.id\n        type: integer",
            )
        },
    )
    assert "UnresolvedAttributeRef" not in codes(report)
    refs = notes(report)
    assert refs and all(
        d.error and d.error["UncheckedReference"]["reference"] == "shop.store.id" for d in refs
    )
    assert all("its definition in" in d.message and "(line 9)" in d.message for d in refs)
    assert not any("Define the attribute" in (d.help or "") for d in report.diagnostics)
    # the other attributes of the group still resolve
    assert report.resolution is not None and "shop.store.region" in report.resolution.definitions


def test_did_you_mean_never_names_the_referring_group(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    root.mkdir()
    (root / "a.yaml").write_text(
        textwrap.dedent(
            """\
            groups:
              - id: shop.checkout.payment
                type: attribute_group
                brief: P.
                stability: stable
                extends: shop.checkout.payments
                attributes: []
            """
        )
    )
    report = check_registry(CheckOptions(registry=str(root)))
    (d,) = [d for d in report.diagnostics if d.code == "UnresolvedExtendsRef"]
    assert d.help is None or "shop.checkout.payment`" not in d.help


def test_syntax_error_keeps_the_other_items() -> None:
    text = textwrap.dedent(
        """\
        groups:
          - id: registry.a
            type: attribute_group
            brief: "never closed
          - id: registry.b
            type: attribute_group
            brief: B.
        """
    )
    doc = parse(text, "x.yaml")
    assert doc.failed and [g["id"] for g in doc.data["groups"]] == ["registry.b"]
    assert doc.spans[("groups", 0, "id")][0] == 4  # positions are those of the whole file
    assert [(r.start, r.end) for r in doc.unparsed] == [(1, 4)] and "registry.a" in (
        doc.unparsed[0].words or ()
    )


# --- v2 files as carefully as v1 ---------------------------------------------------------------------

V2_A = """\
file_format: definition/2
attributes:
  - key: shop.weight
    type: double
    brief: Weight.
    stability: stable
    examples: ["heavy"]

  - key: shop.size
    type: int
    brief: Size.
    stability: stable
spans:
  - type: shop.run
    kind: internal
    brief: Run.
    stability: stable
    name:
      note: run
"""
V2_B = """\
file_format: definition/2
attributes:

  - brief: Size.
    key: shop.size
    type: int
    stability: stable
spans:
  - brief: Run again.
    stability: stable
    kind: internal
    name:
      note: run
    type: shop.run
"""


def v2_report(tmp_path: Path) -> CheckReport:
    root = tmp_path / "v2"
    root.mkdir()
    (root / "a.yaml").write_text(V2_A)
    (root / "b.yaml").write_text(V2_B)
    return check_registry(CheckOptions(registry=str(root)))


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n")


def _places(d: Diagnostic) -> dict[str, int]:
    """File name to start line of a diagnostic and of its related places."""
    out = {Path(d.file or "").name: d.range.start.line if d.range else -1}
    out.update({Path(r.file).name: r.range.start.line if r.range else -1 for r in d.related})
    return out


def test_v2_duplicate_group_points_at_the_naming_key(tmp_path: Path) -> None:
    report = v2_report(tmp_path)
    (dup,) = [d for d in report.diagnostics if d.code == "DuplicateGroupId"]
    assert _places(dup) == {
        "a.yaml": _line_of(V2_A, "type: shop.run"),
        "b.yaml": _line_of(V2_B, "type: shop.run"),
    }


def test_v2_duplicate_attribute_starts_on_the_key(tmp_path: Path) -> None:
    report = v2_report(tmp_path)
    (dup,) = [d for d in report.diagnostics if d.code == "DuplicateAttributeId"]
    places = _places(dup)
    assert places == {"a.yaml": _line_of(V2_A, "key: shop.size"), "b.yaml": _line_of(V2_B, "key: shop.size")}
    for name, text in (("a.yaml", V2_A), ("b.yaml", V2_B)):
        assert text.splitlines()[places[name]].strip(), "a range must not start on a blank line"


def test_v2_examples_are_type_checked(tmp_path: Path) -> None:
    report = v2_report(tmp_path)
    (d,) = [d for d in report.diagnostics if d.code == "InvalidExampleError"]
    assert d.file is not None and d.file.endswith("a.yaml") and d.severity is Severity.ERROR
    assert "`shop.weight`" in d.message and "All examples MUST be of type `double`" in d.message
    assert d.range is not None and d.range.start.line == _line_of(V2_A, 'examples: ["heavy"]')
