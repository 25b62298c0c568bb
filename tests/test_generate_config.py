"""weaver.yaml layering, `-c` files, template-level params, `--params FILE` and `-D` precedence."""

from __future__ import annotations

import json
from pathlib import Path

from weavergen.forge import GenerateOptions, generate
from weavergen.forge.config import TemplateEntry, discover_config_files, load_config
from weavergen.forge.generate import parse_params

REGISTRY = """\
groups:
  - id: registry.a
    type: attribute_group
    brief: A.
    attributes:
      - id: a.b
        type: string
        stability: stable
        brief: B.
        examples: [x]
"""


def tree(tmp_path: Path, target_yaml: str, parent_yaml: str | None = None) -> tuple[Path, Path]:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "a.yaml").write_text(REGISTRY, encoding="utf-8")
    target = tmp_path / "templates" / "t"
    target.mkdir(parents=True)
    if parent_yaml is not None:
        (tmp_path / "templates" / "weaver.yaml").write_text(parent_yaml, encoding="utf-8")
    (target / "weaver.yaml").write_text(target_yaml, encoding="utf-8")
    (target / "p.json.j2").write_text("{{ params | tojson }}", encoding="utf-8")
    return tmp_path / "model", tmp_path / "templates"


def test_params_precedence_cli_over_entry_over_files(tmp_path: Path) -> None:
    parent = "params:\n  shared: parent\n  dropped: parent\n  level: parent\n"
    target = (
        "params:\n  dropped: null\n  level: target\n  cli: target\n"
        "templates:\n  - template: p.json.j2\n    params:\n      level: entry\n      entry_only: 1\n"
    )
    model, templates = tree(tmp_path, target, parent)
    params_file = tmp_path / "params.yaml"
    params_file.write_text("params:\n  cli: file\n  from_file: [1, 2]\n", encoding="utf-8")
    out = tmp_path / "out"
    report = generate(
        GenerateOptions(
            registry=str(model), target="t", output=str(out), templates=str(templates),
            params=["cli=dash-d", "number=1.0", "flag=yes"], params_file=str(params_file),
        )
    )  # fmt: skip
    assert [d.message for d in report.diagnostics if d.is_error] == []
    params = json.loads((out / "p.json").read_text())
    inner = dict(params.pop("params"))
    assert params == inner
    assert params == {
        "cli": "dash-d",
        "entry_only": 1,
        "flag": "yes",
        "from_file": [1, 2],
        "level": "entry",
        "number": 1.0,
        "shared": "parent",
    }
    assert (out / "p.json").read_text().startswith('{"cli":"dash-d","entry_only":1,')


def test_explicit_config_files_replace_discovery(tmp_path: Path) -> None:
    model, templates = tree(tmp_path, "templates:\n  - template: p.json.j2\n", "params:\n  shared: parent\n")
    extra = tmp_path / "extra.yaml"
    extra.write_text("params:\n  only: extra\ntemplates:\n  - template: p.json.j2\n", encoding="utf-8")
    out = tmp_path / "out"
    report = generate(
        GenerateOptions(registry=str(model), target="t", output=str(out), templates=str(templates),
                        configs=[str(extra)])
    )  # fmt: skip
    assert [d.message for d in report.diagnostics if d.is_error] == []
    assert json.loads((out / "p.json").read_text())["only"] == "extra"
    assert "shared" not in json.loads((out / "p.json").read_text())


def test_registry_subfolder_is_preferred(tmp_path: Path) -> None:
    model, templates = tree(tmp_path, "templates:\n  - template: p.json.j2\n")
    (templates / "registry" / "t").mkdir(parents=True)
    (templates / "registry" / "t" / "weaver.yaml").write_text("templates:\n  - template: r.txt.j2\n")
    (templates / "registry" / "t" / "r.txt.j2").write_text("from registry/")
    out = tmp_path / "out"
    generate(GenerateOptions(registry=str(model), target="t", output=str(out), templates=str(templates)))
    assert sorted(p.name for p in out.iterdir()) == ["r.txt"]


def test_discovery_reads_every_weaver_yaml_down_to_the_target(tmp_path: Path) -> None:
    _, templates = tree(tmp_path, "params: {b: 2}\n", "params: {a: 1}\n")
    files = discover_config_files(templates / "t")
    assert files[-2:] == [(templates / "weaver.yaml").resolve(), (templates / "t" / "weaver.yaml").resolve()]
    config, diagnostics = load_config(files[-2:])
    assert diagnostics == [] and config.params == {"a": 1, "b": 2}


def test_reserved_and_malformed_params_are_diagnostics(tmp_path: Path) -> None:
    _, diagnostics = parse_params(["params=1", "novalue", "bad=[unclosed"], None)
    assert [d.code for d in diagnostics] == ["InvalidParam", "InvalidParam", "InvalidParam"]
    params_file = tmp_path / "p.yaml"
    params_file.write_text("not_params: 1\n", encoding="utf-8")
    _, diagnostics = parse_params([], str(params_file))
    assert [d.code for d in diagnostics] == ["InvalidParam"]
    params_file.write_text("params: [1]\n", encoding="utf-8")
    _, diagnostics = parse_params([], str(params_file))
    assert [d.code for d in diagnostics] == ["InvalidParam"]


def test_glob_semantics() -> None:
    entry = TemplateEntry(pattern="**/x.md")
    assert entry.matches("x.md") and entry.matches("a/b/x.md") and not entry.matches("y.md")
    assert TemplateEntry(pattern="*.j2").matches("sub/a.j2")


def test_template_syntax_whitespace_and_auto_escape(tmp_path: Path) -> None:
    config = (
        "template_syntax:\n  block_start: '<%'\n  block_end: '%>'\n"
        "  variable_start: '<<'\n  variable_end: '>>'\n"
        "whitespace_control:\n  keep_trailing_newline: true\n"
        "templates:\n  - template: s.txt.j2\n  - template: e.html.j2\n    auto_escape: html\n"
        "    when: '$params.escape == true'\n"
        "params:\n  escape: true\n"
    )
    model, templates = tree(tmp_path, config)
    (templates / "t" / "s.txt.j2").write_text("<% for g in ctx.groups %><< g.id >>;<% endfor %> {{ raw }}\n")
    (templates / "t" / "e.html.j2").write_text("<< '<b>&' >>")
    (templates / "t" / "p.json.j2").unlink()
    out = tmp_path / "out"
    report = generate(
        GenerateOptions(registry=str(model), target="t", output=str(out), templates=str(templates))
    )
    assert [d.message for d in report.diagnostics if d.is_error] == []
    assert (out / "s.txt").read_text() == "registry.a; {{ raw }}\n"
    assert (out / "e.html").read_text() == "&lt;b&gt;&amp;"
