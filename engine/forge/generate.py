"""`registry generate` as composable, picklable steps: prepare → render_target (pure) → write_outputs.

A workflow runner calls the steps itself (rendering targets in a process pool if it likes); `generate`
composes them for callers that do not care. No step raises on bad input: problems come back as diagnostics.
"""

from __future__ import annotations

import functools
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from weavergen.check import CheckOptions
from weavergen.diagnostics import Diagnostic, blocking_errors, internal_error
from weavergen.forge.config import (
    ForgeConfig,
    TemplateEntry,
    apply_project_template,
    discover_config_files,
    list_template_files,
    load_config,
    local_templates,
    templates_root,
)
from weavergen.forge.jq import JqError, jq_variables, run_jq

MAX_WORKERS = 2
"""Parallel renders of one `application_mode: each` entry."""


@dataclass(slots=True)
class GenerateOptions:
    """What `weavergen registry generate` was asked to do (weaver's flags)."""

    registry: str
    target: str = ""
    output: str = "output"
    templates: str = "templates"
    configs: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    params_file: str | None = None
    policies: list[str] = field(default_factory=list)
    skip_policies: bool = False
    v2: bool = False
    future: bool = False
    follow_symlinks: bool = False
    include_unreferenced: bool = False
    project_config: str | None = None
    """The `.weaver.toml` whose `[template]` section overlays every weaver.yaml (acronyms, text_maps)."""

    def check_options(self) -> CheckOptions:
        """The registry check that generation runs first (weaver's flags carried over)."""
        return CheckOptions(
            registry=self.registry,
            policies=list(self.policies),
            skip_policies=self.skip_policies,
            v2=self.v2,
            future=self.future,
            follow_symlinks=self.follow_symlinks,
            include_unreferenced=self.include_unreferenced,
        )


@dataclass(slots=True)
class GenerateJob:
    """Everything rendering needs, as plain picklable data: the context, the config, the template files."""

    target_dir: str
    config: ForgeConfig
    context: Any
    cli_params: dict[str, Any]
    template_files: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether rendering may run: no error so far but policy violations, which (as in weaver) only
        make the command exit 1 after the files are written."""
        return not blocking_errors(self.diagnostics)


@dataclass(frozen=True, slots=True)
class RenderedFile:
    """One output file: its path relative to OUTPUT (as the template named it) and its exact text."""

    path: str
    content: str
    template: str
    template_file: str | None = None
    """The template's path on disk, where diagnostics about this file point (None: use `template`)."""


@dataclass(slots=True)
class RenderResult:
    """What rendering produced: files to write and the diagnostics of the templates that failed."""

    files: list[RenderedFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass(slots=True)
class GenerateReport:
    """The outcome of `generate`: every diagnostic, the files written, and registry sources for rendering."""

    diagnostics: list[Diagnostic]
    written: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def source(self, file: str) -> str | None:
        """The text of a registry file by its provenance path (for diagnostic renderers)."""
        return self.sources.get(file)


def parse_params(pairs: list[str], params_file: str | None) -> tuple[dict[str, Any], list[Diagnostic]]:
    """CLI parameters: `--params FILE` (top-level `params:`) overridden by each `-D key=<yaml value>`."""
    from weavergen.document import parse

    params: dict[str, Any] = {}
    diagnostics: list[Diagnostic] = []
    if params_file:
        try:
            doc = parse(Path(params_file).read_text(encoding="utf-8"), params_file)
        except OSError as exc:
            diagnostics.append(
                _param_error(f"cannot read `{params_file}`: {exc.strerror or exc}", params_file)
            )
            doc = None
        if doc is not None:
            if not doc.ok:
                diagnostics.extend(doc.diagnostics)
            elif not isinstance(doc.data, dict) or not isinstance(doc.data.get("params"), dict):
                diagnostics.append(
                    _param_error("the file must have a top-level `params:` mapping", params_file)
                )
            else:
                params.update(doc.data.get("params") or {})
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            diagnostics.append(_param_error(f"`{pair}` is not `key=value`; write e.g. `-D name=value`", None))
            continue
        doc = parse(value, "<param>")
        if not doc.ok:
            diagnostics.append(_param_error(f"the value of `{key}` is not valid YAML: {value}", None))
            continue
        params[key] = doc.data
    if "params" in params:
        diagnostics.append(_param_error("The parameter `params` is a reserved parameter name", params_file))
        params.pop("params")
    return params, diagnostics


def _param_error(message: str, file: str | None) -> Diagnostic:
    return Diagnostic(code="InvalidParam", message=message, file=file)


def template_schema(resolution: Any, v2: bool) -> Any:
    """The context templates see before jq: weaver's v1 template schema or the v2 materialized registry,
    with every object's keys sorted (weaver's serde_json maps are ordered)."""
    from weavergen.output import resolved_document

    document = resolved_document(resolution, v2)
    if not v2:
        _omit_empty_text(document)
    return json.loads(json.dumps(document, sort_keys=True, ensure_ascii=False))


def _omit_empty_text(document: dict[str, Any]) -> None:
    """weaver omits an empty `brief`, `note` or `prefix` of v1 groups and their attributes."""
    for group in document.get("groups", []):
        for item in (group, *group.get("attributes", [])):
            for key in ("brief", "note", "prefix"):
                if item.get(key) == "":
                    del item[key]


def prepare(options: GenerateOptions) -> GenerateJob:
    """Check and resolve the registry, load the target's weaver.yaml and params; never raises."""
    job = GenerateJob(target_dir="", config=ForgeConfig(), context=None, cli_params={}, template_files=[])
    try:
        _prepare(options, job)
    except Exception as exc:  # an internal failure is reported, never raised
        job.diagnostics.append(internal_error(f"{type(exc).__name__}: {exc}"))
    return job


def _prepare(options: GenerateOptions, job: GenerateJob) -> None:
    from weavergen.check import check_registry

    prepare_templates(options, job)
    if not job.ok:
        return
    report = check_registry(options.check_options())
    job.diagnostics.extend(report.diagnostics)
    job.sources = report.sources
    if report.resolution is None or blocking_errors(report.diagnostics):
        return
    job.context = template_schema(report.resolution, options.v2)


def prepare_templates(options: GenerateOptions, job: GenerateJob) -> None:
    """The template side of `prepare`: target folder, weaver.yaml, params and template files.

    The generate workflow calls it after its own check and resolve tasks, then sets `job.context`.
    """
    templates, problem = local_templates(options.templates)
    if problem is not None or templates is None:
        job.diagnostics.extend([problem] if problem is not None else [])
        return
    target_dir = templates_root(templates, options.target)
    job.target_dir = str(target_dir)
    if not target_dir.is_dir():
        job.diagnostics.append(
            Diagnostic(
                code="TargetNotSupported",
                message=f"Target `{options.target}` not found in `{options.templates}`. "
                "Use the name of a folder of the templates directory.",
                file=options.templates,
                error={
                    "TargetNotSupported": {
                        "root_path": options.templates,
                        "target": options.target,
                        "error": "Use the name of a folder of the templates directory.",
                    }
                },
                help="Templates are looked up in <templates>/registry/<target>, else <templates>/<target>.",
            )
        )
        return
    cli_params, diagnostics = parse_params(options.params, options.params_file)
    job.diagnostics.extend(diagnostics)
    files = discover_config_files(target_dir, [Path(c) for c in options.configs] or None)
    job.config, diagnostics = load_config(files)
    job.diagnostics.extend(diagnostics)
    job.diagnostics.extend(apply_project_template(job.config, options.project_config))
    job.cli_params = cli_params
    job.template_files = list_template_files(target_dir)
    job.diagnostics.extend(_unmatched_patterns(job))


def _unmatched_patterns(job: GenerateJob) -> list[Diagnostic]:
    out = []
    for entry in job.config.templates or []:
        if not any(entry.matches(f) for f in job.template_files):
            where = entry.where
            out.append(
                Diagnostic(
                    code="InvalidTemplatePattern",
                    message=f"Template pattern '{entry.pattern}' did not match any files",
                    error={
                        "InvalidTemplatePattern": {
                            "error": f"Template pattern '{entry.pattern}' did not match any files"
                        }
                    },
                    file=where.file if where else None,
                    range=where.range if where else None,
                    help=f"Files of {job.target_dir}: {', '.join(job.template_files[:10]) or 'none'}.",
                )
            )
    return out


def entry_params(job: GenerateJob, entry: TemplateEntry) -> dict[str, Any]:
    """Params of one entry: top-level weaver.yaml < the entry's own < CLI (`-D`, `--params`)."""
    return {**job.config.params, **entry.params, **job.cli_params}


def render_target(job: GenerateJob, entries: list[int] | None = None) -> RenderResult:
    """Render the job's templates (all entries, or the given entry indexes); pure: writes nothing."""
    from weavergen.forge.render import TemplateProblem, native

    result = RenderResult()
    if not job.ok or job.context is None:
        return result
    root = Path(job.target_dir)
    config_entries = job.config.templates or []
    indexes = range(len(config_entries)) if entries is None else entries
    for index in indexes:
        entry = config_entries[index]
        params = entry_params(job, entry)
        variables = jq_variables(params)
        try:
            items = _select(job.context, entry, variables)
        except TemplateProblem as exc:
            result.diagnostics.append(exc.diagnostic)
            continue
        if items is None:
            continue
        templates = [f for f in job.template_files if entry.matches(f)]
        render = functools.partial(_render_one, root, job.config, entry, {**params, "params": params})
        work = [(native(item), t) for item in items for t in templates]
        if entry.application_mode == "each" and len(work) > 1:
            with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, os.cpu_count() or 1)) as pool:
                outcomes = list(pool.map(render, [w[0] for w in work], [w[1] for w in work]))
        else:
            outcomes = [render(*w) for w in work]
        for outcome in outcomes:
            if isinstance(outcome, Diagnostic):
                result.diagnostics.append(outcome)
            else:
                result.files.append(outcome)
    return result


def render_bounded(job: GenerateJob, label: str) -> RenderResult:
    """`render_target(job)` in a child process under the rendering budget (`forge.sandbox`): a template
    or filter that loops, exhausts memory or crashes becomes a diagnostic naming it."""
    from weavergen.forge.sandbox import BudgetExceeded, bounded

    try:
        result: RenderResult = bounded(render_target, (job,), label)
    except BudgetExceeded as exc:
        return RenderResult(diagnostics=[exc.diagnostic])
    return result


def _render_one(
    root: Path, config: ForgeConfig, entry: TemplateEntry, params: dict[str, Any], item: Any, template: str
) -> RenderedFile | Diagnostic:
    """One render of one template: its output path (file_name, else the template's name minus `.j2`,
    else what `template.set_file_name` said) and text, or the diagnostic of what went wrong."""
    from weavergen.forge.render import TemplateHandle, TemplateProblem, environment, render_source
    from weavergen.forge.sandbox import at

    at("TemplateEvaluationFailed", f"template `{template}`", str(root / template))
    env = environment(root, config, entry.auto_escape)
    where = (entry.where.file, entry.where.range) if entry.where else None
    try:
        if entry.file_name is not None:
            path = render_source(env, None, entry.file_name, {"ctx": item, "params": params}, None, where)
        else:
            path = PurePosixPath(template).name.removesuffix(".j2")
        handle = TemplateHandle()
        text = render_source(env, template, None, {"ctx": item, "params": params}, handle)
    except TemplateProblem as exc:
        return exc.diagnostic
    return RenderedFile(handle.file_name or path, text, template, str(root / template))


def _select(context: Any, entry: TemplateEntry, variables: dict[str, Any]) -> list[Any] | None:
    """`when`, then `filter`: the values to render once each (None: nothing to render)."""
    from weavergen.forge.render import TemplateProblem
    from weavergen.forge.sandbox import at

    if entry.when is not None:
        _at_filter(at, "`when` clause", entry.when, entry.when_where)
        try:
            decision = run_jq(entry.when, context, variables)
        except JqError as exc:
            raise TemplateProblem(_jq_diagnostic(str(exc), entry.when_where)) from None
        if not isinstance(decision, bool):
            where = entry.when_where
            raise TemplateProblem(
                Diagnostic(
                    code="WhenClauseNotBoolean",
                    message=f"The `when` clause `{entry.when.strip()}` must produce exactly one boolean, "
                    f"got {json.dumps(decision)}",
                    file=where.file if where else None,
                    range=where.range if where else None,
                    help="Make the jq expression yield true or false, e.g. `.groups | length > 0`.",
                )
            )
        if not decision:
            return None
    _at_filter(at, "filter", entry.filter, entry.filter_where)
    try:
        value = run_jq(entry.filter, context, variables)
    except JqError as exc:
        raise TemplateProblem(_jq_diagnostic(str(exc), entry.filter_where)) from None
    if entry.application_mode == "single":
        return None if value is None or value == [] else [value]
    return value if isinstance(value, list) else [value]


def _at_filter(at: Any, kind: str, code: str, where: Any) -> None:
    line = where.range.start.line if where is not None and where.range is not None else None
    at("FilterError", f"jq {kind} `{code.strip()}`", where.file if where else None, line)


def _jq_diagnostic(message: str, where: Any) -> Diagnostic:
    return Diagnostic(
        code="FilterError",
        message=message,
        error=filter_error(message),
        file=where.file if where else None,
        range=where.range if where else None,
        help="Check the jq filter (jaq syntax); weaver's semconv_* helpers are available.",
    )


def write_outputs(output_dir: str | Path, files: list[RenderedFile]) -> tuple[list[str], list[Diagnostic]]:
    """Write the set of files inside `output_dir`: every file is staged first, and only when all are
    staged are they renamed into place, so a failure (or a kill) never leaves a half-updated set; the
    temporary files a killed run left are swept first. A path that leaves the folder is refused."""
    from weavergen.output import OutputError, commit, stage, sweep_temporary_files

    root = Path(output_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
        sweep_temporary_files(root)
    except OSError as exc:
        return [], [_write_error(str(root), f"cannot create the output folder: {exc.strerror or exc}", None)]
    base = root.resolve()
    staged: list[tuple[Path, Path, str]] = []
    diagnostics: list[Diagnostic] = []
    for f in files:
        rel = PurePosixPath(f.path)
        target = (base / rel).resolve()
        if rel.is_absolute() or ".." in rel.parts or not target.is_relative_to(base) or target == base:
            diagnostics.append(
                Diagnostic(
                    code="InvalidFilePath",
                    message=f"The template `{f.template}` names the output path `{f.path}`, which is outside "
                    f"the output folder `{output_dir}`; nothing was written there.",
                    file=f.template_file or f.template,
                    help="Use a path relative to OUTPUT without `..`, and no symlink that leads out of it.",
                )
            )
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.append((stage(base / rel, f.content), base / rel, str(root / rel)))
        except (OSError, OutputError) as exc:
            diagnostics.append(_write_error(str(base / rel), str(exc), f.template))
    if any(d.code == "WriteGeneratedCodeFailed" for d in diagnostics):
        for tmp, _, _ in staged:
            tmp.unlink(missing_ok=True)
        return [], diagnostics
    written: list[str] = []
    for tmp, path, shown in staged:
        try:
            commit(tmp, path)
            written.append(shown)
        except OutputError as exc:
            diagnostics.append(_write_error(str(path), str(exc), None))
    return written, diagnostics


def _write_error(path: str, message: str, template: str | None) -> Diagnostic:
    return Diagnostic(
        code="WriteGeneratedCodeFailed",
        message=f"Writing of the generated code {path} failed: {message}",
        file=template,
        error={"WriteGeneratedCodeFailed": {"template": path, "error": message}},
    )


def filter_error(message: str) -> dict[str, Any]:
    """weaver_forge's `FilterError {filter, error}` payload of a jq failure (`Filter '<f>' failed: <e>`)."""
    match = re.match(r"Filter '(?P<filter>.*?)' failed: (?P<error>.*)", message, re.S)
    if match is None:
        return {"FilterError": {"filter": "", "error": message}}
    return {"FilterError": {"filter": match["filter"], "error": match["error"]}}


def generate(options: GenerateOptions) -> GenerateReport:
    """prepare → render_target → write_outputs; output is written only when nothing failed before it."""
    job = prepare(options)
    report = GenerateReport(diagnostics=list(job.diagnostics), sources=job.sources)
    if not job.ok:
        return report
    try:
        result = render_bounded(job, f"target `{options.target}`")
    except Exception as exc:  # an internal failure is reported, never raised
        report.diagnostics.append(internal_error(f"{type(exc).__name__}: {exc}"))
        return report
    report.diagnostics.extend(result.diagnostics)
    written, diagnostics = write_outputs(options.output, result.files)
    report.written = written
    report.diagnostics.extend(diagnostics)
    return report
