"""YAML that expands or cannot be held: alias bombs, recursive aliases, deep nesting, huge integers, bad
explicit tags and lone surrogates are positioned diagnostics, in the parser, the CLI and the language
server, and the other files of the registry are still checked."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_cli import weavergen_cli

from weavergen.document import parse
from weavergen.yaml_budget import YamlBudget

GOOD = """groups:
  - id: registry.good
    type: attribute_group
    brief: Good.
    attributes:
      - id: good.a
        type: int
        brief: A.
"""


def alias_bomb(levels: int = 7, width: int = 9) -> str:
    """The classic 'billion laughs': each anchor repeats the previous one `width` times."""
    lines = ["groups:", "  - id: registry.bomb", "    type: attribute_group", "    brief: B."]
    lines.append("    annotations:")
    lines.append(f"      l0: &l0 [{', '.join(['lol'] * width)}]")
    for i in range(1, levels + 1):
        lines.append(f"      l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "alias-bomb": (alias_bomb(), "alias expansion limit exceeded"),
    "recursive-sequence": ("groups: &g [*g]\n", "recursive alias"),
    "recursive-mapping": ("groups:\n  - &m {id: x, type: span, brief: *m}\n", "recursive alias"),
    "deep-nesting": ("groups: " + "[" * 500 + "]" * 500 + "\n", "recursion limit exceeded"),
    "huge-integer": ("groups:\n  - id: x\n    type: span\n    brief: " + "9" * 4301 + "\n", "4,301 digits"),
    "int-tag": ("groups:\n  - id: !!int xyz\n", "for tag `!!int`"),
    "float-tag": ("groups:\n  - id: !!float abc\n", "for tag `!!float`"),
    "bool-tag": ("groups:\n  - id: !!bool maybe\n", "for tag `!!bool`"),
    "lone-surrogate": ("groups:\n  - id: x\ud800\n", "lone UTF-16 surrogate"),
    "nul-byte": ("groups:\n  - id: \u00e9t\u00e9\x00x\n", "unacceptable character #x0000"),
    "escape-char": ("groups:\n  - id: x\n    brief: \u00e9\x1b[31m\n", "unacceptable character #x001b"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_parser_gives_a_positioned_diagnostic(name: str) -> None:
    text, phrase = HOSTILE[name]
    doc = parse(text, "hostile.yaml")
    found = [d for d in doc.diagnostics if phrase in d.message]
    assert found, [d.message for d in doc.diagnostics]
    d = found[0]
    assert d.code == "DeserializationError" and d.is_error and d.range is not None
    lines = text.splitlines()
    assert 0 <= d.range.start.line < len(lines)
    assert f"line {d.range.start.line + 1} column {d.range.start.column + 1}" in d.message
    if name in ("nul-byte", "escape-char"):  # the very character, though libyaml counts UTF-8 bytes
        bad = lines[d.range.start.line][d.range.start.column]
        assert bad in "\x00\x1b"


def test_the_alias_bomb_is_stopped_where_the_aliases_multiply() -> None:
    text = alias_bomb()
    d = parse(text, "bomb.yaml").diagnostics[0]
    line = text.splitlines()[d.range.start.line]
    assert "*l" in line  # an aliasing line, not the file's start


def test_limits_are_settable_and_real_files_fit(fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = alias_bomb(levels=2, width=3)  # 3 + 9 + 27 nodes through aliases
    assert not parse(small, "a.yaml").diagnostics
    assert parse(small, "a.yaml", budget=YamlBudget(max_alias_nodes=10, max_depth=128)).diagnostics
    monkeypatch.setenv("WEAVERGEN_YAML_MAX_ALIAS_NODES", "10")
    assert YamlBudget.current().max_alias_nodes == 10
    assert parse(small, "a.yaml").diagnostics
    monkeypatch.setenv("WEAVERGEN_YAML_MAX_DEPTH", "4")
    assert "recursion limit" in parse("a: [[[[[1]]]]]\n", "a.yaml").diagnostics[0].message
    monkeypatch.setenv("WEAVERGEN_YAML_MAX_DEPTH", "not a number")
    assert YamlBudget.current().max_depth == 128
    monkeypatch.delenv("WEAVERGEN_YAML_MAX_ALIAS_NODES")
    monkeypatch.delenv("WEAVERGEN_YAML_MAX_DEPTH")
    # semconv's own files (anchors in messaging, url and faas) are far inside the default budget
    model = fixtures / "semconv" / "v1.44.0" / "model"
    for path in sorted(model.rglob("*.yaml")):
        assert not parse(path.read_text(encoding="utf-8"), str(path)).diagnostics, path


def test_bad_scalars_keep_the_rest_of_the_file() -> None:
    doc = parse("a: !!int xyz\nb: 1\nc: 18446744073709551616\nd: 18446744073709551615\n", "a.yaml")
    assert doc.data == {"a": "xyz", "b": 1, "c": "18446744073709551616", "d": 18446744073709551615}
    assert [d.range.start.line for d in doc.diagnostics] == [0, 2]


def _cli_check(root: Path, tmp_path: Path) -> list[dict]:
    done = weavergen_cli(
        "registry",
        "check",
        "-r",
        str(root),
        "--diagnostic-format",
        "json",
        cwd=tmp_path,
        env={"WEAVERGEN_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    return [item["diagnostic"] for item in json.loads(done.stderr)]


def test_cli_reports_every_hostile_file_and_still_checks_the_good_one(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    root.mkdir()
    for name, (text, _) in HOSTILE.items():
        (root / f"{name}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    (root / "good.yaml").write_text(GOOD.replace("brief: A.", "brief: A.\n        stability: stable"))
    (root / "other.yaml").write_text(GOOD.replace("registry.good", "registry.other"))
    diags = _cli_check(root, tmp_path)
    assert not [d for d in diags if d["code"] in ("WorkflowTaskFailed", "internal-error")]
    for name, (_, phrase) in HOSTILE.items():
        if name == "lone-surrogate":
            continue  # a file on disk holds bytes: the surrogate's UTF-8 form is not valid UTF-8
        mine = [d for d in diags if d["file"].endswith(f"{name}.yaml") and phrase in d["message"]]
        assert mine and mine[0]["range"] is not None, name
    # the duplicate definition across the two good files is still found
    assert any(d["code"] == "DuplicateAttributeId" for d in diags)


def test_a_file_name_that_is_not_utf8_is_a_diagnostic(tmp_path: Path) -> None:
    """A stranger's checkout may hold names in any bytes: they reach Python as lone surrogates, which
    used to fail the whole run (WorkflowTaskFailed) when hashed or printed."""
    root = tmp_path / "reg"
    root.mkdir()
    (root / "good.yaml").write_text(GOOD.replace("brief: A.", "brief: A.\n        stability: stable"))
    (root / "other.yaml").write_text(GOOD.replace("registry.good", "registry.other"))
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(os.fsencode(root), b"bad\xff.yaml"), "w") as f:
        f.write(GOOD)
    with open(os.path.join(os.fsencode(root), b"policy\xfe.rego"), "w") as f:
        f.write("package before_resolution\nimport rego.v1\ndeny contains x if { false; x := 1 }\n")
    diags = _cli_check(root, tmp_path)
    assert not [d for d in diags if d["code"] in ("WorkflowTaskFailed", "internal-error")]
    named = [d for d in diags if "\ufffd" in (d["file"] or "")]
    assert {d["code"] for d in named} == {"DeserializationError", "InvalidPolicyFile"}
    assert all(d["range"] is not None for d in named)
    assert any(d["code"] == "DuplicateAttributeId" for d in diags)
