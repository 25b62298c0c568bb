"""End-to-end tests of `weavergen registry check`: the real CLI in a subprocess over small registries."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

import weavergen
from weavergen.cli.main import expand_bool_flags
from weavergen.render import summary_line

CLEAN = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - id: shop.order.id
        type: string
        stability: stable
        brief: The order identifier.
        examples: ["o-1"]
"""

# The attribute has no `stability`: weaver warns "Missing stability field." and carries on.
WARNING_ONLY = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - id: shop.order.id
        type: string
        brief: The order identifier.
        examples: ["o-1"]
"""

# The attribute is neither deprecated nor briefed: weaver's `InvalidAttribute` error.
ERROR = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - id: shop.order.id
        type: string
        stability: stable
        examples: ["o-1"]
"""


def make_registry(root: Path, text: str, folder: str = "model") -> Path:
    registry = root / folder
    registry.mkdir(parents=True, exist_ok=True)
    (registry / "registry.yaml").write_text(text, encoding="utf-8")
    return registry


def weavergen_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m weavergen.cli ARGS` in `cwd`, as a user or a CI job would."""
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def stderr_on_a_terminal(*args: str, cwd: Path, env: dict[str, str]) -> str:
    """Run the CLI with stderr attached to a pseudo-terminal and return what it wrote there."""
    controller, terminal = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "weavergen.cli", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    ) as process:
        os.close(terminal)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal reports EIO once the child has closed it
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=120)
    os.close(controller)
    return b"".join(chunks).decode("utf-8", "replace")


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout
    assert "internal error" not in result.stderr + result.stdout


def test_clean_registry_exits_0_with_only_the_summary(tmp_path: Path) -> None:
    make_registry(tmp_path, CLEAN)
    result = weavergen_cli("registry", "check", "-r", "model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == summary_line([])


def test_clean_json_run_prints_nothing_as_weaver(tmp_path: Path) -> None:
    make_registry(tmp_path, CLEAN)
    result = weavergen_cli("registry", "check", "-r", "model", "--diagnostic-format", "json", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_colour_only_on_a_terminal_without_no_color(tmp_path: Path) -> None:
    make_registry(tmp_path, WARNING_ONLY)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    args = ("registry", "check", "-r", "model")
    assert "\x1b[" in stderr_on_a_terminal(*args, cwd=tmp_path, env=env)
    assert "\x1b[" not in stderr_on_a_terminal(*args, cwd=tmp_path, env={**env, "NO_COLOR": "1"})
    command = [sys.executable, "-m", "weavergen.cli", *args]
    piped = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert "warning" in piped.stderr and "\x1b[" not in piped.stderr


def test_quiet_clean_run_prints_nothing(tmp_path: Path) -> None:
    make_registry(tmp_path, CLEAN)
    result = weavergen_cli("--quiet", "registry", "check", "-r", "model", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_warnings_only_exit_0_and_are_shown(tmp_path: Path) -> None:
    make_registry(tmp_path, WARNING_ONLY)
    result = weavergen_cli("registry", "check", "-r", "model", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning" in result.stderr
    assert "registry.yaml" in result.stderr
    assert_no_traceback(result)


def test_an_error_exits_1(tmp_path: Path) -> None:
    make_registry(tmp_path, ERROR)
    result = weavergen_cli("registry", "check", "-r", "model", cwd=tmp_path)
    assert result.returncode == 1
    assert "error" in result.stderr
    assert "registry.yaml" in result.stderr
    assert_no_traceback(result)


@pytest.mark.parametrize(
    "args",
    [
        ("--future", "registry", "check", "-r", "model"),
        ("registry", "check", "-r", "model", "--future"),
    ],
    ids=["global", "after-check"],
)
def test_future_makes_warnings_fail(tmp_path: Path, args: tuple[str, ...]) -> None:
    make_registry(tmp_path, WARNING_ONLY)
    result = weavergen_cli(*args, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "error" in result.stderr


def test_json_parses_and_has_weaver_keys(tmp_path: Path) -> None:
    make_registry(tmp_path, WARNING_ONLY)
    result = weavergen_cli("registry", "check", "-r", "model", "--diagnostic-format", "json", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == ""
    messages = json.loads(result.stderr)
    assert isinstance(messages, list) and messages
    for message in messages:
        assert set(message) >= {"error", "diagnostic"}
        assert {"message", "ansi_message", "severity"} <= set(message["diagnostic"])
    assert {m["diagnostic"]["severity"] for m in messages} == {"Warning"}


def test_json_with_future_reports_errors(tmp_path: Path) -> None:
    make_registry(tmp_path, WARNING_ONLY)
    result = weavergen_cli(
        "--future", "registry", "check", "-r", "model", "--diagnostic-format=json", cwd=tmp_path
    )
    assert result.returncode == 1
    assert {m["diagnostic"]["severity"] for m in json.loads(result.stderr)} == {"Error"}


def test_diagnostic_stdout_moves_the_output(tmp_path: Path) -> None:
    make_registry(tmp_path, ERROR)
    args = ("registry", "check", "-r", "model", "--diagnostic-format", "json")
    result = weavergen_cli(*args, "--diagnostic-stdout", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ""
    assert json.loads(result.stdout)


def test_quiet_keeps_machine_readable_diagnostics(tmp_path: Path) -> None:
    make_registry(tmp_path, ERROR)
    result = weavergen_cli(
        "--quiet",
        "registry",
        "check",
        "-r",
        "model",
        "--diagnostic-format",
        "gh_workflow_command",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert any(line.startswith("::error") for line in result.stderr.splitlines())


def test_sarif_is_a_sarif_log(tmp_path: Path) -> None:
    make_registry(tmp_path, ERROR)
    result = weavergen_cli("registry", "check", "-r", "model", "--diagnostic-format", "sarif", cwd=tmp_path)
    assert result.returncode == 1
    log = json.loads(result.stderr)
    assert log["version"] == "2.1.0"
    assert log["runs"][0]["results"]


def test_missing_registry_path_is_a_clear_error(tmp_path: Path) -> None:
    result = weavergen_cli("registry", "check", "-r", "no-such-folder", cwd=tmp_path)
    assert result.returncode == 1
    assert "no-such-folder" in result.stderr
    assert_no_traceback(result)


def test_no_registry_at_all_says_how_to_give_one(tmp_path: Path) -> None:
    if any((parent / ".weaver.toml").is_file() for parent in tmp_path.parents):
        pytest.skip("a .weaver.toml above the temporary folder would be discovered")
    result = weavergen_cli("registry", "check", cwd=tmp_path)
    assert result.returncode == 1
    assert "-r" in result.stderr and ".weaver.toml" in result.stderr
    assert_no_traceback(result)


def test_weaver_toml_supplies_the_registry(tmp_path: Path) -> None:
    make_registry(tmp_path, ERROR)
    (tmp_path / ".weaver.toml").write_text(
        '[registry]\npath = "model"\n\n[diagnostics]\nformat = "json"\n', encoding="utf-8"
    )
    work = tmp_path / "docs"
    work.mkdir()
    result = weavergen_cli("registry", "check", cwd=work)
    assert result.returncode == 1
    files = {m["diagnostic"].get("file", "") for m in json.loads(result.stderr)}
    assert any(f.endswith("registry.yaml") for f in files)


def test_explicit_false_flag_overrides_the_toml(tmp_path: Path) -> None:
    make_registry(tmp_path, ERROR)
    (tmp_path / ".weaver.toml").write_text(
        '[registry]\npath = "model"\n\n[diagnostics]\nstdout = true\n', encoding="utf-8"
    )
    from_toml = weavergen_cli("registry", "check", cwd=tmp_path)
    assert from_toml.stdout and not from_toml.stderr
    overridden = weavergen_cli("registry", "check", "--diagnostic-stdout=false", cwd=tmp_path)
    assert overridden.stderr and not overridden.stdout
    assert overridden.returncode == from_toml.returncode == 1


def test_malformed_toml_is_reported_with_its_position(tmp_path: Path) -> None:
    make_registry(tmp_path, CLEAN)
    (tmp_path / ".weaver.toml").write_text('[registry]\npath = "model"\nv2 = tru\n', encoding="utf-8")
    result = weavergen_cli("registry", "check", cwd=tmp_path)
    assert result.returncode == 1
    assert f"{tmp_path / '.weaver.toml'}:3:6:" in result.stderr
    assert_no_traceback(result)


def test_unknown_format_suggests_a_known_one(tmp_path: Path) -> None:
    make_registry(tmp_path, CLEAN)
    result = weavergen_cli("registry", "check", "-r", "model", "--diagnostic-format", "jsn", cwd=tmp_path)
    assert result.returncode == 1
    assert "'json'" in result.stderr
    assert_no_traceback(result)


def test_bad_boolean_value_is_a_usage_error(tmp_path: Path) -> None:
    result = weavergen_cli("registry", "check", "-r", "model", "--v2=maybe", cwd=tmp_path)
    assert result.returncode == 2
    assert "--v2=false" in result.stderr
    assert_no_traceback(result)


def test_version(tmp_path: Path) -> None:
    result = weavergen_cli("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, f"weavergen {weavergen.__version__}")


def test_help_imports_no_heavy_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "weavergen.cli", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "registry" in result.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()}
    assert "typer" in imported
    assert not imported & {"pydantic", "rich", "regorus", "yaml"}


def test_expand_bool_flags_rewrites_only_weaver_booleans() -> None:
    args = ["--v2=false", "-s=true", "--skip-policies", "-r", "x=false", "--", "--v2=false"]
    assert expand_bool_flags(args) == [
        "--no-v2",
        "-s",
        "--skip-policies",
        "-r",
        "x=false",
        "--",
        "--v2=false",
    ]
