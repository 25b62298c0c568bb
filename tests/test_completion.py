"""Shell completion: the scripts `weavergen completion <shell>` and `--show-completion` print are valid for
their shell, and sourcing them really completes weavergen's command tree (bash and fish run the completion
function; zsh answers the completion protocol its script evals)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
WEAVERGEN = str(BIN / "weavergen")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _weavergen(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WEAVERGEN, *args], capture_output=True, text=True, env=_env(**env), timeout=60, check=False
    )


def _shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")
    return found


def _bash_complete(script: Path, *words: str) -> list[str]:
    """COMPREPLY of the script's completion function for `words` (the cursor on the last word)."""
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"source {script}; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
        '_weavergen_completion weavergen; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        [_shell("bash"), "-c", program], capture_output=True, text=True, env=_env(), timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def _commands_starting(prefix: str) -> list[str]:
    """The visible top-level commands of weavergen's own command tree that start with `prefix`."""
    import typer

    from weavergen.cli.main import app

    group: Any = typer.main.get_command(app)
    ctx = typer.Context(group)
    names = [n for n in group.list_commands(ctx) if n.startswith(prefix)]
    return sorted(n for n in names if not getattr(group.get_command(ctx, n), "hidden", False))


def test_bash_script_is_valid_and_completes_commands_options_and_values(tmp_path: Path) -> None:
    made = _weavergen("completion", "bash")
    assert made.returncode == 0, made.stderr
    script = tmp_path / "weavergen.bash"
    script.write_text(made.stdout)
    checked = subprocess.run([_shell("bash"), "-n", str(script)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert sorted(_bash_complete(script, "weavergen", "reg")) == _commands_starting("reg")
    assert _bash_complete(script, "weavergen", "registry", "live") == ["live-check"]
    assert "--diagnostic-format" in _bash_complete(script, "weavergen", "registry", "check", "--diag")
    assert _bash_complete(script, "weavergen", "completion", "") == ["bash", "zsh", "fish", "powershell"]


def test_show_completion_prints_the_same_script_as_the_completion_command() -> None:
    for shell in ("bash", "zsh", "fish", "powershell"):
        shown = _weavergen("--show-completion", shell, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == _weavergen("completion", shell).stdout


def test_zsh_script_is_valid_and_the_protocol_completes_subcommands(tmp_path: Path) -> None:
    zsh = _shell("zsh")
    script = tmp_path / "_weavergen"
    script.write_text(_weavergen("completion", "zsh").stdout)
    checked = subprocess.run([zsh, "-n", str(script)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    loaded = subprocess.run(
        [zsh, "-c", f"autoload -U compinit; compinit -u; source {script}; whence -w _weavergen_completion"],
        capture_output=True,
        text=True,
        env=_env(HOME=str(tmp_path)),
        check=False,
    )
    assert loaded.stdout.strip() == "_weavergen_completion: function", loaded.stderr
    # what the script's function evals: an `_arguments` call naming the matching subcommands
    answer = _weavergen(_TYPER_COMPLETE_ARGS="weavergen registry ch", _WEAVERGEN_COMPLETE="complete_zsh")
    assert answer.stdout.startswith("_arguments")
    assert '"check":"Validates a semantic convention registry."' in answer.stdout


def test_fish_script_is_valid_and_completes_commands(tmp_path: Path) -> None:
    fish = _shell("fish")
    script = tmp_path / "weavergen.fish"
    script.write_text(_weavergen("completion", "fish").stdout)
    checked = subprocess.run([fish, "--no-execute", str(script)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    done = subprocess.run(
        [fish, "--no-config", "-c", f"source {script}; complete -C 'weavergen registry li'"],
        capture_output=True,
        text=True,
        env=_env(HOME=str(tmp_path)),
        timeout=60,
        check=False,
    )
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == ["live-check"], done.stderr


def test_install_completion_writes_into_the_users_shell_setup(tmp_path: Path) -> None:
    installed = _weavergen(
        "--install-completion", "bash", HOME=str(tmp_path), _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"
    )
    assert installed.returncode == 0, installed.stderr
    script = tmp_path / ".bash_completions" / "weavergen.sh"
    assert script.read_text().strip() == _weavergen("completion", "bash").stdout.strip()
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()


def test_an_unknown_shell_is_a_usage_error_naming_the_shells() -> None:
    done = _weavergen("completion", "elvish")
    assert done.returncode == 2
    assert "bash, zsh, fish, powershell" in done.stderr and "Traceback" not in done.stderr
