"""Near-duplicate ranking on pairs built from real semantic conventions.

Every attribute semconv deprecated with `renamed_to` is a known duplicate of its successor. The old
attribute is stripped of what gives the answer away (its deprecation, a "Deprecated, use …" brief, its
note) and put back among all attributes; the finder must rank the successor near the top. The figures
guard against regressions; they are not tuned to any one pair.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from weavergen.check import CheckOptions, load_step, resolve_step
from weavergen.review.duplicates import DuplicateIndex
from weavergen.review.items import Item, collect


@functools.lru_cache(maxsize=4)
def stripped_pairs(model: Path) -> tuple[DuplicateIndex, list[tuple[Item, str]]]:
    """The index over all attributes (renamed ones stripped) and each stripped item with its successor."""
    options = CheckOptions(registry=str(model))
    registry, _ = load_step(options)
    resolution = resolve_step(options, registry)
    assert resolution is not None
    items = collect(resolution)
    names = {i.name for i in items if i.kind == "attribute"}
    out: list[Item] = []
    truth: list[tuple[Item, str]] = []
    for item in items:
        target = (item.deprecated or {}).get("renamed_to")
        if item.kind == "attribute" and target in names:
            fields = {k: v for k, v in item.fields.items() if k not in ("deprecated", "note")}
            if str(fields.get("brief", "")).lstrip("\"' ").lower().startswith("deprecated"):
                fields["brief"] = ""
            item = Item(item.kind, item.name, fields, item.group, item.entry)
            truth.append((item, str(target)))
        out.append(item)
    return DuplicateIndex(out), truth


def ranks(index: DuplicateIndex, truth: list[tuple[Item, str]]) -> list[int]:
    found = []
    for item, successor in truth:
        names = [p.b.name for p in index.ranked(item, limit=50)]
        found.append(names.index(successor) + 1 if successor in names else 1000)
    return found


@pytest.mark.parametrize(
    ("version", "at_1", "at_5", "mrr"),
    [("v1.44.0", 0.55, 0.8, 0.65), ("head", 0.55, 0.8, 0.65)],
)
def test_successors_rank_near_the_top(
    fixtures: Path, version: str, at_1: float, at_5: float, mrr: float
) -> None:
    index, truth = stripped_pairs(fixtures / "semconv" / version / "model")
    assert len(truth) >= 80
    found = ranks(index, truth)
    n = len(found)
    assert sum(r <= 1 for r in found) / n >= at_1
    assert sum(r <= 5 for r in found) / n >= at_5
    assert sum(1 / r for r in found) / n >= mrr


def test_parallel_namespaces_and_facets_rank_below_a_rename(fixtures: Path) -> None:
    index, truth = stripped_pairs(fixtures / "semconv" / "v1.44.0" / "model")
    by_name = {p.item.name: p.item for p in index.profiles.values()}
    # `server.port` and `client.port` are the two ends of one connection, not one idea twice
    parallel, _ = index.similarity(by_name["server.port"], by_name["client.port"])
    facet, _ = index.similarity(by_name["app.screen.id"], by_name["app.screen.name"])
    renamed = dict((i.name, i) for i, _ in truth)["net.sock.peer.port"]
    rename, reasons = index.similarity(renamed, by_name["network.peer.port"])
    assert parallel < rename and facet < rename
    assert any("shared words" in r for r in reasons)


def test_ranking_is_deterministic(fixtures: Path) -> None:
    first = stripped_pairs(fixtures / "semconv" / "v1.44.0" / "model")
    second = stripped_pairs.__wrapped__(fixtures / "semconv" / "v1.44.0" / "model")
    assert ranks(*first) == ranks(*second)
    assert [(p.a.name, p.b.name, p.score) for p in first[0].pairs()] == [
        (p.a.name, p.b.name, p.score) for p in second[0].pairs()
    ]
