"""`registry review`: every finding code on authored registries (where it must and must not fire), its
fixes, the score's rubric and determinism. Ranking on real semconv pairs is in test_review_ranking.py."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from weavergen.check import CheckOptions, load_step, resolve_step
from weavergen.diagnostics import Diagnostic
from weavergen.fixes import apply_edits, fixes_for
from weavergen.review.report import ReviewReport, review
from weavergen.review.rubric import RULES

CLEAN = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - id: shop.order.id
        type: string
        stability: stable
        brief: The identifier the checkout service gives an order when it is placed.
        examples: ["o-1"]
      - id: shop.order.total
        type: double
        stability: stable
        brief: What the customer pays for an order, taxes included, in its currency.
        examples: [12.5]
  - id: metric.shop.checkout.duration
    type: metric
    metric_name: shop.checkout.duration
    brief: How long a checkout takes from the first click to the payment's confirmation.
    instrument: histogram
    unit: s
    stability: stable
    attributes:
      - ref: shop.order.id
        requirement_level: recommended
"""


def review_text(tmp_path: Path, text: str) -> tuple[ReviewReport, Path]:
    """Review a one-file registry; its report and the file."""
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    path = folder / "registry.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    options = CheckOptions(registry=str(folder))
    registry, _ = load_step(options)
    resolution = resolve_step(options, registry)
    assert resolution is not None
    return review(resolution), path


def codes_for(report: ReviewReport, name: str) -> list[str]:
    """The finding codes about the definition `name` (any kind)."""
    return sorted(d.code for d in report.findings if str(d.extra.get("item", "")).split(":", 1)[1] == name)


def only(report: ReviewReport, code: str) -> Diagnostic:
    found = [d for d in report.findings if d.code == code]
    assert len(found) == 1, [d.message for d in report.findings]
    return found[0]


def attribute(name: str, body: str) -> str:
    """An attribute entry of `registry.shop`, indented for CLEAN."""
    lines = [f"      - id: {name}"] + [
        f"        {line}" for line in textwrap.dedent(body).strip().splitlines()
    ]
    return "\n".join(lines) + "\n"


def with_attributes(*entries: str) -> str:
    """CLEAN with more attributes in `registry.shop`."""
    head, tail = CLEAN.split("  - id: metric.shop.checkout.duration")
    return head + "".join(entries) + "  - id: metric.shop.checkout.duration" + tail


def test_the_clean_registry_has_no_finding_and_scores_100(tmp_path: Path) -> None:
    report, _ = review_text(tmp_path, CLEAN)
    assert report.findings == []
    assert report.score == 100.0
    assert [(n.namespace, n.score, n.definitions) for n in report.namespaces] == [("shop", 100.0, 3)]


# documentation --------------------------------------------------------------------------------------


def test_missing_brief_on_a_signal(tmp_path: Path) -> None:
    report, _ = review_text(
        tmp_path,
        CLEAN.replace("How long a checkout takes", "").replace(
            "    brief:  from the first click to the payment's confirmation.\n", "    brief: ''\n"
        ),
    )
    assert "ReviewMissingBrief" in codes_for(report, "shop.checkout.duration")
    clean, _ = review_text(tmp_path, CLEAN)
    assert "ReviewMissingBrief" not in codes_for(clean, "shop.checkout.duration")


def test_a_brief_that_only_repeats_the_id(tmp_path: Path) -> None:
    report, _ = review_text(
        tmp_path,
        CLEAN.replace(
            "The identifier the checkout service gives an order when it is placed.", "The shop order ID."
        ),
    )
    finding = only(report, "ReviewBriefRepeatsId")
    assert finding.attribute_id == "shop.order.id"
    assert finding.range is not None and finding.range.start.line == 8  # the brief's line
    assert codes_for(report, "shop.order.total") == []


def test_missing_note_on_template_attributes_only(tmp_path: Path) -> None:
    text = with_attributes(
        attribute(
            "shop.order.header",
            """
            type: template[string]
            stability: development
            brief: Headers the shop received with the order, one attribute per header name.
            examples: ["a"]""",
        ),
        attribute(
            "shop.order.label",
            """
            type: template[string]
            stability: development
            brief: Labels the seller put on the order, one attribute per label key.
            note: The key is the label's name, lower-cased.
            examples: ["a"]""",
        ),
    )
    report, _ = review_text(tmp_path, text)
    assert codes_for(report, "shop.order.header") == ["ReviewMissingNote"]
    assert "ReviewMissingNote" not in codes_for(report, "shop.order.label")


def test_an_empty_note_is_found_and_removed_by_its_fix(tmp_path: Path) -> None:
    text = CLEAN.replace('        examples: ["o-1"]\n', '        examples: ["o-1"]\n        note: ""\n')
    report, path = review_text(tmp_path, text)
    finding = only(report, "ReviewEmptyNote")
    fixed = _apply_fix(finding, path)
    assert "note:" not in fixed and 'examples: ["o-1"]' in fixed
    assert review_text(tmp_path, fixed)[0].findings == []


def test_enum_members_without_brief(tmp_path: Path) -> None:
    text = with_attributes(
        attribute(
            "shop.order.state",
            """
            type:
              members:
                - id: open
                  value: open
                  brief: The order is placed and not yet paid.
                  stability: stable
                - id: paid
                  value: paid
                  stability: stable
            stability: stable
            brief: Where the order is in its life, from placement to payment.""",
        ),
    )
    report, _ = review_text(tmp_path, text)
    finding = only(report, "ReviewEnumMemberWithoutBrief")
    assert finding.extra["member"] == "paid" and "`paid`" in finding.message


def test_string_attribute_without_examples_and_its_fix(tmp_path: Path) -> None:
    report, path = review_text(tmp_path, CLEAN.replace('        examples: ["o-1"]\n', ""))
    finding = only(report, "ReviewStringWithoutExamples")
    fixed = _apply_fix(finding, path)
    assert 'examples: ["example"]' in fixed
    assert "ReviewStringWithoutExamples" not in codes_for(review_text(tmp_path, fixed)[0], "shop.order.id")
    # a double attribute needs no examples from the review
    assert "ReviewStringWithoutExamples" not in codes_for(report, "shop.order.total")


# naming --------------------------------------------------------------------------------------------


def test_segments_that_are_not_snake_case(tmp_path: Path) -> None:
    text = with_attributes(
        attribute(
            "shop.orderItem.count",
            """
        type: int
        stability: development
        brief: How many distinct products a placed order holds.
        examples: [3]""",
        )
    )
    report, _ = review_text(tmp_path, text)
    finding = only(report, "ReviewNameNotSnakeCase")
    assert "`orderItem`" in finding.message
    assert "ReviewNameNotSnakeCase" not in codes_for(report, "shop.order.id")


def test_plural_where_the_namespace_says_singular(tmp_path: Path) -> None:
    text = with_attributes(
        attribute(
            "shop.orders.weight",
            """
        type: double
        stability: development
        brief: The parcel's weight in kilograms when it leaves the warehouse.
        examples: [1.5]""",
        )
    )
    report, _ = review_text(tmp_path, text)
    finding = only(report, "ReviewNamespacePattern")
    assert finding.extra["pattern"] == "plural" and "`order`" in finding.message
    assert codes_for(report, "shop.order.total") == []


def test_count_style_against_the_namespace(tmp_path: Path) -> None:
    counts = [
        attribute(
            f"shop.{what}.count",
            f"""
            type: int
            stability: development
            brief: How many {what}s a basket held when the customer paid for it.
            examples: [2]""",
        )
        for what in ("coupon", "gift")
    ]
    odd = attribute(
        "shop.voucher_count",
        """
        type: int
        stability: development
        brief: How many vouchers a basket held when the customer paid for it.
        examples: [2]""",
    )
    report, _ = review_text(tmp_path, with_attributes(*counts, odd))
    finding = only(report, "ReviewNamespacePattern")
    assert finding.extra["pattern"] == "count" and finding.attribute_id == "shop.voucher_count"


def test_a_unit_in_the_name(tmp_path: Path) -> None:
    text = with_attributes(
        attribute(
            "shop.order.delay_ms",
            """
        type: int
        stability: development
        brief: How long the warehouse waited before it picked the order.
        examples: [20]""",
        )
    )
    report, _ = review_text(tmp_path, text)
    assert only(report, "ReviewNamespacePattern").extra["pattern"] == "unit_suffix"


def test_a_unit_that_is_not_ucum_has_its_ucum_spelling_as_fix(tmp_path: Path) -> None:
    report, path = review_text(tmp_path, CLEAN.replace("unit: s\n", "unit: seconds\n"))
    finding = only(report, "ReviewInvalidUnit")
    assert finding.help == "Write `s`."
    assert "unit: s\n" in _apply_fix(finding, path)
    for unit in ("s", "ms", "By/s", "{request}", "1", "%", "KiBy", "{packet}/s", "m/s2"):
        report, _ = review_text(tmp_path, CLEAN.replace("unit: s\n", f"unit: '{unit}'\n"))
        assert "ReviewInvalidUnit" not in codes_for(report, "shop.checkout.duration"), unit


def test_a_unit_that_disagrees_with_the_name(tmp_path: Path) -> None:
    report, _ = review_text(tmp_path, CLEAN.replace("unit: s\n", "unit: By\n"))
    finding = only(report, "ReviewUnitNameMismatch")
    assert "`duration`" in finding.message and "data" in finding.message


# near-duplicates -----------------------------------------------------------------------------------


def test_near_duplicates_in_other_words_with_both_positions(tmp_path: Path) -> None:
    text = with_attributes(
        attribute(
            "shop.customer.address",
            """
            type: string
            stability: stable
            brief: The postal address the customer wants the order delivered to.
            examples: ["1 Main St"]""",
        ),
        attribute(
            "shop.cust.delivery_addr",
            """
            type: string
            stability: development
            brief: Postal address where the customer wants the order to be delivered.
            examples: ["1 Main St"]""",
        ),
        attribute(
            "shop.customer.name",
            """
            type: string
            stability: stable
            brief: The full name of the customer as written on the invoice.
            examples: ["Ada"]""",
        ),
    )
    report, _ = review_text(tmp_path, text)
    finding = only(report, "ReviewNearDuplicate")
    assert finding.attribute_id == "shop.cust.delivery_addr"  # the less stable one gives way
    assert finding.extra["other"] == "shop.customer.address"
    assert finding.range is not None and finding.related and finding.related[0].range is not None
    assert [(p.a.name, p.b.name) for p in report.duplicates] == [
        ("shop.cust.delivery_addr", "shop.customer.address")
    ]


# lifecycle -----------------------------------------------------------------------------------------


def _deprecated(name: str, deprecation: str) -> str:
    body = "\n".join(
        [
            "type: string",
            "stability: development",
            "brief: The postal address the customer wants the order delivered to.",
            'examples: ["1 Main St"]',
            "deprecated:",
            *(f"  {line}" for line in deprecation.splitlines()),
        ]
    )
    return attribute(name, body)


LIVE_ADDRESS = attribute(
    "shop.customer.address",
    """
    type: string
    stability: stable
    brief: The postal address the customer wants the order delivered to.
    examples: ["1 Main St"]""",
)


def test_deprecated_without_renamed_to_where_a_successor_exists(tmp_path: Path) -> None:
    text = with_attributes(LIVE_ADDRESS, _deprecated("shop.cust.addr", "reason: uncategorized"))
    finding = only(review_text(tmp_path, text)[0], "ReviewDeprecatedWithoutRenamedTo")
    assert finding.extra["successor"] == "shop.customer.address"
    obsoleted = with_attributes(LIVE_ADDRESS, _deprecated("shop.cust.addr", "reason: obsoleted"))
    assert "ReviewDeprecatedWithoutRenamedTo" not in codes_for(
        review_text(tmp_path, obsoleted)[0], "shop.cust.addr"
    )


def test_renamed_to_a_deprecated_attribute_points_at_the_end_of_the_chain(tmp_path: Path) -> None:
    text = with_attributes(
        LIVE_ADDRESS,
        _deprecated("shop.cust.addr", "reason: renamed\nrenamed_to: shop.customer.addr"),
        _deprecated("shop.customer.addr", "reason: renamed\nrenamed_to: shop.customer.address"),
    )
    report, path = review_text(tmp_path, text)
    finding = only(report, "ReviewRenamedToDeprecated")
    assert finding.attribute_id == "shop.cust.addr"
    assert "`shop.customer.addr` → `shop.customer.address`" in finding.message
    assert "renamed_to: shop.customer.address" in _apply_fix(finding, path).split("shop.cust.addr")[1]
    assert "ReviewRenamedToDeprecated" not in codes_for(report, "shop.customer.addr")


def test_stable_signal_using_a_development_attribute(tmp_path: Path) -> None:
    text = with_attributes(
        attribute(
            "shop.order.channel",
            """
        type: string
        stability: development
        brief: Where the customer placed the order, such as the web shop or the phone app.
        examples: ["web"]""",
        )
    )
    used = text + "      - ref: shop.order.channel\n        requirement_level: recommended\n"
    finding = only(review_text(tmp_path, used)[0], "ReviewStableUsesDevelopment")
    assert finding.extra["attribute"] == "shop.order.channel" and finding.range is not None
    opt_in = text + "      - ref: shop.order.channel\n        requirement_level: opt_in\n"
    assert "ReviewStableUsesDevelopment" not in codes_for(
        review_text(tmp_path, opt_in)[0], "shop.checkout.duration"
    )


# the rubric ----------------------------------------------------------------------------------------


def test_the_score_is_the_mean_of_definitions_that_lose_each_findings_cost(tmp_path: Path) -> None:
    report, _ = review_text(tmp_path, CLEAN.replace("unit: s\n", "unit: seconds\n"))
    cost = RULES["ReviewInvalidUnit"].cost
    assert report.score == round(100 * (3 - cost) / 3, 1)
    assert report.namespace("shop") is not None
    assert report.namespace("shop").score == report.score  # type: ignore[union-attr]


def test_a_definition_never_scores_below_zero(tmp_path: Path) -> None:
    bad = (
        CLEAN.replace("unit: s\n", "unit: bytes\n")
        .replace(
            "brief: How long a checkout takes from the first click to the payment's confirmation.",
            "brief: ''",
        )
        .replace("stability: stable\n    attributes", "stability: stable\n    note: ''\n    attributes")
    )
    report, _ = review_text(tmp_path, bad)
    assert sum(float(d.extra["cost"]) for d in report.findings) >= 0.5
    assert 100 * 2 / 3 <= report.score < 100


def test_every_rule_is_documented_in_the_rubric_and_the_diagnostics_page() -> None:
    root = Path(__file__).resolve().parent.parent / "docs"
    rubric = (root / "review.md").read_text(encoding="utf-8")
    diagnostics = (root / "diagnostics.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f"`{code}`" in rubric and f"| {rule.cost:g} |" in rubric, code
        assert f"\n## {code}\n" in diagnostics, code


def test_the_review_is_deterministic(tmp_path: Path) -> None:
    import json

    text = with_attributes(LIVE_ADDRESS, _deprecated("shop.cust.addr", "reason: uncategorized"))
    first = json.dumps(review_text(tmp_path, text)[0].to_data(), sort_keys=True)
    second = json.dumps(review_text(tmp_path, text)[0].to_data(), sort_keys=True)
    assert first == second


def _apply_fix(finding: Diagnostic, path: Path) -> str:
    from weavergen.registry import load_registry

    registry = load_registry(str(path.parent))
    spec = next(f for f in registry.files if Path(f.provenance).resolve() == path.resolve())
    fixes = fixes_for(finding, spec)
    assert fixes, f"no fix for {finding.code}"
    return apply_edits(spec.text, list(fixes[0].edits))


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_code_has_a_rule_with_a_cost_in_zero_one(code: str) -> None:
    assert 0 < RULES[code].cost <= 1
