"""`.weaver.toml` finding filters and level overrides for live-check, with weaver's semantics.

`[[live_check.finding_level_overrides]]` (first match wins) change a finding's level, then
`[[live_check.finding_filters]]` may drop it: by id (`exclude`), below `min_level`, or by the sample's
name (`exclude_samples`). Both kinds may be scoped by `signal_type` and `sample_names`; names and ids
are glob patterns. `[live-check]` is accepted as the table name too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from weavergen.diagnostics import Diagnostic
from weavergen.livecheck.checker import LEVEL_RANK

Level = Literal["information", "improvement", "violation"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    signal_type: str | None = None
    sample_names: list[str] = []


class FindingFilter(_Rule):
    """One `finding_filters` entry."""

    exclude: list[str] | None = None
    min_level: Level | None = None
    exclude_samples: list[str] = []


class FindingLevelOverride(_Rule):
    """One `finding_level_overrides` entry."""

    ids: list[str] | None = None
    level: Level


class LiveCheckTable(BaseModel):
    """The parts of `[live_check]` weavergen reads."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    finding_filters: list[FindingFilter] = []
    finding_level_overrides: list[FindingLevelOverride] = []


def _any(patterns: list[str], value: str | None) -> bool:
    return value is not None and any(fnmatchcase(value, p) for p in patterns)


def sample_name(kind: str, node: dict[str, Any]) -> str | None:
    """weaver's `SampleRef::sample_name`: an attribute's or signal's name, an event's name."""
    if kind == "log":
        return str(node.get("event_name") or "") or None
    name = node.get("name")
    return str(name) if isinstance(name, str) else None


@dataclass(frozen=True, slots=True)
class FindingRules:
    """Compiled rules; `apply` returns the finding (maybe re-levelled) or None when it is filtered out."""

    filters: tuple[FindingFilter, ...] = ()
    overrides: tuple[FindingLevelOverride, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.filters or self.overrides)

    def apply(self, finding: dict[str, Any], kind: str, node: dict[str, Any]) -> dict[str, Any] | None:
        """Overrides first (first match wins), then filters on the possibly re-levelled finding."""
        name = sample_name(kind, node)
        for rule in self.overrides:
            if self._scoped(rule, finding, name) and (rule.ids is None or _any(rule.ids, finding["id"])):
                finding = {**finding, "level": rule.level}
                break
        for kept in self.filters:
            if self._scoped(kept, finding, name) and self._excludes(kept, finding, name):
                return None
        return finding

    @staticmethod
    def _scoped(rule: _Rule, finding: dict[str, Any], name: str | None) -> bool:
        if rule.signal_type is not None and finding.get("signal_type") != rule.signal_type:
            return False
        return not rule.sample_names or _any(rule.sample_names, name)

    @staticmethod
    def _excludes(rule: FindingFilter, finding: dict[str, Any], name: str | None) -> bool:
        if rule.exclude and _any(rule.exclude, finding["id"]):
            return True
        if rule.min_level is not None and LEVEL_RANK[finding["level"]] < LEVEL_RANK[rule.min_level]:
            return True
        return bool(rule.exclude_samples) and _any(rule.exclude_samples, name)


def rules_from_file(path: str | None) -> tuple[FindingRules, list[Diagnostic]]:
    """The rules of a `.weaver.toml` (None: no file, no rules); a malformed table is a diagnostic."""
    if path is None:
        return FindingRules(), []
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as err:
        return FindingRules(), [_invalid(path, str(err))]
    return rules_from_table(data.get("live_check", data.get("live-check")), path)


def rules_from_table(table: Any, path: str = ".weaver.toml") -> tuple[FindingRules, list[Diagnostic]]:
    """The rules of a `[live_check]` table (a dict, as the workflow passes it); None means no rules."""
    if table is None:
        return FindingRules(), []
    try:
        parsed = LiveCheckTable.model_validate(table)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        return FindingRules(), [_invalid(path, problems)]
    return FindingRules(tuple(parsed.finding_filters), tuple(parsed.finding_level_overrides)), []


def _invalid(path: str, message: str) -> Diagnostic:
    return Diagnostic(
        code="InvalidLiveCheckConfig",
        message=f"Invalid [live_check] section in {path}: {message}",
        file=path,
        help="See the finding_filters and finding_level_overrides of weaver's live-check configuration.",
    )
