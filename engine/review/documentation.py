"""Documentation findings: briefs that are missing or only repeat the id, notes a definition calls for,
enum members without briefs, string attributes without examples.

Deprecated definitions are left out: their brief and note say where to go instead.
"""

from __future__ import annotations

from weavergen.diagnostics import Diagnostic
from weavergen.review.items import Item
from weavergen.review.rubric import finding
from weavergen.review.text import brief_tokens, name_tokens

FILLER = frozenset({"name", "type", "kind", "identifier", "number", "string", "key", "tag"})
"""Words a brief may add to the id's words without saying anything new."""


def documentation_findings(items: list[Item]) -> list[Diagnostic]:
    """The documentation findings of every definition that is not deprecated."""
    out: list[Diagnostic] = []
    for item in items:
        if item.deprecated is not None:
            continue
        out.extend(_brief(item))
        out.extend(_note(item))
        if item.kind == "attribute":
            out.extend(_enum_members(item))
            out.extend(_examples(item))
    return out


def _brief(item: Item) -> list[Diagnostic]:
    if not item.brief:
        return [
            finding(
                "ReviewMissingBrief",
                item,
                f"The {item.kind} `{item.name}` has no brief.",
                at=item.field_range("brief"),
                help="Write one sentence that says what it measures or describes, beyond its name.",
            )
        ]
    words = set(brief_tokens(item.brief))
    if words and words <= set(name_tokens(item.name)) | FILLER:
        return [
            finding(
                "ReviewBriefRepeatsId",
                item,
                f"The brief of `{item.name}` only repeats its name: {item.brief.splitlines()[0]!r}.",
                at=item.field_range("brief"),
                help="Say what the value is, where it comes from or when it is set; the name already "
                "says what it is called.",
            )
        ]
    return []


def _type_name(item: Item) -> str:
    return "" if item.is_enum else str(item.type or "")


def _note(item: Item) -> list[Diagnostic]:
    if item.has_field("note") and not item.note:
        return [
            finding(
                "ReviewEmptyNote",
                item,
                f"The note of `{item.name}` is empty.",
                at=item.field_range("note"),
                help="Remove the empty `note`, or write what a reader needs beyond the brief.",
                fix={"kind": "delete_key", "key": "note"},
            )
        ]
    kind = _type_name(item)
    if item.kind == "attribute" and not item.note and (kind.startswith("template[") or kind == "any"):
        what = "key" if kind.startswith("template[") else "value's shape"
        return [
            finding(
                "ReviewMissingNote",
                item,
                f"The {kind} attribute `{item.name}` has no note explaining its {what}.",
                help="A template attribute needs a note on what its key suffix is; an `any` attribute "
                "one on the shape of its value.",
            )
        ]
    return []


def _enum_members(item: Item) -> list[Diagnostic]:
    if not item.is_enum:
        return []
    out = []
    for index, member in enumerate(item.type.get("members") or []):
        if not isinstance(member, dict) or str(member.get("brief") or "").strip():
            continue
        if member.get("deprecated") is not None:
            continue
        member_id = member.get("id", index)
        out.append(
            finding(
                "ReviewEnumMemberWithoutBrief",
                item,
                f"The member `{member_id}` of enum `{item.name}` has no brief.",
                at=item.field_range("type", "members", index, "id"),
                help="Say what the member means, so that producers pick the right one.",
                member=member_id,
            )
        )
    return out


def _examples(item: Item) -> list[Diagnostic]:
    if _type_name(item) not in ("string", "string[]") or item.fields.get("examples") is not None:
        return []
    return [
        finding(
            "ReviewStringWithoutExamples",
            item,
            f"The string attribute `{item.name}` has no examples.",
            help="Add `examples`: they show the value's format better than words.",
            twin="InvalidExampleWarning",
        )
    ]
