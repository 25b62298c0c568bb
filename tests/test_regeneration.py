"""`weavergen regeneration`: systems recorded by `generate --system`, the DMEDI phases, the BPMN cycle, and
the end-to-end path from a hand edit and a registry change to entropy 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_regenerate import cli

from weavergen.lockfile import LOCK_NAME, read_lock
from weavergen.regeneration import develop, implement, measure_system, staging_dir
from weavergen.regeneration_ops import Cycle, run_cycle
from weavergen.systems import find_system
from weavergen.telemetry import TASK_ID

REGISTRY = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - {id: shop.id, type: string, stability: stable, brief: The id., examples: ["x"]}
      - {id: shop.name, type: string, stability: development, brief: The name., examples: ["x"]}
"""
STABLE = "gen/semconv/attributes/shop_attributes.py"
INCUBATING = "gen/semconv/_incubating/attributes/shop_attributes.py"


def project(tmp_path: Path, *, system: str = "api") -> Path:
    """A registry `model` generated with the built-in python target into `gen` as system `system`."""
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "shop.yaml").write_text(REGISTRY, encoding="utf-8")
    done = cli("generate", "python", "-r", "model", "-o", "gen", "--system", system, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


def hand_edit_and_registry_change(root: Path) -> None:
    """A note appended to the stable module; the incubating attribute's brief changed in the registry."""
    with (root / STABLE).open("a", encoding="utf-8") as handle:
        handle.write("# kept by hand\n")
    text = (root / "model" / "shop.yaml").read_text(encoding="utf-8")
    (root / "model" / "shop.yaml").write_text(text.replace("The name.", "The shop's name."), encoding="utf-8")


def test_the_cycle_takes_a_hand_edit_and_a_registry_change_to_entropy_0(tmp_path: Path) -> None:
    root = project(tmp_path)
    [entry] = read_lock(root / LOCK_NAME)["generations"].values()
    assert entry["system"] == "api" and entry["settings"]["templates"] == "weavergen:targets"
    assert cli("regeneration", "status", cwd=root).returncode == 0
    hand_edit_and_registry_change(root)
    before = {p: (root / p).read_bytes() for p in (STABLE, INCUBATING)}

    status = cli("regeneration", "status", cwd=root)
    assert status.returncode == 1 and "api" in status.stdout and "2 of 8 outputs out of sync" in status.stdout
    measured = cli("regeneration", "measure", "api", cwd=root)
    assert measured.returncode == 1
    assert "entropy 0.250" in measured.stdout
    assert "1 stale (registry changed): semconv/_incubating/attributes/shop_attributes.py" in measured.stdout
    assert "1 edited by hand: semconv/attributes/shop_attributes.py" in measured.stdout
    explored = json.loads(cli("regeneration", "explore", "api", "--format", "json", cwd=root).stdout)
    options = {e["path"]: [(o["name"], o["default"]) for o in e["options"]] for e in explored}
    assert options == {
        "semconv/_incubating/attributes/shop_attributes.py": [("write", True)],
        "semconv/attributes/shop_attributes.py": [("keep", True), ("write", False)],
    }
    assert "+The shop's name." in explored[0]["options"][0]["diff"]

    developed = cli("regeneration", "develop", "api", cwd=root)
    assert developed.returncode == 0, developed.stderr
    assert "+The shop's name." in developed.stdout and "# kept:" in developed.stdout
    assert {p: (root / p).read_bytes() for p in before} == before  # nothing changed in place
    assert (root / ".weavergen-staging" / "api" / "plan.json").is_file()

    declined = cli("regeneration", "auto", "api", cwd=root, stdin="n\n")
    assert declined.returncode == 1 and "Implement these changes?" in declined.stderr
    assert {p: (root / p).read_bytes() for p in before} == before

    auto = cli("regeneration", "auto", "api", "--auto-confirm", cwd=root)
    assert auto.returncode == 0, auto.stderr
    phases = [line[3:] for line in auto.stdout.splitlines() if line.startswith("== ")]
    assert phases == ["define", "measure", "explore", "develop", "implement"]
    assert "1 written, 0 deleted, 1 kept (semconv/attributes/shop_attributes.py)" in auto.stdout
    assert auto.stdout.rstrip().endswith("entropy 0.000, in sync")
    assert "The shop's name." in (root / INCUBATING).read_text(encoding="utf-8")
    assert (root / STABLE).read_text(encoding="utf-8").endswith("# kept by hand\n")  # the hand edit stays
    assert not (root / ".weavergen-staging").exists()
    assert cli("regeneration", "status", cwd=root).returncode == 0
    assert cli("regenerate", "--check", cwd=root).returncode == 0  # the alias agrees

    forced = cli("regeneration", "implement", "api", "--force", cwd=root)
    assert forced.returncode == 0, forced.stderr
    assert "# kept by hand" not in (root / STABLE).read_text(encoding="utf-8")


def test_the_bpmn_cycle_has_one_span_per_phase_and_asks_before_implementing(tmp_path: Path) -> None:
    root = project(tmp_path)
    hand_edit_and_registry_change(root)
    system, problem = find_system("api", [root])
    assert system is not None, problem
    asked: list[float] = []
    reports: list[str] = []

    def no(drift: object) -> bool:
        asked.append(getattr(drift, "score", -1.0))
        return False

    cycle = Cycle(system, report=lambda phase, _text: reports.append(phase), confirm=no, parallel=False)
    run = run_cycle(cycle)
    assert not run.failed and run.end_events == ["declined"] and asked == [0.25]
    tasks = [s.attributes.get(TASK_ID) for s in run.spans]
    assert [t for t in tasks if t in ("define", "measure", "explore", "develop", "confirm", "implement")] == [
        "define",
        "measure",
        "explore",
        "develop",
        "confirm",
    ]
    system, _ = find_system("api", [root])
    assert system is not None
    cycle = Cycle(system, auto_confirm=True, parallel=False)
    run = run_cycle(cycle)
    assert run.end_events == ["done"] and cycle.entropy_after == 0
    assert [s.attributes.get(TASK_ID) for s in run.spans].count("implement") == 1
    run = run_cycle(Cycle(system, auto_confirm=True, parallel=False))
    assert run.end_events == ["in_sync"]  # nothing drifted: the cycle stops after measuring


def test_implement_is_all_or_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    text = (root / "model" / "shop.yaml").read_text(encoding="utf-8")
    (root / "model" / "shop.yaml").write_text(text.replace("The", "A"), encoding="utf-8")  # both modules
    system, _ = find_system("api", [root])
    assert system is not None
    drift = measure_system(system, parallel=False)
    assert sorted(f.cause for f in drift.files) == ["stale", "stale"]
    develop(system, drift)
    (root / STABLE).write_text("typed after develop\n", encoding="utf-8")
    incubating = (root / INCUBATING).read_bytes()
    done = implement(system, parallel=False)
    assert done.result.written == [] and [d.code for d in done.result.diagnostics] == [
        "OutputChangedDuringRegenerate"
    ]
    assert (root / INCUBATING).read_bytes() == incubating  # the other file was not written either
    assert (root / STABLE).read_text(encoding="utf-8") == "typed after develop\n"
    assert staging_dir(system).is_dir()  # the staged set waits for a new develop


def test_labels_are_unique_and_systems_can_be_forgotten(tmp_path: Path) -> None:
    root = project(tmp_path, system="api")
    for out in ("docs", "docs2"):
        made = cli("generate", "markdown", "-r", "model", "-o", out, cwd=root)
        assert made.returncode == 0, made.stderr
    labels = {e["output"]: e["system"] for e in read_lock(root / LOCK_NAME)["generations"].values()}
    assert labels == {"gen": "api", "docs": "markdown", "docs2": "markdown-2"}

    taken = cli("generate", "markdown", "-r", "model", "-o", "docs3", "--system", "api", cwd=root)
    assert taken.returncode == 2 and "SystemLabelTaken" in taken.stderr
    assert not (root / "docs3").exists()
    malformed = cli("generate", "markdown", "-r", "model", "-o", "docs3", "--system", "my docs", cwd=root)
    assert malformed.returncode == 2 and "InvalidSystemLabel" in malformed.stderr
    assert not (root / "docs3").exists()
    unknown = cli("regeneration", "measure", "nope", cwd=root)
    assert unknown.returncode == 2 and "No system `nope`" in unknown.stderr and "markdown-2" in unknown.stderr

    forgot = cli("regeneration", "forget", "markdown-2", cwd=root)
    assert forgot.returncode == 0, forgot.stderr
    assert (root / "docs2").is_dir()  # its files stay
    assert "markdown-2" not in cli("regeneration", "status", cwd=root).stdout


def test_define_records_a_system_that_implement_then_generates(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "shop.yaml").write_text(REGISTRY, encoding="utf-8")
    defined = cli(
        "regeneration", "define", "web", "--target", "markdown", "-r", "model", "-o", "site", cwd=tmp_path
    )
    assert defined.returncode == 0, defined.stderr
    assert "system web" in defined.stdout and "templates: weavergen:targets" in defined.stdout
    measured = cli("regeneration", "measure", "web", "--format", "json", cwd=tmp_path)
    report = json.loads(measured.stdout)
    assert (
        measured.returncode == 1
        and report["score"] == 1.0
        and {f["cause"] for f in report["files"]} == {"new"}
    )
    done = cli("regeneration", "implement", "web", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "entropy 0.000, in sync" in done.stdout and any((tmp_path / "site").rglob("*.md"))


def test_the_lock_and_the_staging_stay_untrusted(tmp_path: Path) -> None:
    root = project(tmp_path)
    hand_edit_and_registry_change(root)
    system, _ = find_system("api", [root])
    assert system is not None
    develop(system, measure_system(system, parallel=False))
    plan_path = staging_dir(system) / "plan.json"
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    plan["fresh"] = {"../../escape.txt": plan["fresh"][next(iter(plan["fresh"]))]}
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    done = implement(system, parallel=False)
    assert [d.code for d in done.result.diagnostics] == ["StagingOutOfDate"] and done.result.written == []
    assert not (tmp_path.parent / "escape.txt").exists()

    lock = json.loads((root / LOCK_NAME).read_text(encoding="utf-8"))
    [entry] = lock["generations"].values()
    entry["kept"] = {"../../victim": {"disk": "x", "fresh": "y"}}
    entry["system"] = "api; rm -rf /"
    (root / LOCK_NAME).write_text(json.dumps(lock), encoding="utf-8")
    status = cli("regeneration", "status", "--format", "json", cwd=root)
    [row] = json.loads(status.stdout)
    assert status.returncode == 1 and row["entropy"] == 1.0
    assert "which is not a label" in row["state"] and "climbs out with `..`" in row["state"]


def test_a_set_that_fails_midway_is_put_back(tmp_path: Path) -> None:
    from weavergen.output import OutputError, commit_set

    (tmp_path / "a.txt").write_text("old a\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "inside.txt").write_text("inside\n", encoding="utf-8")
    writes: list[tuple[Path, str | bytes]] = [
        (tmp_path / "a.txt", "new a\n"),
        (tmp_path / "b.txt", "new b\n"),
    ]
    with pytest.raises(OutputError):
        commit_set(writes, [tmp_path / "folder"])  # deleting a folder fails after both writes landed
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "old a\n"
    assert not (tmp_path / "b.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "folder"]  # no staged file or backup left
    commit_set(writes, [])
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "new b\n"
