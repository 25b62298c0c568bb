"""`/api/v1/runs`: the stored workflow runs of the served registry, newest first, each with its spans
placed on a common time axis (milliseconds from the run's first span) for the dashboard's Gantt chart."""

from __future__ import annotations

import json
from typing import Any

from weavergen.runs import load_run, stored_runs

MAX_RUNS = 20


def runs_of(registry: str) -> list[dict[str, Any]]:
    """The runs of a registry folder, newest first; a run file that cannot be read is skipped."""
    out = []
    for path in reversed(stored_runs(registry)[-MAX_RUNS:]):
        try:
            run = load_run(path)
        except (OSError, ValueError, TypeError, json.JSONDecodeError):
            continue
        spans = run.pop("spans", [])
        start = min((s.start_ns for s in spans), default=0)
        run["spans"] = [
            {
                **s.as_dict(),
                "offset_ms": (s.start_ns - start) / 1e6,
                "duration_ms": s.duration_ms,
            }
            for s in sorted(spans, key=lambda s: s.start_ns)
        ]
        run["file"] = path.name
        out.append(run)
    return out
