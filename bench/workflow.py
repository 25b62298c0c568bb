"""Benchmark the BPMN workflow runner: its overhead per run, and parallel generation on this machine's cores.

1. Overhead: the `registry_check` process (skip policies, warm caches) against calling the engine's
   `check_registry` directly on the same registry, median of many runs each; the difference is what the
   runner (Spiff, spans, validation) costs per run. Target: ≤ 5 ms.
2. Parallel generation: 4 `markdown` targets over semconv v1.44.0, sequential against parallel
   (multi-instance render in worker processes), best of `--repeat` each. Target: ≥ 1.7× on 2 cores.

Usage: `python bench/workflow.py [--runs N] [--repeat N] [--skip-parallel]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", REPO.parent / "shared" / "fixtures"))


def overhead(registry: Path, runs: int) -> None:
    """Median wall time of the check process against the direct engine call."""
    from weavergen.check import CheckOptions, check_registry
    from weavergen.operations import RunContext
    from weavergen.workflow import run_workflow
    from weavergen.workflow_library import builtin_library

    options = CheckOptions(registry=str(registry), skip_policies=True)
    builtin_library()
    check_registry(options)  # warm the document cache and imports
    run_workflow("registry_check", {}, RunContext(options), store=False)

    def median_ms(fn: object) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()  # type: ignore[operator]
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    direct = median_ms(lambda: check_registry(options))
    workflow = median_ms(lambda: run_workflow("registry_check", {}, RunContext(options), store=False))
    stored = median_ms(lambda: run_workflow("registry_check", {}, RunContext(options), store=True))
    print(f"registry: {registry} ({runs} runs each, medians)")
    print(f"  engine directly (check_registry):        {direct:8.2f} ms")
    print(
        f"  registry_check workflow:                 {workflow:8.2f} ms   overhead {workflow - direct:.2f} ms"
    )
    print(f"  ... and the run kept in the span store:  {stored:8.2f} ms   overhead {stored - direct:.2f} ms")


def parallel(repeat: int) -> None:
    """4 markdown targets over semconv v1.44.0, sequential against parallel."""
    from weavergen.forge import GenerateOptions
    from weavergen.workflow_commands import compare_parallel

    semconv = FIXTURES / "semconv" / "v1.44.0"
    options = GenerateOptions(
        registry=str(semconv / "model"), templates=str(semconv / "templates"), skip_policies=True
    )
    result = compare_parallel(options, ["markdown"] * 4, repeat)
    print(
        f"4 x markdown over semconv v1.44.0, {os.cpu_count()} cores, {result.files} files, best of {repeat}:"
    )
    print(f"  sequential: {result.sequential_ms:8.1f} ms   render {result.render_sequential_ms:8.1f} ms")
    print(f"  parallel:   {result.parallel_ms:8.1f} ms   render {result.render_parallel_ms:8.1f} ms")
    print(f"  speedup:    {result.speedup:.2f}x overall, {result.render_speedup:.2f}x rendering")
    print(f"  outputs identical: {result.identical}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--registry", type=Path, default=REPO / "examples" / "registry")
    parser.add_argument("--skip-parallel", action="store_true")
    args = parser.parse_args()
    overhead(args.registry, args.runs)
    if not args.skip_parallel:
        parallel(args.repeat)


if __name__ == "__main__":
    main()
