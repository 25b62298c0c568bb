"""Resolved attribute objects: a definition in weaver's field order, a ref's overrides, lineage entries."""

from __future__ import annotations

from typing import Any

from weavergen.groups import AttrEntry, norm_deprecated, norm_stability, norm_type

REF_OVERRIDES = (
    "brief",
    "examples",
    "tag",
    "requirement_level",
    "sampling_relevant",
    "note",
    "stability",
    "deprecated",
    "role",
    "annotations",
)
ATTR_ORDER = (
    "name",
    "type",
    "brief",
    "examples",
    "tag",
    "requirement_level",
    "sampling_relevant",
    "note",
    "stability",
    "deprecated",
    "prefix",
    "tags",
    "annotations",
    "value",
    "role",
)


def ordered(attr: dict[str, Any]) -> dict[str, Any]:
    """A resolved attribute's fields in weaver's order."""
    return {k: attr[k] for k in ATTR_ORDER if k in attr}


def lineage_fields(attr: dict[str, Any]) -> list[str]:
    """The overridable fields an attribute has; `note` always counts, as weaver's is a plain string."""
    return [k for k in REF_OVERRIDES if k in attr or k == "note"]


def attribute_lineage(source: str | None, inherited: list[str], overridden: list[str]) -> dict[str, Any]:
    """weaver's attribute lineage: the source group, then the inherited and overridden fields if any."""
    out: dict[str, Any] = {"source_group": source}
    if inherited:
        out["inherited_fields"] = sorted(inherited)
    if overridden:
        out["locally_overridden_fields"] = sorted(overridden)
    return out


def norm_body(body: Any) -> Any:
    """An event body with `experimental` stability spelled `development` throughout, as weaver emits it."""
    if isinstance(body, list):
        return [norm_body(b) for b in body]
    if not isinstance(body, dict):
        return body
    return {k: norm_stability(v) if k == "stability" else norm_body(v) for k, v in body.items()}


def attribute_from_id(spec: dict[str, Any]) -> dict[str, Any]:
    """A definition (`id` entry) as a resolved attribute, fields in weaver's order."""
    out: dict[str, Any] = {"name": spec.get("id"), "type": norm_type(spec.get("type"))}
    out["brief"] = spec.get("brief") or ""
    for k in ("examples", "tag"):
        if spec.get(k) is not None:
            out[k] = spec[k]
    out["requirement_level"] = spec.get("requirement_level", "recommended")
    if spec.get("sampling_relevant") is not None:
        out["sampling_relevant"] = spec["sampling_relevant"]
    if spec.get("note"):
        out["note"] = spec["note"]
    if spec.get("stability") is not None:
        out["stability"] = norm_stability(spec["stability"])
    dep = norm_deprecated(spec.get("deprecated"))
    if dep is not None:
        out["deprecated"] = dep
    if spec.get("annotations"):
        out["annotations"] = spec["annotations"]
    if spec.get("role") is not None:
        out["role"] = spec["role"]
    return out


def override(root: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """A ref's fields over its root attribute's; `type` is never overridable, annotations replace."""
    out = dict(root)
    for k in REF_OVERRIDES:
        if k in ref and ref[k] is not None:
            v = ref[k]
            if k == "stability":
                v = norm_stability(v)
            elif k == "deprecated":
                v = norm_deprecated(v)
            out[k] = v
    return {k: out[k] for k in ATTR_ORDER if k in out}


def merge_spec(base: AttrEntry, own: AttrEntry) -> AttrEntry:
    """Own entry over an inherited one: an `id` replaces, a `ref` overrides field by field."""
    if not own.is_ref:
        return own
    merged = dict(base.spec)
    for k, v in own.spec.items():
        if k == "ref" and not base.is_ref:
            continue
        merged[k] = v
    return AttrEntry(merged, own.path, own.file, origin=base.origin, inherited=False, name=own.name)


def deep_merge(parent: Any, child: Any) -> Any:
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        for k, v in child.items():
            out[k] = deep_merge(parent[k], v) if k in parent else v
        return out
    return child
