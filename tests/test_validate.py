"""Per-file validation: each weaver diagnostic, its severity, its exact text and where it points."""

from __future__ import annotations

import textwrap

from weavergen.diagnostics import Diagnostic, Range, Severity
from weavergen.document import parse
from weavergen.validate import V1, V2, FileCheck, validate_document, validate_manifest

P = "reg/file.yaml"
Q = '"reg/file.yaml"'


def check(text: str) -> FileCheck:
    doc = parse(textwrap.dedent(text).lstrip("\n"), P)
    assert doc.ok, doc.diagnostics
    return validate_document(doc)


def only(result: FileCheck, code: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


def rng(d: Diagnostic) -> tuple[int, int, int, int]:
    assert d.range is not None
    return (d.range.start.line, d.range.start.column, d.range.end.line, d.range.end.column)


GOOD_ATTR = """
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


def test_clean_v1_file_has_no_diagnostics() -> None:
    result = check(GOOD_ATTR)
    assert result.file_format == V1
    assert result.diagnostics == []
    assert result.invalid_items == set()


def test_root_must_be_a_mapping() -> None:
    result = check("- a\n- b\n")
    assert result.file_format is None
    [d] = result.diagnostics
    assert (d.code, d.severity) == ("DeserializationError", Severity.ERROR)
    assert d.message == "Expected a YAML mapping at the root, but found: Sequence"
    assert rng(d) == (0, 0, 2, 0)


def test_v2_format_is_unstable_and_version_is_deprecated() -> None:
    result = check('version: "2"\nattributes: []\n')
    assert result.file_format == V2
    dep = only(result, "DeprecatedVersionField")[0]
    assert dep.severity is Severity.WARNING and rng(dep) == (0, 0, 0, 7)
    assert dep.tags == ("deprecated",)
    unstable = only(result, "UnstableFileFormat")[0]
    assert unstable.message == f"File format `definition/2` is not yet stable: {P}"
    assert rng(unstable) == (0, 9, 0, 12)


def test_unknown_file_format_is_fatal() -> None:
    result = check("file_format: definition/24\ngroups: []\n")
    assert result.file_format is None
    [d] = result.diagnostics
    assert d.code == "InvalidFileFormat" and d.severity is Severity.ERROR
    assert d.message == (
        "Invalid file format: `file_format: definition/24`. "
        "Expected 'file_format: definition/1' or 'file_format: definition/2'."
    )
    assert rng(d) == (0, 13, 0, 26)


def test_non_string_version_is_ignored_as_weaver_does() -> None:
    result = check("version: 2\ngroups: []\n")
    assert result.file_format == V1
    assert [d.code for d in result.diagnostics] == ["DeprecatedVersionField"]


def test_unexpected_property_points_at_the_key() -> None:
    result = check(GOOD_ATTR.replace("brief: A.", "brief: A.\n        colour: red"))
    [d] = result.diagnostics
    assert (d.code, d.severity) == ("InvalidSemConvSpec", Severity.ERROR)
    assert d.message == (
        "Object contains unexpected properties: colour. These properties are not defined in the schema."
    )
    assert rng(d) == (8, 8, 8, 14)
    assert d.help is not None and "brief" in d.help and "colour" not in d.help
    assert d.error == {"InvalidSemConvSpec": {"err_span": None, "error": d.message, "advice": d.help}}
    # only the unknown key is set aside: the attribute still defines `x.a`
    assert result.invalid_items == set() and not result.broken
    assert result.dropped == {("groups", 0, "attributes", 0, "colour")}


def test_missing_required_property_points_at_the_item_id() -> None:
    result = check(GOOD_ATTR.replace("    brief: X.\n", ""))
    [d] = result.diagnostics
    assert d.message == "Missing required property: brief."
    assert rng(d) == (1, 8, 1, 18)
    assert d.help == "A brief description of the semantic convention."


def test_bad_enum_value_lists_the_options() -> None:
    result = check(GOOD_ATTR.replace("stability: stable", "stability: stabel"))
    [d] = result.diagnostics
    assert d.message == (
        'Value "stabel" is not among the allowed options: ["stable","development","experimental","alpha",'
        '"beta","release_candidate","deprecated"].'
    )
    assert rng(d) == (8, 19, 8, 25)


def test_wrong_type_and_unknown_any_value_type() -> None:
    result = check(GOOD_ATTR.replace("brief: A.", "brief: 12"))
    [d] = result.diagnostics
    assert d.message == "Value 12 is not of the required type: 'string'."
    assert rng(d) == (7, 15, 7, 17)
    body = """
    groups:
      - id: event.e
        type: event
        name: e
        brief: E.
        stability: stable
        body:
          id: b
          type: strung
          requirement_level: required
    """
    [d] = check(body).diagnostics
    assert d.message.startswith('Value "strung" is not among the allowed options: ["boolean","int"')
    assert rng(d) == (8, 12, 8, 18)


def test_broken_group_is_skipped_but_others_are_checked() -> None:
    text = """
    groups:
      - id: a
        type: span
        brief: A.
        stability: stable
        span_kind: sideways
        attributes: [{ref: x}]
      - id: b
        type: span
        brief: B.
        stability: stable
        attributes: [{ref: x}]
    """
    result = check(text)
    # the wrong span_kind is set aside; group `a` still resolves, but its rules wait for the fix
    assert result.invalid_items == set() and result.dropped == {("groups", 0, "span_kind")}
    assert [d.code for d in result.diagnostics] == ["InvalidSemConvSpec", "InvalidSpanMissingSpanKind"]
    span = result.diagnostics[1]
    assert span.message == (
        f"Invalid Span group 'b', missing span_kind, detected while resolving '{Q}'. "
        "This group is a Span but the span_kind is not set."
    )
    assert span.severity is Severity.WARNING and rng(span) == (7, 8, 7, 9)
    assert span.error == {
        "InvalidSpanMissingSpanKind": {
            "path_or_url": P,
            "group_id": "b",
            "error": "This group is a Span but the span_kind is not set.",
        }
    }


def test_group_level_rules() -> None:
    text = """
    groups:
      - id: g
        brief: G.
        prefix: pre
        span_kind: client
        deprecated: Use h.
    """
    result = check(text)
    codes = [d.code for d in result.diagnostics]
    assert codes == [
        "InvalidGroupUsesPrefix",
        "InvalidGroupStability",
        "InvalidGroupMissingExtendsOrAttributes",
        "InvalidGroupMissingType",
        "UnstructuredDeprecatedProperty",
    ]
    prefix, stability, missing, no_type, unstructured = result.diagnostics
    assert prefix.message == f"The group `g` defines a prefix. These are no longer used.\nProvenance: {Q}"
    assert rng(prefix) == (3, 4, 3, 10)
    assert stability.message == (
        f"Invalid stability on group 'g' detected while resolving '{Q}'. "
        "This group does not contain a stability field."
    )
    assert stability.fix == {"kind": "add_stability"} and rng(stability) == (1, 8, 1, 9)
    assert missing.message == (
        f"Invalid group 'g', missing extends or attributes, detected while resolving '{Q}'. "
        "This group does not contain an extends or attributes field."
    )
    assert no_type.message == (
        f"Invalid group 'g', missing type, detected while resolving '{Q}'. "
        "This group does not contain a type field."
    )
    assert unstructured.message == (
        "The `deprecated` property in `g` is invalid. "
        f"Unstructured deprecated note is not supported on groups.\nProvenance: {Q}"
    )
    assert unstructured.fix == {"kind": "structure_deprecated"} and rng(unstructured) == (5, 16, 5, 22)
    assert all(d.severity is Severity.WARNING for d in result.diagnostics)


def test_invalid_group_errors() -> None:
    text = """
    groups:
      - id: m
        type: metric
        brief: M.
        stability: deprecated
        metric_name: m
        instrument: counter
        events: [e]
        body: {id: b, type: int, requirement_level: required, stability: stable}
      - id: ev
        type: event
        brief: E.
        stability: stable
      - id: ag
        type: attribute_group
        brief: A.
        attributes: [{ref: x}]
        entity_associations: [{one_of: []}, "  "]
    """
    result = check(text)
    msgs = [(d.code, d.severity, d.message, rng(d)) for d in result.diagnostics]
    path = f"detected while resolving '{Q}'."
    assert msgs == [
        (
            "InvalidGroupStability",
            Severity.WARNING,
            f"Invalid stability on group 'm' {path} "
            "Group stability is set to 'deprecated' which is no longer supported.",
            (4, 15, 4, 25),
        ),
        (
            "InvalidGroup",
            Severity.ERROR,
            f"Invalid group 'm' {path} This group contains an events field but the type is not set to span.",
            (7, 4, 7, 10),
        ),
        (
            "InvalidGroup",
            Severity.ERROR,
            f"Invalid group 'm' {path} This group contains a body field but the type is not set to event.",
            (8, 4, 8, 8),
        ),
        (
            "InvalidMetric",
            Severity.ERROR,
            f"Invalid metric definition in {Q}.\ngroup_id=`m`. "
            "This group contains a metric type but the unit is not set.",
            (1, 8, 1, 9),
        ),
        (
            "InvalidGroup",
            Severity.ERROR,
            f"Invalid group 'ev' {path} "
            "This group contains an event type but the name is not set and no prefix is defined.",
            (9, 8, 9, 10),
        ),
        (
            "InvalidGroup",
            Severity.ERROR,
            f"Invalid group 'ag' {path} Group with entity_associations cannot have type: AttributeGroup",
            (17, 4, 17, 23),
        ),
        (
            "InvalidGroup",
            Severity.ERROR,
            f"Invalid group 'ag' {path} entity_associations contains an empty `one_of` group",
            (17, 35, 17, 37),
        ),
        (
            "InvalidGroup",
            Severity.ERROR,
            f"Invalid group 'ag' {path} entity_associations contains an empty entity reference",
            (17, 40, 17, 44),
        ),
    ]


def test_attribute_rules() -> None:
    text = """
    groups:
      - id: g
        type: attribute_group
        brief: G.
        attributes:
          - ref: x.a
          - ref: x.a
          - id: x.b
            type: string
          - id: x.c
            type:
              members:
                - id: one
                  stability: stable
                  deprecated: gone
                - id: two
            brief: C.
            stability: deprecated
            examples: one
            deprecated: {reason: obsoleted}
    """
    result = check(text)
    got = [(d.code, d.severity, d.attribute_id, rng(d)) for d in result.diagnostics]
    assert got == [
        ("InvalidGroupDuplicateAttributeRef", Severity.WARNING, "x.a", (6, 13, 6, 16)),
        ("InvalidAttribute", Severity.ERROR, "x.b", (7, 12, 7, 15)),
        ("InvalidAttributeWarning", Severity.WARNING, "x.b", (7, 12, 7, 15)),
        ("InvalidExampleWarning", Severity.WARNING, "x.b", (7, 12, 7, 15)),
        ("InvalidAttributeWarning", Severity.WARNING, "x.c", (17, 19, 17, 29)),
        ("UnstructuredDeprecatedProperty", Severity.WARNING, "x.c", (14, 26, 14, 30)),
        ("InvalidAttributeWarning", Severity.WARNING, "x.c", (15, 18, 15, 21)),
    ]
    dup, brief, stab, ex, dep_stab, member_dep, member_stab = result.diagnostics
    assert (
        dup.message
        == f"Duplicate attribute refs for 'x.a' found on group 'g' detected while resolving '{Q}'."
    )
    assert dup.related[0].range == Range.of(5, 13, 5, 16)
    assert brief.message == (
        f"Invalid attribute definition detected while resolving '{Q}' (group_id='g', attribute_id='x.b'). "
        "This attribute is not deprecated and does not contain a brief field."
    )
    assert brief.error == {
        "InvalidAttribute": {
            "path_or_url": P,
            "group_id": "g",
            "attribute_id": "x.b",
            "error": "This attribute is not deprecated and does not contain a brief field.",
        }
    }
    assert stab.message.endswith("Missing stability field.") and stab.fix == {"kind": "add_stability"}
    assert ex.message == (
        "The attribute `x.b` in the group `g` contains an example that will be considered invalid "
        f"in the future. This attribute is a string but it does not contain any examples..\nProvenance: {Q}"
    )
    assert dep_stab.message.endswith(
        "Attribute stability is set to 'deprecated' which is no longer supported."
    )
    assert dep_stab.tags == ("deprecated",)
    assert member_dep.message.startswith(
        "The `deprecated` property in `x.c` is invalid. "
        "Unstructured deprecated note is used on enum member one."
    )
    assert member_stab.message.endswith("Missing stability field on enum member two.")


def test_example_typing_rules() -> None:
    def verdicts(atype: str, examples: str) -> list[tuple[str, str]]:
        text = f"""
        groups:
          - id: g
            type: attribute_group
            brief: G.
            attributes:
              - id: a
                type: {atype}
                brief: A.
                stability: stable
                examples: {examples}
        """
        return [
            (
                d.code,
                d.message if d.code == "InvalidSemConvSpec" else d.message.split(". ", 1)[1].split(".\n")[0],
            )
            for d in check(text).diagnostics
        ]

    must = "InvalidExampleError"
    should = "InvalidExampleWarning"
    assert verdicts("int", "[1, 2]") == []
    assert verdicts("double", "1.5") == []
    assert verdicts("double", "1") == [(must, "All examples MUST be of type `double`")]
    assert verdicts("string[]", "[a, b]") == [(should, "All examples SHOULD be of type `string[]`")]
    assert verdicts("string[]", "[[a], [b]]") == []
    assert verdicts("string", "[a, 1]") == [(must, "All examples MUST be of type `string`")]
    assert verdicts("template[string[]]", "a") == [
        (should, "All examples SHOULD be of type `template[string[]]`")
    ]
    assert verdicts("template[int]", "[1]") == []
    assert verdicts("any", "[1, a]") == []
    anyof = "The following YAML snippet does not match any of the allowed schemas (anyOf, see help section)."
    assert verdicts("any", "{k: v}") == [("InvalidSemConvSpec", anyof)]
    [err] = check(GOOD_ATTR.replace("type: int", "type: boolean\n        examples: 'yes'")).diagnostics
    assert err.severity is Severity.ERROR
    assert err.message == (
        "The attribute `x.a` in the group `registry.x` contains an invalid example. "
        f"All examples MUST be of type `boolean`.\nProvenance: {Q}"
    )
    assert rng(err) == (7, 18, 7, 23)


def test_any_value_rules() -> None:
    text = """
    groups:
      - id: event.e
        type: event
        name: e
        brief: E.
        stability: stable
        body:
          id: root
          type: map
          stability: stable
          requirement_level: required
          fields:
            - id: s
              type: string
              requirement_level: recommended
            - id: n
              type: int
              stability: stable
              examples: [a]
              requirement_level: recommended
    """
    result = check(text)
    got = [(d.code, d.severity, d.message, rng(d)) for d in result.diagnostics]
    assert got == [
        (
            "InvalidAnyValue",
            Severity.WARNING,
            f"The value `s` in the group `event.e` is invalid. Missing stability field.\nProvenance: {Q}",
            (12, 14, 12, 15),
        ),
        (
            "InvalidAnyValueExampleError",
            Severity.ERROR,
            "The value `s` in the group `event.e` contains an invalid example. "
            f"This value is a string but it does not contain any examples..\nProvenance: {Q}",
            (12, 14, 12, 15),
        ),
        (
            "InvalidAnyValueExampleError",
            Severity.ERROR,
            "The value `n` in the group `event.e` contains an invalid example. "
            f"All examples MUST be of type `int`.\nProvenance: {Q}",
            (18, 20, 18, 23),
        ),
    ]


def test_v2_rules_and_no_v1_rules() -> None:
    text = """
    file_format: definition/2
    attributes:
      - key: a
        type: string
        brief: A.
        stability: development
    metrics:
      - name: m
        instrument: counter
        unit: s
        brief: M.
        stability: stable
    entities:
      - type: host
        brief: H.
        stability: stable
        requirement_level: recommended
        identity: [{ref: host.id}]
        description: [{ref: host.name}, {ref: host.id}]
      - type: empty
        brief: E.
        stability: stable
        requirement_level: recommended
        identity: []
    """
    result = check(text)
    assert result.file_format == V2
    got = [(d.code, d.severity, d.group_id, rng(d)) for d in result.diagnostics]
    assert got == [
        ("UnstableFileFormat", Severity.WARNING, None, (0, 13, 0, 25)),
        ("MissingRequirementLevelWarning", Severity.WARNING, "metric.m", (7, 10, 7, 11)),
        ("AttributeInIdentityAndDescription", Severity.ERROR, "entity.host", (18, 42, 18, 49)),
        ("EntityMissingIdentity", Severity.ERROR, "entity.empty", (23, 14, 23, 16)),
    ]
    assert result.diagnostics[1].message == (
        "The signal group `metric.m` does not set `requirement_level`. This will be required in the future.\n"
        f"Provenance: {Q}"
    )
    assert result.diagnostics[2].message == (
        "The attribute `host.id` is listed under both `identity` and `description` of `host`."
    )
    assert result.diagnostics[3].message == "The entity `empty` does not declare any `identity` attributes."


def test_v2_schema_errors() -> None:
    text = """
    file_format: definition/2
    groups: []
    attribute_groups:
      - id: internal.g
        brief: B.
        attributes: [{ref_group: x, extra: 1}]
    """
    result = check(text)
    got = [(d.message, rng(d)) for d in result.diagnostics if d.code == "InvalidSemConvSpec"]
    assert got == [
        ("Missing required property: visibility.", (3, 8, 3, 18)),
        (
            "Object contains unexpected properties: groups. These properties are not defined in the schema.",
            (1, 0, 1, 6),
        ),
    ]
    # without its visibility the group has no shape: it is set aside, its name kept for resolution
    assert result.invalid_items == {("attribute_groups", 0)}
    assert list(result.broken_names) == ["internal.g"]


def manifest(text: str) -> tuple[object, list[Diagnostic]]:
    return validate_manifest(parse(textwrap.dedent(text).lstrip("\n"), "reg/manifest.yaml"))


def test_manifest_forms() -> None:
    ok, diags = manifest(
        """
        schema_url: https://example.com/acme/1.2.0
        dependencies:
          - schema_url: https://opentelemetry.io/schemas/1.44.0
            registry_path: ../semconv
        whatever: ignored
        """
    )
    assert diags == [] and ok is not None
    legacy, diags = manifest(
        "name: acme\nsemconv_version: 1.0.0\nschema_base_url: https://acme.com/schemas/\n"
    )
    assert legacy is not None
    [d] = diags
    assert (d.code, d.severity) == ("DeprecatedSyntaxInRegistryManifest", Severity.WARNING)
    assert d.message == (
        'The syntax used in the registry manifest at "reg/manifest.yaml" is deprecated. '
        "The 'semconv_version' and 'schema_base_url' fields are deprecated in favor of 'schema_url'."
    )
    assert rng(d) == (1, 0, 1, 15)
    bad, diags = manifest("schema_url: https://example.com/acme/1.0\nstability: solid\n")
    assert bad is None
    [d] = diags
    assert d.code == "InvalidRegistryManifest" and d.severity is Severity.ERROR
    assert d.message.startswith(
        'The registry manifest at "reg/manifest.yaml" is invalid. Value "solid" is not among'
    )
    assert rng(d) == (1, 11, 1, 16)
    none, diags = manifest("description: nothing else\n")
    assert none is None
    assert diags[0].message.endswith(
        "Either 'schema_url' or both 'schema_base_url' and 'semconv_version' must be provided"
    )
