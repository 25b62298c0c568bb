"""What the hostile-input limits cost and what they stop (docs/security.md); prints figures, asserts nothing.

- the YAML budget pass over every file of semconv v1.44.0 (the work it adds to a check), and the whole
  `registry check` of that registry;
- the time to refuse a nine-way, seven-level alias bomb;
- rendering 220 KB of `groups: []` (20,000 duplicate-key diagnostics) as json and ansi.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from weavergen.check import CheckOptions, check_registry
from weavergen.document import _Composer, parse
from weavergen.render import render
from weavergen.yaml_budget import YamlBudget, measure

FIXTURES = Path(
    os.environ.get("WEAVERGEN_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures")
)


def timed(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started


def budget_pass(model: Path) -> tuple[float, int]:
    """Seconds spent in `measure` alone over every file, and the number of files."""
    budget, spent, files = YamlBudget.current(), 0.0, 0
    for path in sorted(model.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        composer = _Composer(text)
        node = composer.get_single_node()
        composer.dispose()
        if node is None:
            continue
        started = time.perf_counter()
        assert measure(node, budget, anchors="&" in text) is None, path
        spent += time.perf_counter() - started
        files += 1
    return spent, files


def main() -> None:
    model = FIXTURES / "semconv" / "v1.44.0" / "model"
    if not model.is_dir():
        sys.exit(f"fixtures not found: {model}")
    os.environ.setdefault("WEAVERGEN_CACHE_DIR", "off")
    spent, files = budget_pass(model)
    print(f"budget pass over semconv v1.44.0: {spent * 1000:.1f} ms for {files} files")
    checks = [timed(lambda: check_registry(CheckOptions(registry=str(model)))) for _ in range(3)]
    print(f"registry check semconv v1.44.0 (no cache): best {min(checks):.2f} s of 3")
    lines = ["groups:", "  - id: bomb", "    type: attribute_group", "    brief: B.", "    annotations:"]
    lines.append("      l0: &l0 [" + ", ".join(["lol"] * 9) + "]")
    lines += [f"      l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 8)]
    bomb = "\n".join(lines) + "\n"
    took = timed(lambda: parse(bomb, "b.yaml"))
    print(f"alias bomb ({len(bomb)} bytes, 9^7 nodes): refused in {took * 1000:.1f} ms")
    text = "groups: []\n" * 20000
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.yaml").write_text(text)
        report = check_registry(CheckOptions(registry=tmp))
    for fmt in ("json", "ansi"):
        took = timed(lambda fmt=fmt: render(report.diagnostics, fmt, source=report.source))
        print(f"render {len(report.diagnostics)} diagnostics of 220 KB as {fmt}: {took:.2f} s")


if __name__ == "__main__":
    main()
