"""The diagnostics of YAML that cannot be read: syntax errors in serde_yaml's wording, characters YAML
or UTF-8 cannot hold, documents past the expansion budget. Each points at a line and column."""

from __future__ import annotations

from typing import Any

import yaml

from weavergen.diagnostics import Diagnostic, Range
from weavergen.yaml_budget import BudgetProblem


def budget_diagnostic(problem: BudgetProblem, path: str) -> Diagnostic:
    line, column = problem.span[0], problem.span[1]
    return Diagnostic(
        code="DeserializationError",
        message=f"{problem.message} at line {line + 1} column {column + 1}",
        file=path,
        range=Range.of(*problem.span),
        error=deserialization_error(path, f"{problem.message} at line {line + 1} column {column + 1}"),
        help=problem.help,
    )


def reader_diagnostic(text: str, exc: yaml.reader.ReaderError, path: str, byte_offsets: bool) -> Diagnostic:
    """A character YAML does not allow, at its line and column (libyaml counts UTF-8 bytes)."""
    index = exc.position
    if byte_offsets:
        index = len(text.encode("utf-8", "surrogatepass")[: exc.position].decode("utf-8", "ignore"))
    index = min(index, max(len(text) - 1, 0))
    return char_diagnostic(
        text,
        index,
        path,
        f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        if isinstance(exc.character, int)
        else exc.reason,
        "YAML allows no control characters but tab and line breaks: remove this one, or write it as an "
        "escape (`\\x01`) inside a double-quoted string.",
    )


def surrogate_diagnostic(text: str, index: int, path: str) -> Diagnostic:
    return char_diagnostic(
        text,
        index,
        path,
        f"invalid Unicode: a lone UTF-16 surrogate U+{ord(text[index]):04X}",
        "A surrogate is half of a character that UTF-8 cannot hold: remove it or write the whole character.",
    )


def char_diagnostic(text: str, index: int, path: str, problem: str, help: str) -> Diagnostic:
    """A DeserializationError at one character of `text` (a lone surrogate, a byte that is not UTF-8)."""
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return Diagnostic(
        code="DeserializationError",
        message=f"{problem} at line {line + 1} column {column + 1}",
        file=path,
        range=Range.of(line, column, line, column + 1),
        error=deserialization_error(path, f"{problem} at line {line + 1} column {column + 1}"),
        help=help,
    )


def decode(data: bytes) -> tuple[str, int | None]:
    """UTF-8 text of a file, and the index of its first character that was not UTF-8 (replaced), if any."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return data.decode("utf-8", "replace"), len(data[: exc.start].decode("utf-8", "replace"))


def deserialization_error(path: str, error: str) -> dict[str, Any]:
    """weaver's `DeserializationError { path_or_url, error }` payload."""
    return {"DeserializationError": {"path_or_url": path, "error": error}}


def syntax_diagnostic(exc: yaml.MarkedYAMLError, path: str) -> Diagnostic:
    """serde_yaml's wording: `<problem> at line L column C, while <context> at line l column c`."""
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or "invalid YAML"
    rng = None
    if mark is not None:
        rng = Range.of(mark.line, mark.column, mark.line, mark.column + 1)
        message += f" at line {mark.line + 1} column {mark.column + 1}"
    if exc.context:
        message += f", {exc.context}"
        if exc.context_mark is not None and exc.context_mark is not mark:
            message += f" at line {exc.context_mark.line + 1} column {exc.context_mark.column + 1}"
    return Diagnostic(
        code="DeserializationError",
        message=message,
        file=path,
        error=deserialization_error(path, message),
        range=rng,
        help="Fix the YAML syntax here; the other files of the registry are still checked.",
    )
