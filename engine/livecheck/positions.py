"""live-check findings placed on the registry's YAML, for editors.

`LiveCheckLens` accumulates the findings of checked samples (each distinct finding once, with a count)
and turns them into diagnostics on the definitions they concern: a type mismatch on the attribute's
`type`, a deprecated or unstable use on the definition, a unit or instrument mismatch on the metric's
field. What the registry lacks (an attribute, metric or event) lands on the manifest; a missing
attribute carries a fix that adds a definition stub to the file that holds its namespace.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from weavergen.diagnostics import Diagnostic, Range, Severity
from weavergen.fixes import Fix, TextEdit
from weavergen.livecheck.checker import _nodes
from weavergen.livecheck.report import Statistics
from weavergen.livecheck.samples import Sample
from weavergen.resolve import Definition, Resolution

_SEVERITY = {"violation": Severity.ERROR, "improvement": Severity.WARNING, "information": Severity.ADVICE}
_GROUP_FIELDS = {"unit_mismatch": "unit", "unexpected_instrument": "instrument"}


@dataclass(slots=True)
class _Seen:
    """One distinct finding, how often it was seen, and the sample attribute it was about (if any)."""

    finding: dict[str, Any]
    count: int = 0
    attribute: dict[str, Any] | None = None


@dataclass(slots=True)
class LiveCheckLens:
    """Findings of live telemetry, kept for one registry and placed on its files on demand."""

    seen: dict[str, _Seen] = field(default_factory=dict)
    statistics: Statistics | None = None
    samples: int = 0
    revision: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _placed: tuple[Resolution, int, dict[str, list[Diagnostic]]] | None = None

    def reset(self, statistics: Statistics | None = None) -> None:
        """Forget everything (a samples file changed, or the registry did)."""
        with self.lock:
            self.seen.clear()
            self.statistics = statistics
            self.samples = 0
            self.revision += 1

    def add(self, sample: Sample) -> None:
        """Record the findings of one checked (annotated) sample."""
        ((kind, body),) = sample.items()
        with self.lock:
            self.samples += 1
            self.revision += 1
            for node_kind, node, _ in _nodes(kind, body):
                if self.statistics is not None:
                    self.statistics.add(node_kind, node)
                for finding in (node.get("live_check_result") or {}).get("all_advice", []):
                    key = json.dumps(
                        [finding["id"], finding.get("context"), finding["message"]], sort_keys=True
                    )
                    entry = self.seen.setdefault(key, _Seen(finding))
                    entry.count += 1
                    if node_kind == "attribute":
                        entry.attribute = node

    @property
    def coverage(self) -> float | None:
        """The registry coverage so far (None before any statistics)."""
        return self.statistics.registry_coverage if self.statistics is not None else None

    def diagnostics(self, resolution: Resolution) -> dict[str, list[Diagnostic]]:
        """Every finding as a diagnostic, grouped by the file it is placed in (kept until either changes)."""
        with self.lock:
            placed, revision = self._placed, self.revision
            entries = list(self.seen.values())
        if placed is not None and placed[0] is resolution and placed[1] == revision:
            return placed[2]
        placer = _Placer(resolution)
        out: dict[str, list[Diagnostic]] = {}
        for entry in entries:
            diagnostic = placer.place(entry)
            if diagnostic is not None and diagnostic.file is not None:
                out.setdefault(diagnostic.file, []).append(diagnostic)
        for items in out.values():
            items.sort(key=Diagnostic.sort_key)
        with self.lock:
            self._placed = (resolution, revision, out)
        return out


class _Placer:
    """Finds where a finding belongs in the registry's files."""

    def __init__(self, resolution: Resolution) -> None:
        self.resolution = resolution
        registry = resolution.registry
        self.manifest = registry.manifest_file
        self.definitions = {
            name: d
            for name, d in resolution.definitions.items()
            if d.entry.file is not None and not d.group.dependency
        }
        self.metrics = {str(g.fields.get("metric_name")): g for g in resolution.groups if g.type == "metric"}
        self.named = {
            (g.type, str(g.fields.get("name"))): g for g in resolution.groups if g.fields.get("name")
        }

    def place(self, entry: _Seen) -> Diagnostic | None:
        finding = entry.finding
        raw = finding.get("context")
        context: dict[str, Any] = raw if isinstance(raw, dict) else {}
        file, where = self._where(finding, context)
        if file is None:
            return None
        times = "once" if entry.count == 1 else f"{entry.count} times"
        diagnostic = Diagnostic(
            code=finding["id"],
            message=f"{finding['message']} (live-check, seen {times})",
            severity=_SEVERITY.get(finding["level"], Severity.WARNING),
            file=file,
            range=where,
            extra={"live_check": finding},
        )
        if finding["id"] == "missing_attribute" and entry.attribute is not None:
            stub = self.stub(entry.attribute)
            if stub is not None:
                diagnostic.extra["fix"] = stub
        return diagnostic

    def _where(self, finding: dict[str, Any], context: dict[str, Any]) -> tuple[str | None, Range | None]:
        finding_id = finding["id"]
        attribute = context.get("attribute_key")
        definition = self.definitions.get(str(attribute)) if attribute else None
        if definition is not None and finding_id in (
            "type_mismatch",
            "deprecated",
            "not_stable",
            "undefined_enum_variant",
        ):
            field_name = (
                "type" if finding_id in ("type_mismatch", "undefined_enum_variant") else _name_key(definition)
            )
            return _in_file(definition, field_name)
        group = self._group(finding, context)
        if group is not None and group.source.file is not None:
            source = group.source
            group_field = _GROUP_FIELDS.get(finding_id)
            where = source.field_range(group_field) if group_field else None
            return source.file.provenance, where or source.id_range()
        if self.manifest is None:
            return None, None
        return self.manifest.provenance, self.manifest.document.head_range(()) or Range.of(0, 0, 0, 1)

    def _group(self, finding: dict[str, Any], context: dict[str, Any]) -> Any:
        if "entity_type" in context and isinstance(context["entity_type"], str):
            return self.named.get(("entity", context["entity_type"]))
        if finding.get("signal_type") == "metric":
            return self.metrics.get(str(finding.get("signal_name")))
        if finding.get("signal_type") == "log" and finding["id"] != "missing_event":
            return self.named.get(("event", str(finding.get("signal_name"))))
        return None

    def stub(self, attribute: dict[str, Any]) -> Fix | None:
        """Add a definition of a missing attribute after the last one of its namespace's group."""
        name = str(attribute.get("name", ""))
        sibling = _closest(name, self.definitions)
        if sibling is None:
            return None
        entry = sibling.entry
        spec = entry.file
        if spec is None or len(entry.path) < 2:
            return None
        doc = spec.document
        items_path = entry.path[:-1]
        items = _value(doc.data, items_path)
        if not isinstance(items, list) or not items:
            return None
        last = doc.spans.get((*items_path, len(items) - 1))
        if last is None:
            return None
        sl, column, el, ec = last
        lines = spec.text.splitlines(keepends=True)
        end = el if ec > 0 and lines[el : el + 1] and lines[el][:ec].strip() else el - 1
        while end > sl and not lines[end].strip():
            end -= 1
        indent = " " * column
        stub = [f"{' ' * max(column - 2, 0)}- {_name_key(sibling)}: {name}"]
        stub.append(f"{indent}type: {attribute.get('type') or 'string'}")
        stub.append(f"{indent}stability: development")
        stub.append(f"{indent}brief: TODO describe {name}.")
        if attribute.get("value") is not None:
            stub.append(f"{indent}examples: [{json.dumps(attribute['value'], ensure_ascii=False)}]")
        text = "\n".join(stub) + "\n"
        if end + 1 >= len(lines) and not lines[-1].endswith("\n"):
            text = "\n" + text
        at = Range.of(end + 1, 0, end + 1, 0)
        namespace = name.rsplit(".", 1)[0] if "." in name else name
        title = f"Add a definition of '{name}' to {spec.provenance} (namespace {namespace})"
        return Fix(title, "missing_attribute", spec.provenance, (TextEdit(at, text),), preferred=True)


def _name_key(definition: Definition) -> str:
    """`key` in a v2 file, `id` in a v1 file: how the definition names its attribute as written."""
    spec = definition.entry.file
    raw = _value(spec.document.data, definition.entry.path) if spec is not None else None
    return "key" if isinstance(raw, dict) and "key" in raw else "id"


def _in_file(definition: Definition, field_name: str) -> tuple[str | None, Range | None]:
    spec = definition.entry.file
    if spec is None:
        return None, None
    return spec.provenance, spec.document.range_of((*definition.entry.path, field_name))


def _closest(name: str, definitions: dict[str, Definition]) -> Definition | None:
    """The definition sharing the longest namespace with `name` (at least its first segment)."""
    parts = name.split(".")
    best: tuple[int, str] | None = None
    for other in definitions:
        shared = 0
        for a, b in zip(parts[:-1], other.split(".")[:-1], strict=False):
            if a != b:
                break
            shared += 1
        if shared and (best is None or (shared, other) > best):
            best = (shared, other)
    return definitions[best[1]] if best is not None else None


def _value(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        if (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        ):
            data = data[part]
        else:
            return None
    return data
