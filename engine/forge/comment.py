"""The `comment` filter: weaver's comment formats (header, prefix, footer, indent, dots, trimming).

The markdown source is re-emitted line by line; weaver's full markdown re-rendering (list re-marking,
reference links, word wrap) and the HTML renderer are not implemented yet (docs/generate.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
