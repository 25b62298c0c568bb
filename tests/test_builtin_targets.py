"""`weavergen generate TARGET` with the built-in targets, and `weavergen templates list|path`.

Fast checks through the CLI; compiling the outputs with each toolchain is the slow suite
(`tests/test_targets_compile.py`, `make test-targets`).
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest
from targets_support import ROOT, TARGETS, compile_markdown, edge_registry, generate, weavergen

EXAMPLE = ROOT / "examples" / "registry"
INCUBATING = "semconv/_incubating/attributes"
JAVA = "io/example/semconv"
REPLACED = "Replaced by `edge.foo_bar`."


def _files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and p.name[0] != ".")


@pytest.fixture(scope="module")
def edge_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every built-in target generated once from the edge-case registry."""
    tmp = tmp_path_factory.mktemp("edge")
    registry = edge_registry(tmp)
    outputs = {}
    for target in TARGETS:
        generate(target, registry, tmp / target)
        outputs[target] = tmp / target
    return outputs


def test_generate_without_a_target_names_the_targets() -> None:
    proc = weavergen("generate")
    assert proc.returncode == 2
    assert "give a TARGET: one of python, go, rust, java, typescript, markdown" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_unknown_target_without_templates_is_refused(tmp_path: Path) -> None:
    proc = weavergen("generate", "cobol", "-r", str(EXAMPLE), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "`cobol` is not a built-in target" in proc.stderr and "-t TEMPLATES" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_apply_without_ai_enhance_is_refused(tmp_path: Path) -> None:
    proc = weavergen("generate", "python", "--apply", "-r", str(EXAMPLE), "-o", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert "--apply goes with --ai-enhance" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_templates_list_and_path() -> None:
    listed = weavergen("templates", "list")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == list(TARGETS)
    path = weavergen("templates", "path", "rust")
    assert path.returncode == 0
    assert (Path(path.stdout.strip()) / "weaver.yaml").is_file()
    assert weavergen("templates", "path", "cobol").returncode == 2


def test_registry_generate_with_the_printed_path_gives_the_same_files(tmp_path: Path) -> None:
    folder = Path(weavergen("templates", "path", "python").stdout.strip())
    generate("python", EXAMPLE, tmp_path / "builtin")
    proc = weavergen(
        "--quiet", "registry", "generate", "-r", str(EXAMPLE), "-t", str(folder.parent), "--skip-policies",
        "python", str(tmp_path / "templates"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    files = _files(tmp_path / "builtin")
    assert files == _files(tmp_path / "templates") and files
    same = [filecmp.cmp(tmp_path / "builtin" / f, tmp_path / "templates" / f, shallow=False) for f in files]
    assert all(same)


def test_generate_with_templates_is_registry_generate(tmp_path: Path) -> None:
    templates = tmp_path / "templates" / "consts"
    templates.mkdir(parents=True)
    (templates / "weaver.yaml").write_text(
        "templates:\n  - pattern: names.txt.j2\n    filter: semconv_attributes | map(.name)\n"
        "    application_mode: single\n",
        encoding="utf-8",
    )
    (templates / "names.txt.j2").write_text("{{ ctx | join(',') }}\n", encoding="utf-8")
    proc = weavergen(
        "--quiet", "generate", "consts", "-t", str(tmp_path / "templates"), "-r", str(EXAMPLE),
        "-o", str(tmp_path / "out"), "--skip-policies",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "shop.order.id" in (tmp_path / "out" / "names.txt").read_text(encoding="utf-8")


def test_python_names_are_identifiers_and_collisions_are_split(edge_outputs: dict[str, Path]) -> None:
    out = edge_outputs["python"]
    script = (
        "import semconv.attributes.edge_attributes as s\n"
        "import semconv._incubating.attributes.edge_attributes as i\n"
        "import semconv.attributes.class_attributes as sc\n"
        "import semconv._incubating.attributes.class_attributes as ic\n"
        "import semconv._incubating.metrics.edge_metrics as m\n"
        "print(s.EDGE_FOO_BAR, i.EDGE_FOO_BAR_2, i.EDGE_LABELS_TEMPLATE, i.EDGE_LABELS_TEMPLATE_2)\n"
        "print(sorted(x.name for x in sc.ClassTypeValues))\n"
        "print(sorted(x.name for x in ic.ClassTypeValues))\n"
        "print(m.EDGE_REQUESTS_UNIT, m.EDGE_REQUESTS_UNIT_2)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=out, capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # the stable, not deprecated attribute keeps the plain name; the deprecated one gets `_2`
    assert lines[0] == "edge.foo_bar edge.foo.bar edge.labels edge.labels.template"
    # the stable module keeps only stable members; keywords, digits and collisions become identifiers
    assert lines[1] == "['CLASS', 'FOR', 'OTHER', '_2G']"
    assert lines[2] == "['CLASS', 'FOR', 'NONE', 'OTHER', 'X_Y', 'X_Y_2', '_2G']"
    # the unit constant of `edge.requests` and the metric `edge.requests.unit` do not collide
    assert lines[3] == "{request} edge.requests.unit"


def test_stable_conventions_are_deprecated_in_favour_of_the_stable_module(
    edge_outputs: dict[str, Path],
) -> None:
    text = (edge_outputs["python"] / "semconv/_incubating/attributes/edge_attributes.py").read_text("utf-8")
    assert (
        'EDGE_FOO_BAR: Final = "edge.foo_bar"\n"""\nDeprecated in favor of stable '
        ":py:const:`semconv.attributes.edge_attributes.EDGE_FOO_BAR`." in text
    )
    stable = (edge_outputs["python"] / "semconv/attributes/edge_attributes.py").read_text("utf-8")
    assert "edge.foo.bar" not in stable  # development: only in _incubating


@pytest.mark.parametrize(
    ("target", "file", "marks"),
    [
        ("python", f"{INCUBATING}/edge_attributes.py", [f"Deprecated: {REPLACED}"]),
        ("python", f"{INCUBATING}/class_attributes.py", ['@deprecated("Deprecated in favor of']),
        ("go", "incubating/attributes.go", [f"// Deprecated: {REPLACED}", "EdgeFooBar_2Key ="]),
        ("rust", "src/incubating/attribute.rs", ['#[deprecated(note = "Replaced by `edge.foo_bar`.")]']),
        ("java", f"{JAVA}/incubating/EdgeIncubatingAttributes.java", ["@Deprecated", "@deprecated"]),
        ("typescript", "incubating/attributes.ts", ["@deprecated Replaced by `edge.foo_bar`."]),
        ("markdown", "attributes/edge.md", ["**Deprecated:** Replaced by `edge.foo_bar`."]),
    ],
)
def test_deprecation_in_each_language(
    edge_outputs: dict[str, Path], target: str, file: str, marks: list[str]
) -> None:
    text = (edge_outputs[target] / file).read_text(encoding="utf-8")
    for mark in marks:
        assert mark in text


def test_text_cannot_break_out_of_comments_or_strings(edge_outputs: dict[str, Path]) -> None:
    java = (edge_outputs["java"] / "io/example/semconv/EdgeAttributes.java").read_text("utf-8")
    assert "\\u0041" not in java and "*&#47;" in java  # javac reads \u even in comments
    ts = (edge_outputs["typescript"] / "attributes.ts").read_text("utf-8")
    assert "comment end *&#47;" in ts
    go = (edge_outputs["go"] / "incubating/attributes.go").read_text("utf-8")
    assert '"a \\"quote\\" and a \\\\ backslash"' in go


def test_markdown_links_resolve(edge_outputs: dict[str, Path], tmp_path: Path) -> None:
    compile_markdown(edge_outputs["markdown"])
    generate("markdown", EXAMPLE, tmp_path / "md")
    compile_markdown(tmp_path / "md")
    metrics = (tmp_path / "md/metrics/shop.md").read_text("utf-8")
    assert "[`shop.payment.method`](../attributes/shop.md#shop.payment.method)" in metrics
