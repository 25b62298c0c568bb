"""MiniJinja rendering as weaver does it: a fresh environment per render, weaver's filters, native values.

Values reach templates as Python objects whose lists and maps print as MiniJinja 2.20 prints its own
(`["a", 1]`, `{"k": none}`) and iterate with sorted keys; Python keeps `1.0` a float on its way through
filters (MiniJinja's own numbers would reach Python filters as `1`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import minijinja

from weavergen.diagnostics import Diagnostic, Range
from weavergen.forge import filters as F
from weavergen.forge.config import ForgeConfig

_CAUSE = re.compile(r"(?:caused by: )?(.*?) \(in ([^\n]*?):(\d+)\)")


class TemplateProblem(Exception):
    """A template failed to load or render; carries the diagnostic to report."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass(slots=True)
class TemplateHandle:
    """The `template` global: `template.set_file_name(path)` replaces the output path of this render."""

    file_name: str | None = None

    def set_file_name(self, path: Any) -> str:
        """Record the new output path (relative to OUTPUT); returns the empty string, as weaver does."""
        if not isinstance(path, str):
            raise F.FilterFailure("set_file_name expects a string")
        self.file_name = path
        return ""


def _loader(root: Path) -> Callable[[str], str | None]:
    base = root.resolve()

    def load(name: str) -> str | None:
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts:
            return None
        path = (base / rel).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            return None
        return path.read_text(encoding="utf-8")

    return load


def _guard(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Python filter so its failure names the filter and the template it ran in."""

    @minijinja.pass_state
    def call(state: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return native(fn(*args, **kwargs))
        except FilterFailure as exc:
            raise FilterError(name, str(exc), state.name) from None
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise FilterError(name, f"{type(exc).__name__}: {exc}", state.name) from None

    return call


FilterFailure = F.FilterFailure


class _Seq(list[Any]):
    """A list returned by a filter, printed as MiniJinja prints its own sequences (`["a", 1]`)."""

    def __str__(self) -> str:
        return F.debug(list(self))


class _Map(dict[Any, Any]):
    """A map returned by a filter: sorted keys, printed as MiniJinja prints its own maps."""

    def __str__(self) -> str:
        return F.debug(dict(self))


def native(value: Any) -> Any:
    """A filter's result with containers that print and iterate as weaver's do."""
    if isinstance(value, (_Seq, _Map)):
        return value
    if isinstance(value, (list, tuple)):
        return _Seq(native(v) for v in value)
    if isinstance(value, dict):
        return _Map((k, native(value[k])) for k in sorted(value))
    return value


class FilterError(Exception):
    """A weaver filter failed inside a template; `template` is the template's name."""

    def __init__(self, filter_name: str, message: str, template: str) -> None:
        super().__init__(message)
        self.filter_name = filter_name
        self.message = message
        self.template = template


class TemplateEnvironment(minijinja.Environment):
    """A MiniJinja environment that knows its template folder, so diagnostics can name template files."""

    template_root: str | None = None


def environment(root: Path, config: ForgeConfig, auto_escape: str = "none") -> TemplateEnvironment:
    """A MiniJinja environment configured as weaver's `template_engine` for one template folder."""
    syntax = config.template_syntax
    ws = config.whitespace_control
    env = TemplateEnvironment(
        loader=_loader(root),
        undefined_behavior="lenient",
        keep_trailing_newline=ws.get("keep_trailing_newline", False),
        trim_blocks=ws.get("trim_blocks", False),
        lstrip_blocks=ws.get("lstrip_blocks", False),
        block_start_string=syntax.get("block_start", "{%"),
        block_end_string=syntax.get("block_end", "%}"),
        variable_start_string=syntax.get("variable_start", "{{"),
        variable_end_string=syntax.get("variable_end", "}}"),
        comment_start_string=syntax.get("comment_start", "{#"),
        comment_end_string=syntax.get("comment_end", "#}"),
        auto_escape_callback=lambda _name: auto_escape if auto_escape != "none" else False,
    )
    from weavergen.forge.prom import PROM_FILTERS

    for name, fn in {**F.PLAIN_FILTERS, **PROM_FILTERS}.items():
        env.add_filter(name, _guard(name, fn))
    text_maps = config.text_maps
    env.add_filter("map_text", _guard("map_text", functools.partial(F.map_text, text_maps=text_maps)))
    env.add_filter(
        "type_mapping",
        _guard(
            "type_mapping",
            lambda v: F.map_text(v, "type_mapping", text_maps={"type_mapping": config.type_mapping}),
        ),
    )
    env.add_filter("acronym", _guard("acronym", functools.partial(F.acronym, acronyms=config.acronyms)))
    from weavergen.forge.comment import comment_filter

    env.add_filter("comment", _guard("comment", comment_filter(config)))
    for name, test in F.TESTS.items():
        env.add_test(name, test)
    env.add_global("concat_if", _guard("concat_if", F.concat_if))
    env.template_root = str(root)  # where diagnostics about template names point
    return env


def render_source(
    env: minijinja.Environment,
    template: str | None,
    source: str | None,
    values: dict[str, Any],
    handle: TemplateHandle | None,
    where: tuple[str, Range | None] | None = None,
) -> str:
    """Render template `template` (a name in the loader) or the text `source` with native `values`."""
    context = {k: native(v) for k, v in values.items()}
    if handle is not None:
        context["template"] = handle
    try:
        if template is None:
            return str(env.render_str(source or "", name="<file_name>", **context))
        return str(env.render_template(template, **context))
    except minijinja.TemplateError as exc:
        raise TemplateProblem(_placed(_template_diagnostic(exc, template, where), env)) from None
    except FilterError as exc:
        raise TemplateProblem(_placed(_filter_diagnostic(exc, env, where), env)) from None


def _placed(diagnostic: Diagnostic, env: minijinja.Environment) -> Diagnostic:
    """A diagnostic about a template name, pointed at the template's file (the name stays in `extra`)."""
    root = getattr(env, "template_root", None)
    name = diagnostic.file
    if root is None or name is None or name.startswith("<") or Path(name).is_absolute():
        return diagnostic
    diagnostic.extra = {**diagnostic.extra, "template": name}
    diagnostic.file = str(Path(root) / name)
    return diagnostic


def _template_diagnostic(
    exc: minijinja.TemplateError, template: str | None, where: tuple[str, Range | None] | None
) -> Diagnostic:
    text = str(exc)
    causes = [m for m in _CAUSE.finditer(text) if not m.group(2).startswith("<")]
    kind = str(exc.kind)
    code = "InvalidTemplateFile" if kind == "SyntaxError" else "TemplateEvaluationFailed"
    if causes:
        message, name, line = causes[-1].group(1), causes[-1].group(2), int(causes[-1].group(3))
        if "syntax error" in message:
            code = "InvalidTemplateFile"
        rng = Range.of(line - 1, 0, line - 1, 0)
        return Diagnostic(
            code=code,
            message=f"Template evaluation error -> {message}",
            file=name,
            range=rng,
            error=_template_error(code, name, message),
            help="Fix the template at this line; see docs/generate.md for the filters weavergen provides.",
            extra={"template": name},
        )
    error = _template_error(code, template or (where[0] if where else ""), str(exc.message))
    if where is not None:
        return Diagnostic(
            code=code,
            message=f"Template evaluation error -> {exc.message}",
            file=where[0],
            range=where[1],
            error=error,
        )
    return Diagnostic(
        code=code, message=f"Template evaluation error -> {exc.message}", file=template, error=error
    )


def _template_error(code: str, template: str, error: str) -> dict[str, Any]:
    """weaver_forge's payload: `InvalidTemplateFile {template, error}` or
    `TemplateEvaluationFailed {template, error_id, error}` (the id weaver deduplicates by)."""
    if code == "InvalidTemplateFile":
        return {code: {"template": template, "error": error}}
    return {code: {"template": template, "error_id": error, "error": error}}


def _filter_diagnostic(
    exc: FilterError, env: minijinja.Environment, where: tuple[str, Range | None] | None
) -> Diagnostic:
    file: str | None = exc.template
    rng = None
    if exc.template.startswith("<"):
        file, rng = where if where is not None else (None, None)
    else:
        source = env.loader(exc.template) if env.loader is not None else None
        if source:
            hits = [
                i for i, line in enumerate(source.splitlines()) if re.search(rf"\b{exc.filter_name}\b", line)
            ]
            if hits:
                rng = Range.of(hits[0], 0, hits[0], 0)
    error = f"filter `{exc.filter_name}` failed: {exc.message}"
    return Diagnostic(
        code="TemplateEvaluationFailed",
        message=f"Template evaluation error -> {error}",
        file=file,
        range=rng,
        error=_template_error("TemplateEvaluationFailed", exc.template, error),
        help=f"Check the value given to `{exc.filter_name}`; docs/generate.md says what each filter takes.",
    )
