"""`weavergen registry review`: how good a registry is, not only whether it is valid.

A thin adapter: the `registry_review` process checks the registry (as `registry stats`, without
policies) and reviews it (`weavergen.review`); this renders the report to stdout. With `--ai`, models
propose improvements that the engine verifies before they are shown (`weavergen.review.ai`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from weavergen.cli.options import EndpointOption, ModelOption, TimeoutOption
from weavergen.cli.registry import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    DiagnosticTemplateOption,
    FollowSymlinksOption,
    IncludeUnreferencedOption,
    RegistryOption,
    V2Option,
    _one_of,
    _run_command,
    _write,
    registry_app,
)

if TYPE_CHECKING:
    from weavergen.cli.main import GlobalOptions
    from weavergen.review.ai import AIReviewRun

REVIEW_FORMATS = ("ansi", "json", "markdown", "sarif")


@registry_app.command("review")
def review_command(
    ctx: typer.Context,
    registry: RegistryOption = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="[ansi|json|markdown|sarif]",
            help="ansi (score, namespaces, near-duplicates, top findings), json (the whole report), "
            "markdown (tables) or sarif (the findings, for code scanning). [default: ansi]",
            callback=_one_of(REVIEW_FORMATS),
        ),
    ] = "ansi",
    namespace: Annotated[
        str | None,
        typer.Option("--namespace", "-n", metavar="<NAMESPACE>", help="Review only this root namespace."),
    ] = None,
    top: Annotated[
        int,
        typer.Option(
            "--top", min=0, help="How many findings and near-duplicates to list (0: all). [default: 20]"
        ),
    ] = 20,
    fail_under: Annotated[
        float | None,
        typer.Option("--fail-under", metavar="<SCORE>", help="Exit 1 when the score is below SCORE (0–100)."),
    ] = None,
    ai: Annotated[
        bool,
        typer.Option("--ai", help="Ask AI models for improvements, kept only once the engine verified them."),
    ] = False,
    model: ModelOption = None,
    endpoint: EndpointOption = None,
    timeout: TimeoutOption = 60.0,
    max_namespaces: Annotated[
        int,
        typer.Option(
            "--max-namespaces", min=1, help="With --ai and no --namespace: the lowest-scoring N. [default: 3]"
        ),
    ] = 3,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="With --ai: write the kept proposals (atomically). Without it, nothing is written.",
        ),
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="With --ai: print the unified diff of the kept proposals.")
    ] = False,
    v2: V2Option = None,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
) -> None:
    """Review a registry's quality: documentation, naming, near-duplicates, lifecycle, and a 0–100 score.

    Offline and deterministic. The registry is checked first, as `registry stats` does (no policies): an
    error exits 1 without a review. Findings are advice; the score and its rubric are explained in
    docs/review.md.
    """
    from weavergen.config import CheckOverrides
    from weavergen.review.render import render_review

    options: GlobalOptions = ctx.obj
    overrides = CheckOverrides(
        registry=registry,
        skip_policies=True,
        v2=v2,
        future=options.future,
        follow_symlinks=follow_symlinks,
        include_unreferenced=include_unreferenced,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
        diagnostic_template=diagnostic_template,
    )
    code, outputs = _run_command("registry_review", {"namespace": namespace}, overrides, options)
    report = outputs.get("review")
    if report is None:
        raise typer.Exit(code)
    if namespace is not None and not report.definitions:
        _write(sys.stderr, f"error: the registry has no namespace `{namespace}`")
        raise typer.Exit(1)
    run = outputs.get("source")
    color = fmt == "ansi" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    sys.stdout.write(render_review(report, fmt, source=run, color=color, top=top))
    if ai:
        code = max(
            code,
            _ai_review(registry or ".", namespace, model, endpoint, timeout, max_namespaces, apply, diff),
        )
    if fail_under is not None and report.score < fail_under:
        _write(sys.stderr, f"error: the quality score {report.score:.1f} is below {fail_under:g}")
        raise typer.Exit(1)
    raise typer.Exit(code)


def run_ai_review(
    registry: str,
    namespace: str | None,
    models: list[str] | None,
    endpoint: str | None,
    timeout: float,
    limit: int,
) -> AIReviewRun | None:
    """Run the AI review (`weavergen.review.ai.ai_review`) on the registry folder and report what it kept
    and dropped on stderr; None (said on stderr) when no model is configured or it is no folder."""
    import asyncio
    from pathlib import Path

    from weavergen.ai import AISettings
    from weavergen.review.ai import ai_review
    from weavergen.review.render import render_ai_review
    from weavergen.workspace import RegistryWorkspace, WorkspaceOptions

    settings = AISettings.from_env(models, endpoint, timeout)
    reason = settings.unavailable_reason()
    root = Path(registry)
    if reason is None and not root.is_dir():
        reason = f"the AI review needs a registry folder on disk; {registry} is not one"
    if reason is not None:
        _write(sys.stderr, f"error: {reason}")
        return None
    ws = RegistryWorkspace(root, WorkspaceOptions(skip_policies=True))
    run = asyncio.run(ai_review(ws, settings.models, settings, [namespace] if namespace else None, limit))
    _write(sys.stderr, render_ai_review(run))
    return run


def write_ai_review(run: AIReviewRun) -> bool:
    """Write the kept proposals to the registry files (all or none, atomically); False when refused."""
    from weavergen.review.ai import write_kept

    written, errors = write_kept(run)
    for error in errors:
        _write(sys.stderr, f"error: {error}")
    if written:
        _write(sys.stderr, f"wrote {len(written)} file(s)")
    return not errors


def _ai_review(
    registry: str,
    namespace: str | None,
    models: list[str] | None,
    endpoint: str | None,
    timeout: float,
    limit: int,
    apply: bool,
    diff: bool,
) -> int:
    """`--ai`: the AI review, its diff with --diff, its writes with --apply. The exit code: 1 when the AI
    review cannot run or the files could not be written."""
    from weavergen.review.render import render_diff

    run = run_ai_review(registry, namespace, models, endpoint, timeout, limit)
    if run is None:
        return 1
    if diff:
        sys.stdout.write(render_diff(run.originals, run.final, Path(run.root)))
    if apply and run.final and not write_ai_review(run):
        return 1
    return 0
