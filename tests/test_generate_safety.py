"""Generation writes only inside OUTPUT; template problems are positioned diagnostics, not tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from weavergen.diagnostics import Diagnostic
from weavergen.forge import GenerateOptions, generate, prepare, render_target, write_outputs
from weavergen.forge.generate import RenderedFile

REGISTRY = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    stability: development
    attributes:
      - id: shop.order.id
        type: string
        stability: stable
        brief: The order identifier.
        examples: ["o-1"]
      - id: shop.ratio
        type: double
        stability: development
        brief: A ratio.
        examples: [1.0, 2.5]
"""


def make(tmp_path: Path, weaver_yaml: str, templates: dict[str, str]) -> tuple[Path, Path]:
    """A registry and a template target `t` in `tmp_path`; returns (registry, templates root)."""
    registry = tmp_path / "model"
    registry.mkdir()
    (registry / "shop.yaml").write_text(REGISTRY, encoding="utf-8")
    target = tmp_path / "templates" / "t"
    target.mkdir(parents=True)
    (target / "weaver.yaml").write_text(weaver_yaml, encoding="utf-8")
    for name, text in templates.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text, encoding="utf-8")
    return registry, tmp_path / "templates"


def run_generate(
    tmp_path: Path, weaver_yaml: str, templates: dict[str, str]
) -> tuple[list[Diagnostic], Path]:
    registry, root = make(tmp_path, weaver_yaml, templates)
    out = tmp_path / "out"
    report = generate(
        GenerateOptions(registry=str(registry), target="t", output=str(out), templates=str(root))
    )
    return report.diagnostics, out


def errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.is_error]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink()}


SINGLE = "templates:\n  - template: '*.j2'\n    filter: .\n    application_mode: single\n"


@pytest.mark.parametrize("escape", ["../outside.txt", "sub/../../outside.txt", "ABSOLUTE"])
def test_paths_outside_output_are_refused(tmp_path: Path, escape: str) -> None:
    target = str(tmp_path / "outside.txt") if escape == "ABSOLUTE" else escape
    registry, root = make(
        tmp_path,
        SINGLE,
        {"bad.txt.j2": f'{{{{ template.set_file_name("{target}") }}}}escaped', "good.txt.j2": "inside"},
    )
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    report = generate(
        GenerateOptions(registry=str(registry), target="t", output=str(out), templates=str(root))
    )
    diagnostics = report.diagnostics
    refused = [d for d in diagnostics if d.code == "InvalidFilePath"]
    assert len(refused) == 1 and refused[0].file == str(tmp_path / "templates" / "t" / "bad.txt.j2")
    assert target in refused[0].message
    assert not (tmp_path / "outside.txt").exists()
    assert (out / "good.txt").read_text() == "inside"
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith(str(out))} == before


def test_symlink_inside_output_leading_out_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(elsewhere, out / "link")
    files = [
        RenderedFile("link/keep.txt", "overwritten", "a.j2"),
        RenderedFile("link/new.txt", "new", "b.j2"),
        RenderedFile("ok/file.txt", "fine", "c.j2"),
    ]
    written, diagnostics = write_outputs(out, files)
    assert [d.code for d in diagnostics] == ["InvalidFilePath", "InvalidFilePath"]
    assert (elsewhere / "keep.txt").read_text() == "mine"
    assert not (elsewhere / "new.txt").exists()
    assert written == [str(out / "ok" / "file.txt")]


def test_writes_are_atomic_and_exact(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written, diagnostics = write_outputs(out, [RenderedFile("a/b.txt", "x\r\ny", "t.j2")])
    assert diagnostics == [] and written == [str(out / "a" / "b.txt")]
    assert (out / "a" / "b.txt").read_bytes() == b"x\r\ny"
    assert [p.name for p in (out / "a").iterdir()] == ["b.txt"]


def one_error(diagnostics: list[Diagnostic]) -> Diagnostic:
    found = errors(diagnostics)
    assert len(found) == 1, [d.message for d in diagnostics]
    return found[0]


def test_syntax_error_points_at_template_line(tmp_path: Path) -> None:
    diagnostics, out = run_generate(tmp_path, SINGLE, {"a.txt.j2": "line 1\nline 2\n{% if %}\n"})
    d = one_error(diagnostics)
    assert d.code == "InvalidTemplateFile"
    assert (
        d.file == str(tmp_path / "templates" / "t" / "a.txt.j2")
        and d.range is not None
        and d.range.start.line == 2
    )
    assert "syntax error" in d.message and d.extra["template"] == "a.txt.j2"
    assert not (out / "a.txt").exists()


def test_unknown_filter_points_at_template_line(tmp_path: Path) -> None:
    diagnostics, _ = run_generate(tmp_path, SINGLE, {"a.txt.j2": "ok\n{{ ctx | no_such_filter }}"})
    d = one_error(diagnostics)
    assert d.code == "TemplateEvaluationFailed"
    assert (
        d.file == str(tmp_path / "templates" / "t" / "a.txt.j2")
        and d.range is not None
        and d.range.start.line == 1
    )
    assert "no_such_filter" in d.message


def test_failing_weaver_filter_names_filter_and_line(tmp_path: Path) -> None:
    diagnostics, _ = run_generate(tmp_path, SINGLE, {"a.txt.j2": "ok\n\n{{ 123 | pascal_case_const }}"})
    d = one_error(diagnostics)
    assert (
        d.file == str(tmp_path / "templates" / "t" / "a.txt.j2")
        and d.range is not None
        and d.range.start.line == 2
    )
    assert "pascal_case_const" in d.message and "value is not a string" in d.message


def test_error_in_imported_macro_points_at_macro_file(tmp_path: Path) -> None:
    diagnostics, _ = run_generate(
        tmp_path,
        "templates:\n  - template: main.j2\n",
        {
            "main.j2": "{% import 'm.j2' as m %}{{ m.f() }}",
            "m.j2": "{% macro f() %}\n{{ nothing.x }}{% endmacro %}",
        },
    )
    d = one_error(diagnostics)
    assert (
        d.file == str(tmp_path / "templates" / "t" / "m.j2")
        and d.range is not None
        and d.range.start.line == 1
    )


def test_jq_error_points_at_the_filter_in_weaver_yaml(tmp_path: Path) -> None:
    config = "templates:\n  - template: a.j2\n    filter: '.groups | no_such_function'\n"
    diagnostics, _ = run_generate(tmp_path, config, {"a.j2": "x"})
    d = one_error(diagnostics)
    assert d.code == "FilterError"
    assert d.file is not None and d.file.endswith("weaver.yaml")
    assert d.range is not None and d.range.start.line == 2
    assert "no_such_function" in d.message


def test_when_must_be_a_boolean(tmp_path: Path) -> None:
    config = "templates:\n  - template: a.j2\n    when: '.groups | length'\n"
    diagnostics, out = run_generate(tmp_path, config, {"a.j2": "x"})
    d = one_error(diagnostics)
    assert d.code == "WhenClauseNotBoolean"
    assert d.range is not None and d.range.start.line == 2
    assert not (out / "a").exists()


def test_when_false_skips_and_true_renders(tmp_path: Path) -> None:
    config = (
        "templates:\n  - template: a.j2\n    when: '.groups | length == 0'\n"
        "  - template: b.j2\n    when: '.groups | length > 0'\n"
    )
    diagnostics, out = run_generate(tmp_path, config, {"a.j2": "a", "b.j2": "b"})
    assert errors(diagnostics) == []
    assert not (out / "a").exists() and (out / "b").read_text() == "b"


def test_bad_application_mode_is_a_positioned_config_error(tmp_path: Path) -> None:
    config = "templates:\n  - template: a.j2\n    application_mode: sometimes\n"
    diagnostics, _ = run_generate(tmp_path, config, {"a.j2": "x"})
    d = one_error(diagnostics)
    assert d.code == "InvalidConfigFile" and "application_mode" in d.message
    assert d.range is not None and d.range.start.line == 2


def test_pattern_matching_no_file_is_an_error(tmp_path: Path) -> None:
    config = "templates:\n  - template: 'nothing*.j2'\n"
    diagnostics, out = run_generate(tmp_path, config, {"a.j2": "x"})
    d = one_error(diagnostics)
    assert d.code == "InvalidTemplatePattern"
    assert d.message == "Template pattern 'nothing*.j2' did not match any files"
    assert not out.exists()


def test_each_mode_renders_every_element_with_file_name(tmp_path: Path) -> None:
    config = (
        "templates:\n  - template: attr.md.j2\n    filter: semconv_attributes\n    application_mode: each\n"
        "    file_name: 'attrs/{{ ctx.name | snake_case }}.md'\n"
    )
    diagnostics, out = run_generate(tmp_path, config, {"attr.md.j2": "{{ ctx.name }} {{ ctx.examples }}\n"})
    assert errors(diagnostics) == []
    assert (out / "attrs" / "shop_order_id.md").read_text() == 'shop.order.id ["o-1"]'
    assert (out / "attrs" / "shop_ratio.md").read_text() == "shop.ratio [1.0, 2.5]"


def test_render_target_is_pure_and_picklable(tmp_path: Path) -> None:
    import pickle

    registry, root = make(tmp_path, SINGLE, {"a.txt.j2": "{{ ctx.groups | length }}"})
    job = prepare(GenerateOptions(registry=str(registry), target="t", output="unused", templates=str(root)))
    assert job.ok
    job = pickle.loads(pickle.dumps(job))
    result = render_target(job)
    assert [(f.path, f.content) for f in result.files] == [("a.txt", "1")]
    assert pickle.loads(pickle.dumps(result)).files == result.files
    assert not (tmp_path / "unused").exists()


def test_cli_reports_template_problem_without_traceback(tmp_path: Path) -> None:
    registry, root = make(tmp_path, SINGLE, {"a.txt.j2": "{% for %}"})
    result = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "registry", "generate", "t", str(tmp_path / "out"),
         "-r", str(registry), "-t", str(root), "--diagnostic-format", "json"],
        capture_output=True, text=True, timeout=120, check=False, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "InvalidTemplateFile" in result.stderr and "a.txt.j2" in result.stderr


def test_missing_target_is_a_diagnostic(tmp_path: Path) -> None:
    registry, root = make(tmp_path, SINGLE, {"a.j2": "x"})
    report = generate(GenerateOptions(registry=str(registry), target="nope", output=str(tmp_path / "o"),
                                      templates=str(root)))  # fmt: skip
    assert [d.code for d in errors(report.diagnostics)] == ["TargetNotSupported"]


def test_weaver_toml_template_section_overlays_weaver_yaml(tmp_path: Path) -> None:
    config = SINGLE + "acronyms: [Api, HTTP]\ntext_maps:\n  m:\n    a: from-yaml\n    b: yaml-only\n"
    registry, root = make(
        tmp_path,
        config,
        {"a.txt.j2": "{{ 'api http' | acronym }} {{ 'a' | map_text('m') }} {{ 'b' | map_text('m') }}"},
    )
    toml = tmp_path / ".weaver.toml"
    toml.write_text(
        '[template]\nacronyms = ["API"]\n[template.text_maps.m]\na = "from-toml"\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    report = generate(
        GenerateOptions(
            registry=str(registry), target="t", output=str(out), templates=str(root), project_config=str(toml)
        )
    )
    assert errors(report.diagnostics) == []
    # The toml's map `m` replaces the yaml's `m` whole: `b` is no longer mapped and stays as it is.
    assert (out / "a.txt").read_text() == "API HTTP from-toml b"
    # The same through the CLI, which runs the registry_generate workflow and finds .weaver.toml itself.
    cli_out = tmp_path / "cli-out"
    result = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "registry", "generate", "t", str(cli_out),
         "-r", str(registry), "-t", str(root)],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (cli_out / "a.txt").read_text() == "API HTTP from-toml b"


def test_cli_refuses_escape_and_writes_nothing_outside(tmp_path: Path) -> None:
    registry, root = make(
        tmp_path,
        SINGLE,
        {"bad.txt.j2": '{{ template.set_file_name("../escape.txt") }}bad', "good.txt.j2": "ok"},
    )
    result = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "registry", "generate", "t", str(tmp_path / "out"),
         "-r", str(registry), "-t", str(root), "--diagnostic-format", "json"],
        capture_output=True, text=True, timeout=120, check=False, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "InvalidFilePath" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "escape.txt").exists()
