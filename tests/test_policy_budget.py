"""Rego policies arrive with the registry: one that allocates without bound (regorus aborts the whole
process on a failed allocation) or loops for hours is stopped by the rendering budget and reported on its
`package` line, and the other diagnostics of the run survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import weavergen_cli

REGISTRY = """groups:
  - id: registry.bad
    type: attribute_group
    brief: Bad.
    attributes:
      - ref: nope.missing
"""

HOSTILE = {
    # numbers.range builds the whole array: 2.4 GB asked at once, so regorus aborts on allocation.
    "memory": ("big := numbers.range(1, 300000000)\ndeny contains x if {\n  count(big) > 1\n", {}),
    # 27 billion steps: only the time budget ends it.
    "time": (
        "deny contains x if {\n  some i in numbers.range(1, 3000)\n  some j in numbers.range(1, 3000)\n"
        "  some k in numbers.range(1, 3000)\n  i + j + k == -1\n",
        {"WEAVERGEN_RENDER_TIMEOUT": "3"},
    ),
}


@pytest.mark.parametrize("stage", ["before_resolution", "after_resolution"])
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_runaway_policy_is_a_positioned_diagnostic(tmp_path: Path, kind: str, stage: str) -> None:
    body, env = HOSTILE[kind]
    root = tmp_path / "reg"
    root.mkdir()
    (root / "a.yaml").write_text(REGISTRY)
    policy = tmp_path / "policies" / "runaway.rego"
    policy.parent.mkdir()
    policy.write_text(
        f"package {stage}\nimport rego.v1\n{body}"
        '  x := {"id": "a", "type": "semconv_attribute", "message": "m"}\n}\n'
    )
    done = weavergen_cli(
        "registry",
        "check",
        "-r",
        str(root),
        "-p",
        str(policy.parent),
        "--diagnostic-format",
        "json",
        cwd=tmp_path,
        env={"WEAVERGEN_CACHE_DIR": str(tmp_path / "cache"), "WEAVERGEN_RENDER_MEMORY_MB": "1024", **env},
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    diags = [item["diagnostic"] for item in json.loads(done.stderr[done.stderr.index("[\n") :])]
    stopped = [d for d in diags if f"the `{stage}` policy stage" in d["message"]]
    assert len(stopped) == 1, [d["message"] for d in diags]
    assert "evaluation was stopped" in stopped[0]["message"]
    assert stopped[0]["file"] == str(policy) and stopped[0]["range"]["start"]["line"] == 0
    assert any(d["code"] == "UnresolvedAttributeRef" for d in diags)
