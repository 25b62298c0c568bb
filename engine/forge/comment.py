"""The `comment` filter: weaver's comment formats (header, prefix, footer, indent, dots, trimming).

Markdown formats are re-rendered by `comment_md`, HTML formats by `comment_html`, as weaver does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from weavergen.forge.comment_html import HtmlOptions, render_html
from weavergen.forge.comment_md import MarkdownOptions, render_markdown
from weavergen.forge.config import ForgeConfig
from weavergen.forge.filters import FilterFailure, display


def comment_filter(config: ForgeConfig) -> Callable[..., str]:
    """The `comment` filter bound to the config's `comment_formats` and `default_comment_format`."""
    default_name = config.default_comment_format or "default"

    def comment(value: Any, **kwargs: Any) -> str:
        name = str(kwargs.get("format") or default_name)
        settings = config.comment_formats.get(name)
        if settings is None:
            raise FilterFailure(
                f"Comment Markdown rendering failed for format '{default_name}': Comment format `{name}` not "
                f"found in the configuration. Available formats: {sorted(config.comment_formats)}"
            )
        if isinstance(value, (list, tuple)):
            text = "\n".join("" if v is None else display(v) for v in value)
        else:
            text = "" if value is None else display(value)
        trim = settings.get("trim", True)
        if trim:
            text = text.strip()
        remove, enforce = settings.get("remove_trailing_dots"), settings.get("enforce_trailing_dots")
        if remove and enforce:
            raise FilterFailure(
                "'remove_trailing_dots' and 'enforce_trailing_dots' can't be both set to true at the same "
                f"time for format '{name}'"
            )
        if remove:
            text = text.rstrip(".")
        elif enforce and text and not text.endswith("."):
            text += "."
        indent_type = str(kwargs.get("indent_type") or str(settings.get("indent_type", "Space"))).lower()
        if indent_type not in ("space", "tab"):
            raise FilterFailure("Invalid indent type, must be 'space' or 'tab'")
        indent = (" " if indent_type == "space" else "\t") * int(kwargs.get("indent") or 0)
        header = str(kwargs.get("header", settings.get("header")) or "")
        prefix = str(kwargs.get("prefix", settings.get("prefix")) or "")
        footer = str(kwargs.get("footer", settings.get("footer")) or "")
        wrap = settings.get("word_wrap") or {}
        width = kwargs.get("line_length") or (wrap.get("line_length") if isinstance(wrap, dict) else None)
        if width is not None:
            width = int(width) - len(indent.encode()) - len(prefix.encode())
        if settings.get("format", "markdown") == "html":
            text = render_html(text, HtmlOptions.of(settings, width), _snippet)
        else:
            text = render_markdown(text, MarkdownOptions.of(settings, width))
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        out = []
        for i, line in enumerate(lines):
            rendered = (prefix + line) if (i == 0 and not header) else (indent + prefix + line)
            out.append(rendered.rstrip() if trim else rendered)
        body = "\n".join(out)
        if header:
            body = header + "\n" + body
        if footer:
            body = body.rstrip() + "\n" + indent + footer
        return body.rstrip()

    return comment


def _snippet(template: str, code: str) -> str:
    """A format's `inline_code_snippet` / `block_code_snippet` rendered with `code` (no escaping)."""
    import minijinja

    try:
        return str(minijinja.Environment().render_str(template, code=code))
    except minijinja.TemplateError as exc:
        raise FilterFailure(f"Invalid inline_code code snippet: {exc.message}") from None
