"""`weavergen workflow …`, `weavergen debug spans` and `weavergen benchmark parallel`.

The BPMN processes behind the registry commands: list them, draw them, run them with parameters, and
look at the spans of the last runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from weavergen.diagnostics import Diagnostic
    from weavergen.workflow_library import WorkflowLibrary

workflow_app = typer.Typer(
    help="List, show and run the BPMN workflows behind each registry operation.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
debug_app = typer.Typer(help="Look inside weavergen's own runs.", no_args_is_help=True, rich_markup_mode=None)

WorkflowsOption = Annotated[
    Path | None,
    typer.Option(
        "--workflows",
        metavar="DIR",
        help="A folder of your own BPMN files; they may call only registered service operations.",
    ),
]
AllowScriptsOption = Annotated[
    bool,
    typer.Option("--allow-scripts", help="Allow script tasks and arbitrary expressions in your BPMN files."),
]


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    from weavergen.render import render

    if diagnostics:
        sys.stderr.write(render(diagnostics, "ansi", summary=False) + "\n")


def _library(workflows: Path | None, allow_scripts: bool) -> WorkflowLibrary:
    from weavergen.workflow_library import WorkflowLibrary, builtin_library

    if workflows is None:
        return builtin_library()
    library = WorkflowLibrary.load(workflows, allow_scripts=allow_scripts)
    _print_diagnostics(library.diagnostics)
    return library


@workflow_app.command("list")
def list_command(workflows: WorkflowsOption = None, allow_scripts: AllowScriptsOption = False) -> None:
    """List the workflows: id, name, where defined, and the service operations each calls."""
    from weavergen.workflow_library import service_operations

    library = _library(workflows, allow_scripts)
    for info in sorted(library.processes.values(), key=lambda i: i.id):
        origin = "built-in" if info.builtin else str(info.file)
        ops = ", ".join(service_operations(info))
        typer.echo(f"{info.id:<28} {info.name:<24} {origin}")
        if ops:
            typer.echo(f"{'':<28} calls: {ops}")


@workflow_app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Workflow id (`registry_check`) or short name (`check`).")],
    fmt: Annotated[
        str, typer.Option("--format", metavar="[mermaid|bpmn]", help="mermaid flowchart or the BPMN XML.")
    ] = "mermaid",
    workflows: WorkflowsOption = None,
    allow_scripts: AllowScriptsOption = False,
) -> None:
    """Print a workflow as a Mermaid flowchart or as its BPMN 2.0 XML."""
    from weavergen.mermaid import process_flowchart, write_flowchart
    from weavergen.workflow_library import WorkflowError

    if fmt not in ("mermaid", "bpmn"):
        raise typer.BadParameter(f"{fmt!r} is not one of mermaid, bpmn", param_hint="'--format'")
    try:
        info = _library(workflows, allow_scripts).find(name)
    except WorkflowError as exc:
        _print_diagnostics(exc.diagnostics)
        raise typer.Exit(1) from None
    if fmt == "bpmn":
        sys.stdout.write(info.file.read_text(encoding="utf-8"))
    else:
        sys.stdout.write(write_flowchart(process_flowchart(info.file, info.id)))


@workflow_app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="Workflow id (`registry_check`) or short name (`check`).")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-D", metavar="KEY=VALUE", help="Start data; the value is read as YAML."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", metavar="[text|json]", help="text summary or a JSON record of the run.")
    ] = "text",
    workflows: WorkflowsOption = None,
    allow_scripts: AllowScriptsOption = False,
) -> None:
    """Run a workflow with the given start data and print how it went (exit 1 if it failed).

    Example: `weavergen workflow run check --param registry=examples/registry --param skip_policies=true`.
    """
    from weavergen.diagnostics import has_error
    from weavergen.forge.generate import parse_params
    from weavergen.workflow import run_workflow
    from weavergen.workflow_library import WorkflowError

    start, problems = parse_params(param or [], None)  # the same `key=<yaml>` reading as generate's -D
    if problems:
        _print_diagnostics(problems)
        raise typer.Exit(2)
    try:
        run = run_workflow(name, start, library=_library(workflows, allow_scripts))
    except WorkflowError as exc:
        _print_diagnostics(exc.diagnostics)
        raise typer.Exit(1) from None
    report = run.context.report
    diagnostics = (list(report.diagnostics) if report is not None else []) + run.diagnostics
    if fmt == "json":
        record = run.as_record()
        record["data"] = run.data
        record["diagnostics"] = [
            {"code": d.code, "severity": str(d.severity), "message": d.message} for d in diagnostics
        ]
        sys.stdout.write(json.dumps(record, indent=2, default=str) + "\n")
    else:
        _print_diagnostics(diagnostics)
        status = "failed" if run.failed else "completed"
        typer.echo(
            f"{run.process} {status} in {run.duration_ms:.1f} ms, end: {', '.join(run.end_events) or '-'}"
        )
        for key, value in sorted(run.data.items()):
            if isinstance(value, dict):
                typer.echo(f"  {key}: {json.dumps(value, default=str)}")
    raise typer.Exit(1 if run.failed or has_error(diagnostics) else 0)


@debug_app.command("spans")
def spans_command(
    fmt: Annotated[
        str,
        typer.Option("--format", metavar="[tree|json|mermaid]", help="tree, json or a Mermaid gantt chart."),
    ] = "tree",
    back: Annotated[int, typer.Option("--back", min=0, help="0 is the last run, 1 the one before…")] = 0,
    registry: Annotated[
        str | None,
        typer.Option(
            "-r", "--registry", help="Only the runs on this registry (default: the last run on any registry)."
        ),
    ] = None,
) -> None:
    """Show the spans of the last workflow run (weavergen keeps the last 20 runs of each registry)."""
    from weavergen.runs import load_run, span_tree, spans_gantt, stored_runs

    if fmt not in ("tree", "json", "mermaid"):
        raise typer.BadParameter(f"{fmt!r} is not one of tree, json, mermaid", param_hint="'--format'")
    runs = stored_runs(registry)
    if back >= len(runs):
        which = f" on {registry}" if registry else ""
        typer.echo(
            f"No workflow run is recorded{which} yet (or the cache is off): run a command such as "
            f"`weavergen registry check{f' -r {registry}' if registry else ''}` first.",
            err=True,
        )
        raise typer.Exit(1)
    record = load_run(runs[-1 - back])
    spans = record["spans"]
    if fmt == "json":
        record["spans"] = [s.as_dict() for s in spans]
        sys.stdout.write(json.dumps(record, indent=2, default=str) + "\n")
    elif fmt == "mermaid":
        sys.stdout.write(spans_gantt(spans, f"{record.get('process')} run {record.get('run_id')}"))
    else:
        sys.stdout.write(span_tree(spans))


benchmark_app = typer.Typer(
    help="Measure weavergen on your registry.", no_args_is_help=True, rich_markup_mode=None
)


@benchmark_app.command("parallel")
def parallel_command(
    targets: Annotated[
        str, typer.Option("--targets", metavar="A,B,C", help="Targets to generate, comma-separated.")
    ],
    registry: Annotated[
        str | None,
        typer.Option("-r", "--registry", help="The registry; without it, `[registry] path` of .weaver.toml."),
    ] = None,
    templates: Annotated[
        str | None,
        typer.Option(
            "-t", "--templates", help="Your templates folder; without it, the targets are the built-in ones."
        ),
    ] = None,
    param: Annotated[list[str] | None, typer.Option("-D", "--param", metavar="KEY=VALUE")] = None,
    repeat: Annotated[int, typer.Option("--repeat", min=1, help="Best of this many runs each way.")] = 1,
    skip_policies: Annotated[bool, typer.Option("--skip-policies", help="Do not evaluate policies.")] = False,
) -> None:
    """Generate the targets sequentially, then in parallel, and compare the times and the outputs."""
    from weavergen.builtin_targets import unknown_targets
    from weavergen.forge import GenerateOptions
    from weavergen.workflow_commands import compare_parallel

    names = [t.strip() for t in targets.split(",") if t.strip()]
    if not names:
        raise typer.BadParameter("give at least one target", param_hint="'--targets'")
    folder, unknown, known = unknown_targets(templates, list(dict.fromkeys(names)))
    if unknown:
        where = f"in `{templates}`" if templates is not None else "among the built-in targets"
        typer.echo(
            f"error: no target {', '.join(f'`{n}`' for n in unknown)} {where}; "
            f"the targets there are: {', '.join(known) or 'none'}",
            err=True,
        )
        raise typer.Exit(2)
    if registry is None:
        from weavergen.config import CheckOverrides, ConfigError, load_project_config, resolve_check_settings

        try:
            registry = resolve_check_settings(
                load_project_config(None, Path.cwd()), CheckOverrides()
            ).options.registry
        except ConfigError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    options = GenerateOptions(
        registry=registry, templates=folder, params=list(param or []), skip_policies=skip_policies
    )
    result = compare_parallel(options, names, repeat)
    _print_diagnostics(result.diagnostics)
    typer.echo(f"targets:     {', '.join(result.targets)} ({result.files} files)")
    typer.echo(f"sequential:  {result.sequential_ms:8.1f} ms   (render {result.render_sequential_ms:.1f} ms)")
    typer.echo(f"parallel:    {result.parallel_ms:8.1f} ms   (render {result.render_parallel_ms:.1f} ms)")
    typer.echo(f"speedup:     {result.speedup:.2f}x overall, {result.render_speedup:.2f}x rendering")
    typer.echo(f"outputs:     {'identical' if result.identical else 'DIFFERENT'}")
    raise typer.Exit(0 if result.identical and not result.diagnostics else 1)
