"""Render any document with a user's template folder, as `registry generate` renders a registry: the
live-check report (`live-check --format <folder>`) and weaver's diagnostic templates (`--diagnostic-format
<folder>` under `--diagnostic-template`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.forge.generate import (
    GenerateJob,
    GenerateOptions,
    RenderedFile,
    prepare_templates,
    render_bounded,
)


def template_target(templates: str, target: str) -> bool:
    """Whether `target` names a folder of `templates` (`<dir>/<target>` or `<dir>/registry/<target>`)."""
    root = Path(templates)
    return (root / target).is_dir() or (root / "registry" / target).is_dir()


def render_with_templates(
    context: Any, templates: str, target: str
) -> tuple[list[RenderedFile], list[Diagnostic]]:
    """Render `context` with the target folder's weaver.yaml and MiniJinja templates (jq filters,
    application modes and all); the rendered files and the diagnostics."""
    job = GenerateJob(target_dir="", config=None, context=None, cli_params={}, template_files=[])  # type: ignore[arg-type]
    prepare_templates(GenerateOptions(registry="", target=target, templates=templates), job)
    if not job.ok:
        return [], list(job.diagnostics)
    job.context = context
    result = render_bounded(job, f"target `{target}`")
    return list(result.files), [*job.diagnostics, *result.diagnostics]
