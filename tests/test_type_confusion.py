"""Malformed shapes never cost the other diagnostics: a property test over type-confused documents.

Every field of every model (v1, v2, manifest) is given values of every other YAML type (see
`typeconfusion.py`); each document goes through the real `registry_check` workflow, with and without
`--v2`, with an after-resolution policy so that the v2 materialization and the template schema run too.
Whatever the confusion, the run ends without a failed task and the broken file gets a positioned error.

The example count is bounded for `make test` (`WEAVERGEN_FUZZ_EXAMPLES`, default 40); `make fuzz` runs
the same property much longer, as CI does.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typeconfusion import WRONG, Seed, Slot, all_slots, confuse, seeds, write_registry

from weavergen.check import CheckOptions
from weavergen.diagnostics import Diagnostic
from weavergen.operations import RunContext
from weavergen.workflow import run_workflow

EXAMPLES = int(os.environ.get("WEAVERGEN_FUZZ_EXAMPLES", "40"))
SLOTS = all_slots()
CRASHES = ("WorkflowTaskFailed", "internal-error")


def run_check(root: Path, v2: bool) -> list[Diagnostic]:
    """`weavergen registry check [--v2]` through the workflow, as the CLI runs it."""
    options = CheckOptions(registry=str(root), v2=v2)
    run = run_workflow("registry_check", {}, RunContext(options), store=False)
    report = run.context.report
    return (list(report.diagnostics) if report is not None else []) + run.diagnostics


def assert_survives(seed: Seed, slot: Slot, value: Any, v2: bool) -> None:
    data = confuse(seed.data, slot, value)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "reg"
        write_registry(root, seed, data)
        diags = run_check(root, v2)
    where = f"{seed.name} at {list(slot)} = {value!r:.60} (v2={v2})"
    crashes = [d.message for d in diags if d.code in CRASHES]
    assert not crashes, f"{where}: {crashes}"
    mine = [d for d in diags if d.file is not None and d.file.endswith(seed.name)]
    unplaced = [d.code for d in mine if d.range is None]
    assert not unplaced, f"{where}: diagnostics without a position: {unplaced}"
    if not seed.accepts(data):
        assert any(d.is_error for d in mine), (
            f"{where}: no error on the broken file: {[d.code for d in diags]}"
        )


def test_the_generator_covers_every_model() -> None:
    kinds = {s.kind for s in seeds()}
    assert kinds == {"v1", "v2", "manifest"}
    fields = {slot[-1] for _, slot in SLOTS if isinstance(slot[-1], str)}
    for needle in ("groups", "attribute_groups", "entities", "metric_refinements", "registry_path", "body"):
        assert needle in fields
    assert len(SLOTS) > 500


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("WEAVERGEN_FUZZ_RANDOM") is None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.sampled_from(SLOTS), st.sampled_from(WRONG), st.booleans())
def test_type_confused_documents_keep_every_diagnostic(pick: tuple[Seed, Slot], value: Any, v2: bool) -> None:
    seed, slot = pick
    assert_survives(seed, slot, value, v2)
