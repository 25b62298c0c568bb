"""weaver's Rego advice policies for live-check: the default `otel.rego`, `--advice-policies`,
`--advice-preprocessor` (jq) and `--advice-data` files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.livecheck.registry_index import RegistryIndex, finding

DEFAULT_ADVICE_POLICY_NAME = "defaults/policies/live_check_advice/otel.rego"
DEFAULT_ADVICE_POLICY = r"""package live_check_advice

import rego.v1

# weaver's default advice: attribute and metric naming, and namespaces against the registry.
# `data` holds the sets the default preprocessor computes from the registry.

name_regex := "^[a-z][a-z0-9]*([._][a-z0-9]+)*$"

derive_namespaces(name) := [concat(".", array.slice(parts, 0, i)) |
	parts := split(name, ".")
	count(parts) > 1
	some i in numbers.range(1, count(parts) - 1)
]

deny contains finding("missing_namespace", "improvement",
	sprintf("Attribute '%s' does not have a namespace.", [name]), name) if {
	name := input.sample.attribute.name
	not contains(name, ".")
}

deny contains finding("invalid_format", "violation",
	sprintf("Attribute '%s' does not match name formatting rules.", [name]), name) if {
	name := input.sample.attribute.name
	not regex.match(name_regex, name)
}

deny contains object.union(finding("invalid_format", "violation",
	sprintf("Metric '%s' does not match name formatting rules.", [name]), name),
	{"context": {"metric_name": name}}) if {
	name := input.sample.metric.name
	not regex.match(name_regex, name)
}

deny contains object.union(finding("illegal_namespace", "violation",
	sprintf("Attribute '%s' uses the namespace '%s', which is an existing attribute.", [name, ns]), name),
	{"context": {"attribute_key": name, "namespace": ns}}) if {
	name := input.sample.attribute.name
	contains(name, ".")
	some ns in derive_namespaces(name)
	data.attributes_set[ns]
	not data.deprecated_attributes_set[ns]
}

deny contains object.union(finding("extends_namespace", "information",
	sprintf("Attribute '%s' extends the existing namespace '%s'.", [name, ns]), name),
	{"context": {"attribute_key": name, "namespace": ns}}) if {
	name := input.sample.attribute.name
	contains(name, ".")
	not is_template(name)
	not data.attributes_set[name]
	matches := [n | some n in derive_namespaces(name); data.namespaces_to_check_set[n]]
	count(matches) > 0
	ns := matches[count(matches) - 1]
}

finding(id, level, message, name) := {
	"id": id,
	"level": level,
	"message": message,
	"context": {"attribute_key": name},
	"signal_type": input.signal_type,
	"signal_name": input.signal_name,
}

is_template(name) if {
	some template in object.keys(data.templates_set)
	startswith(name, template)
}
"""


class AdvicePolicies:
    """The `live_check_advice` Rego package (the default, or `--advice-policies`), evaluated per sample."""

    def __init__(self, engine: Any, provenance: str) -> None:
        self._engine = engine
        self.provenance = provenance
        self.diagnostics: list[Diagnostic] = []

    @classmethod
    def load(
        cls,
        directory: str | None,
        index: RegistryIndex,
        preprocessor: str | None = None,
        extra_data: dict[str, Any] | None = None,
    ) -> tuple[AdvicePolicies | None, list[Diagnostic]]:
        """Load the policies and the registry data (weaver's default sets, or what the preprocessor
        makes of the registry, plus `--advice-data`); bad policies and preprocessors become diagnostics."""
        import regorus

        from weavergen.policy import invalid_policy_diagnostic

        sources: list[tuple[str, str]] = []
        diagnostics: list[Diagnostic] = []
        if directory is None:
            sources.append((DEFAULT_ADVICE_POLICY_NAME, DEFAULT_ADVICE_POLICY))
        elif not os.path.isdir(directory):
            return None, [
                Diagnostic(
                    code="InvalidAdvicePolicies",
                    message=f"The advice policies directory '{directory}' does not exist.",
                    file=directory,
                )
            ]
        else:
            for path in _rego_files(directory):
                try:
                    with open(path, encoding="utf-8") as fh:
                        sources.append((path, fh.read()))
                except (OSError, UnicodeDecodeError) as err:
                    diagnostics.append(invalid_policy_diagnostic(path, None, f"Failed to read {path}: {err}"))
        engine = regorus.Engine()
        for name, text in sources:
            try:
                engine.add_policy(name, text)
            except RuntimeError as err:
                diagnostics.append(
                    invalid_policy_diagnostic(name, text, str(err).split("Stack backtrace:")[0])
                )
        data = index.advice_data()
        if preprocessor is not None:
            data, problem = _preprocess(preprocessor, index.preprocessor_input(), data)
            if problem is not None:
                diagnostics.append(problem)
        engine.add_data_json(json.dumps({**data, **(extra_data or {})}))
        if "data.live_check_advice" not in {str(p) for p in engine.get_packages()}:
            return None, diagnostics
        return cls(engine, directory or DEFAULT_ADVICE_POLICY_NAME), diagnostics

    def evaluate(self, input_value: dict[str, Any]) -> list[dict[str, Any]]:
        """The `deny` findings for one sample node; an evaluation failure is kept as a diagnostic."""
        from weavergen.policy_findings import evaluation_error_diagnostic, parse_findings

        try:
            self._engine.set_input_json(json.dumps(input_value))
            value = json.loads(self._engine.eval_rule_as_json("data.live_check_advice.deny"))
        except (RuntimeError, ValueError) as err:
            self._keep(evaluation_error_diagnostic(self.provenance, "ViolationEvaluationError", str(err)))
            return []
        parsed = parse_findings(value, self.provenance)
        for diagnostic in parsed.diagnostics:
            self._keep(diagnostic)
        # A finding that names no signal is about the sample's own signal, as the built-in ones are.
        signal = (input_value.get("signal_type"), input_value.get("signal_name"))
        return [
            finding(
                f.id, f.level, f.message, f.context, (f.signal_type or signal[0], f.signal_name or signal[1])
            )
            for f in parsed
        ]

    def _keep(self, diagnostic: Diagnostic) -> None:
        if all(d.message != diagnostic.message for d in self.diagnostics):
            self.diagnostics.append(diagnostic)


def _rego_files(directory: str) -> Iterator[str]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        yield from (os.path.join(root, f) for f in sorted(files) if f.endswith(".rego"))


def load_advice_data(pattern: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """`--advice-data GLOB`: JSON and YAML files nested in `data` by their path below the glob's base
    folder (`schemas/user.json` → `data.user`); other extensions are ignored."""
    import glob

    import yaml

    base = Path(pattern)
    while any(c in str(base) for c in "*?[") and base != base.parent:
        base = base.parent
    data: dict[str, Any] = {}
    diagnostics: list[Diagnostic] = []
    for name in sorted(glob.glob(pattern, recursive=True)):
        path = Path(name)
        if path.suffix not in (".json", ".yaml", ".yml") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            value = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as err:
            message = f"Cannot load advice data {path}: {err}"
            diagnostics.append(Diagnostic(code="InvalidAdviceData", message=message, file=str(path)))
            continue
        parts = path.relative_to(base).with_suffix("").parts if path.is_relative_to(base) else (path.stem,)
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return data, diagnostics


def _preprocess(
    path: str, registry: dict[str, Any], data: dict[str, Any]
) -> tuple[dict[str, Any], Diagnostic | None]:
    """Run a jq preprocessor (jaq, as weaver) over the registry, under the rendering budget
    (`forge.sandbox`); its output replaces the default data."""
    import jaq

    from weavergen.forge.sandbox import BudgetExceeded, bounded

    try:
        with open(path, encoding="utf-8") as fh:
            program = fh.read()
        outputs = bounded(_jq_outputs, (program, registry, path), f"jq preprocessor `{path}`")
    except BudgetExceeded as exc:
        return data, Diagnostic(code="InvalidAdvicePreprocessor", message=exc.diagnostic.message, file=path)
    except (OSError, UnicodeDecodeError, RuntimeError, jaq.JaqError) as err:
        return data, Diagnostic(code="InvalidAdvicePreprocessor", message=f"{path}: {err}", file=path)
    if len(outputs) != 1 or not isinstance(outputs[0], dict):
        message = f"{path}: the preprocessor must output one object"
        return data, Diagnostic(code="InvalidAdvicePreprocessor", message=message, file=path)
    return outputs[0], None


def _jq_outputs(program: str, value: Any, path: str) -> list[Any]:
    """Every output of a jq program over `value` (run in the budgeted child)."""
    import jaq

    from weavergen.forge.sandbox import at

    at("FilterError", f"jq preprocessor `{path}`", path)
    return list(jaq.compile(program).run(value))
