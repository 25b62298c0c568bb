"""weaver's argument forms: `--flag true` booleans, global options after the subcommand, and the flags
every command of weaver's `cli-usage.md` takes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import WARNING_ONLY

from weavergen.cli.main import app, expand_bool_flags, hoist_global_options

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "registry"
CLI = [sys.executable, "-m", "weavergen.cli"]


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False, cwd=cwd)


def test_a_boolean_flag_takes_its_value_as_the_next_argument() -> None:
    args = ["--diagnostic-stdout", "true", "--v2", "false", "--dry-run", "true", "docs", "-s", "x"]
    assert expand_bool_flags(args) == ["--diagnostic-stdout", "--no-v2", "--dry-run", "docs", "-s", "x"]


def test_global_options_after_the_subcommand_move_before_it() -> None:
    assert hoist_global_options(["registry", "emit", "--quiet", "-r", "m", "--debug"]) == [
        "--quiet",
        "--debug",
        "registry",
        "emit",
        "-r",
        "m",
    ]
    assert hoist_global_options(["registry", "stats", "--config", "w.toml", "-r", "m"]) == [
        "--config",
        "w.toml",
        "registry",
        "stats",
        "-r",
        "m",
    ]
    # `registry generate --config` is weaver.yaml, `registry check --future` its own option: both stay.
    assert hoist_global_options(["registry", "generate", "--config", "w.yaml"])[:2] == [
        "registry",
        "generate",
    ]
    assert hoist_global_options(["registry", "check", "--future"]) == ["registry", "check", "--future"]
    assert hoist_global_options(["registry", "check", "--", "--quiet"]) == [
        "registry",
        "check",
        "--",
        "--quiet",
    ]


def test_diagnostic_stdout_true_as_two_arguments(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "shop.yaml").write_text(WARNING_ONLY, encoding="utf-8")
    result = _run(
        "registry", "check", "-r", str(model), "--diagnostic-format", "json", "--diagnostic-stdout", "true"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    codes = [next(iter(item["error"])) for item in json.loads(result.stdout)]
    assert "InvalidAttributeWarning" in codes


def test_emit_quiet_and_stdout_true() -> None:
    result = _run("registry", "emit", "--quiet", "-r", str(EXAMPLE), "--stdout", "true")
    assert result.returncode == 0, result.stderr
    assert '"name": "shop.checkout.submit"' in result.stdout


def test_search_accepts_v2() -> None:
    result = _run("registry", "search", "--v2", "-r", str(EXAMPLE), "shop.order", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert any(hit["id"].startswith("shop.order") for hit in json.loads(result.stdout))


def _weaver_flags(fixtures: Path) -> dict[str, set[str]]:
    """Every option of every weaver command, from weaver's generated `cli-usage.md`."""
    text = (fixtures / "weaver" / "cli-usage.md").read_text(encoding="utf-8")
    sections = re.split(r"^## `(.+?)`\n", text, flags=re.M)
    out: dict[str, set[str]] = {}
    for name, body in zip(sections[1::2], sections[2::2], strict=True):
        flags: set[str] = set()
        for line in re.findall(r"^\* (`-[^`]+`(?:, `[^`]+`)*)", body, flags=re.M):
            flags.update(re.findall(r"`(-[^` ]+)", line))
        out[name] = flags
    return out


def _missing_in_docs() -> set[tuple[str, str]]:
    """The (command, flag) pairs docs/commands.md declares as not supported."""
    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    block = text.split("## Weaver options not supported", 1)[1]
    return set(re.findall(r"^\| `(weaver [^`]+)` \| `([^`]+)` \|", block, flags=re.M))


def test_every_weaver_flag_is_accepted_or_listed_as_missing(fixtures: Path) -> None:
    import typer.main

    root = typer.main.get_command(app)
    listed = _missing_in_docs()
    unlisted: list[tuple[str, str]] = []
    for name, flags in _weaver_flags(fixtures).items():
        command = root
        for part in name.split()[1:]:
            commands = getattr(command, "commands", {})
            if part not in commands:
                command = None
                break
            command = commands[part]
        if command is None:
            if (name, "*") not in listed:
                unlisted.append((name, "*"))
            continue
        ours = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        if name != "weaver":
            ours |= {o for p in root.params for o in (*p.opts, *p.secondary_opts)}  # global options
        unlisted.extend((name, f) for f in sorted(flags - ours) if (name, f) not in listed)
    assert unlisted == []


@pytest.mark.parametrize("flag", ["--quiet", "--future", "--debug", "--allow-git-credentials"])
def test_global_flags_after_check(tmp_path: Path, flag: str) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "shop.yaml").write_text(WARNING_ONLY, encoding="utf-8")
    result = _run("registry", "check", "-r", str(model), flag)
    assert result.returncode == (1 if flag == "--future" else 0), result.stderr


def test_diagnostic_templates_render_the_diagnostics(fixtures: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "shop.yaml").write_text(WARNING_ONLY, encoding="utf-8")
    # weaver-packages' json template: weaver's DiagnosticMessage list without `ansi_message`, compact.
    packages = fixtures / "weaver-packages" / "diagnostic_templates"
    result = _run("registry", "check", "-r", str(model), "--diagnostic-format", "json",
                  "--diagnostic-template", str(packages))  # fmt: skip
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(result.stderr)
    assert "ansi_message" not in item["diagnostic"]
    assert item["error"]["InvalidAttributeWarning"]["attribute_id"] == "shop.order.id"
    assert "\n" not in result.stderr.strip()
    # A format of the user's own, found as the default `diagnostic_templates/<format>` folder.
    folder = tmp_path / "diagnostic_templates" / "short"
    folder.mkdir(parents=True)
    config = "templates:\n  - template: list.txt.j2\n    filter: .\n    application_mode: single\n"
    (folder / "weaver.yaml").write_text(config, encoding="utf-8")
    template = "{% for d in ctx %}{{ d.diagnostic.code }} {{ d.diagnostic.severity }}\n{% endfor %}"
    (folder / "list.txt.j2").write_text(template, encoding="utf-8")
    result = _run("registry", "check", "-r", "model", "--diagnostic-format", "short", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "InvalidAttributeWarning Warning"
    unknown = _run("registry", "check", "-r", "model", "--diagnostic-format", "shorter", cwd=tmp_path)
    assert unknown.returncode == 1 and "unknown diagnostic format 'shorter'" in unknown.stderr
