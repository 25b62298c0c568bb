"""Benchmark `weavergen registry review` on semconv (goal: the review itself ≤ 2 s offline on v1.44.0).

Prints, per registry: the review's own time in this process (median of N runs over one resolution),
split by concern, the whole `weavergen registry review` process (load, resolve, check, review, render,
warm cache), and with `--ai` the verification time of one AI proposal (apply it in memory, re-check,
re-review, re-score; the model's own time is the provider's and left out).
Usage: `python bench/review.py [--runs N] [--registry DIR ...] [--ai]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", REPO.parent / "shared" / "fixtures"))


def review_times(registry: Path, runs: int) -> dict[str, float]:
    """Median seconds of each review stage over one resolution of `registry`."""
    from weavergen.check import CheckOptions, load_step, resolve_step
    from weavergen.review.documentation import documentation_findings
    from weavergen.review.duplicates import DuplicateIndex, live_pairs
    from weavergen.review.items import collect
    from weavergen.review.naming import naming_findings
    from weavergen.review.report import review

    options = CheckOptions(registry=str(registry))
    loaded, _ = load_step(options)
    resolution = resolve_step(options, loaded)
    assert resolution is not None
    stages: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        start = time.perf_counter()
        out = fn(*args)
        stages.setdefault(name, []).append(time.perf_counter() - start)
        return out

    for _ in range(runs):
        items = timed("collect", collect, resolution)
        index = timed("duplicate index", DuplicateIndex, items)
        timed("near-duplicate pairs", live_pairs, index, items)
        timed("documentation", documentation_findings, items)
        timed("naming and units", naming_findings, items)
        timed("whole review", review, resolution)
    return {k: statistics.median(v) for k, v in stages.items()}


def cli_time(registry: Path, cache: Path) -> float:
    """Wall time of one `weavergen registry review --format json` process."""
    cmd = [
        sys.executable,
        "-m",
        "weavergen.cli",
        "registry",
        "review",
        "-r",
        str(registry),
        "--format",
        "json",
    ]
    env = {**os.environ, "WEAVERGEN_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"review failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def ai_verification_times(registry: Path, runs: int) -> list[float]:
    """Seconds to verify each of `runs` AI proposals (a better brief for a brief that repeats its id):
    apply it to an in-memory copy, re-check the registry, re-review and re-score it. The model's own
    time is left out: it is the provider's, not ours."""
    from weavergen.review.ai import _key, verify
    from weavergen.review.report import review
    from weavergen.workspace import RegistryWorkspace, WorkspaceOptions

    ws = RegistryWorkspace(registry, WorkspaceOptions(skip_policies=True))
    report = review(ws.snapshot().resolution)
    baseline = {_key(d) for ds in ws.all_diagnostics().values() for d in ds}
    times: list[float] = []
    for d in report.findings:
        if len(times) == runs:
            break
        text = ws.text_of(d.file or "") or ""
        lines = text.splitlines(keepends=True)
        if d.code != "ReviewBriefRepeatsId" or d.range is None or d.range.start.line != d.range.end.line:
            continue
        line = lines[d.range.start.line]
        if "brief:" not in line:
            continue
        indent = line[: line.index("brief:")]
        lines[d.range.start.line] = (
            f"{indent}brief: What this value is, where it comes from and when it is set.\n"
        )
        start = time.perf_counter()
        after, why = verify(ws, {d.file or "": "".join(lines)}, baseline, str(d.extra["namespace"]))
        times.append(time.perf_counter() - start)
        if after is None or after.exact <= report.exact:
            raise SystemExit(f"the benchmark's proposal was not kept: {why or 'no gain'}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--registry", type=Path, action="append")
    parser.add_argument("--ai", action="store_true", help="also time the verification of AI proposals")
    args = parser.parse_args()
    registries = args.registry or [
        FIXTURES / "semconv" / "v1.44.0" / "model",
        FIXTURES / "semconv" / "head" / "model",
    ]
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    for registry in registries:
        print(f"\n{registry}")
        for stage, seconds in review_times(registry, args.runs).items():
            print(f"  {stage:<22} {seconds * 1000:8.1f} ms")
        with tempfile.TemporaryDirectory() as cache:
            cli_time(registry, Path(cache))  # fill the cache
            warm = statistics.median(cli_time(registry, Path(cache)) for _ in range(max(1, args.runs // 2)))
        print(f"  {'CLI process (warm)':<22} {warm * 1000:8.1f} ms")
        if args.ai:
            times = ai_verification_times(registry, args.runs)
            print(
                f"  {'AI proposal verified':<22} {statistics.median(times) * 1000:8.1f} ms per proposal "
                f"(median of {len(times)}; apply in memory, re-check, re-review)"
            )


if __name__ == "__main__":
    main()
