"""References that cannot be checked while a file is broken, and the note that says so.

A name that resolution cannot find may be defined in a part of a file that could not be read (a syntax
error, an item whose schema is broken). Reporting it as unresolved would invent an error that fixing
the broken file makes vanish, and a "did you mean" would point at the wrong thing. Instead the reference
gets one `UncheckedReference` note (information, never promoted by `--future`) naming that file.
In the editor, the last good version of a broken file first lends its definitions (`shadow_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from weavergen.diagnostics import Diagnostic, Range, Related, Severity
from weavergen.document import Unreadable
from weavergen.groups import UGroup, file_groups
from weavergen.registry import LoadedRegistry, SpecFile

UNCHECKED = "UncheckedReference"


@dataclass(slots=True)
class BrokenDefinitions:
    """Where a registry's unreadable definitions are: exact names, and regions that could hold any."""

    names: dict[str, tuple[str, int]] = field(default_factory=dict)
    regions: list[tuple[str, Unreadable]] = field(default_factory=list)

    @classmethod
    def of(cls, files: list[SpecFile]) -> BrokenDefinitions:
        """Collect the broken names and unreadable regions of every file of a registry."""
        out = cls()
        for spec in files:
            for name, line in spec.check.broken_names.items():
                out.names.setdefault(name, (spec.provenance, line))
            out.regions.extend((spec.provenance, region) for region in spec.check.unreadable)
        return out

    def __bool__(self) -> bool:
        return bool(self.names or self.regions)

    def could_define(self, name: str) -> bool:
        """Whether `name` may be defined in a part of a file that could not be read."""
        return name in self.names or self._region(name) is not None

    def _region(self, name: str) -> tuple[str, Unreadable] | None:
        """The region that may define `name`: one that mentions it, else one whose text was lost."""
        mentions = ((f, r) for f, r in self.regions if r.words is not None and r.could_define(name))
        return next(mentions, None) or next(((f, r) for f, r in self.regions if r.words is None), None)

    def note(self, kind: str, name: str, group_id: str, file: str, rng: Range | None) -> Diagnostic:
        """The one note on a reference to `name` that could not be checked."""
        exact = self.names.get(name)
        if exact is not None:
            where, line = exact
            reason = f"its definition in `{where}` (line {line + 1}) has errors"
            help_text = f"Fix the definition of `{name}`; the reference is checked again then."
        else:
            found = self._region(name)
            assert found is not None, "note() is only called when could_define() holds"
            where, line = found[0], found[1].start
            reason = f"`{where}` has errors where it could be defined"
            help_text = f"Fix `{where}`; the reference is checked again then."
        return Diagnostic(
            code=UNCHECKED,
            message=f"The {kind} reference `{name}` in the group '{group_id}' "
            f"could not be checked: {reason}.",
            severity=Severity.ADVICE,
            file=file,
            range=rng,
            related=(Related(where, Range.of(line, 0, line, 0), "the part that could not be read"),),
            group_id=group_id,
            help=help_text,
            error={UNCHECKED: {"group_id": group_id, "reference": name, "kind": kind, "broken_file": where}},
        )


def is_good(spec: SpecFile) -> bool:
    """Whether every definition of a file could be read: a version to fall back on while it is broken."""
    return not spec.document.failed and not spec.check.broken


def shadow_groups(registry: LoadedRegistry, last_good: dict[str, SpecFile]) -> list[UGroup]:
    """The groups of the last good version of every file that is broken now (the editor keeps them, so
    that what the half-typed text hides still resolves)."""
    out: list[UGroup] = []
    for spec in registry.files:
        good = last_good.get(spec.provenance)
        if spec.check.broken and good is not None and good is not spec:
            out.extend(file_groups(good, registry.name, False))
    return out
