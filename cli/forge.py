"""`weavergen registry generate` and `registry update-markdown`: templates rendered from a registry.

Thin adapters: flags are layered with `.weaver.toml` as for `registry check`, the engine (`weavergen.forge`,
`weavergen.markdown`) does the work, and its diagnostics are rendered like every other command's.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from weavergen.cli.main import BOOL_FLAGS
from weavergen.cli.progress import progress_bar
from weavergen.cli.registry import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    DiagnosticTemplateOption,
    FollowSymlinksOption,
    FutureOption,
    IncludeUnreferencedOption,
    PolicyOption,
    RegistryOption,
    SkipPoliciesOption,
    V2Option,
    _configure_logging,
    _write,
    registry_app,
)

if TYPE_CHECKING:
    from weavergen.cli.main import GlobalOptions
    from weavergen.config import CheckOverrides, CheckSettings
    from weavergen.diagnostics import Diagnostic

BOOL_FLAGS.setdefault("--dry-run", "--no-dry-run")  # weaver's `--dry-run=false`

SystemOption = Annotated[
    str | None,
    typer.Option(
        "--system",
        metavar="<ID>",
        help="The label this generation is recorded under in `.weavergen-lock.json`, for `weavergen "
        "regeneration`; unique in the project. [default: the target]",
    ),
]
TemplatesOption = Annotated[
    str,
    typer.Option(
        "-t", "--templates", metavar="<TEMPLATES>", help="Folder of the templates. [default: templates]"
    ),
]
ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "-D",
        "--param",
        metavar="<PARAM>",
        help="Template parameter `key=value`; the value is YAML. Repeatable.",
    ),
]
ParamsFileOption = Annotated[
    str | None,
    typer.Option("--params", metavar="<PARAMS>", help="YAML file with a top-level `params:` mapping."),
]


def _settings(overrides: CheckOverrides, options: GlobalOptions) -> CheckSettings | None:
    from weavergen.config import ConfigError, load_project_config, resolve_check_settings

    _configure_logging(options.debug)
    try:
        return resolve_check_settings(load_project_config(options.config, Path.cwd()), overrides)
    except ConfigError as exc:
        _write(sys.stderr, f"error: {exc}")
        return None


def _report(
    diagnostics: list[Diagnostic], settings: CheckSettings, source: object, options: GlobalOptions
) -> int:
    from weavergen.cli.registry import render_diagnostics
    from weavergen.diagnostics import has_error, without_codes

    diagnostics = without_codes(diagnostics, (*settings.ignore, *options.ignore))
    quiet = options.quiet
    stream = sys.stdout if settings.diagnostic_stdout else sys.stderr
    text = render_diagnostics(
        diagnostics,
        source,
        settings.diagnostic_format,
        stream,
        quiet=quiet,
        template=settings.diagnostic_template,
    )
    _write(stream, text)
    return 1 if has_error(diagnostics) else 0


@registry_app.command("generate")
def generate_command(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(metavar="[TARGET]", help="Target to generate the artifacts for.")
    ] = "",
    output: Annotated[
        str, typer.Argument(metavar="[OUTPUT]", help="Folder the artifacts are written to. [default: output]")
    ] = "output",
    templates: TemplatesOption = "templates",
    config: Annotated[
        list[str] | None,
        typer.Option(
            "-c",
            "--config",
            metavar="<CONFIG>",
            help="weaver.yaml files to use instead of the discovered ones; "
            "later files override earlier ones. Repeatable.",
        ),
    ] = None,
    param: ParamOption = None,
    params: ParamsFileOption = None,
    registry: RegistryOption = None,
    policy: PolicyOption = None,
    skip_policies: SkipPoliciesOption = None,
    v2: V2Option = None,
    future: FutureOption = False,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
    system: SystemOption = None,
) -> None:
    """Generates artifacts from a semantic convention registry.

    Checks the registry (with its policies unless --skip-policies), then renders the templates of the
    TARGET folder as its weaver.yaml says, writing only inside OUTPUT. The folder is
    <templates>/registry/<TARGET> when <templates>/registry exists, else <templates>/<TARGET>. Exits 1 if
    an error was found; nothing is generated when the registry has errors other than policy violations
    (with those, as in weaver, the files are written and the exit code is 1).
    """
    from weavergen.config import CheckOverrides
    from weavergen.forge import GenerateOptions
    from weavergen.systems import label_problem
    from weavergen.workflow_commands import run_generate

    options: GlobalOptions = ctx.obj
    settings = _settings(
        CheckOverrides(
            registry=registry,
            policies=list(policy or []),
            skip_policies=skip_policies,
            v2=v2,
            future=future or options.future,
            follow_symlinks=follow_symlinks,
            include_unreferenced=include_unreferenced,
            diagnostic_format=diagnostic_format,
            diagnostic_stdout=diagnostic_stdout,
            diagnostic_template=diagnostic_template,
        ),
        options,
    )
    if settings is None:
        raise typer.Exit(1)
    check = settings.options
    show_bar = settings.diagnostic_format == "ansi" and not options.quiet and sys.stderr.isatty()
    generation = GenerateOptions(
        registry=check.registry,
        target=target,
        output=output,
        templates=templates,
        configs=list(config or []),
        params=list(param or []),
        params_file=params,
        policies=list(check.policies),
        skip_policies=check.skip_policies,
        v2=check.v2,
        future=check.future,
        follow_symlinks=check.follow_symlinks,
        include_unreferenced=check.include_unreferenced,
        project_config=str(settings.config_path) if settings.config_path else None,
        system=system,
    )
    taken = label_problem(generation, [target])
    if taken is not None:
        _report([taken], settings, None, options)
        raise typer.Exit(2)
    with progress_bar(show_bar) as progress:
        report, _ = run_generate(generation, progress=progress)
    raise typer.Exit(_report(report.diagnostics, settings, report.source, options))


@registry_app.command("update-markdown")
def update_markdown_command(
    ctx: typer.Context,
    markdown_dir: Annotated[
        str, typer.Argument(metavar="[MARKDOWN_DIR]", help="Folder of the markdown files to update.")
    ] = ".",
    registry: RegistryOption = None,
    templates: TemplatesOption = "templates",
    target: Annotated[
        str, typer.Option("--target", metavar="<TARGET>", help="Template target holding snippet.md.j2.")
    ] = "markdown",
    param: ParamOption = None,
    params: ParamsFileOption = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run/--no-dry-run", help="Change nothing; exit 1 and list the files that would change."
        ),
    ] = False,
    attribute_registry_base_url: Annotated[
        str | None,
        typer.Option(
            "--attribute-registry-base-url", metavar="<URL>", help="Link attributes to this registry."
        ),
    ] = None,
    v2: V2Option = None,
    future: FutureOption = False,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
) -> None:
    """Update markdown files that contain markers indicating the templates used to update the sections.

    Every `<!-- semconv GROUP_ID(args) -->…<!-- endsemconv -->` snippet of every *.md under MARKDOWN_DIR is
    replaced by the target's snippet.md.j2 rendered for that group.
    """
    from weavergen.config import CheckOverrides
    from weavergen.markdown import UpdateMarkdownOptions
    from weavergen.workflow_commands import run_update_markdown

    options: GlobalOptions = ctx.obj
    settings = _settings(
        CheckOverrides(
            registry=registry,
            skip_policies=True,
            v2=v2,
            future=future or options.future,
            follow_symlinks=follow_symlinks,
            include_unreferenced=include_unreferenced,
            diagnostic_format=diagnostic_format,
            diagnostic_stdout=diagnostic_stdout,
            diagnostic_template=diagnostic_template,
        ),
        options,
    )
    if settings is None:
        raise typer.Exit(1)
    check = settings.options
    report, _ = run_update_markdown(
        UpdateMarkdownOptions(
            registry=check.registry,
            markdown_dir=markdown_dir,
            templates=templates,
            target=target,
            params=list(param or []),
            params_file=params,
            dry_run=dry_run,
            attribute_registry_base_url=attribute_registry_base_url,
            v2=check.v2,
            future=check.future,
            follow_symlinks=check.follow_symlinks,
            include_unreferenced=check.include_unreferenced,
            project_config=str(settings.config_path) if settings.config_path else None,
        )
    )
    if dry_run:
        for path in report.changed:
            sys.stdout.write(f"Markdown is not equal: {path}\n{report.diffs.get(path, '')}")
    elif report.changed and not options.quiet:
        sys.stderr.write(f"Updated {len(report.changed)} file(s).\n")
    raise typer.Exit(_report(report.diagnostics, settings, report.source, options))
