"""weaver's diagnostic templates: a folder `<template>/<format>/` (weaver.yaml + MiniJinja) renders the
diagnostics of a run in place of the built-in renderer, the context being weaver's list of
`DiagnosticMessage`s (`{error, diagnostic}`, as `--diagnostic-format json` writes them)."""

from __future__ import annotations

from weavergen.diagnostics import Diagnostic
from weavergen.render import SourceLookup, json_items, render


def render_with_template(
    diagnostics: list[Diagnostic], fmt: str, template: str, source: SourceLookup | None = None
) -> str | None:
    """The diagnostics rendered by `<template>/<fmt>`; None when there is no such folder. Problems of the
    templates themselves are appended in the built-in ansi format, so nothing is lost."""
    from weavergen.forge.context_render import render_with_templates, template_target

    if not template_target(template, fmt):
        return None
    files, problems = render_with_templates(json_items(diagnostics, source), template, fmt)
    text = "".join(f.content for f in files)
    if problems:
        text += ("\n" if text and not text.endswith("\n") else "") + render(problems, "ansi", summary=False)
    return text
