"""`/api/v1/registry/filter`: a jq filter (with weaver's `semconv_*` helpers) run over the v2 materialized
registry, and jq errors placed in the filter text as the dashboard's editor marks them."""

from __future__ import annotations

import re
from typing import Any

from weavergen.forge.jq import PRELUDE_LINES, JqError, run_jq

_CODE_LINE = re.compile(r"^\s*(\d+) │ ")
_MARKS = "┬─╰"


def run_filter(code: str, registry: dict[str, Any]) -> tuple[int, dict[str, Any] | Any]:
    """(200, the filter's output) or (400, weaver's `{error, details}` error body)."""
    try:
        return 200, run_jq(code, registry, {})
    except JqError as err:
        text = str(err)
        headline = text.split(" failed: ", 1)[-1].splitlines()[0].removeprefix("Error: ").strip()
        detail: dict[str, Any] = {"error": headline}
        source = _source(text)
        if source is not None:
            detail["source"] = source
        return 400, {"error": f"Filter failed: {headline}", "details": [detail]}


def _source(text: str) -> dict[str, Any] | None:
    """The 1-based line and columns jaq's report underlines, in the user's filter (not the prelude)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _CODE_LINE.match(line)
        if not m:
            continue
        prefix = m.end()
        row = int(m.group(1)) - PRELUDE_LINES - 1
        for marker in lines[i + 1 : i + 3]:
            cols = [c for c, ch in enumerate(marker) if c >= prefix and ch in _MARKS]
            if cols:
                start = cols[0] - prefix + 1
                end = (
                    max(c for c in cols if marker[c] in "┬─") - prefix + 2
                    if any(marker[c] in "┬─" for c in cols)
                    else start + 1
                )
                return {
                    "start": {"line": max(row, 1), "col": start},
                    "end": {"line": max(row, 1), "col": end},
                }
        return {"start": {"line": max(row, 1), "col": 1}}
    return None
