"""`registry diff`: the changes from a baseline registry to the current one, as weaver's `SchemaChanges`.

Like weaver 0.25.1, only top-level items are compared: registry attributes (attributes of the
`registry.*` attribute groups) by name, metrics by metric name, events and entities by name. An item in
the head but not in the baseline is `added`; one gone from the head is `removed`; one newly deprecated
(or deprecated differently) is `renamed`, `obsoleted` or `uncategorized` after its `deprecated.reason`.
weaver never emits `updated`; neither do we. Spans have no stable name in v1, so weaver (and we) list
none. Unlike weaver, whose hash maps give a random order, changes are sorted by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.resolve import Resolution

ITEM_KINDS = ("registry_attributes", "metrics", "events", "spans", "entities")
"""The keys of `changes`, in the order every renderer lists them."""
V2_ITEMS = {
    "registry_attributes": ("attributes", "key"),
    "attribute_groups": ("attribute_groups", "id"),
    "metrics": ("metrics", "name"),
    "events": ("events", "name"),
    "spans": ("spans", "type"),
    "resources": ("entities", "type"),
}
"""With --v2: each key of `changes`, the materialized registry's section and the field naming an item."""
CHANGE_TYPES = ("added", "renamed", "obsoleted", "uncategorized", "updated", "removed")
DIFF_FORMATS = ("ansi", "json", "yaml", "jsonl", "markdown", "ansi-stats", "mute")
_SIGNAL_TYPES = {"metrics": "metric", "events": "event", "spans": "span", "entities": "entity"}
_EXTENSIONS = {"ansi": "txt", "ansi-stats": "txt", "json": "json", "jsonl": "jsonl", "yaml": "yaml"}


def registry_attributes(resolution: Resolution) -> dict[str, dict[str, Any]]:
    """Attributes of the registry's `registry.*` attribute groups, by name (weaver's registry attributes)."""
    out: dict[str, dict[str, Any]] = {}
    for group in resolution.groups:
        if group.type == "attribute_group" and group.id.startswith("registry."):
            for attr in group.attributes:
                out.setdefault(str(attr.get("name")), attr)
    return out


def signals(resolution: Resolution, kind: str) -> dict[str, dict[str, Any]]:
    """Groups of one signal kind by their stable name: metric name, event or entity name; spans have none."""
    group_type = _SIGNAL_TYPES[kind]
    out: dict[str, dict[str, Any]] = {}
    for group in resolution.groups:
        if group.type != group_type:
            continue
        name = group.fields.get("metric_name") if group_type == "metric" else group.fields.get("name")
        if group_type != "span" and name:
            out.setdefault(str(name), group.fields)
    return out


def _changes(head: dict[str, dict[str, Any]], baseline: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """weaver's per-item rules: new, newly (or differently) deprecated, gone."""
    changes: list[dict[str, Any]] = []
    for name, item in head.items():
        if name not in baseline:
            changes.append({"type": "added", "name": name})
            continue
        deprecated = item.get("deprecated")
        if deprecated is None or deprecated == baseline[name].get("deprecated"):
            continue
        reason = deprecated.get("reason")
        note = str(deprecated.get("note") or "")
        if reason == "renamed":
            new_name = str(deprecated.get("renamed_to") or "")
            changes.append({"type": "renamed", "old_name": name, "new_name": new_name, "note": note})
        elif reason == "obsoleted":
            changes.append({"type": "obsoleted", "name": name, "note": note})
        else:
            changes.append({"type": "uncategorized", "name": name, "note": note})
    changes.extend({"type": "removed", "name": name} for name in baseline if name not in head)
    changes.sort(key=lambda c: (str(c.get("name", c.get("old_name"))), c["type"]))
    return changes


def _version(resolution: Resolution) -> str:
    manifest = resolution.registry.manifest
    return manifest.version if manifest is not None else ""


def diff_registries(head: Resolution, baseline: Resolution) -> dict[str, Any]:
    """The schema changes from `baseline` to `head`: `{head, baseline, changes: {kind: [change…]}}`."""
    changes = {"registry_attributes": _changes(registry_attributes(head), registry_attributes(baseline))}
    for kind in ITEM_KINDS[1:]:
        changes[kind] = _changes(signals(head, kind), signals(baseline, kind))
    return {
        "head": {"semconv_version": _version(head)},
        "baseline": {"semconv_version": _version(baseline)},
        "changes": changes,
    }


def diff_registries_v2(head: Resolution, baseline: Resolution) -> dict[str, Any]:
    """The changes between the v2 materialized registries, as weaver's `--v2` diff gives its templates.

    Spans have a stable identity in v2 (their type), and public attribute groups are compared too;
    entity changes are listed under `resources`, weaver's key for them.
    """
    from weavergen.materialize import materialize

    now, then = materialize(head)["registry"], materialize(baseline)["registry"]
    changes = {}
    for key, (section, field_name) in V2_ITEMS.items():
        by_name = {str(i.get(field_name)): i for i in now.get(section, []) if i.get(field_name)}
        before = {str(i.get(field_name)): i for i in then.get(section, []) if i.get(field_name)}
        changes[key] = _changes(by_name, before)
    return {
        "head": {"semconv_version": _version(head)},
        "baseline": {"semconv_version": _version(baseline)},
        "changes": changes,
    }


def count(diff: dict[str, Any]) -> dict[str, int]:
    """How many changes of each type the diff holds, over every item kind."""
    counts = dict.fromkeys(CHANGE_TYPES, 0)
    for items in diff["changes"].values():
        for change in items:
            counts[change["type"]] = counts.get(change["type"], 0) + 1
    return counts


def _title(kind: str) -> str:
    return " ".join(word.capitalize() for word in kind.split("_"))


def _of_type(items: Iterable[dict[str, Any]], change_type: str) -> list[dict[str, Any]]:
    return [c for c in items if c["type"] == change_type]


class _Style:
    """ANSI styling, or none (for pipes and files)."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: int) -> str:
        if not self.color or not codes:
            return text
        return "".join(f"\x1b[{c}m" for c in codes) + text + "\x1b[0m"


_RED, _GREEN, _CYAN, _WHITE, _BOLD = 31, 32, 36, 97, 1


def _line_of(change: dict[str, Any], style: Callable[[str], str]) -> str:
    kind = change["type"]
    if kind == "added":
        return f"Add {style(change['name'])}"
    if kind == "renamed":
        return f"Rename {style(change['old_name'])} to {style(change['new_name'])} (Note: {change['note']})"
    if kind in ("obsoleted", "uncategorized"):
        return f"{style(change['name'])} (Note: {change['note']})"
    return style(str(change.get("name", "")))


def _sections(diff: dict[str, Any]) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(item kind, change type, changes) for every non-empty group, in the renderers' order.

    The change type is '' once per item kind with changes, before its groups, for the kind's heading.
    """
    for kind, items in diff["changes"].items():
        if items:
            yield kind, "", items
        for change_type in CHANGE_TYPES:
            found = _of_type(items, change_type)
            if found:
                yield kind, change_type, found


def render_ansi(diff: dict[str, Any], color: bool = False) -> str:
    """The console report: per item kind, the added, renamed, obsoleted, uncategorized and removed items."""
    s = _Style(color)
    head, base = diff["head"]["semconv_version"], diff["baseline"]["semconv_version"]
    lines = ["", s(f"Schema Changes between `{head}` and `{base}`", _RED, _BOLD), ""]
    for kind, change_type, found in _sections(diff):
        if not change_type:
            lines.append(s(f"List of Changes to {_title(kind)}", _CYAN, _BOLD))
            continue
        # weaver's template titles the kind for added and renamed items only
        label = _title(kind) if change_type in ("added", "renamed") else kind
        lines.append(s(f"{change_type.capitalize()} {label}:", _BOLD, _GREEN))
        lines.extend(f"  - {_line_of(c, lambda t: s(t, _WHITE))}" for c in found)
        lines.append("")
    return "\n".join(lines) + "\n"


def render_markdown(diff: dict[str, Any]) -> str:
    """A markdown summary: the two versions, then one section per item kind and change type."""
    lines = [
        "# Summary of Schema Changes",
        "## Registry versions",
        f"Baseline: {diff['baseline']['semconv_version']}",
        "",
        f"Head: {diff['head']['semconv_version']}",
        "",
    ]
    for kind, change_type, found in _sections(diff):
        if not change_type:
            lines.append(f"## {_title(kind)}")
            continue
        lines.append(f"### {change_type.capitalize()}")
        for c in found:
            if change_type == "added":
                lines.append(f"- {c['name']}")
            elif change_type == "renamed":
                lines.append(f"- {c['old_name']} --> {c['new_name']} (Note: {c['note']})")
            else:
                lines.append(f"- {_line_of(c, str)}")
        lines.append("")
    return "\n".join(lines) + "\n"


def render_stats(diff: dict[str, Any], color: bool = False) -> str:
    """Counts per item kind and change type (weaver's `ansi-stats` format)."""
    s = _Style(color)
    head, base = diff["head"]["semconv_version"], diff["baseline"]["semconv_version"]
    lines = ["", s(f"Summary of Schema Changes between {head} and {base}", _RED, _BOLD), ""]
    for kind, items in diff["changes"].items():
        lines.append(s(f"{_title(kind)} Changes", _GREEN))
        for change_type in CHANGE_TYPES:
            if change_type != "updated":
                lines.append(f"    {change_type.capitalize():<14}: {len(_of_type(items, change_type))}")
        lines.append("    ")
    return "\n".join(lines) + "\n"


def render(diff: dict[str, Any], fmt: str, color: bool = False) -> str:
    """The diff in one of `DIFF_FORMATS`; `mute` gives the empty string."""
    from weavergen.output import to_json, to_yaml

    if fmt == "ansi":
        return render_ansi(diff, color)
    if fmt == "ansi-stats":
        return render_stats(diff, color)
    if fmt == "markdown":
        return render_markdown(diff)
    if fmt == "json":
        return to_json(diff)
    if fmt == "yaml":
        return to_yaml(diff)
    if fmt == "jsonl":
        return json.dumps(diff, ensure_ascii=False, separators=(",", ":")) + "\n"
    if fmt == "mute":
        return ""
    raise ValueError(f"unknown diff format {fmt!r}; use one of: {', '.join(DIFF_FORMATS)}")


def file_name(fmt: str) -> str:
    """The file `-o DIR` receives for a format: `diff.txt`, `diff.json`, `diff.md`, …"""
    return f"diff.{_EXTENSIONS.get(fmt, 'md' if fmt == 'markdown' else 'txt')}"


def diff_schema() -> dict[str, Any]:
    """The JSON schema of the diff document (`registry json-schema -j diff`)."""
    name = {"type": "string", "description": "The name of the telemetry object."}
    note = {"type": "string", "description": "A note providing further context."}

    def variant(kind: str, description: str, **props: Any) -> dict[str, Any]:
        return {
            "description": description,
            "type": "object",
            "properties": {"type": {"type": "string", "const": kind}, **props},
            "required": ["type", *props],
            "additionalProperties": False,
        }

    change = {
        "description": "One change of a top-level telemetry object between the baseline and the head.",
        "oneOf": [
            variant("added", "The object was added to the head registry.", name=name),
            variant(
                "renamed",
                "The object of the baseline is deprecated in the head, renamed to another.",
                old_name=name,
                new_name=name,
                note=note,
            ),
            variant("updated", "Fields of the object changed (weaver never reports this yet)."),
            variant("obsoleted", "The object is now deprecated without a replacement.", name=name, note=note),
            variant(
                "uncategorized", "The object is now deprecated for another reason.", name=name, note=note
            ),
            variant("removed", "The object of the baseline is missing from the head registry.", name=name),
        ],
    }
    manifest = {
        "type": "object",
        "properties": {"semconv_version": {"type": "string"}},
        "required": ["semconv_version"],
    }
    kinds = {k: {"type": "array", "items": {"$ref": "#/$defs/SchemaItemChange"}} for k in ITEM_KINDS}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "SchemaChanges",
        "description": "A summary of schema changes between two versions of a registry.",
        "type": "object",
        "properties": {
            "head": {"$ref": "#/$defs/RegistryManifest"},
            "baseline": {"$ref": "#/$defs/RegistryManifest"},
            "changes": {"type": "object", "properties": kinds, "additionalProperties": False},
        },
        "required": ["head", "baseline", "changes"],
        "$defs": {"RegistryManifest": manifest, "SchemaItemChange": change},
    }


def load_baseline(ctx: Any, baseline_registry: str | None = None) -> dict[str, Any]:
    """Operation `weaver.registry.baseline`: load and resolve the baseline; its errors join the run."""
    from weavergen.check import load_step, resolve_step
    from weavergen.operations import OperationError

    if not baseline_registry:
        raise OperationError("`registry diff` needs a baseline registry: pass --baseline-registry <REGISTRY>")
    options = replace(ctx.options, registry=baseline_registry)
    registry, diagnostics = load_step(options)
    resolution = resolve_step(options, registry)
    if resolution is not None:
        diagnostics.extend(resolution.diagnostics)
        ctx.outputs["baseline"] = resolution
    errors = [d for d in diagnostics if d.is_error]
    ctx.add(errors)
    return {"loaded": resolution is not None, "files": len(registry.files), "errors": len(errors)}


def diff_operation(ctx: Any, v2: bool | None = None) -> dict[str, Any]:
    """Operation `weaver.registry.diff`: the schema changes from the baseline to the current registry."""
    from weavergen.operations import OperationError

    baseline = ctx.outputs.get("baseline")
    if baseline is None:
        raise OperationError("no baseline is loaded: `weaver.registry.baseline` must run first")
    use_v2 = ctx.options.v2 if v2 is None else bool(v2)
    differ = diff_registries_v2 if use_v2 else diff_registries
    ctx.outputs["diff"] = differ(ctx.need_resolution(), baseline)
    return count(ctx.outputs["diff"])


def render_templates(
    diff: dict[str, Any], templates: str, fmt: str
) -> tuple[list[Any], list[Diagnostic]] | None:
    """weaver's `--templates DIR`: the templates of `DIR/<fmt>` rendered with the diff as `ctx`.

    None when DIR has no folder for the format (the built-in renderers then apply); else the rendered
    files (paths relative to the output folder) and the template diagnostics.
    """
    from weavergen.forge import GenerateOptions
    from weavergen.forge.config import ForgeConfig, templates_root
    from weavergen.forge.generate import GenerateJob, prepare_templates, render_bounded

    if not templates_root(Path(templates), fmt).is_dir():
        return None
    job = GenerateJob(target_dir="", config=ForgeConfig(), context=None, cli_params={}, template_files=[])
    prepare_templates(GenerateOptions(registry="", target=fmt, templates=templates), job)
    if not job.ok:
        return [], job.diagnostics
    job.context = json.loads(json.dumps(diff))
    result = render_bounded(job, f"target `{fmt}`")
    return result.files, [*job.diagnostics, *result.diagnostics]
