"""update-markdown on small registries: marker parsing, v1 and --v2 snippets, errors, what is rewritten."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from weavergen.markdown import UpdateMarkdownOptions, UpdateMarkdownReport, parse_header, update_markdown

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
"""


def setup(tmp_path: Path, snippet_template: str, markdown: str) -> tuple[Path, Path, Path]:
    model = tmp_path / "model"
    model.mkdir()
    (model / "shop.yaml").write_text(REGISTRY, encoding="utf-8")
    target = tmp_path / "templates" / "markdown"
    target.mkdir(parents=True)
    (target / "snippet.md.j2").write_text(snippet_template, encoding="utf-8")
    (target / "value.j2").write_text("value={{ value }}", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(markdown, encoding="utf-8")
    return model, tmp_path / "templates", docs


def run(model: Path, templates: Path, docs: Path, **kwargs: Any) -> UpdateMarkdownReport:
    options = UpdateMarkdownOptions(registry=str(model), markdown_dir=str(docs), templates=str(templates))
    for key, value in kwargs.items():
        setattr(options, key, value)
    return update_markdown(options)


def test_header_syntax() -> None:
    assert parse_header("<!-- semconv registry.user_agent -->") is not None
    snippet = parse_header("<!-- semconv my.id(omit_requirement_level,tag=baz,tag=qux) -->")
    assert snippet is not None and snippet.tag_filter == ["baz"] and snippet.snippet_type == "attribute_table"
    assert parse_header("<!--semconv stuff-->") is not None
    assert parse_header("<!-- semconv my.id (full) -->") is None
    assert parse_header(" <!-- semconv my.id -->") is None
    assert parse_header("<!-- other semconv stuff -->") is None


def test_v1_snippet_replaced_crlf_normalised_and_final_newline(tmp_path: Path) -> None:
    md = "# Title\r\n<!-- semconv registry.shop(metric_table,tag=x) -->\r\nold\r\n<!-- endsemconv -->\r\ntail"
    model, templates, docs = setup(
        tmp_path, "{{ snippet_type }}: {{ group.id }} {{ tag_filter }} {{ params.p }}\n", md
    )
    report = run(model, templates, docs, params=["p=param"])
    assert [d.message for d in report.diagnostics if d.is_error] == []
    assert (docs / "a.md").read_text(encoding="utf-8") == (
        "# Title\n<!-- semconv registry.shop(metric_table,tag=x) -->\n"
        'metric_table: registry.shop ["x"] param\n<!-- endsemconv -->\ntail\n'
    )


def test_unknown_group_is_positioned_and_file_kept(tmp_path: Path) -> None:
    md = "line\n<!-- semconv no.such.group -->\nold\n<!-- endsemconv -->\n"
    model, templates, docs = setup(tmp_path, "x", md)
    report = run(model, templates, docs)
    errors = [d for d in report.diagnostics if d.is_error]
    assert [(d.code, d.message, d.range.start.line) for d in errors] == [
        ("GroupNotFound", "Could not find: no.such.group", 1)
    ]
    assert (docs / "a.md").read_text(encoding="utf-8") == md


def test_weaver_snippet_is_an_error_without_v2(tmp_path: Path) -> None:
    md = "<!-- weaver {value: 1} -->\n<!-- endweaver -->\n"
    model, templates, docs = setup(tmp_path, "x", md)
    report = run(model, templates, docs)
    assert [d.message for d in report.diagnostics if d.is_error] == [
        "Weaver snippets are not supported in V1"
    ]


def test_v2_semconv_and_weaver_snippets(tmp_path: Path) -> None:
    md = (
        "<!-- semconv registry.attributes.shop.order.id -->\n<!-- endsemconv -->\n"
        "<!-- weaver template:value.j2 {value: (.registry.attributes | length)} -->\n"
        "old\n<!-- endweaver -->\n"
        "<!-- semconv registry.nothing.x -->\n<!-- endsemconv -->\n"
    )
    model, templates, docs = setup(tmp_path, "{{ group.signal_type }} {{ group.key }} {{ group.brief }}", md)
    report = run(model, templates, docs, v2=True)
    errors = [d.message for d in report.diagnostics if d.is_error]
    assert errors == ["Could not parse snippet id: [registry.nothing.x]"]
    md_ok = md.replace("<!-- semconv registry.nothing.x -->\n<!-- endsemconv -->\n", "")
    (docs / "a.md").write_text(md_ok, encoding="utf-8")
    report = run(model, templates, docs, v2=True)
    assert [d.message for d in report.diagnostics if d.is_error] == []
    assert (docs / "a.md").read_text(encoding="utf-8") == (
        "<!-- semconv registry.attributes.shop.order.id -->\nattribute shop.order.id The order identifier.\n"
        "<!-- endsemconv -->\n<!-- weaver template:value.j2 {value: (.registry.attributes | length)} -->\n"
        "value=1\n<!-- endweaver -->\n"
    )


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    md = "<!-- semconv registry.shop -->\nstale\n<!-- endsemconv -->\n"
    model, templates, docs = setup(tmp_path, "fresh", md)
    report = run(model, templates, docs, dry_run=True)
    assert report.changed == [str(docs / "a.md")]
    assert [d.code for d in report.diagnostics if d.is_error] == ["MarkdownNotUpToDate"]
    assert (docs / "a.md").read_text(encoding="utf-8") == md
