"""The one diagnostic type every part of weavergen produces, and helpers to build and sort them.

Codes are weaver's error variant names (``InvalidAttribute``, ``DuplicateAttributeId``…) or, for Rego
findings, the finding id; messages are weaver's texts. Unlike weaver, every diagnostic we can place
carries a file and a range, and related locations (the other definition of a duplicate…).
"""

from __future__ import annotations

import functools
import os
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

DOCS_BASE_URL = os.environ.get(
    "WEAVERGEN_DOCS_URL", "https://github.com/weavergen/weavergen/blob/main/docs/diagnostics.md"
)


NEVER_PROMOTED = frozenset({"UncheckedReference"})
"""Notes that say something was not checked: `--future` must not turn them into errors."""


class Severity(StrEnum):
    """miette's severities, as weaver serialises them (`Error`, `Warning`, `Advice`)."""

    ERROR = "Error"
    WARNING = "Warning"
    ADVICE = "Advice"


@dataclass(frozen=True, slots=True)
class Position:
    """A zero-based line and a zero-based column counted in Unicode code points."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Range:
    """A half-open text range inside one file."""

    start: Position
    end: Position

    @classmethod
    def of(cls, sl: int, sc: int, el: int, ec: int) -> Range:
        """Build a range from four zero-based numbers."""
        return cls(Position(sl, sc), Position(el, ec))


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that matters to a diagnostic (the other definition of a duplicate…)."""

    file: str
    range: Range | None
    message: str


@dataclass(slots=True)
class Diagnostic:
    """One finding about a registry, template, policy or sample, rendered by the CLI and the server."""

    code: str
    message: str
    severity: Severity = Severity.ERROR
    file: str | None = None
    range: Range | None = None
    related: tuple[Related, ...] = ()
    error: dict[str, Any] | None = None
    help: str | None = None
    tags: tuple[str, ...] = ()
    fix: dict[str, Any] | None = None
    group_id: str | None = None
    attribute_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        """Whether the diagnostic makes a run fail (weaver: anything that is not a warning or advice)."""
        return self.severity is Severity.ERROR

    @property
    def is_policy(self) -> bool:
        """Whether the diagnostic is a Rego policy finding."""
        return bool(self.error) and self.error.get("type") == "policy_violation"  # type: ignore[union-attr]

    @property
    def docs_url(self) -> str:
        """The documentation page of this diagnostic's code."""
        anchor = "policy-violations" if self.is_policy else self.code.lower().replace("_", "-")
        return f"{DOCS_BASE_URL}#{anchor}"

    def promoted(self) -> Diagnostic:
        """This diagnostic as `--future` sees it: warnings and advice become errors (notes stay notes)."""
        if self.severity is Severity.ERROR or self.code in NEVER_PROMOTED:
            return self
        return replace(self, severity=Severity.ERROR)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Stable ordering: file, position, code, message."""
        start = self.range.start if self.range else Position(-1, -1)
        return (self.file or "", start.line, start.column, self.code, self.message)


def has_error(diagnostics: list[Diagnostic]) -> bool:
    """Weaver's exit rule: 1 iff any diagnostic is an error."""
    return any(d.is_error for d in diagnostics)


def blocking_errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Errors that stop generation: every error but policy violations, after which weaver still writes."""
    return [d for d in diagnostics if d.is_error and not d.is_policy]


def apply_future(diagnostics: list[Diagnostic], future: bool) -> list[Diagnostic]:
    """Under `--future` every warning is re-emitted as an error, as weaver does."""
    return [d.promoted() for d in diagnostics] if future else diagnostics


def internal_error(message: str, file: str | None = None) -> Diagnostic:
    """An unexpected failure inside weavergen, reported instead of a traceback."""
    return Diagnostic(
        code="internal-error",
        message=f"weavergen hit an internal error: {message}. "
        "Please report it with the input that caused it.",
        file=file,
    )


REPLACE = "replace"
_ALIASES = {
    "integer": "int",
    "long": "int",
    "float": "double",
    "number": "double",
    "bool": "boolean",
    "str": "string",
    "text": "string",
}


def closest(word: str, options: list[str] | tuple[str, ...], cutoff: float = 0.6) -> str | None:
    """The option a misspelt word most likely meant (case, common type aliases, then similarity)."""
    if not word or word in options:
        return None
    return _closest(word, tuple(options), cutoff)


@functools.lru_cache(maxsize=256)
def _closest(word: str, options: tuple[str, ...], cutoff: float) -> str | None:
    """`closest`, remembered: an editor asks again after every keystroke, over thousands of names."""
    import difflib

    lowered = {o.lower(): o for o in options}
    for candidate in (word.lower(), _ALIASES.get(word.lower()), _alias_array(word.lower())):
        if candidate and candidate in lowered and lowered[candidate] != word:
            return lowered[candidate]
    # difflib's ratio is at most 2·min(len)/(len+len): skip names too short or too long to reach cutoff.
    low, high = len(word) * cutoff / (2 - cutoff), len(word) * (2 - cutoff) / cutoff
    near = [o for o in options if low <= len(o) <= high]
    found = difflib.get_close_matches(word, near, n=1, cutoff=cutoff)
    return found[0] if found else None


def _alias_array(word: str) -> str | None:
    base = word.removesuffix("[]")
    return f"{_ALIASES[base]}[]" if base != word and base in _ALIASES else None


def did_you_mean(name: str) -> str:
    """The help text of a diagnostic that proposes a replacement."""
    return f"Did you mean `{name}`?"


def replacement(new_text: str, at: Range | None = None) -> dict[str, Any]:
    """Fix data of a diagnostic that proposes a replacement: `at` (default: the diagnostic's own range)
    becomes `new_text`. The one fix provider (`fixes.fixes_for`) turns it into an edit for every face."""
    data: dict[str, Any] = {"kind": REPLACE, "text": new_text}
    if at is not None:  # plain numbers: fix data travels as JSON (LSP diagnostic data)
        data["range"] = [at.start.line, at.start.column, at.end.line, at.end.column]
    return data


def rust_debug_option(value: str | None) -> str:
    """Rust's `{:?}` of an `Option<String>`: `Some("…")` with Debug escaping, or `None`."""
    return "None" if value is None else f"Some({rust_debug_str(value)})"


_SIMPLE_ESCAPES = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"'}


def rust_debug_str(value: str) -> str:
    """Rust's `{:?}` of a `str`: quoted, with `\\"`, `\\\\`, `\\n`… and `\\u{…}` for unprintable chars."""
    out = ['"']
    for char in value:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif unicodedata.category(char) in ("Mn", "Me") or not char.isprintable():
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def rust_debug_list(values: list[str]) -> str:
    """Rust's `{:?}` of a `Vec<String>`: `["a", "b"]`, as weaver's messages print id lists."""
    return "[" + ", ".join(rust_debug_str(v) for v in values) + "]"
