"""Lifecycle findings: a deprecation that names no replacement although a near-duplicate exists, a
`renamed_to` that points at something deprecated itself, and stable signals that use development
attributes.
"""

from __future__ import annotations

from typing import Any

from weavergen.diagnostics import Diagnostic, Related, replacement
from weavergen.review.duplicates import DuplicateIndex
from weavergen.review.items import Item
from weavergen.review.rubric import finding

SUCCESSOR_THRESHOLD = 0.55
"""How alike a live definition must be to a deprecated one to be offered as its replacement."""
_UNSTABLE = ("development", "experimental", "alpha", "beta", "release_candidate")


def lifecycle_findings(
    items: list[Item], index: DuplicateIndex, attributes: dict[str, dict[str, Any]]
) -> list[Diagnostic]:
    """The lifecycle findings of a registry's definitions."""
    out: list[Diagnostic] = []
    live = {i.key for i in items if i.deprecated is None}
    for item in items:
        deprecated = item.deprecated
        if deprecated is not None:
            renamed_to = deprecated.get("renamed_to")
            if renamed_to:
                out.extend(_renamed_to_deprecated(item, str(renamed_to), attributes))
            elif deprecated.get("reason") != "obsoleted":
                out.extend(_no_successor(item, index, live))
        elif item.kind != "attribute" and item.stability == "stable":
            out.extend(_development_attributes(item))
    return out


def _final_name(name: str, attributes: dict[str, dict[str, Any]]) -> tuple[list[str], str | None]:
    """The chain of renames from `name`, and the live attribute it ends at (None: a dead end or a loop)."""
    chain = [name]
    while True:
        attr = attributes.get(chain[-1])
        deprecated = attr.get("deprecated") if attr else None
        if attr is None:
            return chain, None
        if not isinstance(deprecated, dict):
            return chain, chain[-1]
        nxt = deprecated.get("renamed_to")
        if not nxt or nxt in chain:
            return chain, None
        chain.append(str(nxt))


def _renamed_to_deprecated(
    item: Item, target: str, attributes: dict[str, dict[str, Any]]
) -> list[Diagnostic]:
    if item.kind != "attribute":
        return []
    chain, final = _final_name(target, attributes)
    if len(chain) < 2 and final is not None:
        return []
    if target not in attributes or (final == target):
        return []
    path = " → ".join(f"`{n}`" for n in chain)
    at = item.field_range("deprecated", "renamed_to")
    return [
        finding(
            "ReviewRenamedToDeprecated",
            item,
            f"`{item.name}` is renamed to `{target}`, which is deprecated itself ({path}).",
            at=at,
            help=f"Point `renamed_to` at `{final}`, where the renames end."
            if final
            else "The renames end at nothing live: point `renamed_to` at the attribute that replaces them.",
            fix=replacement(final) if final and at is not None and at != item.range else None,
        )
    ]


def _no_successor(item: Item, index: DuplicateIndex, live: set[str]) -> list[Diagnostic]:
    for pair in index.ranked(item, limit=10):
        if pair.b.key not in live or pair.score < SUCCESSOR_THRESHOLD:
            continue
        return [
            finding(
                "ReviewDeprecatedWithoutRenamedTo",
                item,
                f"`{item.name}` is deprecated without `renamed_to`, but `{pair.b.name}` looks like its "
                f"successor (similarity {pair.score:.2f}).",
                at=item.field_range("deprecated"),
                help=f"If `{pair.b.name}` replaces it, write `deprecated: {{reason: renamed, renamed_to: "
                f"{pair.b.name}}}` so that tools can migrate its users.",
                related=(Related(pair.b.file or "", pair.b.range, f"`{pair.b.name}` is defined here"),),
                successor=pair.b.name,
                similarity=pair.score,
            )
        ]
    return []


def _development_attributes(item: Item) -> list[Diagnostic]:
    out = []
    entries = {e.key: e for e in item.group.attrs}
    for attr in item.attributes:
        level = attr.get("requirement_level")
        opt_in = level == "opt_in" or (isinstance(level, dict) and "opt_in" in level)
        if str(attr.get("stability")) not in _UNSTABLE or opt_in or attr.get("deprecated") is not None:
            continue
        name = str(attr.get("name"))
        entry = entries.get(name)
        out.append(
            finding(
                "ReviewStableUsesDevelopment",
                item,
                f"The stable {item.kind} `{item.name}` uses the {attr.get('stability')} attribute `{name}`.",
                at=entry.id_range() if entry is not None else None,
                help="Make the attribute `opt_in` on this signal, or stabilise the attribute first: a stable "
                "signal must not change when the attribute does.",
                attribute=name,
            )
        )
    return out
