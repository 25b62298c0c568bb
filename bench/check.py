"""Benchmark `weavergen registry check`: cold and warm wall times, with and without policies.

Each run is a fresh `weavergen` process, as in CI. Printed next to two floors measured in this process:
a bare YAML parse of the same files (libyaml compose), and the Rego engine's own evaluation of the
policy set on the resolved registry. Usage: `python bench/check.py [--runs N] [--registry DIR]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", REPO.parent / "shared" / "fixtures"))


def timed_check(registry: Path, cache: Path, policies: Path | None) -> float:
    """Wall time of one `weavergen registry check` process."""
    cmd = [sys.executable, "-m", "weavergen.cli", "registry", "check", "-r", str(registry), "--quiet"]
    cmd += ["-p", str(policies)] if policies else ["--skip-policies"]
    env = {**os.environ, "WEAVERGEN_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"check failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def yaml_floor(registry: Path) -> float:
    """Reading and composing every YAML file: what no checker can go below."""
    start = time.perf_counter()
    for path in sorted(registry.rglob("*.yaml")):
        yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def rego_floor(registry: Path, policies: Path) -> float:
    """The Rego engine's own time: the same policies and input, no cache, no CLI around it."""
    os.environ["WEAVERGEN_CACHE_DIR"] = "off"
    from weavergen.policy import PolicyEngine
    from weavergen.registry import load_registry
    from weavergen.resolve import resolve

    schema = json.dumps(resolve(load_registry(str(registry))).template_schema(), separators=(",", ":"))
    engine, _ = PolicyEngine.load([str(policies)], None)
    start = time.perf_counter()
    for stage in ("before_resolution", "after_resolution"):
        engine.evaluate(stage, schema)
    return time.perf_counter() - start


def series(registry: Path, policies: Path | None, runs: int) -> tuple[float, float]:
    """Median cold (empty cache) and warm (cache filled) times over `runs` runs each."""
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            cold.append(timed_check(registry, Path(tmp), policies))
            warm.append(timed_check(registry, Path(tmp), policies))
    return statistics.median(cold), statistics.median(warm)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--registry", type=Path, default=FIXTURES / "semconv" / "v1.44.0" / "model")
    parser.add_argument("--policies", type=Path, default=FIXTURES / "semconv" / "v1.43.0" / "policies")
    parser.add_argument("--policy-runs", type=int, default=1)
    args = parser.parse_args()
    files = len(list(args.registry.rglob("*.yaml")))
    print(
        f"registry: {args.registry} ({files} files), {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    floor = yaml_floor(args.registry)
    cold, warm = series(args.registry, None, args.runs)
    print(f"YAML parse floor (compose, in-process)     {floor:7.3f} s")
    print(f"check, no policies, cold (fresh process)   {cold:7.3f} s   target <= 1.00 s")
    print(f"check, no policies, warm (fresh process)   {warm:7.3f} s   target <= 0.35 s")
    rego = rego_floor(args.registry, args.policies)
    pcold, pwarm = series(args.registry, args.policies, args.policy_runs)
    print(f"Rego engine alone ({args.policies.parent.name} policies)    {rego:7.3f} s")
    over = 100 * (pcold / rego - 1)
    print(f"check, with policies, cold                 {pcold:7.3f} s   {over:+.1f} % vs Rego alone")
    print(f"check, with policies, warm                 {pwarm:7.3f} s   (findings cached by input hash)")


if __name__ == "__main__":
    main()
