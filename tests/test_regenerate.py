"""Regeneration: the lock file `registry generate` writes, drift causes and scores, `--check` exit codes,
and applying fresh outputs without losing hand edits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from weavergen.regenerate import LOCK_NAME, measure, read_lock, stale_generations

GROUP = """\
  - id: registry.{name}
    type: attribute_group
    brief: {name} attributes.
    attributes:
      - {{id: {name}.id, type: string, stability: stable, brief: The id., examples: ["x"]}}
"""
WEAVER_YAML = """\
templates:
  - template: attrs.txt.j2
    filter: .
    application_mode: single
  - template: group.md.j2
    filter: .groups
    application_mode: each
    file_name: "{{ctx.id}}.md"
"""
ATTRS = "{% for g in ctx.groups %}{% for a in g.attributes %}{{ a.name }}\n{% endfor %}{% endfor %}"
GROUP_MD = "# {{ ctx.id }}\n\n{{ ctx.brief }}\n"


def write_registry(root: Path, *names: str) -> None:
    """The registry `root/model` with one attribute group per name."""
    (root / "model").mkdir(exist_ok=True)
    text = "groups:\n" + "".join(GROUP.format(name=n) for n in names)
    (root / "model" / "shop.yaml").write_text(text, encoding="utf-8")


def project(tmp_path: Path) -> Path:
    """A project with a registry (groups a and b) and a template target `t`."""
    write_registry(tmp_path, "a", "b")
    target = tmp_path / "templates" / "t"
    target.mkdir(parents=True)
    (target / "weaver.yaml").write_text(WEAVER_YAML, encoding="utf-8")
    (target / "attrs.txt.j2").write_text(ATTRS, encoding="utf-8")
    (target / "group.md.j2").write_text(GROUP_MD, encoding="utf-8")
    return tmp_path


def cli(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `python -m weavergen.cli ARGS` in `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def generate(root: Path) -> None:
    """`registry generate t gen` with relative paths, as a user would type it."""
    result = cli("registry", "generate", "t", "gen", "-r", "model", "-t", "templates", cwd=root)
    assert result.returncode == 0, result.stderr


def causes(root: Path) -> dict[str, str]:
    """Drifted outputs of the project's one generation, path -> cause (measured in-process)."""
    [drift] = measure(root / LOCK_NAME, parallel=False)
    assert not drift.failed, [d.message for d in drift.diagnostics]
    return {f.path: f.cause for f in drift.files}


def test_generate_records_a_lock_beside_the_output(tmp_path: Path) -> None:
    root = project(tmp_path)
    generate(root)
    assert not (root / "gen" / LOCK_NAME).exists()  # OUTPUT holds only generated files
    lock = read_lock(root / LOCK_NAME)
    [entry] = lock["generations"].values()
    assert entry["output"] == "gen" and entry["targets"] == ["t"]
    assert entry["settings"]["registry"] == "model" and entry["settings"]["templates"] == "templates"
    on_disk = {p.relative_to(root / "gen").as_posix() for p in (root / "gen").rglob("*") if p.is_file()}
    assert set(entry["outputs"]) == on_disk == {"attrs.txt", "registry.a.md", "registry.b.md"}
    assert set(entry["inputs"]) == {"registry", "dependencies", "templates", "params"}

    in_sync = cli("regenerate", "--check", cwd=root)
    assert in_sync.returncode == 0, in_sync.stderr
    assert "entropy 0.000, in sync" in in_sync.stdout


def test_hand_edit_is_drift_and_kept_unless_forced(tmp_path: Path) -> None:
    root = project(tmp_path)
    generate(root)
    edited = root / "gen" / "registry.a.md"
    edited.write_text("# my own notes\n", encoding="utf-8")
    assert causes(root) == {"registry.a.md": "hand-edited"}

    check = cli("regenerate", "--check", cwd=root)
    assert check.returncode == 1
    assert "entropy 0.333" in check.stdout and "1 edited by hand: registry.a.md" in check.stdout

    declined = cli("regenerate", cwd=root, stdin="n\n")
    assert declined.returncode == 1 and edited.read_text(encoding="utf-8") == "# my own notes\n"
    kept = cli("regenerate", "--auto-confirm", cwd=root)
    assert kept.returncode == 0, kept.stderr
    assert "kept (registry.a.md)" in kept.stdout and edited.read_text(encoding="utf-8") == "# my own notes\n"
    forced = cli("regenerate", "--auto-confirm", "--force", cwd=root)
    assert forced.returncode == 0, forced.stderr
    assert "-# my own notes" in forced.stdout  # the diff shown before applying
    assert edited.read_text(encoding="utf-8") == "# registry.a\n\na attributes."  # as generated
    assert cli("regenerate", "--check", cwd=root).returncode == 0


def test_template_change_makes_outputs_stale_until_regenerated(tmp_path: Path) -> None:
    root = project(tmp_path)
    generate(root)
    (root / "templates" / "t" / "group.md.j2").write_text("## {{ ctx.id }}\n", encoding="utf-8")
    assert causes(root) == {"registry.a.md": "stale", "registry.b.md": "stale"}
    report = json.loads(cli("regenerate", "--check", "--format", "json", cwd=root).stdout)
    assert report[0]["inputs_changed"] == ["templates changed"]
    assert report[0]["score"] == round(2 / 3, 4)
    applied = cli("regenerate", "-y", cwd=root)
    assert applied.returncode == 0, applied.stderr
    assert (root / "gen" / "registry.b.md").read_text(encoding="utf-8") == "## registry.b"
    assert causes(root) == {}


def test_registry_change_and_orphans(tmp_path: Path) -> None:
    root = project(tmp_path)
    generate(root)
    write_registry(root, "a", "c")  # b is gone, c is new
    drift = causes(root)
    assert drift == {"attrs.txt": "stale", "registry.b.md": "orphaned", "registry.c.md": "new"}
    [measured] = measure(root / LOCK_NAME, parallel=False)
    assert measured.inputs_changed == ["registry changed"]
    assert measured.score == round(3 / 4, 4)

    (root / "notes.md").write_text("not generated\n", encoding="utf-8")
    applied = cli("regenerate", "-y", cwd=root)
    assert applied.returncode == 0, applied.stderr
    assert not (root / "gen" / "registry.b.md").exists()
    assert (root / "gen" / "attrs.txt").read_text(encoding="utf-8") == "a.id\nc.id\n"
    assert (root / "notes.md").exists()  # never touch what the generator did not write
    assert cli("regenerate", "--check", cwd=root).returncode == 0

    write_registry(root, "a")
    (root / "gen" / "registry.c.md").write_text("edited orphan\n", encoding="utf-8")
    kept = cli("regenerate", "-y", cwd=root)
    assert kept.returncode == 0 and (root / "gen" / "registry.c.md").read_text() == "edited orphan\n"


def test_broken_registry_and_missing_lock_exit_1_without_traceback(tmp_path: Path) -> None:
    root = project(tmp_path)
    nothing = cli("regenerate", "--check", cwd=root)
    assert nothing.returncode == 1 and "no `.weavergen-lock.json` found" in nothing.stderr
    generate(root)
    (root / "model" / "shop.yaml").write_text("groups:\n  - id: [broken\n", encoding="utf-8")
    broken = cli("regenerate", "--check", cwd=root)
    assert broken.returncode == 1
    assert "regeneration failed" in broken.stdout and "Traceback" not in broken.stderr
    assert (root / "gen" / "attrs.txt").read_text(encoding="utf-8") == "a.id\nb.id\n"


def test_the_editor_check_flags_stale_generations_without_rendering(tmp_path: Path) -> None:
    root = project(tmp_path)
    generate(root)
    model = (root / "model").resolve()
    shop = model / "shop.yaml"
    texts = [(str(shop), shop.read_text(encoding="utf-8"))]
    assert stale_generations(model, texts, [root]) == []
    edited = [(str(shop), texts[0][1].replace("a attributes.", "A attributes."))]  # an unsaved edit
    [stale] = stale_generations(model, edited, [root])
    assert stale.causes == ["the registry changed"] and stale.output_dir == root / "gen"
    (root / "gen" / "attrs.txt").write_text("mine\n", encoding="utf-8")
    (root / "templates" / "t" / "attrs.txt.j2").write_text("x", encoding="utf-8")
    [stale] = stale_generations(model, texts, [root])
    assert stale.causes == ["the templates changed", "1 output(s) edited by hand"]
    assert stale_generations(tmp_path / "elsewhere", texts, [root]) == []


def test_a_lock_that_cannot_be_written_is_a_warning_not_a_failed_generation(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / LOCK_NAME).mkdir()  # something in the way of the lock file
    result = cli("registry", "generate", "t", "gen", "-r", "model", "-t", "templates", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "LockWriteFailed" in result.stderr and "Traceback" not in result.stderr
    assert (root / "gen" / "attrs.txt").read_text(encoding="utf-8") == "a.id\nb.id\n"


def test_each_target_of_a_multi_target_generation_gets_its_own_score(tmp_path: Path) -> None:
    from weavergen.forge import GenerateOptions
    from weavergen.workflow_commands import run_generate

    root = project(tmp_path)
    shutil.copytree(root / "templates" / "t", root / "templates" / "u")
    options = GenerateOptions(
        registry=str(root / "model"), target="t", output=str(root / "gen"), templates=str(root / "templates")
    )
    report, _ = run_generate(options, ["t", "u"], parallel=False)
    assert not [d for d in report.diagnostics if d.is_error]
    (root / "gen" / "u" / "attrs.txt").write_text("mine\n", encoding="utf-8")
    [drift] = measure(root / LOCK_NAME, parallel=False)
    assert drift.targets == ["t", "u"] and drift.outputs == 6
    assert drift.target_scores() == {"t": 0.0, "u": round(1 / 3, 4)}
    assert drift.score == round(1 / 6, 4)
    shown = cli("regenerate", "--check", cwd=root)
    assert shown.returncode == 1 and "  target u: entropy 0.333" in shown.stdout
