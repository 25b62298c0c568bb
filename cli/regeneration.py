"""`weavergen regeneration`: the DMEDI cycle over one system (a generation recorded in a lock file).

A thin face over `weavergen.regeneration` (the phases), `weavergen.systems` (labels, lookup, forget) and
`weavergen.regeneration_ops` (the `regeneration_dmedi_cycle` process `auto` runs).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from weavergen.cli.forge import ParamOption
from weavergen.cli.main import app
from weavergen.cli.registry import RegistryOption, _one_of, _write

if TYPE_CHECKING:
    from weavergen.diagnostics import Diagnostic
    from weavergen.systems import System

regeneration_app = typer.Typer(
    help="The DMEDI cycle over generated outputs: define, measure, explore, develop, implement a system "
    "(a generation recorded in `.weavergen-lock.json`), or all five with `auto`.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(regeneration_app, name="regeneration")

IdArgument = Annotated[
    str,
    typer.Argument(metavar="ID", help="The system's label (`generate --system ID`; default: the target)."),
]
PathOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--path",
        metavar="<PATH>",
        help="Lock file, or folder searched for `.weavergen-lock.json` files; repeatable. [default: .]",
    ),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite (or delete) files edited by hand too.")]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        metavar="[text|json]",
        help="text or json. [default: text]",
        callback=_one_of(("text", "json")),
    ),
]


def _fail(diagnostics: list[Diagnostic], code: int = 1) -> typer.Exit:
    for d in diagnostics:
        _write(sys.stderr, f"error[{d.code}]: {d.message}" + (f"\n  help: {d.help}" if d.help else ""))
    return typer.Exit(code)


def _system(label: str, paths: list[Path] | None) -> System:
    from weavergen.systems import find_system

    system, problem = find_system(label, paths or [Path(".")])
    if system is None:
        raise _fail([problem] if problem else [], 2)
    return system


@regeneration_app.command("define")
def define_command(
    system_id: IdArgument,
    registry: RegistryOption = None,
    target: Annotated[
        str | None, typer.Option("--target", metavar="<TARGET>", help="Record a new system of this target.")
    ] = None,
    templates: Annotated[
        str | None,
        typer.Option("-t", "--templates", metavar="<TEMPLATES>", help="Templates folder [default: built-in]"),
    ] = None,
    output: Annotated[
        str, typer.Option("-o", "--output", metavar="<OUTPUT>", help="Its OUTPUT folder.")
    ] = "output",
    param: ParamOption = None,
    paths: PathOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Define: show what a system is, or record a new one (with --target and -r) without generating it.

    A new system has no outputs yet: `measure` shows every file as new until `implement` writes them.
    """
    from weavergen.regeneration import describe
    from weavergen.regeneration_ops import define_text

    if target is None:
        info = describe(_system(system_id, paths))
    else:
        info = describe(_record(system_id, target, registry, templates, output, list(param or [])))
    _write(sys.stdout, json.dumps(info, indent=2) if fmt == "json" else define_text(info))


def _record(
    label: str, target: str, registry: str | None, templates: str | None, output: str, params: list[str]
) -> System:
    from weavergen.builtin_targets import builtin_target, targets_root
    from weavergen.forge import GenerateOptions
    from weavergen.regeneration import record_system
    from weavergen.systems import label_problem

    if not registry:
        _write(sys.stderr, "error: give the system's registry with -r REGISTRY")
        raise typer.Exit(2)
    if templates is None:
        if builtin_target(target) is None:
            _write(sys.stderr, f"error: `{target}` is not a built-in target; give your templates with -t")
            raise typer.Exit(2)
        templates = str(targets_root())
    options = GenerateOptions(
        registry=registry, target=target, output=output, templates=templates, params=params, system=label
    )
    problem = label_problem(options, [target])
    if problem is not None:
        raise _fail([problem], 2)
    return record_system(label, options, [target])


@regeneration_app.command("measure")
def measure_command(system_id: IdArgument, paths: PathOption = None, fmt: FormatOption = "text") -> None:
    """Measure: regenerate into a temporary folder; the entropy and each drifted file with its cause.

    Exit 0 when the system is in sync (entropy 0), 1 when it drifted or cannot be regenerated.
    """
    from weavergen.regeneration import measure_system
    from weavergen.regeneration_ops import measure_text

    system = _system(system_id, paths)
    drift = measure_system(system)
    if fmt == "json":
        _write(
            sys.stdout, json.dumps({"system": system.label, **drift.as_dict()}, indent=2, ensure_ascii=False)
        )
    else:
        _write(sys.stdout, measure_text(system.label, drift))
    raise typer.Exit(1 if drift.failed or drift.files else 0)


@regeneration_app.command("explore")
def explore_command(system_id: IdArgument, paths: PathOption = None, fmt: FormatOption = "text") -> None:
    """Explore: for each drifted file, the options (the default first) and the diff each would make."""
    from dataclasses import asdict

    from weavergen.regeneration import explore, explore_text, measure_system

    drift = measure_system(_system(system_id, paths))
    if drift.failed:
        raise _fail(drift.diagnostics)
    if fmt == "json":
        _write(sys.stdout, json.dumps([asdict(e) for e in explore(drift)], indent=2, ensure_ascii=False))
    else:
        _write(sys.stdout, explore_text(drift) or f"{system_id}: in sync, nothing to explore")


@regeneration_app.command("develop")
def develop_command(system_id: IdArgument, force: ForceOption = False, paths: PathOption = None) -> None:
    """Develop: render the system into its staging folder (`.weavergen-staging/ID` beside the lock) and
    show the full diff against OUTPUT. Nothing in OUTPUT changes; `implement` applies the staged set."""
    from weavergen.regeneration import develop, measure_system, staging_dir

    system = _system(system_id, paths)
    drift = measure_system(system)
    if drift.failed:
        raise _fail(drift.diagnostics)
    diff = develop(system, drift, force=force)
    _write(sys.stdout, diff or f"{system.label}: in sync, nothing would change")
    _write(
        sys.stderr,
        f"staged in {staging_dir(system)}; apply with `weavergen regeneration implement {system.label}`",
    )


@regeneration_app.command("implement")
def implement_command(system_id: IdArgument, force: ForceOption = False, paths: PathOption = None) -> None:
    """Implement: apply the staged set (developed now if nothing is staged) all or nothing, keeping files
    edited by hand unless --force, then measure again. Exit 0 when the system ends at entropy 0."""
    from weavergen.regeneration import implement
    from weavergen.regeneration_ops import implement_text

    system = _system(system_id, paths)
    done = implement(system, force=force)
    if done.after is None:
        raise _fail(done.result.diagnostics)
    _write(sys.stdout, implement_text(system.label, done.result, done.after))
    if done.result.diagnostics:
        raise _fail(done.result.diagnostics)
    raise typer.Exit(1 if done.after.failed or done.after.files else 0)


@regeneration_app.command("auto")
def auto_command(
    system_id: IdArgument,
    auto_confirm: Annotated[
        bool, typer.Option("--auto-confirm", "-y", help="Implement without asking for confirmation.")
    ] = False,
    force: ForceOption = False,
    paths: PathOption = None,
) -> None:
    """All five phases as the BPMN process `regeneration_dmedi_cycle` (one span per phase; see `weavergen
    debug spans`), asking before implement unless --auto-confirm. Exit 0 when the system ends in sync."""
    from weavergen.regeneration_ops import Cycle, run_cycle

    def report(phase: str, text: str) -> None:
        _write(sys.stdout, f"== {phase}\n{text}" if text.strip() else f"== {phase}")

    def confirm(_drift: Any) -> bool:
        try:
            return bool(typer.confirm("Implement these changes?", default=False, err=True))
        except (typer.Abort, EOFError):  # no terminal to answer: nothing is implemented
            return False

    cycle = Cycle(
        _system(system_id, paths), force=force, auto_confirm=auto_confirm, report=report, confirm=confirm
    )
    run = run_cycle(cycle)
    if run.failed:
        raise _fail(cycle.diagnostics or run.diagnostics)
    if "declined" in run.end_events:
        raise typer.Exit(1)
    raise typer.Exit(0 if "in_sync" in run.end_events or cycle.entropy_after == 0 else 1)


@regeneration_app.command("status")
def status_command(paths: PathOption = None, fmt: FormatOption = "text") -> None:
    """Every system's entropy at a glance, and the stale ones (registry, templates or OUTPUT gone).

    Exit 1 if any system drifted or cannot be regenerated (for CI), else 0.
    """
    from dataclasses import asdict

    from weavergen.regeneration import status

    rows = status(paths or [Path(".")])
    if fmt == "json":
        _write(sys.stdout, json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
    elif not rows:
        _write(sys.stdout, "no systems recorded (generate one with `weavergen generate TARGET --system ID`)")
    for row in rows if fmt == "text" else []:
        _write(sys.stdout, f"{row.system:<20} entropy {row.entropy:.3f}  {row.state}  ({row.output})")
    raise typer.Exit(1 if any(r.entropy > 0 for r in rows) else 0)


@regeneration_app.command("forget")
def forget_command(system_id: IdArgument, paths: PathOption = None) -> None:
    """Forget a system: remove it (and its staging folder) from its lock. Its outputs are not touched."""
    from weavergen.regeneration import forget_staging
    from weavergen.systems import forget

    system = _system(system_id, paths)
    forget(system)
    forget_staging(system)
    _write(sys.stdout, f"forgot {system.label} ({system.output_dir}); its files were left as they are")
