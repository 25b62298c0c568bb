"""Policy findings: the elements of a `deny` set parsed as weaver's `PolicyFinding`, and their diagnostics.

Parsing follows serde's errors for a bad element (`invalid type`, `missing field`, `unknown variant`);
`finding_diagnostic` renders a finding exactly as weaver's `PolicyViolation` error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from weavergen.diagnostics import Diagnostic, Range, Related, Severity, rust_debug_option, rust_debug_str

LEVELS = ("information", "improvement", "violation")
SEMCONV_ATTRIBUTE = "semconv_attribute"
INVALID_POLICY_HELP = "Check the policy file for syntax errors."


@dataclass(frozen=True, slots=True)
class Finding:
    """One element of a `deny` set, normalised to weaver's `PolicyFinding` (all three accepted shapes)."""

    id: str
    level: str
    message: str
    context: Any = None
    signal_type: str | None = None
    signal_name: str | None = None
    # A policy that wrote `"context": null` gets `context=null` in the message, not `context=None`.
    null_context: bool = False

    @property
    def has_context(self) -> bool:
        """Whether the finding carried a `context` (possibly JSON null)."""
        return self.context is not None or self.null_context


class Findings(list[Finding]):
    """The findings of one evaluation, plus the diagnostics of whatever could not be evaluated or parsed."""

    def __init__(self, findings: Sequence[Finding] = (), diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(findings)
        self.diagnostics: list[Diagnostic] = list(diagnostics)


class FindingError(ValueError):
    """A `deny` element that is not a valid finding; the text is serde's error, as weaver reports it."""


def parse_findings(value: Any, provenance: str) -> Findings:
    """Turn the JSON value of a `deny` set into findings; each bad element becomes a diagnostic.

    Weaver drops the whole set when one element is bad; we keep the good ones and report each bad one.
    """
    if value is None:
        return Findings()
    if not isinstance(value, list):
        message = f"invalid type: {_unexpected(value)}, expected a sequence"
        return Findings((), [evaluation_error_diagnostic(provenance, "ViolationEvaluationError", message)])
    findings: list[Finding] = []
    diagnostics: list[Diagnostic] = []
    for element in value:
        try:
            findings.append(parse_finding(element))
        except FindingError as err:
            diagnostics.append(evaluation_error_diagnostic(provenance, "ViolationEvaluationError", str(err)))
    return Findings(findings, diagnostics)


def parse_finding(element: Any) -> Finding:
    """Parse one `deny` element as weaver's `ViolationBuilder` does: keys read in sorted order, later wins."""
    if not isinstance(element, dict):
        raise FindingError(f"invalid type: {_unexpected(element)}, expected A policy violation")
    fields: dict[str, Any] = {}
    context_given = False
    for key in sorted(element):
        value = element[key]
        if key in ("type", "id", "category", "group", "attr", "advice_type", "message"):
            fields[key] = _string(value)
        elif key in ("advice_level", "level"):
            fields["level"] = _level(value)
        elif key in ("advice_context", "context"):
            fields["context"] = value
            context_given = True
        elif key in ("signal_type", "signal_name"):
            fields[key] = None if value is None else _string(value)
    kind = fields.get("type")
    if kind == SEMCONV_ATTRIBUTE:
        id_, category, group, attr = (_required(fields, name) for name in ("id", "category", "group", "attr"))
        return Finding(
            id=SEMCONV_ATTRIBUTE,
            level="violation",
            message=f"id={id_}, category={category}, group={group}, attr={attr}",
            context={"id": id_, "category": category, "group": group, "attr": attr},
        )
    if kind == "advice":
        level = _required(fields, "level", "advice_level")
        id_ = _required(fields, "advice_type")
    elif kind is None:
        id_ = _required(fields, "id")
        level = _required(fields, "level")
    else:
        raise FindingError("invalid type: map, expected A policy violation")
    message = _required(fields, "message")
    context = fields.get("context")
    return Finding(
        id=id_,
        level=level,
        message=message,
        context=context,
        signal_type=fields.get("signal_type"),
        signal_name=fields.get("signal_name"),
        null_context=context_given and context is None,
    )


def finding_text(finding: Finding) -> str:
    """Weaver's `Display` of a `PolicyFinding` (just the message for legacy `semconv_attribute` ones)."""
    if finding.id == SEMCONV_ATTRIBUTE:
        return finding.message
    if finding.null_context:
        context = "null"
    elif finding.context is None:
        context = "None"
    else:
        context = compact_json(finding.context)
    return (
        f"id={finding.id}, context={context}, message={finding.message}, "
        f"level={finding.level.capitalize()}, signal_type={rust_debug_option(finding.signal_type)}, "
        f"signal_name={rust_debug_option(finding.signal_name)}"
    )


def finding_error(finding: Finding, provenance: str) -> dict[str, Any]:
    """Weaver's serialised `PolicyViolation` error object."""
    return {
        "type": "policy_violation",
        "provenance": provenance,
        "violation": {
            "type": "PolicyFinding",
            "id": finding.id,
            "context": finding.context,
            "message": finding.message,
            "level": finding.level,
            "signal_type": finding.signal_type,
            "signal_name": finding.signal_name,
        },
    }


def finding_diagnostic(
    finding: Finding,
    provenance: str,
    *,
    file: str | None = None,
    range: Range | None = None,
    related: Sequence[Related] = (),
) -> Diagnostic:
    """A finding as weaver reports it: always an error, whatever its level; the caller places it."""
    return Diagnostic(
        code=finding.id,
        message=f"Policy violation: {finding_text(finding)}, provenance: {provenance}",
        severity=Severity.ERROR,
        file=file,
        range=range,
        related=tuple(related),
        error=finding_error(finding, provenance),
    )


# Context keys that name what a finding is about, in order of preference, with the kind they name.
_SUBJECT_KEYS: tuple[tuple[str, str], ...] = (
    ("group", "group"),
    ("group_id", "group"),
    ("attribute_group_id", "attribute_group"),
    ("metric_name", "metric"),
    ("span_type", "span"),
    ("event_name", "event"),
    ("entity_type", "entity"),
    ("attr", "attribute"),
    ("attribute_key", "attribute"),
    ("attribute", "attribute"),
    ("attr_name", "attribute"),
    ("attribute_name", "attribute"),
    ("key", "attribute"),
    ("entity", "entity"),
    ("name", "name"),
)


def finding_subjects(finding: Finding) -> list[tuple[str, str]]:
    """The (kind, id) pairs a finding names, most specific first, so the caller can position it.

    Kinds: a signal type (`metric`, `span`, `event`, `entity`, `attribute_group`…), `group`,
    `attribute`, or `name` (an unqualified name such as a colliding constant's).
    """
    subjects: list[tuple[str, str]] = []
    if finding.signal_type and finding.signal_name:
        subjects.append((finding.signal_type, finding.signal_name))
    context = finding.context if isinstance(finding.context, dict) else {}
    for key, kind in _SUBJECT_KEYS:
        value = context.get(key)
        if isinstance(value, str) and value:
            subjects.append((kind, value))
    # In legacy findings `id` is the rule's description; elsewhere it names a group.
    if finding.id != SEMCONV_ATTRIBUTE and isinstance(context.get("id"), str) and context["id"]:
        subjects.append(("group", context["id"]))
    unique: list[tuple[str, str]] = []
    for subject in subjects:
        if subject not in unique:
            unique.append(subject)
    return unique


def compact_json(value: Any) -> str:
    """`serde_json::to_string` of a value with sorted keys (weaver's `context` rendering)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def evaluation_error_diagnostic(provenance: str, code: str, error: str) -> Diagnostic:
    """A failed evaluation or an unparseable finding: weaver wraps both in `InvalidPolicyFile` under the
    registry's provenance; `code` keeps the inner variant (`ViolationEvaluationError`, `InvalidData`…)."""
    if code == "ViolationEvaluationError":
        error = f"Violation evaluation error: {error}"
    return Diagnostic(
        code=code,
        message=f"Invalid policy file '{provenance}', error: {error})",
        error={"type": "invalid_policy_file", "file": provenance, "error": error},
        help=INVALID_POLICY_HELP,
    )


def _string(value: Any) -> str:
    """A JSON string, or serde's `invalid type` error."""
    if isinstance(value, str):
        return value
    raise FindingError(f"invalid type: {_unexpected(value)}, expected a string")


def _level(value: Any) -> str:
    """A `FindingLevel` (serde enum: a variant name, or a one-key map holding one)."""
    if isinstance(value, dict) and len(value) == 1:
        ((variant, content),) = value.items()
        if content is not None:
            raise FindingError(f"invalid type: {_unexpected(content)}, expected unit variant")
        value = variant
    if not isinstance(value, str):
        raise FindingError(f"invalid type: {_unexpected(value)}, expected string or map")
    if value not in LEVELS:
        expected = ", ".join(f"`{level}`" for level in LEVELS)
        raise FindingError(f"unknown variant `{value}`, expected one of {expected}")
    return value


def _required(fields: dict[str, Any], key: str, missing: str | None = None) -> Any:
    """A required finding field, or serde's `missing field` error."""
    if key not in fields:
        raise FindingError(f"missing field `{missing or key}`")
    return fields[key]


def _unexpected(value: Any) -> str:
    """serde's `Unexpected` rendering of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value!r}`"
    if isinstance(value, str):
        return f"string {rust_debug_str(value)}"
    if isinstance(value, list):
        return "sequence"
    return "map"
