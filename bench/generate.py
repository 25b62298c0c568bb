"""Benchmark `weavergen registry generate` and `update-markdown` on the golden inputs.

Each run is a fresh `weavergen` process, as in CI, with a warm registry cache (one untimed run first).
Prints the median wall time of: the opentelemetry-python golden (the stable and the incubating run),
the semantic-conventions markdown (`generate markdown`) and `update-markdown --dry-run` over the docs.
Usage: `python bench/generate.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", REPO.parent / "shared" / "fixtures"))


def timed(args: list[str], cwd: Path) -> float:
    """Wall time of one `weavergen` process; exits if the command fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "--quiet", *args], cwd=cwd, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def python_golden(work: Path, filter_: str) -> list[str]:
    """One of the two opentelemetry-python generate runs."""
    out = work / "py"
    for sub in ("attributes", "metrics", "_incubating/attributes", "_incubating/metrics"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    output = "./" if filter_ == "stable" else "./_incubating/"
    return [
        "registry", "generate", f"--registry={FIXTURES / 'semconv' / 'v1.43.0' / 'model'}",
        f"--templates={FIXTURES / 'otel-python-semconv-1.43.0' / 'templates'}", "./", f"{out}/./",
        "--param", f"output={output}", "--param", f"filter={filter_}",
    ]  # fmt: skip


def markdown_generate(work: Path) -> list[str]:
    """`registry generate markdown` over semantic-conventions v1.44.0."""
    semconv = FIXTURES / "semconv" / "v1.44.0"
    return [
        "registry", "generate", "markdown", str(work / "md" / "registry"),
        "-r", str(semconv / "model"), "-t", str(semconv / "templates"),
    ]  # fmt: skip


def markdown_update(work: Path) -> list[str]:
    """`registry update-markdown --dry-run` over a copy of the v1.44.0 docs (662 snippets)."""
    semconv = FIXTURES / "semconv" / "v1.44.0"
    docs = work / "docs"
    if not docs.exists():
        shutil.copytree(semconv / "docs", docs)
    return [
        "registry", "update-markdown", str(docs), "-r", str(semconv / "model"),
        "-t", str(semconv / "templates"), "--target=markdown",
        "--param", "registry_base_url=/docs/registry/", "--dry-run",
    ]  # fmt: skip


def main() -> None:
    """Run each case N times (after one warm-up) and print the median and the spread."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = {
            "opentelemetry-python, stable run (18 files)": python_golden(work, "stable"),
            "opentelemetry-python, incubating run (102 files)": python_golden(work, "any"),
            "markdown: generate markdown (112 files)": markdown_generate(work),
            "markdown: update-markdown --dry-run (662 snippets)": markdown_update(work),
        }
        print(f"weavergen generate benchmarks, {runs} runs each, warm cache, median (min-max) seconds")
        for name, args in cases.items():
            timed(args, work)
            times = [timed(args, work) for _ in range(runs)]
            print(f"  {name:<52} {statistics.median(times):6.2f}  ({min(times):.2f}-{max(times):.2f})")


if __name__ == "__main__":
    main()
