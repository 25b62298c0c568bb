"""weaver's live-check advisors: registry lookups, deprecation, stability, types, enums, units,
instruments, requirement levels, entity associations, and the Rego advice policies.

`LiveChecker.check(sample)` annotates each node of a sample with `live_check_result` (weaver's
`{all_advice, highest_advice_level}`) and returns the findings; ids, levels and messages are weaver's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from weavergen.livecheck.advice_policies import (
    DEFAULT_ADVICE_POLICY,
    DEFAULT_ADVICE_POLICY_NAME,
    AdvicePolicies,
    load_advice_data,
)
from weavergen.livecheck.registry_index import (
    LEVEL_RANK,
    LEVELS,
    RegistryIndex,
    finding,
    highest_level,
    is_template_attribute,
)
from weavergen.livecheck.samples import Sample

__all__ = [
    "DEFAULT_ADVICE_POLICY",
    "DEFAULT_ADVICE_POLICY_NAME",
    "LEVELS",
    "LEVEL_RANK",
    "AdvicePolicies",
    "LiveChecker",
    "RegistryIndex",
    "finding",
    "highest_level",
    "load_advice_data",
]


class LiveChecker:
    """Runs every advisor on samples, in weaver's order: lookups, deprecated, stability, type, enum, Rego."""

    def __init__(self, index: RegistryIndex, policies: AdvicePolicies | None, rules: Any = None) -> None:
        self.index = index
        self.policies = policies
        self.rules = rules  # `.weaver.toml` finding filters and level overrides (`rules.FindingRules`)
        self.resource: dict[str, Any] | None = None
        self.scope: dict[str, Any] | None = None
        self._metric_group: dict[str, Any] | None = None  # the metric of the data point being checked

    def check(self, sample: Sample) -> list[dict[str, Any]]:
        """Annotate a sample (in place) and return all its findings, nested nodes included."""
        ((kind, body),) = sample.items()
        if kind == "resource":
            self.resource = body
        elif kind == "instrumentation_scope":
            self.scope = {k: v for k, v in body.items() if k != "live_check_result"}
        signal = _signal_of(kind, body)
        found: list[dict[str, Any]] = []
        for node_kind, node, parent in _nodes(kind, body):
            advice = self._advise(node_kind, node, parent, signal)
            if self.rules:
                advice = [f for f in (self.rules.apply(a, node_kind, node) for a in advice) if f is not None]
            node["live_check_result"] = {"all_advice": advice, "highest_advice_level": highest_level(advice)}
            found.extend(advice)
        return found

    def _advise(
        self,
        kind: str,
        node: dict[str, Any],
        parent: dict[str, Any] | None,
        signal: tuple[str | None, str | None],
    ) -> list[dict[str, Any]]:
        registry_attribute: dict[str, Any] | None = None
        registry_group: dict[str, Any] | None = None
        if kind == "attribute":
            registry_attribute, advice = self._attribute(node, signal)
        elif kind == "metric":
            registry_group, advice = self._metric(node, signal)
        elif kind == "log":
            registry_group, advice = self._log(node, signal)
        elif kind.endswith("data_point") and parent is not None:
            registry_group, advice = self._data_point(node, parent, signal)
        elif kind == "exemplar":
            registry_group, advice = self._metric_group, []
        else:
            advice = []
        if self.policies is not None:
            advice.extend(
                self.policies.evaluate(
                    self._policy_input(kind, node, registry_attribute, registry_group, signal)
                )
            )
        return advice

    def _policy_input(
        self,
        kind: str,
        node: dict[str, Any],
        registry_attribute: dict[str, Any] | None,
        registry_group: dict[str, Any] | None,
        signal: tuple[str | None, str | None],
    ) -> dict[str, Any]:
        plain = {k: v for k, v in node.items() if k not in ("live_check_result", "resource")}
        out: dict[str, Any] = {"sample": {kind: plain}, "signal_type": signal[0], "signal_name": signal[1]}
        if self.resource is not None:
            out["resource"] = {"attributes": self.resource.get("attributes", [])}
        if self.scope is not None:
            out["instrumentation_scope"] = self.scope
        if registry_attribute is not None:
            out["registry_attribute"] = registry_attribute
        if registry_group is not None:
            out["registry_group"] = {k: v for k, v in registry_group.items() if k != "lineage"}
        return out

    # --- advisors ------------------------------------------------------------------------------------

    def _attribute(
        self, node: dict[str, Any], signal: tuple[str | None, str | None]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        name = str(node.get("name", ""))
        reg, template = self.index.find_attribute(name)
        ctx = {"attribute_key": name}
        if reg is None:
            message = f"Attribute '{name}' does not exist in the registry."
            return None, [finding("missing_attribute", "violation", message, ctx, signal)]
        advice: list[dict[str, Any]] = []
        if template:
            node["template"] = reg["name"]
            ctx_t = {**ctx, "template_name": reg["name"]}
            advice.append(
                finding(
                    "template_attribute", "information", f"Attribute '{name}' is a template", ctx_t, signal
                )
            )
        advice.extend(_deprecated("Attribute", name, reg.get("deprecated"), "attribute_key", signal))
        advice.extend(_not_stable("Attribute", name, reg.get("stability"), "attribute_key", signal))
        advice.extend(_type_advice(name, node, reg, signal))
        return reg, advice

    def _metric(
        self, node: dict[str, Any], signal: tuple[str | None, str | None]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        name = str(node.get("name", ""))
        group = self.index.metrics.get(name)
        if group is None:
            message = "Metric does not exist in the registry."
            return None, [finding("missing_metric", "violation", message, {"metric_name": name}, signal)]
        advice = _deprecated("Metric", name, group.get("deprecated"), "metric_name", signal)
        advice.extend(_not_stable("Metric", name, group.get("stability"), "metric_name", signal))
        instrument = str(node.get("instrument", ""))
        expected = group.get("instrument")
        if instrument not in ("counter", "updowncounter", "gauge", "histogram"):
            advice.append(
                finding(
                    "unexpected_instrument",
                    "violation",
                    f"Instrument '{instrument}' is not supported",
                    {"instrument": instrument},
                    signal,
                )
            )
        elif expected is not None and expected != instrument:
            advice.append(
                finding(
                    "unexpected_instrument",
                    "violation",
                    f"Instrument should be '{expected}', but found '{instrument}'.",
                    {"instrument": instrument, "expected": expected},
                    signal,
                )
            )
        unit = str(node.get("unit", ""))
        if group.get("unit") is not None and group["unit"] != unit:
            advice.append(
                finding(
                    "unit_mismatch",
                    "violation",
                    f"Unit should be '{group['unit']}', but found '{unit}'.",
                    {"unit": unit, "expected": group["unit"]},
                    signal,
                )
            )
        advice.extend(self._entities(group, node, signal))
        return group, advice

    def _data_point(
        self, node: dict[str, Any], metric: dict[str, Any], signal: tuple[str | None, str | None]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """A data point's required attributes; its metric's group is the Rego `registry_group` (weaver)."""
        group = self.index.metrics.get(str(metric.get("name", "")))
        self._metric_group = group
        if group is None:
            return None, []
        return group, check_requirements(group.get("attributes", []), node.get("attributes", []), signal)

    def _log(
        self, node: dict[str, Any], signal: tuple[str | None, str | None]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        name = str(node.get("event_name") or "")
        if not name:
            return None, []
        group = self.index.events.get(name)
        if group is None:
            message = f"Event '{name}' does not exist in the registry."
            return None, [finding("missing_event", "violation", message, {"event_name": name}, signal)]
        advice = _deprecated("Event", name, group.get("deprecated"), "event_name", signal)
        advice.extend(_not_stable("Event", name, group.get("stability"), "event_name", signal))
        advice.extend(check_requirements(group.get("attributes", []), node.get("attributes", []), signal))
        advice.extend(self._entities(group, node, signal))
        return group, advice

    def _entities(
        self, group: dict[str, Any], node: dict[str, Any], signal: tuple[str | None, str | None]
    ) -> list[dict[str, Any]]:
        """A signal's `entity_associations` against its resource: any one entity must be satisfied."""
        names = [n for n in group.get("entity_associations") or [] if isinstance(n, str)]
        resource = node.get("resource") or self.resource or {}
        present = [a.get("name") for a in resource.get("attributes", [])]
        evaluated: list[tuple[bool, list[dict[str, Any]]]] = []
        for name in names:
            entity = self.index.entities.get(name)
            if entity is None:
                continue
            found = _entity_requirements(entity, name, present, signal)
            evaluated.append((not any(f["level"] == "violation" for f in found), found))
        if len(evaluated) == 1:
            return evaluated[0][1]
        if not evaluated or any(ok for ok, _ in evaluated):
            return [f for ok, found in evaluated if ok for f in found]
        message = f"None of the associated entities [{', '.join(names)}] were satisfied by the resource."
        return [
            finding("entity_association_not_satisfied", "violation", message, {"entity_type": names}, signal)
        ]


_REQUIREMENTS = {
    "required": ("required_attribute_not_present", "violation", "Required"),
    "recommended": ("recommended_attribute_not_present", "improvement", "Recommended"),
    "opt_in": ("opt_in_attribute_not_present", "information", "Opt-in"),
    "conditionally_required": (
        "conditionally_required_attribute_not_present",
        "information",
        "Conditionally required",
    ),
}


def _requirement(attr: dict[str, Any]) -> tuple[str, str, str]:
    level = attr.get("requirement_level", "recommended")
    key = next(iter(level)) if isinstance(level, dict) and level else str(level)
    return _REQUIREMENTS.get(key, _REQUIREMENTS["recommended"])


def check_requirements(
    expected: Sequence[dict[str, Any]],
    sample_attributes: Sequence[dict[str, Any]],
    signal: tuple[str | None, str | None],
) -> list[dict[str, Any]]:
    """weaver's `check_attributes`: each registry attribute missing from the sample, by requirement level."""
    names = [str(a.get("name", "")) for a in sample_attributes]
    out: list[dict[str, Any]] = []
    for attr in expected:
        key = str(attr.get("name", ""))
        present = any(n.startswith(key) for n in names) if is_template_attribute(attr) else key in names
        if not present:
            id_, level, label = _requirement(attr)
            out.append(
                finding(
                    id_, level, f"{label} attribute '{key}' is not present.", {"attribute_key": key}, signal
                )
            )
    return out


def _entity_requirements(
    entity: dict[str, Any], entity_type: str, present: Sequence[Any], signal: tuple[str | None, str | None]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for attr in entity.get("attributes", []):
        key = str(attr.get("name", ""))
        if key in present:
            continue
        id_, level, label = _requirement(attr)
        message = f"{label} attribute '{key}' for entity '{entity_type}' is not present in the resource."
        context = {"attribute_key": key, "entity_type": entity_type}
        out.append(finding(f"entity_{id_}", level, message, context, signal))
    return out


def _deprecated(
    what: str, name: str, deprecated: Any, key: str, signal: tuple[str | None, str | None]
) -> list[dict[str, Any]]:
    if not deprecated:
        return []
    raw = deprecated.get("reason", "uncategorized") if isinstance(deprecated, dict) else "uncategorized"
    reason = raw if raw in ("renamed", "obsoleted") else "uncategorized"
    note = str(deprecated.get("note", "")) if isinstance(deprecated, dict) else str(deprecated)
    message = f"{what} '{name}' is deprecated; reason = '{reason}', note = '{note}'."
    context = {key: name, "deprecation_reason": reason, "deprecation_note": note}
    return [finding("deprecated", "violation", message, context, signal)]


def _not_stable(
    what: str, name: str, stability: Any, key: str, signal: tuple[str | None, str | None]
) -> list[dict[str, Any]]:
    if stability is None or stability == "stable":
        return []
    message = f"{what} '{name}' is not stable; stability = {stability}."
    return [finding("not_stable", "improvement", message, {key: name, "stability": stability}, signal)]


def _compatible(actual: str, expected: str) -> bool:
    """weaver's `is_compatible`: equal, `any`, or an int where a double is expected."""
    return (
        actual == expected
        or expected == "any"
        or (actual, expected) in (("int", "double"), ("int[]", "double[]"))
    )


def _type_advice(
    name: str, node: dict[str, Any], reg: dict[str, Any], signal: tuple[str | None, str | None]
) -> list[dict[str, Any]]:
    actual = node.get("type")
    if actual is None:
        return []
    expected = reg.get("type")
    if isinstance(expected, dict):
        if actual not in ("string", "int"):
            message = (
                f"Enum attribute '{name}' has type '{actual}'. Enum value type should be 'string' or 'int'."
            )
            context = {"attribute_key": name, "attribute_type": actual}
            return [finding("type_mismatch", "violation", message, context, signal)]
        values = [m.get("value") for m in expected.get("members", [])]
        value = node.get("value")
        if value is not None and value not in values:
            message = f"Enum attribute '{name}' has value '{value}' which is not documented."
            context = {"attribute_key": name, "attribute_value": value}
            return [finding("undefined_enum_variant", "information", message, context, signal)]
        return []
    wanted = str(expected)
    if wanted.startswith("template[") and wanted.endswith("]"):
        wanted = wanted[len("template[") : -1]
    if _compatible(str(actual), wanted):
        return []
    message = f"Attribute '{name}' has type '{actual}'. Type should be '{wanted}'."
    context = {"attribute_key": name, "attribute_type": actual, "expected": wanted}
    return [finding("type_mismatch", "violation", message, context, signal)]


def _signal_of(kind: str, body: dict[str, Any]) -> tuple[str | None, str | None]:
    """weaver's `Sample::signal_type` / `signal_name` of a root sample."""
    if kind == "span":
        return "span", str(body.get("name", ""))
    if kind == "metric":
        return "metric", str(body.get("name", ""))
    if kind == "log":
        return "log", str(body.get("event_name", ""))
    if kind == "resource":
        return "resource", None
    return None, None


def _nodes(
    kind: str, body: dict[str, Any], parent: dict[str, Any] | None = None
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """Every node of a sample that gets a live-check result: the node first, then its children."""
    yield kind, body, parent
    for attr in body.get("attributes", []) if kind != "attribute" else []:
        yield "attribute", attr, body
    if kind == "span":
        for event in body.get("span_events", []):
            yield from _nodes("span_event", event, body)
        for link in body.get("span_links", []):
            yield from _nodes("span_link", link, body)
    if kind == "metric":
        for point in body.get("data_points", []):
            yield from _nodes(_data_point_kind(point), point, body)
    if kind.endswith("data_point"):
        for exemplar in body.get("exemplars") or []:
            yield "exemplar", exemplar, body
            for attr in exemplar.get("filtered_attributes", []):
                yield "attribute", attr, exemplar


def _data_point_kind(point: dict[str, Any]) -> str:
    """weaver's data point variant, as the Rego input names it (`input.sample.<kind>`)."""
    if "value" in point:
        return "number_data_point"
    if any(key in point for key in ("scale", "zero_count", "positive", "negative")):
        return "exponential_histogram_data_point"
    return "histogram_data_point"
