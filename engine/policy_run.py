"""Rego evaluation under the rendering budget: policies arrive with the registry, so a set that loops or
allocates without end (`numbers.range(1, 1e9)` aborts regorus on allocation) becomes a diagnostic naming
the stage, never a dead CLI or language server.

All evaluations of one stage run in one child process (forked as templates are, see
`weavergen.forge.sandbox`), which loads the policies once; the parent keeps only the results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import regorus

Outcome = tuple[str, str, str]  # ("ok", "", deny JSON) or ("error", weaver variant, weaver's error text)


def run_once(engine: Any, stage: str, input_json: str, data_json: str | None) -> Outcome:
    """Evaluate `data.<stage>.deny` once on a clone of `engine`."""
    from weavergen.policy import regorus_error

    engine = engine.clone()
    if data_json is not None:
        try:
            engine.add_data_json(data_json)
        except (RuntimeError, ValueError) as err:
            return ("error", "InvalidData", f"Invalid data, error: {regorus_error(err)})")
    try:
        engine.set_input_json(input_json)
    except (RuntimeError, ValueError) as err:
        return ("error", "InvalidInput", f"Invalid input, error: {regorus_error(err)})")
    try:
        value = engine.eval_rule_as_json(f"data.{stage}.deny")
    except (RuntimeError, ValueError) as err:
        return ("error", "InvalidPolicyFile", f"Violation evaluation error: {regorus_error(err)}")
    return ("ok", "", value)


def _run_all(
    policies: Sequence[tuple[str, str]], stage: str, inputs: Sequence[str], data_json: str | None
) -> list[Outcome]:
    engine = regorus.Engine()
    for name, text in policies:
        engine.add_policy(name, text)
    return [run_once(engine, stage, input_json, data_json) for input_json in inputs]


def run_bounded(
    policies: Sequence[tuple[str, str]], stage: str, inputs: Sequence[str], data_json: str | None
) -> list[Outcome] | str:
    """The outcome of each input, or why the stage was stopped (time, memory, a crash of regorus)."""
    from weavergen.forge.sandbox import BudgetExceeded, bounded

    try:
        result: list[Outcome] = bounded(
            _run_all, (tuple(policies), stage, list(inputs), data_json), f"the `{stage}` policies"
        )
    except BudgetExceeded as exc:
        return exc.reason
    return result
