"""`weavergen generate TARGET` (built-in or `-t` templates) and `weavergen templates list|path`.

A thin face: a built-in target is `registry generate` with `-t` set to the shipped template folder
(`weavergen.builtin_targets`), so both commands share one engine path and one set of flags.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from weavergen.cli.forge import ParamOption, ParamsFileOption, SystemOption, generate_command
from weavergen.cli.main import app
from weavergen.cli.options import EndpointOption, ModelOption, TimeoutOption
from weavergen.cli.registry import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    FutureOption,
    PolicyOption,
    RegistryOption,
    SkipPoliciesOption,
    V2Option,
    _write,
)
from weavergen.cli.review import run_ai_review, write_ai_review

templates_app = typer.Typer(
    help="The built-in template sets: list them, or print where one is to copy and adapt it.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(templates_app, name="templates")


def _targets_help() -> str:
    from weavergen.builtin_targets import BUILTIN_TARGETS

    return ", ".join(BUILTIN_TARGETS)


@app.command("generate")
def generate(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            metavar="TARGET",
            help="A built-in target (python, go, rust, java, typescript, markdown) or, with -t, a target "
            "folder of TEMPLATES.",
            show_default=False,
        ),
    ] = "",
    output: Annotated[
        str, typer.Option("-o", "--output", metavar="<OUTPUT>", help="Folder the files are written to.")
    ] = "output",
    templates: Annotated[
        str | None,
        typer.Option(
            "-t",
            "--templates",
            metavar="<TEMPLATES>",
            help="Your templates folder; TARGET is then looked up in <TEMPLATES>/registry/<TARGET> when "
            "<TEMPLATES>/registry exists, else in <TEMPLATES>/<TARGET>.",
        ),
    ] = None,
    param: ParamOption = None,
    params: ParamsFileOption = None,
    registry: RegistryOption = None,
    policy: PolicyOption = None,
    skip_policies: SkipPoliciesOption = None,
    v2: V2Option = None,
    future: FutureOption = False,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    system: SystemOption = None,
    ai_enhance: Annotated[
        bool,
        typer.Option(
            "--ai-enhance",
            help="First review the registry with AI models (as `registry review --ai`), show the verified "
            "improvements as a diff, write them to the registry files once confirmed, then generate from "
            "the files.",
        ),
    ] = False,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="With --ai-enhance: write the improvements without asking (for CI)."),
    ] = False,
    model: ModelOption = None,
    endpoint: EndpointOption = None,
    timeout: TimeoutOption = 60.0,
) -> None:
    """Generate code or docs for a registry with a built-in target, or with your own templates (-t).

    Built-in targets write constants for attribute keys, enum members, metrics (name, unit, instrument),
    spans and events, stable conventions apart from incubating ones; `weavergen templates path TARGET`
    shows where their templates are. Exit codes as `registry generate`; with --ai-enhance, 1 also when
    the AI review cannot run or its improvements could not be written (nothing is generated then).
    """
    from weavergen.builtin_targets import BUILTIN_TARGETS, builtin_target, targets_root

    if apply and not ai_enhance:
        _write(sys.stderr, "error: --apply goes with --ai-enhance: it writes the AI review's improvements.")
        raise typer.Exit(2)
    if not target:
        _write(
            sys.stderr,
            f"error: give a TARGET: one of {', '.join(BUILTIN_TARGETS)}, or a target folder of your "
            "templates with -t TEMPLATES. Example: `weavergen generate python -r REGISTRY -o OUTPUT`.",
        )
        raise typer.Exit(2)
    if templates is None:
        if builtin_target(target) is None:
            _write(
                sys.stderr,
                f"error: `{target}` is not a built-in target (those are {', '.join(BUILTIN_TARGETS)}); "
                "to use your own templates, add -t TEMPLATES.",
            )
            raise typer.Exit(2)
        templates = str(targets_root())
    if ai_enhance:
        _enhance(ctx, registry, model, endpoint, timeout, apply)
    generate_command(
        ctx,
        target=target,
        output=output,
        templates=templates,
        config=None,
        param=param,
        params=params,
        registry=registry,
        policy=policy,
        skip_policies=skip_policies,
        v2=v2,
        future=future,
        follow_symlinks=None,
        include_unreferenced=None,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
        diagnostic_template=None,
        system=system,
    )


def _enhance(
    ctx: typer.Context,
    registry: str | None,
    models: list[str] | None,
    endpoint: str | None,
    timeout: float,
    apply: bool,
) -> None:
    """`--ai-enhance`: the AI review of the registry, its diff, and its writes once confirmed (a prompt on
    a terminal, --apply without one). Generation then reads the files, so code and registry agree."""
    from weavergen.cli.forge import _settings
    from weavergen.config import CheckOverrides
    from weavergen.review.render import render_diff

    settings = _settings(CheckOverrides(registry=registry), ctx.obj)
    if settings is None:
        raise typer.Exit(1)
    run = run_ai_review(settings.options.registry, None, models, endpoint, timeout, 3)
    if run is None:
        _write(sys.stderr, "nothing was generated; run without --ai-enhance to generate as the registry is.")
        raise typer.Exit(1)
    if not run.final:
        _write(sys.stderr, "no verified improvement: generating from the registry as it is.")
        return
    sys.stdout.write(render_diff(run.originals, run.final, Path(run.root)))
    sys.stdout.flush()
    score = f"score {run.before:.1f} → {run.after:.1f}"
    if not apply and not sys.stdin.isatty():
        _write(
            sys.stderr,
            f"not written ({score}): no terminal to confirm on; pass --apply to write them. Generating from "
            "the registry on disk as it is.",
        )
        return
    if not apply and not typer.confirm(f"Write these improvements to the registry ({score})?", err=True):
        _write(sys.stderr, "not written: generating from the registry on disk as it is.")
        return
    if not write_ai_review(run):
        _write(sys.stderr, "nothing was generated: the registry files were not all written.")
        raise typer.Exit(1)
    _write(sys.stderr, f"registry improved ({score}); generating from it.")


@templates_app.command("list")
def list_command() -> None:
    """List the built-in targets and what each generates."""
    from weavergen.builtin_targets import BUILTIN_TARGETS, describe

    for name in BUILTIN_TARGETS:
        typer.echo(f"{name:<11} {describe(name)}")


@templates_app.command("path")
def path_command(
    target: Annotated[str, typer.Argument(metavar="TARGET", help="A built-in target, e.g. python.")],
) -> None:
    """Print the folder of a built-in target, to copy and adapt it or to pass to `registry generate -t`.

    `registry generate -t "$(dirname "$(weavergen templates path python)")" python OUT` is the same as
    `weavergen generate python -o OUT`.
    """
    from weavergen.builtin_targets import BUILTIN_TARGETS, builtin_target

    folder = builtin_target(target)
    if folder is None:
        known = ", ".join(BUILTIN_TARGETS)
        _write(sys.stderr, f"error: `{target}` is not a built-in target; those are {known}")
        raise typer.Exit(2)
    typer.echo(str(folder))
