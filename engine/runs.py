"""The local store of recent workflow runs, and their spans drawn as a tree or a Mermaid gantt chart.

What `weavergen debug spans` and the editor's "Show Last Run's Spans" read. Runs are kept per registry,
so a project's last run is never another project's (or another process's).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from weavergen.telemetry import OPERATION, OUTCOME, PROCESS_ID, TASK_NAME, TASK_STATE, SpanRecord

KEEP_RUNS = 20
"""How many runs of each registry the store keeps."""


def registry_key(registry: str | None) -> str:
    """How runs name their registry: a local folder by its resolved path, anything else (a URL) as given."""
    if not registry:
        return ""
    path = Path(registry)
    with contextlib.suppress(OSError):
        if path.is_dir():
            return str(path.resolve())
    return registry


def _store_dir(registry: str | None = None) -> Path | None:
    from weavergen.cache import cache_dir

    base = cache_dir()
    if base is None:
        return None
    key = registry_key(registry)
    folder = hashlib.blake2b(key.encode(), digest_size=8).hexdigest() if key else "no-registry"
    return base / "runs" / folder


def store_run(record: Mapping[str, Any]) -> Path | None:
    """Keep a run (process, registry, outcome, spans) in its registry's store; the oldest beyond KEEP_RUNS
    of that registry go."""
    folder = _store_dir(record.get("registry"))
    if folder is None:
        return None
    from weavergen.output import OutputError, write_atomic

    path = folder / f"{time.time_ns():020d}-{record.get('run_id', 'run')}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(record, ensure_ascii=False, default=str))
        for old in sorted(folder.glob("*.json"))[:-KEEP_RUNS]:
            with contextlib.suppress(OSError):
                old.unlink()
    except (OutputError, OSError):
        return None
    return path


def stored_runs(registry: str | None = None) -> list[Path]:
    """Stored runs of one registry (None: of every registry), oldest first."""
    folder = _store_dir(registry)
    if folder is None:
        return []
    found = folder.glob("*.json") if registry else folder.parent.glob("*/*.json")
    return sorted(found, key=lambda p: p.name)


def load_run(path: Path) -> dict[str, Any]:
    """A stored run, with its spans as `SpanRecord`s."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["spans"] = [SpanRecord.from_dict(s) for s in data.get("spans", [])]
    return dict(data)


def span_tree(spans: Sequence[SpanRecord]) -> str:
    """The spans as an indented tree with durations, states and errors, children in start order."""
    children: dict[str | None, list[SpanRecord]] = {}
    ids = {s.span_id for s in spans}
    for s in sorted(spans, key=lambda s: s.start_ns):
        children.setdefault(s.parent_id if s.parent_id in ids else None, []).append(s)
    lines: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for s in children.get(parent, []):
            label = s.attributes.get(TASK_NAME) or s.attributes.get(PROCESS_ID) or s.name
            state = s.attributes.get(TASK_STATE) or s.attributes.get(OUTCOME) or ""
            op = s.attributes.get(OPERATION)
            extra = f" [{op}]" if op else ""
            timing = "open" if s.end_ns is None else f"{s.duration_ms:.1f} ms"
            err = f"  ✗ {s.status_message}" if s.status == "ERROR" and s.status_message else ""
            lines.append(f"{'  ' * depth}{label}{extra}  {state}  {timing}{err}")
            walk(s.span_id, depth + 1)

    walk(None, 0)
    return "\n".join(lines) + ("\n" if lines else "")


def axis_format(total_ms: int) -> str:
    """A Mermaid (d3) axis format that keeps every tick distinct over a run of `total_ms`: milliseconds
    under a second, seconds and milliseconds under a minute, minutes and seconds beyond."""
    if total_ms < 1000:
        return "%L ms"
    if total_ms < 60_000:
        return "%S.%L s"
    return "%M:%S"


def spans_gantt(spans: Sequence[SpanRecord], title: str = "workflow run") -> str:
    """The spans as a Mermaid gantt chart (time from the run's start), to see what overlapped."""
    if not spans:
        return "gantt\n"
    t0 = min(s.start_ns for s in spans)
    total = (max(s.end_ns or s.start_ns for s in spans) - t0) // 1_000_000
    out = ["gantt", f"  title {_mermaid_text(title)}", "  dateFormat x", f"  axisFormat {axis_format(total)}"]
    for i, s in enumerate(sorted(spans, key=lambda s: s.start_ns)):
        label = _mermaid_text(str(s.attributes.get(TASK_NAME) or s.attributes.get(PROCESS_ID) or s.name))
        start = (s.start_ns - t0) // 1_000_000
        end = max(start + 1, ((s.end_ns or s.start_ns) - t0) // 1_000_000)
        tag = "crit, " if s.status == "ERROR" else "active, " if s.end_ns is None else ""
        out.append(f"  {label} : {tag}s{i}, {start}, {end}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace(":", " ").replace(";", " ").replace("#", " ").replace("\n", " ")
