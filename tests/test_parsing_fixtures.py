"""Real files: weaver's parsing samples and three semantic-conventions releases validate as weaver says."""

from __future__ import annotations

from pathlib import Path

import pytest

from weavergen.diagnostics import Severity
from weavergen.document import parse
from weavergen.validate import V1, validate_document


def _check(path: Path) -> tuple[str | None, list[tuple[str, Severity, str]]]:
    doc = parse(path.read_text(encoding="utf-8"), str(path))
    assert doc.ok, doc.diagnostics
    result = validate_document(doc)
    return result.file_format, [(d.code, d.severity, d.message) for d in result.diagnostics]


def test_weaver_valid_samples_have_no_diagnostics(fixtures: Path) -> None:
    files = sorted((fixtures / "weaver" / "semconv-parsing").glob("*.yaml"))
    assert len(files) == 26
    for path in files:
        fmt, diags = _check(path)
        assert fmt == V1, path
        assert diags == [], path


@pytest.mark.parametrize(
    ("name", "code", "severity"),
    [
        # The group has no `brief`: weaver's JSON-schema re-validation reports it.
        ("invalid-semconv.yaml", "InvalidSemConvSpec", Severity.ERROR),
        # Both files use `prefix`, a warning that weaver's own test (run with --future) treats as failure.
        ("exporter.yaml", "InvalidGroupUsesPrefix", Severity.WARNING),
        ("invalid-stability.yaml", "InvalidGroupUsesPrefix", Severity.WARNING),
    ],
)
def test_weaver_invalid_samples_are_reported(
    fixtures: Path, name: str, code: str, severity: Severity
) -> None:
    _, diags = _check(fixtures / "weaver" / "semconv-parsing" / "invalid" / name)
    assert diags
    assert (code, severity) in {(c, s) for c, s, _ in diags}


def test_invalid_semconv_names_the_missing_brief(fixtures: Path) -> None:
    _, diags = _check(fixtures / "weaver" / "semconv-parsing" / "invalid" / "invalid-semconv.yaml")
    assert ("InvalidSemConvSpec", Severity.ERROR, "Missing required property: brief.") in diags


@pytest.mark.parametrize("release", ["v1.44.0", "v1.43.0", "head"])
def test_semconv_models_have_no_errors(fixtures: Path, release: str) -> None:
    files = sorted((fixtures / "semconv" / release / "model").rglob("*.yaml"))
    assert len(files) > 200
    errors = []
    for path in files:
        if path.name == "manifest.yaml":
            continue
        fmt, diags = _check(path)
        assert fmt is not None, path
        errors += [(path.name, c, m) for c, s, m in diags if s is Severity.ERROR]
    assert errors == []
