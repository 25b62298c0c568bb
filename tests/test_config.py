"""Tests for `.weaver.toml`: discovery, validation with positions, and layering defaults → toml → CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from weavergen.config import (
    CONFIG_FILENAME,
    CheckOverrides,
    ConfigError,
    ProjectConfig,
    discover,
    load,
    load_project_config,
    resolve_check_settings,
)

FULL_TOML = """\
[registry]
path = "model"
v2 = true
follow_symlinks = true
include_unreferenced = true

[policy]
paths = ["policies", "/abs/extra.rego"]
skip = true

[diagnostics]
format = "json"
stdout = true
"""


def write_toml(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_FILENAME
    path.write_text(text, encoding="utf-8")
    return path


def position_of(text: str, needle: str) -> tuple[int, int]:
    """One-based line and column of the first `needle` in `text`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in the text")


def test_discovery_walks_up_from_the_working_directory(tmp_path: Path) -> None:
    toml = write_toml(tmp_path, '[registry]\npath = "model"\n')
    nested = tmp_path / "a" / "b" / "c"
    nested.mkdir(parents=True)
    assert discover(nested) == toml
    config = load_project_config(None, nested)
    assert config.path == toml
    # A relative path in the file is relative to the file, not to where the command runs.
    settings = resolve_check_settings(config, CheckOverrides())
    assert settings.options.registry == str(tmp_path / "model")


def test_the_nearest_file_wins(tmp_path: Path) -> None:
    write_toml(tmp_path, '[registry]\npath = "outer"\n')
    inner = write_toml(tmp_path / "project", '[registry]\npath = "inner"\n')
    work = tmp_path / "project" / "src"
    work.mkdir()
    config = load_project_config(None, work)
    assert config.path == inner
    assert resolve_check_settings(config, CheckOverrides()).options.registry == str(inner.parent / "inner")


def test_no_file_gives_an_empty_configuration(tmp_path: Path) -> None:
    if any((parent / CONFIG_FILENAME).is_file() for parent in tmp_path.parents):
        pytest.skip("a .weaver.toml above the temporary folder would be discovered")
    config = load_project_config(None, tmp_path)
    assert config.path is None
    settings = resolve_check_settings(config, CheckOverrides(registry="reg"))
    assert settings.options.registry == "reg"
    assert settings.diagnostic_format == "ansi"
    assert not settings.diagnostic_stdout
    assert not any((settings.options.v2, settings.options.skip_policies, settings.options.follow_symlinks))


def test_explicit_config_skips_discovery(tmp_path: Path) -> None:
    write_toml(tmp_path / "work", '[registry]\npath = "discovered"\n')
    chosen = tmp_path / "elsewhere" / "ci.toml"
    chosen.parent.mkdir()
    chosen.write_text('[registry]\npath = "chosen"\n', encoding="utf-8")
    config = load_project_config(Path("../elsewhere/ci.toml"), tmp_path / "work")
    assert config.path == tmp_path / "work" / "../elsewhere/ci.toml"
    registry = resolve_check_settings(config, CheckOverrides()).options.registry
    assert registry == str(tmp_path / "elsewhere" / "chosen")


def test_explicit_config_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_project_config(Path("missing.toml"), tmp_path)
    assert "missing.toml" in str(caught.value)
    assert caught.value.help is not None


def test_toml_values_apply_when_the_cli_says_nothing(tmp_path: Path) -> None:
    config = load(write_toml(tmp_path, FULL_TOML))
    settings = resolve_check_settings(config, CheckOverrides())
    options = settings.options
    assert options.registry == str(tmp_path / "model")
    assert (options.v2, options.follow_symlinks, options.include_unreferenced) == (True, True, True)
    assert options.skip_policies
    assert options.policies == [str(tmp_path / "policies"), "/abs/extra.rego"]
    assert settings.diagnostic_format == "json"
    assert settings.diagnostic_stdout
    assert settings.config_path == tmp_path / CONFIG_FILENAME


def test_explicit_false_on_the_cli_overrides_true_in_the_toml(tmp_path: Path) -> None:
    config = load(write_toml(tmp_path, FULL_TOML))
    cli = CheckOverrides(
        v2=False,
        follow_symlinks=False,
        include_unreferenced=False,
        skip_policies=False,
        diagnostic_stdout=False,
    )
    settings = resolve_check_settings(config, cli)
    options = settings.options
    assert (options.v2, options.follow_symlinks, options.include_unreferenced) == (False, False, False)
    assert not options.skip_policies
    assert not settings.diagnostic_stdout


def test_cli_values_replace_toml_values(tmp_path: Path) -> None:
    config = load(write_toml(tmp_path, FULL_TOML))
    cli = CheckOverrides(registry="other", policies=["p.rego"], diagnostic_format="sarif", future=True)
    settings = resolve_check_settings(config, cli)
    assert settings.options.registry == "other"
    assert settings.options.policies == ["p.rego"]
    assert settings.options.future
    assert settings.diagnostic_format == "sarif"


def test_urls_in_the_toml_are_not_made_relative(tmp_path: Path) -> None:
    url = "https://github.com/open-telemetry/semantic-conventions.git@v1.43.0[model]"
    config = load(write_toml(tmp_path, f'[registry]\npath = "{url}"\n'))
    assert resolve_check_settings(config, CheckOverrides()).options.registry == url


def test_unknown_sections_and_keys_are_tolerated(tmp_path: Path) -> None:
    text = (
        '[registry]\npath = "model"\nfuture_key = 1\n\n'
        '[resolve.schema_url_overrides]\n"https://opentelemetry.io/schemas/1.25.0" = "local"\n\n'
        '[[auth]]\nurl_prefix = "https://github.com/"\ntoken_env = "T"\n\n'
        '["live-check"]\nformat = "json"\n\n[check]\nsomething = true\n'
    )
    config = load(write_toml(tmp_path, text))
    assert config.settings.registry.path == "model"


def test_malformed_toml_reports_file_line_and_column(tmp_path: Path) -> None:
    text = '[registry]\npath = "model"\nv2 = tru\n'
    path = write_toml(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    line, column = position_of(text, "tru")
    error = caught.value
    assert (error.path, error.line, error.column) == (path, line, column)
    assert str(error).startswith(f"{path}:{line}:{column}: invalid TOML")


def test_unterminated_document_points_at_its_end(tmp_path: Path) -> None:
    text = '[registry]\npath = "model'
    path = write_toml(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert caught.value.line is not None
    assert caught.value.line == len(text.splitlines())


def test_wrong_type_points_at_the_key(tmp_path: Path) -> None:
    text = '[diagnostics]\nformat = "ansi"\n\n[registry]\npath = "model"\nv2 = "yes"\n'
    path = write_toml(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    error = caught.value
    assert (error.line, error.column) == position_of(text, '"yes"')
    assert "registry.v2" in error.message
    assert "boolean" in error.message


def test_unknown_format_in_the_toml_suggests_the_closest(tmp_path: Path) -> None:
    text = '[registry]\npath = "model"\n\n[diagnostics]\nformat = "sarf"\n'
    config = load(write_toml(tmp_path, text))
    with pytest.raises(ConfigError) as caught:
        resolve_check_settings(config, CheckOverrides())
    error = caught.value
    assert (error.line, error.column) == position_of(text, '"sarf"')
    assert error.help is not None and "'sarif'" in error.help


def test_missing_registry_says_how_to_give_one() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_check_settings(ProjectConfig(), CheckOverrides())
    error = caught.value
    assert "-r" in error.message
    assert error.help is not None and "[registry]" in error.help


def test_absolute_toml_paths_are_kept(tmp_path: Path) -> None:
    absolute = os.path.abspath(os.sep + "somewhere")
    config = load(write_toml(tmp_path, f"[registry]\npath = {absolute!r}\n"))
    assert resolve_check_settings(config, CheckOverrides()).options.registry == absolute
