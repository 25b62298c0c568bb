"""`weavergen completion <shell>`: weaver's form of printing a shell's completion script.

The scripts are Typer's (the same ones `--show-completion` prints): they call `weavergen` back with
`_WEAVERGEN_COMPLETE` set, so completions always follow the installed command tree.
"""

from __future__ import annotations

from typing import Annotated

import typer

PROG_NAME = "weavergen"
COMPLETE_VAR = "_WEAVERGEN_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell")
WEAVER_ONLY = ("elvish",)


def completion_script(shell: str) -> str:
    """The completion script of `shell` for the `weavergen` command (one of `SHELLS`)."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=shell)


def completion(
    shell: Annotated[
        str,
        typer.Argument(
            metavar="<SHELL>",
            help="bash, zsh, fish or powershell.",
            autocompletion=lambda: list(SHELLS),
        ),
    ],
) -> None:
    """Generate the autocompletion script for the specified shell.

    Load it in the current shell, e.g. `source <(weavergen completion bash)`, or save it where your shell
    reads completions (`weavergen --install-completion` does that for the current shell).
    """
    if shell not in SHELLS:
        extra = " (weaver also prints elvish; Typer, which weavergen's completion uses, has no elvish)"
        raise typer.BadParameter(
            f"{shell!r} is not one of: {', '.join(SHELLS)}{extra if shell in WEAVER_ONLY else ''}",
            param_hint="'<SHELL>'",
        )
    typer.echo(completion_script(shell))
