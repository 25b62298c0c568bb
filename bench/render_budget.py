"""What the rendering budget costs: `render_target` in-process against `render_bounded` (a forked child
under the time and memory budget, `forge.sandbox`) on the golden inputs.

Prepares each job once (registry loaded and resolved), then times N renders each way and prints the
medians and the overhead. Usage: `python bench/render_budget.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from weavergen.forge import GenerateOptions
from weavergen.forge.generate import prepare, render_bounded, render_target

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", REPO.parent / "shared" / "fixtures"))


def cases() -> dict[str, GenerateOptions]:
    """The semconv v1.44.0 markdown and the opentelemetry-python (incubating) generations."""
    semconv = FIXTURES / "semconv" / "v1.44.0"
    return {
        "semconv v1.44.0 markdown": GenerateOptions(
            registry=str(semconv / "model"),
            target="markdown",
            output="",
            templates=str(semconv / "templates"),
        ),
        "opentelemetry-python (incubating)": GenerateOptions(
            registry=str(FIXTURES / "semconv" / "v1.43.0" / "model"),
            target="./",
            output="",
            templates=str(FIXTURES / "otel-python-semconv-1.43.0" / "templates"),
            params=["output=./_incubating/", "filter=any"],
        ),
    }


def median_ms(fn: object, runs: int) -> float:
    """The median wall time of `fn()` over `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print, per case: files rendered, in-process and bounded medians, and the overhead."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"load average: {os.getloadavg()[0]:.2f}; runs: {runs}")
    for name, options in cases().items():
        job = prepare(options)
        assert job.ok, [d.message for d in job.diagnostics]
        files = len(render_target(job).files)
        assert len(render_bounded(job, name).files) == files
        inline = median_ms(lambda job=job: render_target(job), runs)
        bounded = median_ms(lambda job=job, name=name: render_bounded(job, name), runs)
        print(
            f"{name}: {files} files; in-process {inline:.0f} ms, bounded {bounded:.0f} ms "
            f"(+{bounded - inline:.0f} ms, {bounded / inline:.2f}x)"
        )


if __name__ == "__main__":
    main()
