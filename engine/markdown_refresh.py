"""update-markdown's rendering pass: every snippet of every `*.md` file re-rendered from the template
schema, in a child process under the rendering budget (`forge.sandbox`), then written (or diffed)."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic
from weavergen.markdown import SnippetRenderer, UpdateMarkdownOptions, UpdateMarkdownReport, update_contents


def refresh_markdown(
    options: UpdateMarkdownOptions,
    report: UpdateMarkdownReport,
    resolution: Any,
    setup: tuple[Path, dict[str, Any]],
) -> None:
    """Re-render every snippet of every `*.md` under the markdown folder from a resolved registry, in a
    child process under the rendering budget (`forge.sandbox`)."""
    from weavergen.forge.generate import template_schema
    from weavergen.forge.sandbox import BudgetExceeded, bounded

    schema = template_schema(resolution, options.v2)
    try:
        done: UpdateMarkdownReport = bounded(
            refresh_snippets, (options, schema, setup), "the markdown snippets"
        )
    except BudgetExceeded as exc:
        report.diagnostics.append(exc.diagnostic)
        return
    report.diagnostics.extend(done.diagnostics)
    report.changed.extend(done.changed)
    report.diffs.update(done.diffs)
    report.snippets += done.snippets
    report.files += done.files


def refresh_snippets(
    options: UpdateMarkdownOptions, schema: dict[str, Any], setup: tuple[Path, dict[str, Any]]
) -> UpdateMarkdownReport:
    """Re-render (and, unless a dry run, write) the snippets from the template schema; what changed."""
    from weavergen.output import OutputError, write_atomic

    report = UpdateMarkdownReport()
    target_dir, params = setup
    root = Path(options.markdown_dir)
    groups = {} if options.v2 else {g["id"]: g for g in schema.get("groups", [])}
    renderer = SnippetRenderer(
        target_dir, groups, params, options.attribute_registry_base_url, options.project_config
    )
    if options.v2:
        renderer.v2_schema = schema
    report.diagnostics.extend(renderer.diagnostics)
    for path in sorted(p for p in root.rglob("*") if p.suffix == ".md" and p.is_file()):
        report.files += 1
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            report.diagnostics.append(
                Diagnostic(
                    code="WriteGeneratedCodeFailed",
                    message=f"{path} is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                    "its snippets were not updated.",
                    file=str(path),
                    help="Convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`).",
                )
            )
            continue
        crlf = text.count("\r\n") * 2 > text.count("\n")
        original = text.replace("\r\n", "\n")
        updated, count, problems = update_contents(original, str(path), renderer)
        report.snippets += count
        report.diagnostics.extend(problems)
        if problems or updated == original:
            continue
        report.changed.append(str(path))
        if options.dry_run:
            report.diffs[str(path)] = "".join(
                difflib.unified_diff(
                    original.splitlines(keepends=True),
                    updated.splitlines(keepends=True),
                    fromfile=str(path),
                    tofile=f"{path} (updated)",
                )
            )
            continue
        try:
            write_atomic(path, updated.replace("\n", "\r\n") if crlf else updated)
        except OutputError as exc:
            report.diagnostics.append(
                Diagnostic(
                    code="WriteGeneratedCodeFailed",
                    message=str(exc),
                    file=str(path),
                    error={"WriteGeneratedCodeFailed": {"template": str(path), "error": str(exc)}},
                )
            )
    if options.dry_run and report.changed:
        report.diagnostics.append(
            Diagnostic(
                code="MarkdownNotUpToDate",
                message="The update-markdown command found differences in dry-run: "
                + ", ".join(report.changed),
                help="Run `weavergen registry update-markdown` without --dry-run to update these files.",
            )
        )
    return report
