"""weaver's own forge fixtures: each template target rendered over weaver's test registries must equal
`expected_output/<target>` byte for byte; what still differs is listed below with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from weavergen.forge import GenerateOptions, generate, prepare, render_target
from weavergen.forge.config import TemplateEntry, discover_config_files, list_template_files, load_config
from weavergen.forge.generate import GenerateJob

# Files of expected_output that need something weavergen does not have yet, and why.
KNOWN_DIFFERENCES: dict[str, str] = {
    "semconv_jq_fn_v2/semconv_entities.json": "rendered by weaver from a v2 test registry the fixtures lack",
    "semconv_jq_fn_v2/semconv_events.json": "rendered by weaver from a v2 test registry the fixtures lack",
    "semconv_jq_fn_v2/semconv_metrics.json": "rendered by weaver from a v2 test registry the fixtures lack",
    "semconv_jq_fn_v2/semconv_spans.json": "rendered by weaver from a v2 test registry the fixtures lack",
}
# Known differences inside files, applied to our output before comparing: weaver at the fixtures' commit
# (after 0.25.1) names a registry without a manifest `https://default/1.0.0`; 0.25.1 says unknown.
KNOWN_SUBSTITUTIONS: dict[str, list[tuple[bytes, bytes]]] = {
    "semconv_jq_fn": [(b"https://unknown/unknown", b"https://default/1.0.0")],
}
# expected_output folders weaver's tests render without a templates/<target> of their own.
SPECIAL_TARGETS = {"yaml": "weaver renders it from a Rust test struct; test_yaml renders it the same way"}
# CLI parameters weaver's tests pass for a target.
TARGET_PARAMS = {"template_params": ["param_config=cli_value", "shared_2=true"]}


def forge(fixtures: Path) -> Path:
    return fixtures / "weaver" / "forge"


def targets(fixtures: Path) -> list[str]:
    """Every expected_output target that has a template folder (`registry/markdown` included)."""
    expected = forge(fixtures) / "expected_output"
    found = []
    for folder in sorted(p for p in expected.iterdir() if p.is_dir()):
        if folder.name == "registry":
            found.extend(f"registry/{sub.name}" for sub in sorted(folder.iterdir()) if sub.is_dir())
        elif (forge(fixtures) / "templates" / folder.name / "weaver.yaml").is_file():
            found.append(folder.name)
    return found


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


REGISTRY_TARGETS = [
    "comment_format",
    "registry/markdown",
    "semconv_jq_fn",
    "semconv_jq_fn_v2",
    "template_params",
    "test",
    "whitespace_control",
]


def test_every_expected_target_is_covered(fixtures: Path) -> None:
    expected = {p.name for p in (forge(fixtures) / "expected_output").iterdir() if p.is_dir()}
    covered = {t.split("/")[0] for t in targets(fixtures)} | set(SPECIAL_TARGETS)
    assert expected == covered
    assert sorted([*REGISTRY_TARGETS, "py_compat"]) == sorted(targets(fixtures))


@pytest.mark.parametrize("target", REGISTRY_TARGETS)
def test_forge_target(fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    assert target in targets(fixtures)
    # weaver's tests run inside the crate with relative registry paths, which show in provenance and ids.
    monkeypatch.chdir(forge(fixtures))
    registry = "data/mini_registry_for_comments" if target == "comment_format" else "data/registry"
    out = tmp_path / "out"
    report = generate(
        GenerateOptions(
            registry=registry,
            target=".",
            output=str(out),
            templates=f"templates/{target}",
            skip_policies=True,
            v2=target.endswith("_v2"),
            params=TARGET_PARAMS.get(target, []),
        )
    )
    assert [d.message for d in report.diagnostics if d.is_error] == []
    expected = tree(forge(fixtures) / "expected_output" / target)
    actual = tree(out)
    for old, new in KNOWN_SUBSTITUTIONS.get(target, []):
        actual = {name: data.replace(old, new) for name, data in actual.items()}
    standalone = {"test/converter.md"}  # rendered by test_converter below
    differ = sorted(
        name
        for name, data in expected.items()
        if actual.get(name) != data and f"{target}/{name}" not in standalone
    )
    known = sorted(name for name in expected if f"{target}/{name}" in KNOWN_DIFFERENCES)
    assert differ == known, "files that differ (left) vs files listed as known differences (right)"


def job_for(
    fixtures: Path, target: str, context: object, entries: list[TemplateEntry] | None = None
) -> GenerateJob:
    root = forge(fixtures) / "templates" / target
    config, diagnostics = load_config(discover_config_files(root))
    assert diagnostics == []
    if entries is not None:
        config.templates = entries
    return GenerateJob(str(root), config, context, {}, list_template_files(root))


def test_py_compat(fixtures: Path) -> None:
    """weaver renders this target with the context `{"text": "Hello, World!"}`."""
    job = job_for(fixtures, "py_compat", {"text": "Hello, World!"})
    result = render_target(job)
    assert result.diagnostics == []
    expected = (forge(fixtures) / "expected_output" / "py_compat" / "test").read_text(encoding="utf-8")
    assert [(f.path, f.content) for f in result.files] == [("test", expected)]


def test_converter(fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`test/converter.md` (case filters and acronyms) is not in test/weaver.yaml; weaver renders it alone."""
    monkeypatch.chdir(forge(fixtures))
    prepared = prepare(
        GenerateOptions(registry="data/registry", target=".", templates="templates/test", skip_policies=True)
    )
    assert prepared.ok
    job = job_for(fixtures, "test", prepared.context, [TemplateEntry(pattern="converter.md")])
    result = render_target(job)
    expected = (forge(fixtures) / "expected_output" / "test" / "converter.md").read_text(encoding="utf-8")
    assert [(f.path, f.content) for f in result.files] == [("converter.md", expected)]


def test_yaml(fixtures: Path) -> None:
    """`{{ ctx | toyaml }}` over the struct weaver's test serializes (read back from its expected output)."""
    import yaml

    from weavergen.forge.config import ForgeConfig
    from weavergen.forge.render import environment, render_source

    expected = (forge(fixtures) / "expected_output" / "yaml" / "test.yaml").read_text(encoding="utf-8")
    unescaped = expected
    for char in "<>&'":
        unescaped = unescaped.replace(f"\\u{ord(char):04x}", char)
    context = yaml.safe_load(unescaped)
    assert context["about"] == "<h1>Software Engineer<h1>"
    env = environment(Path("."), ForgeConfig(whitespace_control={"keep_trailing_newline": True}))
    assert render_source(env, None, "{{ ctx | toyaml }}", {"ctx": context}, None) == expected


def test_wrong_config_names_the_pattern_that_matches_nothing(fixtures: Path) -> None:
    job = prepare(
        GenerateOptions(
            registry="unused", target=".", templates=str(forge(fixtures) / "templates" / "wrong_config")
        )
    )
    errors = [d for d in job.diagnostics if d.is_error]
    assert [(d.code, d.message) for d in errors] == [
        ("InvalidTemplatePattern", "Template pattern 'does-not-exist.j2' did not match any files")
    ]
    assert errors[0].file is not None and errors[0].file.endswith("wrong_config/weaver.yaml")
    assert errors[0].range is not None and errors[0].range.start.line == 1


def test_each_without_file_name_renders_every_element_to_the_same_path(fixtures: Path) -> None:
    context = {"items": [{"name": "a", "value": 1}, {"name": "b", "value": 2.5}]}
    result = render_target(job_for(fixtures, "each_test", context))
    assert result.diagnostics == []
    assert [(f.path, f.content) for f in result.files] == [("item.txt", "a=1"), ("item.txt", "b=2.5")]
