"""`.weaver.toml`: discovery, the sections `registry check` uses, and layering defaults → toml → CLI.

As in weaver, the file is found by walking up from the working directory (or named with `--config`),
unknown sections and keys are ignored, and values of known keys must have the right type. Unlike weaver,
relative paths in the file are taken relative to the file's folder, so a check run from a subfolder
finds the same registry and policies.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from weavergen.check import CheckOptions
from weavergen.render import FORMATS

CONFIG_FILENAME = ".weaver.toml"
DEFAULT_FORMAT = "ansi"
WEAVER_DEFAULT_REGISTRY = "https://github.com/open-telemetry/semantic-conventions.git[model]"

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)$")


class ConfigError(Exception):
    """A `.weaver.toml` or command-line setting that cannot be used, with where it is and what to do."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        line: int | None = None,
        column: int | None = None,
        help: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.help = help

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
            where += ": "
        text = f"{where}{self.message}"
        return f"{text}\n  help: {self.help}" if self.help else text


class _Section(BaseModel):
    """A table of `.weaver.toml`: unknown keys are ignored, known ones are type-checked as serde does."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class RegistrySection(_Section):
    """`[registry]`: where the registry is and how to load it."""

    path: str | None = None
    v2: bool | None = None
    follow_symlinks: bool | None = None
    include_unreferenced: bool | None = None


class PolicySection(_Section):
    """`[policy]`: Rego policy files or folders, and whether to skip them."""

    paths: list[str] | None = None
    skip: bool | None = None
    display_policy_coverage: bool | None = None


class DiagnosticsSection(_Section):
    """`[diagnostics]`: output format and stream."""

    format: str | None = None
    template: str | None = None
    stdout: bool | None = None


class CheckSection(_Section):
    """`[check]`: settings of `registry check` (weaver defines none yet)."""


class WeaverToml(_Section):
    """The sections of `.weaver.toml` weavergen reads; every other section is tolerated and ignored."""

    registry: RegistrySection = Field(default_factory=RegistrySection)
    policy: PolicySection = Field(default_factory=PolicySection)
    diagnostics: DiagnosticsSection = Field(default_factory=DiagnosticsSection)
    check: CheckSection = Field(default_factory=CheckSection)


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """A loaded `.weaver.toml` (or none: `path` is None and every setting is unset)."""

    path: Path | None = None
    settings: WeaverToml = field(default_factory=WeaverToml)
    text: str = ""

    def resolve(self, value: str) -> str:
        """A path written in the file, made absolute against the file's folder unless it is a URL."""
        if self.path is None or "://" in value or value.startswith("git@") or os.path.isabs(value):
            return value
        return os.path.normpath(os.path.join(self.path.parent, value))

    def locate(self, section: str, key: str | None) -> tuple[int | None, int | None]:
        """One-based line and column of `key` in `[section]` (or of the section), when the text shows it."""
        return _locate(self.text, section, key)


@dataclass(slots=True)
class CheckOverrides:
    """`registry check` settings given on the command line; None means "not given", so the toml applies."""

    registry: str | None = None
    policies: list[str] = field(default_factory=list)
    skip_policies: bool | None = None
    baseline_registry: str | None = None
    v2: bool | None = None
    future: bool = False
    follow_symlinks: bool | None = None
    include_unreferenced: bool | None = None
    diagnostic_format: str | None = None
    diagnostic_stdout: bool | None = None
    diagnostic_template: str | None = None


DEFAULT_DIAGNOSTIC_TEMPLATE = "diagnostic_templates"


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """Everything a `registry check` run needs once defaults, the toml and the flags are layered."""

    options: CheckOptions
    diagnostic_format: str
    diagnostic_stdout: bool
    config_path: Path | None
    diagnostic_template: str = DEFAULT_DIAGNOSTIC_TEMPLATE


def discover(start: Path) -> Path | None:
    """The first `.weaver.toml` in `start` or one of its parents, as weaver finds it."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILENAME
        if candidate.is_file():
            return candidate
    return None


def load(path: Path) -> ProjectConfig:
    """Read and validate one `.weaver.toml`; raises `ConfigError` with a position when it is malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the config file: {exc}", path=path) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, str(exc)) from exc
    try:
        settings = WeaverToml.model_validate(data)
    except ValidationError as exc:
        raise _schema_error(path, text, exc) from exc
    return ProjectConfig(path=path, settings=settings, text=text)


def load_project_config(explicit: Path | None, cwd: Path) -> ProjectConfig:
    """The `--config` file if given, else the discovered `.weaver.toml`, else an empty configuration."""
    if explicit is not None:
        path = explicit if explicit.is_absolute() else cwd / explicit
        if not path.is_file():
            raise ConfigError(
                f"config file not found: {explicit}",
                help="--config takes the path of a `.weaver.toml` file; leave it out to search upwards "
                "from the current folder",
            )
        return load(path)
    found = discover(cwd)
    return load(found) if found is not None else ProjectConfig()


def resolve_check_settings(config: ProjectConfig, cli: CheckOverrides) -> CheckSettings:
    """Layer defaults → `.weaver.toml` → command line into the options of one `registry check`."""
    toml = config.settings
    options = CheckOptions(
        registry=_registry(config, cli),
        policies=list(cli.policies) or [config.resolve(p) for p in toml.policy.paths or []],
        skip_policies=_pick(cli.skip_policies, toml.policy.skip),
        baseline_registry=cli.baseline_registry,
        v2=_pick(cli.v2, toml.registry.v2),
        future=cli.future,
        follow_symlinks=_pick(cli.follow_symlinks, toml.registry.follow_symlinks),
        include_unreferenced=_pick(cli.include_unreferenced, toml.registry.include_unreferenced),
    )
    template = cli.diagnostic_template or (
        config.resolve(toml.diagnostics.template)
        if toml.diagnostics.template
        else DEFAULT_DIAGNOSTIC_TEMPLATE
    )
    return CheckSettings(
        options=options,
        diagnostic_format=_diagnostic_format(config, cli.diagnostic_format, template),
        diagnostic_stdout=_pick(cli.diagnostic_stdout, toml.diagnostics.stdout),
        config_path=config.path,
        diagnostic_template=template,
    )


def _pick(cli: bool | None, toml: bool | None, default: bool = False) -> bool:
    if cli is not None:
        return cli
    return toml if toml is not None else default


def _registry(config: ProjectConfig, cli: CheckOverrides) -> str:
    if cli.registry is not None:
        return cli.registry
    if config.settings.registry.path is not None:
        return config.resolve(config.settings.registry.path)
    where = f"set `path` under `[registry]` in {config.path}" if config.path else "add a `.weaver.toml` with"
    example = "" if config.path else ' `[registry]` `path = "model"`'
    raise ConfigError(
        "no registry to check: -r/--registry was not given and no `.weaver.toml` names one",
        help=f"pass -r <folder | git URL | archive>, or {where}{example}. weaver would fall back to "
        f"{WEAVER_DEFAULT_REGISTRY}; to check that, pass it with -r",
    )


def _diagnostic_format(config: ProjectConfig, cli: str | None, template: str) -> str:
    if cli is not None:
        fmt, path, (line, column) = cli, None, (None, None)
        origin = "--diagnostic-format"
    elif config.settings.diagnostics.format is not None:
        fmt, path = config.settings.diagnostics.format, config.path
        line, column = config.locate("diagnostics", "format")
        origin = "[diagnostics] format"
    else:
        return DEFAULT_FORMAT
    if fmt in FORMATS or (Path(template) / fmt).is_dir():
        return fmt  # a built-in format, or a folder of the diagnostic templates (weaver's custom formats)
    close = difflib.get_close_matches(fmt, FORMATS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(
        f"unknown diagnostic format {fmt!r} in {origin}",
        path=path,
        line=line,
        column=column,
        help=f"{hint}supported formats: {', '.join(FORMATS)}",
    )


def _syntax_error(path: Path, text: str, message: str) -> ConfigError:
    match = _TOML_POSITION.search(message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[: match.start()]
    else:
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
        message = _TOML_AT_END.sub("", message)
    return ConfigError(
        f"invalid TOML: {message}",
        path=path,
        line=line,
        column=column,
        help="fix the syntax (see https://toml.io/en/v1.0.0), or point --config at another file",
    )


def _schema_error(path: Path, text: str, exc: ValidationError) -> ConfigError:
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    section, key = loc[0], (loc[1] if len(loc) > 1 else None)
    line, column = _locate(text, section, key)
    if line is None and key is not None:
        line, column = _locate(text, section, None)
    dotted = ".".join(loc)
    expected = _expected(first["type"])
    got = type(first["input"]).__name__
    return ConfigError(
        f"invalid value for `{dotted}`: expected {expected}, found {got} {first['input']!r}",
        path=path,
        line=line,
        column=column,
        help=f"see the `.weaver.toml` reference (docs/configuration.md) for `{dotted}`",
    )


def _expected(error_type: str) -> str:
    names = {
        "bool_type": "a boolean (true or false)",
        "string_type": "a string",
        "list_type": "an array of strings",
        "model_type": "a table",
        "dict_type": "a table",
    }
    return names.get(error_type, error_type.replace("_", " "))


def _locate(text: str, section: str, key: str | None) -> tuple[int | None, int | None]:
    header = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]\s*(#.*)?$")
    any_header = re.compile(r"^\s*\[")
    lines = text.splitlines()
    current: str | None = None
    for number, line in enumerate(lines, start=1):
        if any_header.match(line):
            current = section if header.match(line) else ""
            if current == section and key is None:
                return number, line.index("[") + 1
            continue
        if current == section and key is not None:
            target = re.escape(key)
        elif current is None:
            target = re.escape(section) + (rf"\s*\.\s*{re.escape(key)}" if key else "")
        else:
            continue
        match = re.match(rf"^\s*{target}\s*=\s*", line)
        if match:
            return number, match.end() + 1
    return None, None
