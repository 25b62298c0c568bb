"""A mutation corpus: one file of a real registry broken in many ways, and what the breakage alone causes.

Each mutation is the kind of half-written text an editor holds while someone types: the file cut off,
a line deleted, an indentation slip, an unknown key, a wrong type, an unterminated quote, a tab, a
repeated key. For every mutant, the errors and warnings reported *outside* the broken file must also be
reported with the file intact: anything else was invented by the breakage. Mutants that leave the file
loading cleanly are not broken files but different ones (a clean cut between two groups deletes them),
so they are counted apart and not judged.

`python tests/mutation_corpus.py` prints the corpus size and the breakage-only count per registry.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from weavergen.diagnostics import Diagnostic, Severity
from weavergen.document import parse
from weavergen.validate import validate_document
from weavergen.workspace import RegistryWorkspace

Mutation = tuple[str, str]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _pick(lines: list[str], pattern: str, count: int) -> list[int]:
    """Up to `count` line indexes matching `pattern`, spread evenly over the file."""
    hits = [i for i, line in enumerate(lines) if re.search(pattern, line)]
    if len(hits) <= count:
        return hits
    step = len(hits) / count
    return [hits[int(k * step)] for k in range(count)]


def _edit(lines: list[str], i: int, new: str | None) -> str:
    out = list(lines)
    if new is None:
        del out[i]
    else:
        out[i] = new
    return "".join(out)


def truncations(text: str, points: int) -> Iterator[Mutation]:
    """The file cut off at evenly spread character offsets (mid-line, mid-word)."""
    for k in range(1, points + 1):
        at = len(text) * k // (points + 1)
        yield f"truncate@{at}", text[:at]


def deleted_lines(text: str, count: int) -> Iterator[Mutation]:
    """One line deleted: an item's first line, an attribute's type, a ref."""
    lines = _lines(text)
    for pattern in (r"^\s*- (id|key|name|type):", r"^\s+type:", r"^\s*- ref:", r"^\s+brief:"):
        for i in _pick(lines, pattern, count):
            yield f"delete-line{i + 1}", _edit(lines, i, None)


def bad_indentation(text: str, count: int) -> Iterator[Mutation]:
    """A line indented one space too far, or two too little."""
    lines = _lines(text)
    for i in _pick(lines, r"^\s+\S", count):
        yield f"indent+1@{i + 1}", _edit(lines, i, " " + lines[i])
        if lines[i].startswith("    "):
            yield f"indent-2@{i + 1}", _edit(lines, i, lines[i][2:])


def unknown_keys(text: str, count: int) -> Iterator[Mutation]:
    """`colour: blue` added to a group (or signal) and to an attribute."""
    lines = _lines(text)
    for i in _pick(lines, r"^\s*- (id|key|name|type|ref):", count):
        m = re.match(r"^(\s*)- ", lines[i])
        assert m is not None
        pad = " " * (len(m.group(1)) + 2)
        yield f"unknown-key@{i + 1}", _edit(lines, i, lines[i] + f"{pad}colour: blue\n")


def wrong_values(text: str, count: int) -> Iterator[Mutation]:
    """A value of the wrong kind: `type: integer`, a number for a stability, a list for a brief."""
    lines = _lines(text)
    for i in _pick(lines, r"^\s+type: (int|string|double|boolean|string\[\])\s*$", count):
        yield f"type-integer@{i + 1}", _edit(lines, i, re.sub(r"type: .*", "type: integer", lines[i]))
    for i in _pick(lines, r"^\s+stability: \w+\s*$", count):
        yield f"stability-42@{i + 1}", _edit(lines, i, re.sub(r"stability: .*", "stability: 42", lines[i]))
    for i in _pick(lines, r"^\s+brief: \S", count):
        yield f"brief-list@{i + 1}", _edit(lines, i, re.sub(r"brief: .*", "brief: [a, b]", lines[i]))


def unterminated_quotes(text: str, count: int) -> Iterator[Mutation]:
    """A quote opened and never closed."""
    lines = _lines(text)
    for i in _pick(lines, r"^\s+(brief|note|id|ref): \S", count):
        yield f"open-quote@{i + 1}", _edit(lines, i, re.sub(r": ", ': "', lines[i], count=1))


def tabs(text: str, count: int) -> Iterator[Mutation]:
    """A line indented with a tab."""
    lines = _lines(text)
    for i in _pick(lines, r"^\s{2,}\S", count):
        yield f"tab@{i + 1}", _edit(lines, i, "\t" + lines[i].lstrip(" "))


def duplicate_keys(text: str, count: int) -> Iterator[Mutation]:
    """A key repeated in its mapping."""
    lines = _lines(text)
    for i in _pick(lines, r"^\s+(brief|type|stability): ", count):
        yield f"dup-key@{i + 1}", _edit(lines, i, lines[i] + lines[i])


def missing_colons(text: str, count: int) -> Iterator[Mutation]:
    """A key whose colon was not typed yet."""
    lines = _lines(text)
    for i in _pick(lines, r"^\s*(- )?\w+: \S", count):
        yield f"no-colon@{i + 1}", _edit(lines, i, lines[i].replace(": ", " ", 1))


OPERATORS: tuple[Callable[[str, int], Iterator[Mutation]], ...] = (
    truncations,
    deleted_lines,
    bad_indentation,
    unknown_keys,
    wrong_values,
    unterminated_quotes,
    tabs,
    duplicate_keys,
    missing_colons,
)


def mutations(text: str, density: int) -> list[Mutation]:
    """Every mutation of a text, `density` of each kind (more for truncation), without repeats."""
    seen: set[str] = {text}
    out: list[Mutation] = []
    for op in OPERATORS:
        for name, mutant in op(text, density * 3 if op is truncations else density):
            if mutant not in seen:
                seen.add(mutant)
                out.append((name, mutant))
    return out


def _broken(text: str, path: str) -> bool:
    """Whether a file fails to load on its own (syntax, schema, per-file rules): a broken file.

    A file that loads cleanly is a different, valid file, even if a reference in it no longer resolves.
    """
    doc = parse(text, path)
    return bool(doc.diagnostics) or any(d.is_error for d in validate_document(doc).diagnostics)


def _key(d: Diagnostic) -> tuple[object, ...]:
    start = (d.range.start.line, d.range.start.column) if d.range else None
    return (d.code, d.file, d.message, start)


def _judged(d: Diagnostic) -> bool:
    return d.severity in (Severity.ERROR, Severity.WARNING)


@dataclass
class Outcome:
    """What one registry's corpus found."""

    registry: str
    mutants: int = 0
    not_broken: int = 0
    invented: list[tuple[str, str, Diagnostic]] = field(default_factory=list)
    crashed: list[tuple[str, str, str]] = field(default_factory=list)


def run_corpus(root: Path, targets: list[str], density: int) -> Outcome:
    """Break each target file (relative to root) with every mutation; collect breakage-only diagnostics."""
    ws = RegistryWorkspace(root)
    ws.last_good.clear()  # as `registry check` sees a broken file: no earlier version to fall back on
    intact = {_key(d) for diags in ws.all_diagnostics().values() for d in diags if _judged(d)}
    outcome = Outcome(str(root))
    for rel in targets:
        path = str((root / rel).resolve())
        text = ws.text_of(path)
        assert text is not None, f"{rel} is not a file of {root}"
        for name, mutant in mutations(text, density):
            outcome.mutants += 1
            try:
                found = ws.what_if({path: mutant})
            except Exception as exc:  # a crash is the worst breakage-only outcome: count it
                outcome.crashed.append((rel, name, repr(exc)))
                continue
            if not _broken(mutant, path):
                outcome.not_broken += 1
                continue
            for file, diags in found.items():
                if file == path:
                    continue
                outcome.invented.extend((rel, name, d) for d in diags if _judged(d) and _key(d) not in intact)
    return outcome


def fixtures_root() -> Path:
    """The shared fixtures folder, as the tests find it."""
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"
    return Path(os.environ.get("WEAVERGEN_FIXTURES", str(default)))


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "registry"
EXAMPLE_TARGETS = [
    "store/registry.yaml",
    "shop/registry.yaml",
    "checkout/metrics.yaml",
    "checkout/common.yaml",
]
SEMCONV_TARGETS = [  # v1 attributes, v1 metrics, v1 entities, v2 attributes, v2 signals
    "http/registry.yaml",
    "k8s/metrics.yaml",
    "service/entities.yaml",
    "server/registry.yaml",
    "hardware/common.yaml",
]


def resolver_fixtures() -> list[tuple[Path, list[str]]]:
    """weaver's resolver fixtures that resolve: each registry with its first definition file."""
    out = []
    for case in sorted((fixtures_root() / "weaver" / "resolver").glob("registry-test-*")):
        reg = case / "registry"
        if not (case / "expected-registry.json").is_file() or not reg.is_dir():
            continue
        files = sorted(p for p in reg.rglob("*.yaml") if p.name != "manifest.yaml")
        if files:
            out.append((reg, [files[0].relative_to(reg).as_posix()]))
    return out


def main() -> None:
    """Print the corpus size and breakage-only diagnostics for every registry of the corpus."""
    runs = [(EXAMPLE, EXAMPLE_TARGETS, 4)]
    if "example" not in sys.argv:
        runs.append((fixtures_root() / "semconv" / "v1.44.0" / "model", SEMCONV_TARGETS, 3))
        runs.extend((reg, targets, 2) for reg, targets in resolver_fixtures())
    total = mutants = invented = crashed = 0
    for root, targets, density in runs:
        o = run_corpus(root, targets, density)
        total += 1
        mutants += o.mutants
        invented += len(o.invented)
        crashed += len(o.crashed)
        print(
            f"{o.mutants:4d} mutants {o.not_broken:3d} not broken {len(o.invented):4d} invented "
            f"{len(o.crashed):3d} crashed  {root}"
        )
        for rel, name, exc in o.crashed[:3]:
            print(f"      {rel} {name}: {exc}")
        for rel, name, d in o.invented[: int(os.environ.get("SHOW", "3"))]:
            print(f"      {rel} {name}: {d.code} {d.file} {d.message.splitlines()[0][:100]}")
    print(f"corpus: {mutants} mutants over {total} registries; breakage-only errors/warnings: {invented}")
    print(f"crashes: {crashed}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
