"""The `weavergen` command: global options as in weaver, and the `registry` command group.

Only Typer is imported up front; the engine, pydantic and rich load inside the command that uses them,
so `weavergen --help` stays fast.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from weavergen import __version__
from weavergen.cli.fix import fix as fix_command
from weavergen.cli.lsp import lsp as lsp_command
from weavergen.cli.registry import registry_app
from weavergen.cli.serve import serve_command
from weavergen.cli.workflow import benchmark_app, debug_app, workflow_app

# Weaver's `--flag[=bool]` booleans, mapped to the negative form Typer understands for `=false`.
BOOL_FLAGS: dict[str, str] = {
    "--v2": "--no-v2",
    "--follow-symlinks": "--no-follow-symlinks",
    "-s": "--no-follow-symlinks",
    "--include-unreferenced": "--no-include-unreferenced",
    "--skip-policies": "--no-skip-policies",
    "--diagnostic-stdout": "--no-diagnostic-stdout",
}


@dataclass(frozen=True, slots=True)
class GlobalOptions:
    """Options given before the command (`weavergen --future registry check …`)."""

    debug: int = 0
    quiet: bool = False
    future: bool = False
    config: Path | None = None
    allow_git_credentials: bool = False


app = typer.Typer(
    name="weavergen",
    help="Check OpenTelemetry semantic-convention registries, compatible with OpenTelemetry Weaver.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(registry_app, name="registry")
app.add_typer(workflow_app, name="workflow")
app.add_typer(debug_app, name="debug")
app.add_typer(benchmark_app, name="benchmark")
app.command(name="lsp")(lsp_command)
app.command(name="fix")(fix_command)
app.command(name="serve")(serve_command)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"weavergen {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[
        int, typer.Option("--debug", count=True, help="Turn debugging information on (twice for more).")
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Minimal output: no progress bar, no summary.")
    ] = False,
    future: Annotated[
        bool, typer.Option("--future", help="Enable the newest validation rules: warnings become errors.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="<CONFIG>",
            help="Path to a `.weaver.toml`; skips the upward search from the current folder.",
            dir_okay=False,
        ),
    ] = None,
    allow_git_credentials: Annotated[
        bool,
        typer.Option(
            "--allow-git-credentials",
            help="Let git use your credential helpers and global git config when cloning a registry "
            "(by default clones are isolated from both, as in weaver).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Manage semantic convention registries (OpenTelemetry Weaver compatible)."""
    ctx.obj = GlobalOptions(
        debug=debug, quiet=quiet, future=future, config=config, allow_git_credentials=allow_git_credentials
    )
    if allow_git_credentials:
        from weavergen.remote import allow_git_credentials as _allow

        _allow()


def expand_bool_flags(args: list[str]) -> list[str]:
    """Rewrite weaver's `--flag=true|false` and `--flag true|false` into the `--flag` / `--no-flag` forms
    Typer parses (clap's optional boolean value may follow the flag as the next argument)."""
    out: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            out.extend(args[index:])
            break
        name, eq, value = arg.partition("=")
        index += 1
        if name not in BOOL_FLAGS:
            out.append(arg)
            continue
        if not eq and index < len(args) and args[index] in ("true", "false"):
            value, eq = args[index], "="
            index += 1
        if not eq or value == "true":
            out.append(name)
        elif value == "false":
            out.append(BOOL_FLAGS[name])
        else:
            raise typer.BadParameter(
                f"{value!r} is not a boolean; use {name}, {name}=true or {name}=false",
                param_hint=f"'{name}'",
            )
    return out


# weaver's global options are `global = true` in clap: accepted after any subcommand too.
GLOBAL_FLAGS = ("--debug", "--quiet", "--future", "--allow-git-credentials")
GLOBAL_VALUED = ("--config",)


def hoist_global_options(args: list[str]) -> list[str]:
    """Move weaver's global options written after the subcommand (`registry emit --quiet`) before it,
    unless that subcommand has an option of the same name (`registry generate --config` is weaver.yaml)."""
    import typer.main

    command: Any = typer.main.get_command(app)
    index = 0
    while index < len(args) and args[index].startswith("-"):
        index += 2 if args[index] in GLOBAL_VALUED else 1
    while index < len(args) and hasattr(command, "commands") and args[index] in command.commands:
        command = command.commands[args[index]]
        index += 1
    local = {opt for param in getattr(command, "params", []) for opt in (*param.opts, *param.secondary_opts)}
    head, tail = list(args[:index]), list(args[index:])
    hoisted: list[str] = []
    rest: list[str] = []
    position = 0
    while position < len(tail):
        arg = tail[position]
        if arg == "--":
            rest.extend(tail[position:])
            break
        name = arg.partition("=")[0]
        if name in GLOBAL_FLAGS and "=" not in arg and name not in local:
            hoisted.append(arg)
        elif name in GLOBAL_VALUED and name not in local:
            hoisted.append(arg)
            if "=" not in arg and position + 1 < len(tail):
                position += 1
                hoisted.append(tail[position])
        else:
            rest.append(arg)
        position += 1
    return [*hoisted, *head, *rest]


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: `weavergen …`."""
    args = sys.argv[1:] if argv is None else argv
    try:
        args = hoist_global_options(expand_bool_flags(args))
    except typer.BadParameter as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    app(args=args, prog_name="weavergen")


from weavergen.cli import diff as _diff  # noqa: E402, F401 - registers `registry diff`
from weavergen.cli import forge as _forge  # noqa: E402, F401 - registers `registry generate`, `update-markdown`
from weavergen.cli import livecheck as _livecheck  # noqa: E402, F401 - registers `registry live-check`, `emit`
from weavergen.cli import package as _package  # noqa: E402, F401 - registers `registry package`
from weavergen.cli import regenerate as _regenerate  # noqa: E402, F401 - registers `regenerate`
