"""`registry update-markdown`: refresh `<!-- semconv GROUP_ID(args) -->…<!-- endsemconv -->` snippets.

Each snippet is the target's `snippet.md.j2` rendered with the resolved group; the text between the markers
is replaced, everything else is copied line by line (LF line endings, final newline), as weaver does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavergen.check import CheckOptions
from weavergen.diagnostics import Diagnostic, Range, has_error, internal_error

SNIPPET_TEMPLATE = "snippet.md.j2"
_WS = r"[ \t\r\n]*"
_ARG = r"(?:full|metric_table|omit_requirement_level|tag=[A-Za-z_][A-Za-z0-9_-]*)"
HEADER = re.compile(
    rf"^<!--{_WS}semconv{_WS}(?P<id>[A-Za-z][A-Za-z0-9._-]*)(?:\((?P<args>{_ARG}(?:,{_ARG})*)?\))?{_WS}-->{_WS}$"
)
TRAILER = re.compile(rf"^<!--{_WS}endsemconv{_WS}-->{_WS}$")
WEAVER_HEADER = re.compile(rf"^<!--{_WS}weaver\b")
WEAVER_SNIPPET = re.compile(
    rf"^<!--{_WS}weaver[ \t]+(?:template:(?P<name>[A-Za-z][A-Za-z0-9._-]*)[ \t]+)?(?P<query>.*?)-->{_WS}$"
)
WEAVER_TRAILER = re.compile(rf"^<!--{_WS}endweaver{_WS}-->{_WS}$")
# v2 snippet ids: `registry.<section>.<id>` or `refinements.<section>.<id>`, and the key naming an item.
V2_SECTIONS = {
    "attributes": ("attribute", "key"),
    "attribute_groups": ("attribute_group", "id"),
    "spans": ("span", "type"),
    "metrics": ("metric", "name"),
    "events": ("event", "name"),
    "entities": ("entity", "type"),
}
V2_REFINEMENTS = ("spans", "metrics", "events", "entities")


@dataclass(slots=True)
class UpdateMarkdownOptions:
    """What `weavergen registry update-markdown` was asked to do (weaver's flags)."""

    registry: str
    markdown_dir: str
    templates: str = "templates"
    target: str = "markdown"
    params: list[str] = field(default_factory=list)
    params_file: str | None = None
    dry_run: bool = False
    attribute_registry_base_url: str | None = None
    v2: bool = False
    future: bool = False
    follow_symlinks: bool = False
    include_unreferenced: bool = False
    project_config: str | None = None
    """The `.weaver.toml` whose `[template]` section overlays the target's weaver.yaml."""

    def check_options(self) -> CheckOptions:
        """The registry check update-markdown runs first: no policies, as weaver."""
        return CheckOptions(
            registry=self.registry,
            skip_policies=True,
            v2=self.v2,
            future=self.future,
            follow_symlinks=self.follow_symlinks,
            include_unreferenced=self.include_unreferenced,
        )


@dataclass(slots=True)
class UpdateMarkdownReport:
    """Diagnostics, the files that changed (or would change, in a dry run) and their diffs."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    snippets: int = 0
    files: int = 0
    sources: dict[str, str] = field(default_factory=dict)

    def source(self, file: str) -> str | None:
        """The text of a registry file by its provenance path (for diagnostic renderers)."""
        return self.sources.get(file)


@dataclass(frozen=True, slots=True)
class Snippet:
    """A parsed `<!-- semconv ID(args) -->` header."""

    group_id: str
    args: tuple[str, ...]

    @property
    def tag_filter(self) -> list[str]:
        """Only the first `tag=` value is used, as in weaver."""
        tags = [a[4:] for a in self.args if a.startswith("tag=")]
        return tags[:1]

    @property
    def snippet_type(self) -> str:
        """`metric_table` when asked for, else `attribute_table`."""
        return "metric_table" if "metric_table" in self.args else "attribute_table"


def parse_header(line: str) -> Snippet | None:
    """The snippet a line opens, or None when the line is not a semconv header."""
    m = HEADER.match(line)
    if m is None:
        return None
    args = tuple(m.group("args").split(",")) if m.group("args") else ()
    return Snippet(m.group("id"), args)


def is_trailer(line: str) -> bool:
    """Whether a line closes a snippet (`<!-- endsemconv -->`)."""
    return TRAILER.match(line) is not None


def _lines(text: str) -> list[str]:
    """Rust `str::lines()`: split on `\\n`, no trailing empty line, a trailing `\\r` removed."""
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return [p[:-1] if p.endswith("\r") else p for p in parts]


class SnippetRenderer:
    """Renders snippets of one template folder with one MiniJinja environment."""

    def __init__(
        self,
        target_dir: Path,
        groups: dict[str, Any],
        params: dict[str, Any],
        base_url: str | None,
        project_config: str | None = None,
    ) -> None:
        from weavergen.forge.config import apply_project_template, load_config
        from weavergen.forge.render import environment

        config_file = target_dir / "weaver.yaml"
        self.config, self.diagnostics = load_config([config_file] if config_file.is_file() else [])
        self.diagnostics.extend(apply_project_template(self.config, project_config))
        self.params = {**self.config.params, **params}
        self.env = environment(target_dir, self.config)
        self.groups = groups
        self.base_url = base_url
        self.v2_schema: dict[str, Any] | None = None

    def render(self, snippet: Snippet, file: str, line: int) -> str | Diagnostic:
        """The snippet's text (without the final newline), or a diagnostic placed on its header line."""
        from weavergen.forge.render import TemplateProblem, render_source
        from weavergen.forge.sandbox import at

        at("TemplateEvaluationFailed", f"the snippet `{snippet.group_id}`", file, line)
        rng = Range.of(line, 0, line, 0)
        if self.v2_schema is not None:
            return self._render_v2(snippet, file, rng)
        group = self.groups.get(snippet.group_id)
        if group is None:
            return Diagnostic(
                code="GroupNotFound",
                message=f"Could not find: {snippet.group_id}",
                file=file,
                range=rng,
                help="Use the id of a registry group (attribute group, span, metric, event or entity).",
            )
        values: dict[str, Any] = {
            "group": group,
            "snippet_type": snippet.snippet_type,
            "tag_filter": snippet.tag_filter,
            "params": self.params,
        }
        if self.base_url is not None:
            values["attribute_registry_base_url"] = self.base_url
        try:
            return render_source(self.env, SNIPPET_TEMPLATE, None, values, None, (file, rng))
        except TemplateProblem as exc:
            return exc.diagnostic

    def _render_v2(self, snippet: Snippet, file: str, rng: Range) -> str | Diagnostic:
        """A `<!-- semconv registry.<section>.<id> -->` snippet over the materialized v2 registry."""
        from weavergen.forge.render import TemplateProblem, render_source

        group = v2_group(self.v2_schema or {}, snippet.group_id)
        if isinstance(group, str):
            return Diagnostic(code="GroupNotFound", message=group, file=file, range=rng)
        values: dict[str, Any] = {"group": group, "tag_filter": snippet.tag_filter, "params": self.params}
        if self.base_url is not None:
            values["attribute_registry_base_url"] = self.base_url
        try:
            return render_source(self.env, SNIPPET_TEMPLATE, None, values, None, (file, rng))
        except TemplateProblem as exc:
            return exc.diagnostic

    def render_weaver(self, name: str | None, query: str, file: str, line: int) -> str | Diagnostic:
        """A `<!-- weaver [template:NAME] <jq> -->` snippet: the query's result is the template's root."""
        from weavergen.forge.generate import filter_error
        from weavergen.forge.jq import JqError, jq_variables, run_jq
        from weavergen.forge.render import TemplateProblem, render_source
        from weavergen.forge.sandbox import at

        at("FilterError", f"jq query `{query.strip()}`", file, line)
        rng = Range.of(line, 0, line, 0)
        try:
            result = run_jq(query, self.v2_schema, jq_variables(self.params, with_params=False))
            at("TemplateEvaluationFailed", f"template `{name or SNIPPET_TEMPLATE}`", file, line)
        except JqError as exc:
            return Diagnostic(
                code="FilterError", message=str(exc), file=file, range=rng, error=filter_error(str(exc))
            )
        values = dict(result) if isinstance(result, dict) else {}
        values["params"] = self.params
        try:
            return render_source(self.env, name or SNIPPET_TEMPLATE, None, values, None, (file, rng))
        except TemplateProblem as exc:
            return exc.diagnostic


def v2_group(schema: dict[str, Any], snippet_id: str) -> dict[str, Any] | str:
    """The flattened v2 item a snippet id names (with its `signal_type`), or weaver's error message."""
    head, _, rest = snippet_id.partition(".")
    section, _, item_id = rest.partition(".")
    if head == "registry" and section in V2_SECTIONS and item_id:
        signal_type, key = V2_SECTIONS[section]
        items = (schema.get("registry") or {}).get(section) or []
    elif head == "refinements" and section in V2_REFINEMENTS and item_id:
        signal_type, key = V2_SECTIONS[section][0], "id"
        items = (schema.get("refinements") or {}).get(section) or []
    else:
        return f"Could not parse snippet id: [{snippet_id}]"
    for item in items:
        if item.get(key) == item_id:
            return {"signal_type": signal_type, **item}
    return f"Could not find: {snippet_id}"


def update_contents(text: str, file: str, renderer: SnippetRenderer) -> tuple[str, int, list[Diagnostic]]:
    """The updated text of one markdown file, the number of snippets, and the problems found."""
    out: list[str] = []
    diagnostics: list[Diagnostic] = []
    snippets = 0
    inside = False
    trailer = TRAILER
    for number, line in enumerate(_lines(text.replace("\r\n", "\n"))):
        if inside:
            if trailer.match(line):
                out.append(line + "\n")
                inside = False
            continue
        out.append(line + "\n")
        weaver = WEAVER_SNIPPET.match(line) if renderer.v2_schema is not None else None
        if weaver is not None:
            snippets += 1
            inside = True
            trailer = WEAVER_TRAILER
            found = renderer.render_weaver(weaver.group("name"), weaver.group("query").strip(), file, number)
            if isinstance(found, Diagnostic):
                diagnostics.append(found)
            else:
                out.append(found + "\n")
            continue
        if WEAVER_HEADER.match(line):
            diagnostics.append(
                Diagnostic(
                    code="InvalidMarkdownSnippet",
                    message="Weaver snippets are not supported in V1",
                    file=file,
                    range=Range.of(number, 0, number, len(line)),
                )
            )
            continue
        snippet = parse_header(line)
        if snippet is None:
            continue
        snippets += 1
        inside = True
        trailer = TRAILER
        rendered = renderer.render(snippet, file, number)
        if isinstance(rendered, Diagnostic):
            diagnostics.append(rendered)
            out.append("")
        else:
            out.append(rendered + "\n")
    return "".join(out), snippets, diagnostics


def update_markdown(options: UpdateMarkdownOptions) -> UpdateMarkdownReport:
    """Refresh every `*.md` under the markdown folder (or, in a dry run, list those that would change)."""
    report = UpdateMarkdownReport()
    try:
        _update(options, report)
    except Exception as exc:  # an internal failure is reported, never raised
        report.diagnostics.append(internal_error(f"{type(exc).__name__}: {exc}"))
    return report


def _update(options: UpdateMarkdownOptions, report: UpdateMarkdownReport) -> None:
    from weavergen.check import check_registry
    from weavergen.markdown_refresh import refresh_markdown

    setup = markdown_setup(options, report)
    if setup is None:
        return
    check = check_registry(options.check_options())
    report.diagnostics.extend(check.diagnostics)
    report.sources = check.sources
    if check.resolution is None or has_error(report.diagnostics):
        return
    refresh_markdown(options, report, check.resolution, setup)


def markdown_setup(
    options: UpdateMarkdownOptions, report: UpdateMarkdownReport
) -> tuple[Path, dict[str, Any]] | None:
    """Check the target, the markdown folder and the params; the snippet target folder and params, or None.

    The update-markdown workflow runs this, then its own check and resolve, then `refresh_markdown`.
    """
    from weavergen.forge.config import local_templates, templates_root
    from weavergen.forge.generate import parse_params

    templates, problem = local_templates(options.templates)
    if problem is not None or templates is None:
        report.diagnostics.extend([problem] if problem is not None else [])
        return None
    target_dir = templates_root(templates, options.target)
    if not (target_dir / SNIPPET_TEMPLATE).is_file():
        report.diagnostics.append(
            Diagnostic(
                code="TargetNotSupported",
                message=f"Target `{options.target}` not found in `{options.templates}`: "
                f"no {SNIPPET_TEMPLATE} in {target_dir}",
                file=options.templates,
                error={
                    "TargetNotSupported": {
                        "root_path": options.templates,
                        "target": options.target,
                        "error": f"no {SNIPPET_TEMPLATE} in {target_dir}",
                    }
                },
                help="update-markdown renders <templates>[/registry]/<target>/snippet.md.j2.",
            )
        )
        return None
    root = Path(options.markdown_dir)
    if not root.is_dir():
        report.diagnostics.append(
            Diagnostic(code="InvalidMarkdownDir", message=f"`{root}` is not a folder", file=str(root))
        )
        return None
    params, diagnostics = parse_params(options.params, options.params_file)
    report.diagnostics.extend(diagnostics)
    return target_dir, params
