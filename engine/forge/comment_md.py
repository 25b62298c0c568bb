"""weaver's markdown comment renderer: CommonMark in, re-marked markdown out (lists, links, word wrap).

A port of the behaviour of weaver's `formats/markdown.rs` as docs/generate.md describes it: paragraphs
and headings re-emitted, lists re-marked `- ` / `N. `, links kept or turned into shortcut references,
optional word wrap counted in UTF-8 bytes. Parsing is markdown-it-py's CommonMark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from weavergen.forge.mdtree import InlineWalker

_PARSER = MarkdownIt("commonmark")
_UNESCAPED_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")


@dataclass(slots=True)
class MarkdownOptions:
    """The markdown-specific keys of a comment format."""

    escape_backslashes: bool = False
    escape_square_brackets: bool = False
    indent_first_level_list_items: bool = False
    shortcut_reference_link: bool = False
    default_block_code_language: str = ""
    use_go_style_list_indent: bool = False
    line_length: int | None = None
    ignore_newlines: bool = False

    @classmethod
    def of(cls, settings: dict[str, Any], width: int | None) -> MarkdownOptions:
        """Options from a `comment_formats` entry; `width` is the effective wrap width (or None)."""
        wrap = settings.get("word_wrap") or {}
        return cls(
            escape_backslashes=bool(settings.get("escape_backslashes", False)),
            escape_square_brackets=bool(settings.get("escape_square_brackets", False)),
            indent_first_level_list_items=bool(settings.get("indent_first_level_list_items", False)),
            shortcut_reference_link=bool(settings.get("shortcut_reference_link", False)),
            default_block_code_language=str(settings.get("default_block_code_language") or ""),
            use_go_style_list_indent=bool(settings.get("use_go_style_list_indent", False)),
            line_length=width,
            ignore_newlines=bool(wrap.get("ignore_newlines", False)) if isinstance(wrap, dict) else False,
        )


@dataclass(slots=True)
class _State:
    out: list[str] = field(default_factory=list)
    line_prefix: str = ""
    skip_prefix_on_first_line: bool = False
    leftover: int = 0
    list_level: int = 0
    item_number: int = 0
    indents: list[str] = field(default_factory=lambda: [""])
    refs: list[tuple[str, str]] = field(default_factory=list)
    col: int = 0
    pending_space: bool = False
    buffers: list[list[str]] = field(default_factory=list)


def _blen(text: str) -> int:
    return len(text.encode("utf-8"))


class MarkdownRenderer(InlineWalker):
    """Re-renders one markdown text as weaver's markdown comment format does."""

    def __init__(self, options: MarkdownOptions) -> None:
        self.o = options
        self.s = _State()

    # --- output primitives ---------------------------------------------------------------------------

    def _text(self) -> str:
        return "".join(self.s.out)

    def _raw(self, text: str) -> None:
        if self.s.buffers:
            self.s.buffers[-1].append(text)
            return
        self.s.out.append(text)
        last = text.rfind("\n")
        self.s.col = _blen(text[last + 1 :]) if last >= 0 else self.s.col + _blen(text)

    def newline(self) -> None:
        """`\\n` and the current continuation prefix."""
        self._raw("\n" + self.s.line_prefix)
        self.s.pending_space = False

    def _ends_with(self, suffix: str) -> bool:
        return self._text().endswith(suffix)

    def _token(self, text: str) -> None:
        """An unbreakable piece: wraps as a whole, never split."""
        if self.s.buffers or self.o.line_length is None:
            self._raw(text)
            return
        if self.s.col + _blen(text) > self.o.line_length and self.s.col > _blen(self.s.line_prefix):
            self.newline()
        elif self.s.pending_space:
            self._raw(" ")
        self._raw(text)
        self.s.pending_space = False

    def _escape(self, text: str) -> str:
        if self.o.escape_backslashes:
            text = text.replace("\\", "\\\\")
        if self.o.escape_square_brackets:
            text = _UNESCAPED_BRACKET.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
        return text

    def _write_text(self, text: str) -> None:
        text = self._escape(text)
        s = self.s
        if s.buffers or self.o.line_length is None:
            parts = text.split("\n")
            for i, part in enumerate(parts):
                if i > 0:
                    self._raw("\n")
                self._raw(
                    part if (i == 0 and s.skip_prefix_on_first_line) or s.buffers else s.line_prefix + part
                )
            return
        width = self.o.line_length
        if s.line_prefix and not s.skip_prefix_on_first_line and s.col == 0:
            self._raw(s.line_prefix)
        lines = [text] if self.o.ignore_newlines else text.split("\n")
        for li, line in enumerate(lines):
            if li > 0:
                self.newline()
            words = _words(line, self.o.ignore_newlines)
            for wi, word in enumerate(words):
                if s.col + _blen(word) > width and s.col > _blen(s.line_prefix):
                    self.newline()
                    self._raw(word.lstrip())
                else:
                    if (wi > 0 or s.pending_space) and s.col > _blen(s.line_prefix):
                        self._raw(" ")
                    self._raw(word)
                s.pending_space = False
        s.pending_space = text.endswith(" ") or (self.o.ignore_newlines and text.endswith("\n"))

    # --- nodes ----------------------------------------------------------------------------------------

    def render(self, source: str) -> str:
        """The re-rendered markdown (usually ending with a newline; the caller strips)."""
        root = SyntaxTreeNode(_PARSER.parse(source))
        for node in root.children:
            self._block(node)
        if self.s.refs:
            self._raw("\n" * self.s.leftover)
            for label, url in self.s.refs:
                self._raw(f"\n[{label}]: {url}")
        return self._text()

    def _flush_leftover(self) -> None:
        for _ in range(self.s.leftover):
            self.newline()
        self.s.leftover = 0

    def _block(self, node: SyntaxTreeNode, inline_paragraphs: bool = False) -> None:
        kind = node.type
        if kind in ("bullet_list", "ordered_list"):
            self.s.leftover = 0
            self._list(node)
            return
        self._flush_leftover()
        if kind == "paragraph":
            if inline_paragraphs:
                self._inlines(node)
                return
            if self.s.out and not self._ends_with("\n\n"):
                self.newline()
            self._inlines(node)
            self.newline()
        elif kind == "heading":
            if self.s.out and not self._ends_with("\n\n"):
                self.newline()
            text = self._buffered(lambda: self._inlines(node))
            self._token("#" * int(node.tag[1:]) + " " + text)
            self.newline()
            self.s.leftover += 1
        elif kind in ("fence", "code_block"):
            info = (node.info or "").strip().split(" ")[0] if kind == "fence" else ""
            lang = info or self.o.default_block_code_language
            self._token(f"```{lang}\n{node.content.removesuffix(chr(10))}\n```")
            self.newline()
        elif kind == "blockquote":
            if self.s.out and not self._ends_with("\n\n"):
                self.newline()
            self.s.line_prefix = "> "
            for child in node.children:
                self._block(child, inline_paragraphs=True)
            self.s.line_prefix = ""
            self.newline()
        elif kind == "html_block":
            self._token(node.content.removesuffix("\n"))
            self.newline()
        # hr, tables, definitions: dropped as weaver drops them

    def _list(self, node: SyntaxTreeNode) -> None:
        s = self.s
        s.list_level += 1
        parent = s.indents[-1]
        ordered = node.type == "ordered_list"
        if s.list_level == 1 and not self.o.indent_first_level_list_items:
            indent = parent
        elif ordered and self.o.use_go_style_list_indent:
            indent = parent + " "
        else:
            indent = parent + "  "
        s.indents.append(indent)
        self.newline()
        for item in node.children:
            if s.leftover:
                s.line_prefix = ""
                self._flush_leftover()
            s.item_number += 1
            marker = f"{indent}{s.item_number}. " if ordered else f"{indent}- "
            s.skip_prefix_on_first_line = True
            s.line_prefix = " " * len(marker)
            self._token(marker)
            for child in item.children:
                self._block(child, inline_paragraphs=True)
            s.leftover += 1
        s.indents.pop()
        s.list_level -= 1
        s.item_number = 0
        s.line_prefix = ""
        s.skip_prefix_on_first_line = s.list_level > 0
        s.leftover += 1

    def _plain(self, text: str) -> None:
        self._write_text(text)

    def _inline(self, node: SyntaxTreeNode) -> None:
        kind = node.type
        if kind == "code_inline":
            self._token(f"`{node.content}`")
        elif kind == "html_inline":
            self._token(node.content)
        elif kind in ("em", "strong"):
            mark = "*" if kind == "em" else "**"
            self._token(mark + self._buffered(lambda: self._inline_list(node.children)) + mark)
        elif kind == "link":
            label = self._buffered(lambda: self._inline_list(node.children))
            url = str(node.attrs.get("href", ""))
            if self.o.shortcut_reference_link and url:
                self._token(f"[{label}]")
                self.s.refs.append((label, url))
            else:
                self._token(f"[{label}]({url})")
        # hardbreak, image: dropped


def _words(line: str, ignore_newlines: bool) -> list[str]:
    """textwrap's AsciiSpace words: split on runs of spaces; a leading run stays on the first word."""
    if ignore_newlines:
        return [w for w in re.split(r"[ \r\n]+", line) if w]
    match = re.match(r" *", line)
    lead = match.group(0) if match else ""
    words = [w for w in line[len(lead) :].split(" ") if w]
    if lead and words:
        words[0] = lead + words[0]
    elif lead:
        words = [lead]
    return words


def render_markdown(source: str, options: MarkdownOptions) -> str:
    """`source` re-rendered as weaver's markdown comment format does."""
    return MarkdownRenderer(options).render(source)
