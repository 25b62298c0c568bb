"""The registry-wide checks weaver runs after resolution: duplicate ids, names, metric names, attributes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from weavergen.diagnostics import Diagnostic, Range, Related, Severity, rust_debug_list
from weavergen.groups import AttrEntry, UGroup
from weavergen.resolve.model import Definition
from weavergen.resolve.state import ResolverState


def duplicate_attribute(
    name: str,
    group_ids: list[str],
    g: UGroup,
    at: Range | None,
    related: tuple[Related, ...],
    help: str | None = None,
) -> Diagnostic:
    """weaver's DuplicateAttributeId: one attribute defined in several groups, or included twice."""
    return Diagnostic(
        code="DuplicateAttributeId",
        message=f"The attribute id `{name}` is declared multiple times in the following "
        f"groups:\n{rust_debug_list(group_ids)}",
        file=g.provenance,
        range=at,
        related=related,
        group_id=g.id,
        attribute_id=name,
        error={"DuplicateAttributeId": {"group_ids": group_ids, "attribute_id": name}},
        help=help,
    )


class DuplicateChecks(ResolverState):
    """Reports what weaver reports once every group is resolved."""

    def _duplicates(self, defs: dict[str, Definition]) -> None:
        for gid, gs in self.index.items():
            if len(gs) > 1:
                locs = "\n".join(f"- {g.provenance}" for g in gs)
                self._dup_warning(
                    "DuplicateGroupId",
                    f"The group id `{gid}` is declared multiple times in the following locations:\n{locs}",
                    gs,
                    {"group_id": gid},
                )
        by_metric: dict[str, list[UGroup]] = defaultdict(list)
        by_name: dict[tuple[str, str], list[UGroup]] = defaultdict(list)
        for g in self.groups:
            if g.is_refinement:
                continue
            if g.type == "metric" and g.spec.get("metric_name"):
                by_metric[str(g.spec["metric_name"])].append(g)
            if g.type in ("event", "entity", "span") and g.spec.get("name"):
                by_name[(g.type, str(g.spec["name"]))].append(g)
        for name, gs in by_metric.items():
            if len(gs) > 1:
                locs = "\n".join(f"- {g.id} ({g.provenance})" for g in gs)
                self._dup_warning(
                    "DuplicateMetricName",
                    f"The metric name `{name}` is declared multiple times in the following groups:\n{locs}",
                    gs,
                    {"metric_name": name},
                )
        for (_, name), gs in by_name.items():
            if len(gs) > 1:
                locs = "\n".join(f"- {g.id} ({g.provenance})" for g in gs)
                self._dup_warning(
                    "DuplicateGroupName",
                    f"The group name `{name}` is declared multiple times in the following groups:\n{locs}",
                    gs,
                    {"group_name": name},
                )
        defined: dict[str, list[tuple[UGroup, AttrEntry]]] = defaultdict(list)
        for g in self.groups:
            if g.type != "attribute_group":
                continue
            for e in g.attrs:
                if not e.is_ref:
                    defined[e.key].append((g, e))
        for name, places in defined.items():
            if len(places) < 2:
                continue
            group_ids = [p.id for p, _ in places]
            # One diagnostic per weaver error, at the first definition; the others are related places.
            (g, e), others = places[0], places[1:]
            related = tuple(
                Related(o.provenance, oe.id_range(), f"`{name}` is also defined in group `{o.id}`")
                for o, oe in others
            )
            at = e.id_range() if e.file else g.id_range()
            self.diags.append(duplicate_attribute(name, group_ids, g, at, related))

    def _dup_warning(self, code: str, message: str, gs: list[UGroup], error: dict[str, Any]) -> None:
        """One warning per weaver error (at the first declaration), with weaver's `provenances` (each file
        once) in its payload and every other declaration as a related place."""
        first, others = gs[0], gs[1:]
        files = sorted({g.provenance for g in gs})
        self.diags.append(
            Diagnostic(
                code=code,
                message=message,
                severity=Severity.WARNING,
                file=first.provenance,
                range=first.id_range(),
                related=tuple(
                    Related(o.provenance, o.id_range(), f"also declared in `{o.provenance}`") for o in others
                ),
                group_id=first.id,
                error={code: {**error, "provenances": [self._provenance(f) for f in files]}},
            )
        )
