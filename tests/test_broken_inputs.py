"""Broken-input suite: one tiny registry per diagnostic code, each checked for code, severity, file and place.

Every case writes its files into `tmp_path`, runs `check_registry` and looks for the diagnostic weaver
documents for that input (reference/weaver.md §4). The expected line is not written as a number: it is
the line of an *anchor* — the piece of YAML that is wrong — so each expectation reads as "the error is
here". Columns are zero-based, lines one-based.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from weavergen.check import CheckOptions, CheckReport, check_registry
from weavergen.diagnostics import Diagnostic, Severity

E = Severity.ERROR
W = Severity.WARNING

ATTR = """
groups:
  - id: registry.x
    type: attribute_group
    brief: X.
    attributes:
      - id: x.a
        type: int
        brief: A.
        stability: stable
"""


@dataclass(frozen=True)
class Case:
    """One broken registry and the diagnostic weaver reports for it."""

    id: str
    files: dict[str, str]
    code: str
    severity: Severity
    file: str
    anchor: str
    phrases: tuple[str, ...]
    occurrence: int = 1  # which occurrence of `anchor` in `file` the diagnostic points at
    column: bool = True  # whether the diagnostic starts exactly at the anchor
    options: dict[str, object] = field(default_factory=dict)
    marks: tuple[pytest.MarkDecorator, ...] = ()


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def anchor_position(text: str, anchor: str, occurrence: int) -> tuple[int, int]:
    """One-based line and zero-based column of the n-th occurrence of `anchor` in `text`."""
    at = -1
    for _ in range(occurrence):
        at = text.find(anchor, at + 1)
        assert at >= 0, f"anchor {anchor!r} (occurrence {occurrence}) not in the test's YAML"
    before = text[:at]
    return before.count("\n") + 1, at - (before.rfind("\n") + 1)


CASES: list[Case] = [
    # --- §4.1 parsing --------------------------------------------------------------------------------
    Case(
        "yaml-syntax-error",
        {"a.yaml": ATTR.replace("        brief: A.", "         brief: A.")},
        "DeserializationError",
        E,
        "a.yaml",
        "         brief: A.",
        ("mapping values are not allowed",),
        column=False,
    ),
    Case(
        "duplicate-key",
        {"a.yaml": ATTR.replace("    brief: X.\n", "    brief: X.\n    brief: Y.\n")},
        "DeserializationError",
        E,
        "a.yaml",
        "brief: Y.",
        ("duplicate entry with key", "brief"),
    ),
    Case(
        "root-not-a-mapping",
        {"a.yaml": "- a\n- b\n"},
        "DeserializationError",
        E,
        "a.yaml",
        "- a",
        ("Expected a YAML mapping at the root, but found: Sequence",),
    ),
    Case(
        "unknown-key",
        {"a.yaml": ATTR.replace("    brief: X.\n", "    brief: X.\n    colour: red\n")},
        "InvalidSemConvSpec",
        E,
        "a.yaml",
        "colour",
        ("Object contains unexpected properties: colour.", "not defined in the schema"),
    ),
    Case(
        "missing-required-property",
        {"a.yaml": ATTR.replace("  - id: registry.x\n    type:", "  - type:")},
        "InvalidSemConvSpec",
        E,
        "a.yaml",
        "- type: attribute_group",
        ("Missing required property: id.",),
        column=False,
    ),
    Case(
        "bad-enum-value",
        {
            "a.yaml": """
            groups:
              - id: span.x
                type: span
                brief: X.
                stability: stable
                span_kind: sideways
                attributes:
                  - ref: x.a
            """
        },
        "InvalidSemConvSpec",
        E,
        "a.yaml",
        "sideways",
        ('Value "sideways" is not among the allowed options', '"client"'),
    ),
    Case(
        "invalid-file-format",
        {"a.yaml": "file_format: definition/3\ngroups: []\n"},
        "InvalidFileFormat",
        E,
        "a.yaml",
        "definition/3",
        ("Invalid file format: `file_format: definition/3`.", "Expected 'file_format: definition/1'"),
    ),
    Case(
        "unstable-file-format",
        {
            "a.yaml": "file_format: definition/2\nattributes:\n"
            "  - {key: x.a, type: int, brief: A., stability: stable}\n"
        },
        "UnstableFileFormat",
        W,
        "a.yaml",
        "definition/2",
        ("File format `definition/2` is not yet stable",),
    ),
    Case(
        "deprecated-version-field",
        {"a.yaml": 'version: "1"\n' + dedent(ATTR)},
        "DeprecatedVersionField",
        W,
        "a.yaml",
        "version",
        ("The 'version' field is deprecated", "Please use 'file_format: definition/2' instead"),
    ),
    # --- §4.1 group rules ----------------------------------------------------------------------------
    Case(
        "span-kind-on-non-span",
        {"a.yaml": ATTR.replace("    brief: X.\n", "    brief: X.\n    span_kind: client\n")},
        "InvalidGroup",
        E,
        "a.yaml",
        "span_kind",
        ("Invalid group 'registry.x'", "span_kind field but the type is not set to span"),
    ),
    Case(
        "body-on-non-event",
        {
            "a.yaml": """
            groups:
              - id: metric.x
                type: metric
                brief: X.
                stability: stable
                metric_name: x
                instrument: counter
                unit: "1"
                body:
                  id: payload
                  type: string
                  brief: B.
                  stability: stable
                  requirement_level: required
                  examples: ["b"]
            """
        },
        "InvalidGroup",
        E,
        "a.yaml",
        "body",
        ("Invalid group 'metric.x'", "body field but the type is not set to event"),
    ),
    Case(
        "entity-associations-on-attribute-group",
        {"a.yaml": ATTR.replace("    brief: X.\n", "    brief: X.\n    entity_associations: [host]\n")},
        "InvalidGroup",
        E,
        "a.yaml",
        "entity_associations",
        ("Invalid group 'registry.x'", "Group with entity_associations cannot have type"),
    ),
    Case(
        "duplicate-attribute-ref",
        {
            "a.yaml": ATTR
            + """
  - id: span.x
    type: span
    brief: S.
    stability: stable
    span_kind: client
    attributes:
      - ref: x.a
      - ref: x.a
"""
        },
        "InvalidGroupDuplicateAttributeRef",
        W,
        "a.yaml",
        "x.a",
        ("Duplicate attribute refs for 'x.a' found on group 'span.x'",),
        occurrence=3,
    ),
    Case(
        "group-missing-stability",
        {
            "a.yaml": ATTR
            + """
  - id: span.x
    type: span
    brief: S.
    span_kind: client
    attributes:
      - ref: x.a
"""
        },
        "InvalidGroupStability",
        W,
        "a.yaml",
        "span.x",
        ("Invalid stability on group 'span.x'", "does not contain a stability field"),
    ),
    Case(
        "group-missing-extends-or-attributes",
        {
            "a.yaml": "groups:\n  - id: span.x\n    type: span\n    brief: S.\n"
            "    stability: stable\n    span_kind: client\n"
        },
        "InvalidGroupMissingExtendsOrAttributes",
        W,
        "a.yaml",
        "span.x",
        ("Invalid group 'span.x', missing extends or attributes",),
    ),
    Case(
        "group-missing-type",
        {"a.yaml": ATTR.replace("    type: attribute_group\n", "")},
        "InvalidGroupMissingType",
        W,
        "a.yaml",
        "registry.x",
        ("Invalid group 'registry.x', missing type",),
    ),
    Case(
        "span-missing-span-kind",
        {
            "a.yaml": ATTR
            + """
  - id: span.x
    type: span
    brief: S.
    stability: stable
    attributes:
      - ref: x.a
"""
        },
        "InvalidSpanMissingSpanKind",
        W,
        "a.yaml",
        "span.x",
        ("Invalid Span group 'span.x', missing span_kind", "the span_kind is not set"),
    ),
    Case(
        "group-uses-prefix",
        {
            "a.yaml": ATTR.replace("    brief: X.\n", "    brief: X.\n    prefix: x\n").replace(
                "id: x.a", "id: a"
            )
        },
        "InvalidGroupUsesPrefix",
        W,
        "a.yaml",
        "prefix",
        ("The group `registry.x` defines a prefix. These are no longer used.",),
    ),
    Case(
        "metric-missing-unit",
        {
            "a.yaml": """
            groups:
              - id: metric.x
                type: metric
                brief: X.
                stability: stable
                metric_name: x
                instrument: counter
            """
        },
        "InvalidMetric",
        E,
        "a.yaml",
        "metric.x",
        ("Invalid metric definition", "group_id=`metric.x`", "the unit is not set"),
    ),
    # --- §4.1 attribute rules ------------------------------------------------------------------------
    Case(
        "attribute-missing-brief",
        {"a.yaml": ATTR.replace("        brief: A.\n", "")},
        "InvalidAttribute",
        E,
        "a.yaml",
        "x.a",
        ("attribute_id='x.a'", "does not contain a brief field"),
    ),
    Case(
        "attribute-missing-stability",
        {"a.yaml": ATTR.replace("        stability: stable\n", "")},
        "InvalidAttributeWarning",
        W,
        "a.yaml",
        "x.a",
        ("attribute_id='x.a'", "Missing stability field."),
    ),
    Case(
        "example-of-wrong-type",
        {"a.yaml": ATTR + '        examples: ["eighty"]\n'},
        "InvalidExampleError",
        E,
        "a.yaml",
        '["eighty"]',
        (
            "The attribute `x.a` in the group `registry.x` contains an invalid example.",
            "MUST be of type `int`",
        ),
    ),
    Case(
        "flat-examples-on-array",
        {"a.yaml": ATTR.replace("type: int", "type: int[]") + "        examples: [1, 2]\n"},
        "InvalidExampleWarning",
        W,
        "a.yaml",
        "[1, 2]",
        ("will be considered invalid in the future", "SHOULD be of type `int[]`"),
    ),
    Case(
        "unstructured-deprecated",
        {"a.yaml": ATTR + "        deprecated: Use x.b instead.\n"},
        "UnstructuredDeprecatedProperty",
        W,
        "a.yaml",
        "Use x.b instead.",
        ("The `deprecated` property in `x.a` is invalid.",),
    ),
    Case(
        "any-value-missing-stability",
        {
            "a.yaml": """
            groups:
              - id: event.x
                type: event
                name: x
                brief: X.
                stability: stable
                body:
                  id: payload
                  type: int
                  brief: B.
                  requirement_level: required
            """
        },
        "InvalidAnyValue",
        W,
        "a.yaml",
        "payload",
        ("The value `payload` in the group `event.x` is invalid.", "Missing stability field."),
    ),
    Case(
        "any-value-example-of-wrong-type",
        {
            "a.yaml": """
            groups:
              - id: event.x
                type: event
                name: x
                brief: X.
                stability: stable
                body:
                  id: payload
                  type: int
                  brief: B.
                  stability: stable
                  requirement_level: required
                  examples: ["nope"]
            """
        },
        "InvalidAnyValueExampleError",
        E,
        "a.yaml",
        '["nope"]',
        ("The value `payload` in the group `event.x` contains an invalid example.", "MUST be of type `int`"),
    ),
    # --- §4.1 v2 files -------------------------------------------------------------------------------
    Case(
        "v2-signal-missing-requirement-level",
        {
            "a.yaml": """
            file_format: definition/2
            attributes:
              - {key: x.a, type: int, brief: A., stability: stable}
            metrics:
              - name: x.count
                instrument: counter
                unit: "1"
                brief: C.
                stability: stable
                attributes:
                  - ref: x.a
            """
        },
        "MissingRequirementLevelWarning",
        W,
        "a.yaml",
        "x.count",
        ("The signal group `metric.x.count` does not set `requirement_level`.",),
    ),
    Case(
        "v2-attribute-in-identity-and-description",
        {
            "a.yaml": """
            file_format: definition/2
            attributes:
              - {key: x.a, type: int, brief: A., stability: stable}
            entities:
              - type: x
                brief: E.
                stability: stable
                requirement_level: recommended
                identity:
                  - ref: x.a
                description:
                  - ref: x.a
            """
        },
        "AttributeInIdentityAndDescription",
        E,
        "a.yaml",
        "x.a",
        ("The attribute `x.a` is listed under both `identity` and `description` of `x`.",),
        occurrence=3,
    ),
    Case(
        "v2-entity-missing-identity",
        {
            "a.yaml": """
            file_format: definition/2
            entities:
              - type: x
                brief: E.
                stability: stable
                requirement_level: recommended
                identity: []
            """
        },
        "EntityMissingIdentity",
        E,
        "a.yaml",
        "[]",
        ("The entity `x` does not declare any `identity` attributes.",),
    ),
    # --- §4.1 manifests ------------------------------------------------------------------------------
    Case(
        "legacy-manifest-name",
        {"registry_manifest.yaml": "schema_url: https://example.com/schemas/1.0.0\n", "a.yaml": ATTR},
        "LegacyRegistryManifest",
        W,
        "registry_manifest.yaml",
        "schema_url",
        ("is using a legacy file name", "Please rename it to `manifest.yaml`"),
    ),
    Case(
        "invalid-manifest",
        {"manifest.yaml": "schema_url: https://example.com/schemas/1.0.0\nstability: 42\n", "a.yaml": ATTR},
        "InvalidRegistryManifest",
        E,
        "manifest.yaml",
        "42",
        ("The registry manifest at", "is invalid.", "Value 42 is not among the allowed options"),
    ),
    Case(
        "deprecated-manifest-syntax",
        {
            "manifest.yaml": "name: acme\nsemconv_version: 1.0.0\nschema_base_url: https://acme.example.com/s/\n",
            "a.yaml": ATTR,
        },
        "DeprecatedSyntaxInRegistryManifest",
        W,
        "manifest.yaml",
        "semconv_version",
        ("The syntax used in the registry manifest at", "is deprecated"),
    ),
    # --- §4.2 resolution -----------------------------------------------------------------------------
    Case(
        "unresolved-attribute-ref",
        {
            "a.yaml": ATTR,
            "b.yaml": """
            groups:
              - id: span.x
                type: span
                brief: S.
                stability: stable
                span_kind: client
                attributes:
                  - ref: x.missing
            """,
        },
        "UnresolvedAttributeRef",
        E,
        "b.yaml",
        "x.missing",
        ("attribute reference is not resolved for the group 'span.x'", "Attribute reference: x.missing"),
    ),
    Case(
        "unresolved-extends",
        {
            "a.yaml": ATTR,
            "b.yaml": """
            groups:
              - id: span.x
                type: span
                brief: S.
                stability: stable
                span_kind: client
                extends: nowhere
            """,
        },
        "UnresolvedExtendsRef",
        E,
        "b.yaml",
        "nowhere",
        ("`extends` clause reference is not resolved for the group 'span.x'", "reference: nowhere"),
    ),
    Case(
        "unresolved-include",
        {
            "a.yaml": """
            file_format: definition/2
            attributes:
              - {key: x.a, type: int, brief: A., stability: stable}
            metrics:
              - name: x.count
                instrument: counter
                unit: "1"
                brief: C.
                stability: stable
                requirement_level: recommended
                attributes:
                  - ref_group: nowhere
            """
        },
        "UnresolvedIncludeRef",
        E,
        "a.yaml",
        "nowhere",
        (
            "`include` reference is not resolved for the group 'metric.x.count'",
            "`include` reference: nowhere",
        ),
    ),
    Case(
        "duplicate-group-id",
        {"a.yaml": ATTR, "b.yaml": ATTR.replace("x.a", "x.b")},
        "DuplicateGroupId",
        W,
        "a.yaml",
        "registry.x",
        ("The group id `registry.x` is declared multiple times",),
    ),
    Case(
        "duplicate-metric-name",
        {
            "a.yaml": """
            groups:
              - id: metric.one
                type: metric
                brief: One.
                stability: stable
                metric_name: x.count
                instrument: counter
                unit: "1"
              - id: metric.two
                type: metric
                brief: Two.
                stability: stable
                metric_name: x.count
                instrument: counter
                unit: "1"
            """
        },
        "DuplicateMetricName",
        W,
        "a.yaml",
        "metric.one",
        ("The metric name `x.count` is declared multiple times", "metric.one", "metric.two"),
    ),
    Case(
        "duplicate-group-name",
        {
            "a.yaml": """
            groups:
              - id: event.one
                type: event
                name: x.happened
                brief: One.
                stability: stable
              - id: event.two
                type: event
                name: x.happened
                brief: Two.
                stability: stable
            """
        },
        "DuplicateGroupName",
        W,
        "a.yaml",
        "event.one",
        ("The group name `x.happened` is declared multiple times",),
    ),
    Case(
        "duplicate-attribute-id",
        {"a.yaml": ATTR, "b.yaml": ATTR.replace("registry.x", "registry.y")},
        "DuplicateAttributeId",
        E,
        "a.yaml",
        "x.a",
        ("The attribute id `x.a` is declared multiple times", "registry.x", "registry.y"),
    ),
    Case(
        "refinement-of-other-type",
        {
            # A v1 event squats the id a metric refinement's `ref` translates to (`metric.foo`).
            "a.yaml": """
            groups:
              - id: metric.foo
                type: event
                name: foo
                brief: An event.
                stability: stable
            """,
            "b.yaml": "file_format: definition/2\nmetric_refinements:\n  - id: foo.special\n    ref: foo\n",
        },
        "InvalidRefinement",
        E,
        "b.yaml",
        "foo",
        ("Refinement `foo.special` of type `metric` cannot refine signal `metric.foo` of type `event`.",),
        occurrence=2,
    ),
    Case(
        "entity-refinement-changes-identity",
        {
            "a.yaml": """
            file_format: definition/2
            attributes:
              - {key: host.id, type: string, brief: Id., stability: stable, examples: ["h"]}
              - {key: host.name, type: string, brief: Name., stability: stable, examples: ["n"]}
            entities:
              - type: host
                brief: Host.
                stability: stable
                requirement_level: recommended
                identity:
                  - ref: host.id
                description:
                  - ref: host.name
            entity_refinements:
              - id: host.special
                ref: host
                identity:
                  - ref: host.name
            """
        },
        "EntityRefinementChangedIdentity",
        E,
        "a.yaml",
        "host.name",
        ("Entity refinement `host.special` changes the identity of", "host.name"),
        occurrence=3,
        column=False,
    ),
    # --- §4.3 policies -------------------------------------------------------------------------------
    Case(
        "invalid-policy-file",
        {"a.yaml": ATTR, "broken.rego": "package after_resolution\n\ndeny contains x if {\n  x := {\n"},
        "InvalidPolicyFile",
        E,
        "broken.rego",
        "x := {",
        ("Invalid policy file", "broken.rego"),
        column=False,
    ),
    Case(
        "policy-violation",
        {
            "a.yaml": ATTR,
            "no_int.rego": """
            package after_resolution

            import rego.v1

            deny contains finding if {
              some group in input.groups
              some attr in group.attributes
              attr.type == "int"
              finding := {
                "id": "no_int",
                "level": "violation",
                "message": sprintf("Attribute '%s' must not be an int.", [attr.name]),
                "context": {"attribute_key": attr.name},
              }
            }
            """,
        },
        "no_int",
        E,
        "a.yaml",
        "x.a",
        ("Policy violation:", "Attribute 'x.a' must not be an int.", "provenance:"),
    ),
    Case(
        "before-resolution-with-v2",
        {"a.yaml": ATTR, "before.rego": "package before_resolution\n\ndeny contains 1 if {\n  false\n}\n"},
        "BeforeResolutionUnsupported",
        W,
        "",
        "",
        ('The usage of "before-resolution" rego policies is unsupported with V2 schema.',),
        options={"v2": True},
    ),
]


def write_registry(root: Path, files: dict[str, str]) -> Path:
    """Write the case's files under `root/reg` and return that folder."""
    registry = root / "reg"
    for name, text in files.items():
        path = registry / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return registry


def check(registry: Path, **options: object) -> CheckReport:
    return check_registry(CheckOptions(registry=str(registry), **options))


def describe(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(
        f"{d.code} {d.severity.value} {d.file} {d.range.start if d.range else None}: {d.message}"
        for d in diagnostics
    )


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_broken_input_is_reported_where_it_is(case: Case, tmp_path: Path) -> None:
    """Each broken registry yields weaver's code and severity, on the file and line that is wrong."""
    registry = write_registry(tmp_path, case.files)
    report = check(registry, **case.options)
    found = [d for d in report.diagnostics if d.code == case.code]
    assert found, f"no {case.code} among:\n{describe(report.diagnostics)}"
    if not case.file:  # a diagnostic about the whole run: weaver gives it no location either
        [d] = found
        assert d.severity is case.severity
        for phrase in case.phrases:
            assert phrase in d.message
        return
    text = dedent(case.files[case.file])
    line, column = anchor_position(text, case.anchor, case.occurrence)
    expected_file = f"{registry}/{case.file}"
    here = [
        d for d in found if d.file == expected_file and d.range is not None and d.range.start.line + 1 == line
    ]
    assert here, f"no {case.code} at {case.file}:{line} among:\n{describe(found)}"
    d = here[0]
    assert d.severity is case.severity
    if case.column:
        assert d.range is not None and d.range.start.column == column, describe([d])
    for phrase in case.phrases:
        assert phrase in d.message, d.message


def test_missing_registry_is_registry_not_found(tmp_path: Path) -> None:
    """A `-r` path that does not exist is weaver's RegistryNotFound error, naming the path."""
    missing = tmp_path / "no-such-registry"
    report = check(missing)
    [d] = report.diagnostics
    assert (d.code, d.severity) == ("RegistryNotFound", E)
    assert f"The semantic convention registry is not found (path_or_url: {missing})" in d.message


def test_case_table_covers_enough_codes() -> None:
    """The table exercises at least 25 distinct diagnostic codes."""
    assert len({c.code for c in CASES} | {"RegistryNotFound"}) >= 25


def _cli(registry: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("weavergen")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "weavergen.cli"]
    return subprocess.run(
        [*command, "registry", "check", "-r", registry.name, "--diagnostic-format", "json"],
        cwd=registry.parent,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_exit_code_is_1_on_error_and_0_on_warnings_only(tmp_path: Path) -> None:
    """weaver.md §1.4: an error makes the run exit 1; warnings alone are printed and exit 0."""
    error = write_registry(tmp_path / "error", {"a.yaml": ATTR.replace("        brief: A.\n", "")})
    warning = write_registry(
        tmp_path / "warning", {"a.yaml": ATTR.replace("        stability: stable\n", "")}
    )
    failed = _cli(error)
    assert failed.returncode == 1, failed.stderr
    assert "InvalidAttribute" in failed.stdout + failed.stderr
    passed = _cli(warning)
    assert passed.returncode == 0, passed.stderr
    assert "InvalidAttributeWarning" in passed.stdout + passed.stderr
