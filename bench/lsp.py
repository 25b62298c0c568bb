"""Benchmark `weavergen lsp`: edit-to-diagnostics latency and peak RSS, measured by the shared tool.

Runs `../shared/tools/lsp_latency.py` against the server on semconv v1.44.0's model: `k8s/metrics.yaml`
(`--mode brief`) and `gen-ai/deprecated/registry-deprecated.yaml` (`--mode break`), with the default
settings (policies on, default debounce), and prints per file: edit-to-diagnostics p50 and p95, peak
RSS, the first diagnostics after opening the folder (didOpen right after `initialized` to the file's
first publish: the registry's load, resolution and publication), the server's start-up (process start
to the `initialize` answer), and the machine's load average before and after the run — the machine is
shared, and every figure should be read with it.
Usage: `python bench/lsp.py [--edits N] [--settings JSON] [--runs N]`.
Targets (idle machine): p50 <= 25 ms, p95 <= 50 ms, first diagnostics <= 600 ms, RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WEAVERGEN_SHARED", REPO.parent / "shared"))
FIXTURES = Path(os.environ.get("WEAVERGEN_FIXTURES", SHARED / "fixtures"))
TOOL = SHARED / "tools" / "lsp_latency.py"
CASES = (("k8s/metrics.yaml", "brief"), ("gen-ai/deprecated/registry-deprecated.yaml", "break"))
TARGETS = {"p50_ms": 25.0, "p95_ms": 50.0, "cold_open_ms": 600.0, "peak_rss_mb": 150.0}


def measure(model: Path, file: str, mode: str, edits: int, settings: str | None) -> dict[str, object]:
    """One run of the latency tool; its JSON summary."""
    server = shlex.join([sys.executable, "-m", "weavergen.cli", "lsp", "--stdio"])
    cmd = [sys.executable, str(TOOL), "--server", server, "--root", str(model), "--file", file]
    cmd += ["--mode", mode, "--edits", str(edits)]
    if settings:
        cmd += ["--settings", settings]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    try:
        return dict(json.loads(proc.stdout))
    except json.JSONDecodeError:
        raise SystemExit(f"lsp_latency failed ({proc.returncode}):\n{proc.stderr[-3000:]}") from None


def load() -> str:
    """The 1-minute load average (as `uptime` prints it)."""
    return f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    """Measure both files and print a small table against the targets."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--edits", type=int, default=40)
    ap.add_argument("--runs", type=int, default=1, help="runs per file (each row is one run)")
    ap.add_argument("--settings", help="JSON settings served to the server (default: none)")
    ap.add_argument("--json", action="store_true", help="print the tool's full JSON too")
    args = ap.parse_args()
    model = FIXTURES / "semconv" / "v1.44.0" / "model"
    print(
        f"{'file':<46} {'mode':<6} {'p50 ms':>7} {'p95 ms':>7} {'RSS MB':>7} {'first diag ms':>13} "
        f"{'start ms':>8} {'load before/after':>17}  errors"
    )
    for file, mode in CASES:
        for _ in range(args.runs):
            before = load()
            r = measure(model, file, mode, args.edits, args.settings)
            after = load()
            if args.json:
                print(json.dumps(r, indent=2))
            problems = [str(r[k]) for k in ("error", "aborted") if k in r]
            if r.get("timeouts") and any(r["timeouts"].values()):  # type: ignore[union-attr]
                problems.append(f"timeouts {r['timeouts']}")
            print(
                f"{file:<46} {mode:<6} {r.get('p50_ms')!s:>7} {r.get('p95_ms')!s:>7} "
                f"{r.get('peak_rss_mb')!s:>7} {r.get('cold_open_ms')!s:>13} {r.get('initialize_ms')!s:>8} "
                f"{before + ' / ' + after:>17}  {'; '.join(problems) or '-'}",
                flush=True,
            )
    print("targets (idle machine): " + ", ".join(f"{k} <= {v:g}" for k, v in TARGETS.items()))


if __name__ == "__main__":
    main()
