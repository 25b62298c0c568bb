"""Review findings in the editor: Information and Hint diagnostics with their fixes as quick fixes.

The review runs off the hot path: a short while after the last edit (`REVIEW_DELAY`), on the policy
thread, over a snapshot of the registry; a newer edit cancels it between stages, so it never holds an
edit's re-check back for long. Its findings join each file's diagnostics at the next publish.
`weavergen.review.enabled`: `mechanical` (default: the definite findings), `all` (heuristics too, as
Hints: near-duplicates, namespace patterns), or `off`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from weavergen.diagnostics import Diagnostic, Range
from weavergen.fixes import Fix, fixes_for

if TYPE_CHECKING:
    from weavergen.server.server import WeavergenServer
    from weavergen.workspace import RegistryWorkspace

log = logging.getLogger("weavergen.server")

REVIEW_DELAY = 0.5
"""Seconds without an edit before the registry is reviewed again."""
MODES = ("mechanical", "all", "off")


@dataclass(slots=True)
class _State:
    generation: int = -1
    by_file: dict[str, list[Diagnostic]] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None


_STATE: dict[int, _State] = {}


def _shown(ls: WeavergenServer, d: Diagnostic) -> bool:
    """Whether the editor shows a finding under the current setting (a gap weaver already reports,
    such as a string attribute without examples, is left to weaver's diagnostic)."""
    mode = ls.settings.review_enabled
    if mode == "off" or d.extra.get("twin"):
        return False
    return mode == "all" or "hint" not in d.tags


def diagnostics(ls: WeavergenServer, ws: RegistryWorkspace, path: str) -> list[Diagnostic]:
    """The review findings of one file, from the last finished review (hook: added to its diagnostics)."""
    state = _STATE.get(id(ws))
    if state is None:
        return []
    return [d for d in state.by_file.get(path, []) if _shown(ls, d)]


def fixes_at(
    ls: WeavergenServer, ws: RegistryWorkspace, path: str, want: Range
) -> list[tuple[Diagnostic, Fix]]:
    """The quick fixes of the review findings under a range."""
    spec = ws.snapshot().file(path)
    if spec is None:
        return []
    out: list[tuple[Diagnostic, Fix]] = []
    start, end = (want.start.line, want.start.column), (want.end.line, want.end.column)
    for d in diagnostics(ls, ws, path):
        if d.range is None:
            continue
        if (d.range.start.line, d.range.start.column) <= end and start <= (
            d.range.end.line,
            d.range.end.column,
        ):
            out.extend((d, f) for f in fixes_for(d, spec))
    return out


def schedule(ls: WeavergenServer, ws: RegistryWorkspace, delay: float = REVIEW_DELAY) -> None:
    """Review the registry again after `delay` seconds, replacing a review already waiting or running."""
    state = _STATE.setdefault(id(ws), _State())
    if state.task is not None and not state.task.done():
        state.task.cancel()
    if ls.settings.review_enabled == "off":
        if state.by_file:
            files = set(state.by_file)
            state.by_file = {}
            ls.publish(ws, files)
        return
    state.task = asyncio.ensure_future(_run(ls, ws, state, delay))
    ls.background.add(state.task)
    state.task.add_done_callback(ls.background.discard)


async def _run(ls: WeavergenServer, ws: RegistryWorkspace, state: _State, delay: float) -> None:
    from weavergen.review.report import ReviewCancelled, review

    await asyncio.sleep(delay)
    snap = await ls.run(ws.snapshot)
    if snap is None or snap.generation == state.generation:
        return

    def stale() -> bool:
        return ls.closing or ws.generation != snap.generation

    try:
        report = await ls.off_loop(review, snap.resolution, None, stale)
    except ReviewCancelled:
        return
    except Exception:
        log.exception("review failed")
        return
    if report is None or stale():
        return
    by_file: dict[str, list[Diagnostic]] = {}
    for d in report.findings:
        if d.file:
            by_file.setdefault(d.file, []).append(d)
    changed = {
        path
        for path in set(by_file) | set(state.by_file)
        if _signature(by_file.get(path, [])) != _signature(state.by_file.get(path, []))
    }
    state.generation, state.by_file = snap.generation, by_file
    log.debug("reviewed %s at generation %d: score %.1f", ws.root, snap.generation, report.score)
    if changed:
        ls.publish(ws, changed)


def _signature(found: list[Diagnostic]) -> list[tuple[str, str, object]]:
    return [(d.code, d.message, d.range) for d in found]


def forget(ws: RegistryWorkspace) -> None:
    """Drop a registry's review (its workspace was rebuilt)."""
    state = _STATE.pop(id(ws), None)
    if state is not None and state.task is not None:
        state.task.cancel()
