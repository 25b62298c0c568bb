"""Templates and jq run under a time and memory budget: each hostile filter or template below (a
segfault, an allocation abort, an endless loop) ends as a diagnostic naming it, and the process that
asked for the rendering lives on."""

from __future__ import annotations

from pathlib import Path

import pytest

from weavergen.forge import GenerateOptions
from weavergen.forge.generate import generate

REGISTRY = """\
groups:
  - id: registry.a
    type: attribute_group
    brief: a.
    attributes:
      - {id: a.id, type: string, stability: stable, brief: The id., examples: ["x"]}
"""
FILTERS = {
    "stack overflow": "def f: [f]; f",
    "huge array": "[range(1e9)]",
    "endless array": "[repeat(1)]",
    "endless recursion": "def f: f; f",
    "endless stream": "last(range(1e18))",
    "nested loops": "[range(100000) as $a | range(100000) | $a] | length",
}
DOUBLING = '{% set s = "ab" %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}'


def project(tmp_path: Path, filter_: str, template: str) -> GenerateOptions:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "a.yaml").write_text(REGISTRY, encoding="utf-8")
    target = tmp_path / "templates" / "t"
    target.mkdir(parents=True)
    config = f"templates:\n  - template: x.j2\n    filter: '{filter_}'\n    application_mode: single\n"
    (target / "weaver.yaml").write_text(config, encoding="utf-8")
    (target / "x.j2").write_text(template, encoding="utf-8")
    return GenerateOptions(
        registry=str(tmp_path / "model"),
        target="t",
        output=str(tmp_path / "out"),
        templates=str(tmp_path / "templates"),
    )


@pytest.fixture(autouse=True)
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEAVERGEN_RENDER_TIMEOUT", "3")
    monkeypatch.setenv("WEAVERGEN_RENDER_MEMORY_MB", "512")


@pytest.mark.parametrize("case", sorted(FILTERS))
def test_a_hostile_jq_filter_is_a_diagnostic_naming_it(tmp_path: Path, case: str) -> None:
    options = project(tmp_path, FILTERS[case], "{{ ctx }}")
    report = generate(options)
    [diag] = [d for d in report.diagnostics if d.is_error]
    assert diag.code == "FilterError", diag.message
    assert f"jq filter `{FILTERS[case]}`" in diag.message and "budget" in diag.message
    assert diag.file == str(tmp_path / "templates" / "t" / "weaver.yaml") and diag.range is not None
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_template_that_doubles_a_string_40_times_is_a_diagnostic(tmp_path: Path) -> None:
    options = project(tmp_path, ".", DOUBLING)
    report = generate(options)
    [diag] = [d for d in report.diagnostics if d.is_error]
    assert diag.code == "TemplateEvaluationFailed" and "template `x.j2`" in diag.message
    assert diag.file == str(tmp_path / "templates" / "t" / "x.j2")


def test_the_workflow_path_and_the_budget_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from weavergen.workflow_commands import run_generate

    options = project(tmp_path, "def f: [f]; f", "{{ ctx }}")
    report, _ = run_generate(options, ["t"], parallel=True)
    assert [d.code for d in report.diagnostics if d.is_error] == ["FilterError"]
    monkeypatch.setenv("WEAVERGEN_RENDER_TIMEOUT", "0.000001")
    (tmp_path / "templates" / "t" / "weaver.yaml").write_text(
        "templates:\n  - template: x.j2\n    filter: '.'\n    application_mode: single\n", encoding="utf-8"
    )
    [diag] = [d for d in generate(options).diagnostics if d.is_error]
    assert "time budget of 1e-06 s" in diag.message  # the setting is read at each rendering
    monkeypatch.setenv("WEAVERGEN_RENDER_TIMEOUT", "60")
    assert not [d for d in generate(options).diagnostics if d.is_error]
    assert (tmp_path / "out" / "x").read_text(encoding="utf-8").startswith("{")


def test_update_markdown_snippets_render_under_the_budget(tmp_path: Path) -> None:
    from weavergen.markdown import UpdateMarkdownOptions, update_markdown

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "a.yaml").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "templates" / "markdown").mkdir(parents=True)
    (tmp_path / "templates" / "markdown" / "snippet.md.j2").write_text(DOUBLING, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    page = "# A\n\n<!-- semconv registry.a -->\nold\n<!-- endsemconv -->\n"
    (tmp_path / "docs" / "a.md").write_text(page, encoding="utf-8")
    options = UpdateMarkdownOptions(
        registry=str(tmp_path / "model"),
        markdown_dir=str(tmp_path / "docs"),
        templates=str(tmp_path / "templates"),
    )
    [diag] = [d for d in update_markdown(options).diagnostics if d.is_error]
    assert diag.code == "TemplateEvaluationFailed" and "the snippet `registry.a`" in diag.message
    assert diag.file == str(tmp_path / "docs" / "a.md") and diag.range is not None
    assert (tmp_path / "docs" / "a.md").read_text(encoding="utf-8") == page


def test_a_live_check_preprocessor_that_crashes_jaq_is_a_diagnostic(tmp_path: Path) -> None:
    from weavergen.livecheck.advice_policies import _preprocess

    jq = tmp_path / "pre.jq"
    jq.write_text("def f: [f]; f", encoding="utf-8")
    data, problem = _preprocess(str(jq), {"semconv_attributes": {}}, {"kept": True})
    assert data == {"kept": True} and problem is not None
    assert problem.code == "InvalidAdvicePreprocessor" and f"jq preprocessor `{jq}`" in problem.message
    assert "crashed the rendering process" in problem.message
