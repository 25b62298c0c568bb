"""weaver's HTML comment renderer (javadoc-style formats): CommonMark in, simple HTML out.

Paragraphs become `<p>…</p>` (or old-style `<p>` lines between paragraphs), lists `<ul>`/`<ol>` with
`<li>` items, code goes through the format's `inline_code_snippet` / `block_code_snippet` templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markdown_it.tree import SyntaxTreeNode

from weavergen.forge.comment_md import _PARSER, _blen, _words
from weavergen.forge.mdtree import InlineWalker

INLINE_CODE_SNIPPET = "<c>{{code}}</c>"
BLOCK_CODE_SNIPPET = "<pre>\n{{code}}\n</pre>"


@dataclass(slots=True)
class HtmlOptions:
    """The HTML-specific keys of a comment format."""

    old_style_paragraph: bool = False
    omit_closing_li: bool = False
    inline_code_snippet: str = INLINE_CODE_SNIPPET
    block_code_snippet: str = BLOCK_CODE_SNIPPET
    line_length: int | None = None
    ignore_newlines: bool = False

    @classmethod
    def of(cls, settings: dict[str, Any], width: int | None) -> HtmlOptions:
        """Options from a `comment_formats` entry; `width` is the effective wrap width (or None)."""
        wrap = settings.get("word_wrap") or {}
        return cls(
            old_style_paragraph=bool(settings.get("old_style_paragraph", False)),
            omit_closing_li=bool(settings.get("omit_closing_li", False)),
            inline_code_snippet=str(settings.get("inline_code_snippet") or INLINE_CODE_SNIPPET),
            block_code_snippet=str(settings.get("block_code_snippet") or BLOCK_CODE_SNIPPET),
            line_length=width,
            ignore_newlines=bool(wrap.get("ignore_newlines", False)) if isinstance(wrap, dict) else False,
        )


@dataclass(slots=True)
class _State:
    out: list[str] = field(default_factory=list)
    indent: str = ""
    add_newline: bool = False
    add_old_style_paragraph: bool = False
    col: int = 0
    pending_space: bool = False
    buffers: list[list[str]] = field(default_factory=list)


class HtmlRenderer(InlineWalker):
    """Renders one markdown text as weaver's HTML comment formats do."""

    def __init__(self, options: HtmlOptions, snippet: Callable[[str, str], str]) -> None:
        self.o = options
        self.s = _State()
        self.snippet = snippet

    def _raw(self, text: str, counted: bool = True) -> None:
        if self.s.buffers:
            self.s.buffers[-1].append(text)
            return
        self.s.out.append(text)
        last = text.rfind("\n")
        if last >= 0:
            self.s.col = _blen(text[last + 1 :])
        elif counted:
            self.s.col += _blen(text)

    def _ln(self, indent: str | None = None) -> None:
        self._raw("\n" + (self.s.indent if indent is None else indent))
        self.s.pending_space = False

    def _token(self, text: str, counted: bool = True) -> None:
        if self.s.buffers or self.o.line_length is None:
            self._raw(text, counted)
            return
        if counted and self.s.col + _blen(text) > self.o.line_length and self.s.col > _blen(self.s.indent):
            self._ln()
        elif self.s.pending_space:
            self._raw(" ")
        self._raw(text, counted)
        self.s.pending_space = False

    def _text(self, text: str) -> None:
        s = self.s
        if s.buffers or self.o.line_length is None:
            self._raw(text)
            return
        width = self.o.line_length
        lines = [text] if self.o.ignore_newlines else text.split("\n")
        for li, line in enumerate(lines):
            if li > 0:
                self._ln()
            for wi, word in enumerate(_words(line, self.o.ignore_newlines)):
                if s.col + _blen(word) > width and s.col > _blen(s.indent):
                    self._ln()
                    self._raw(word.lstrip())
                else:
                    if (wi > 0 or s.pending_space) and s.col > _blen(s.indent):
                        self._raw(" ")
                    self._raw(word)
                s.pending_space = False
        s.pending_space = text.endswith(" ") or (self.o.ignore_newlines and text.endswith("\n"))

    def _before(self, node: SyntaxTreeNode) -> None:
        s = self.s
        if s.add_newline:
            self._ln()
            s.add_newline = False
        if s.add_old_style_paragraph:
            if node.type == "paragraph":
                first = _first_text(node)
                if first.startswith("@"):
                    self._ln()
                else:
                    self._raw("<p>")
                    self._ln()
            s.add_old_style_paragraph = False

    def render(self, source: str) -> str:
        """The HTML text of `source`."""
        root = SyntaxTreeNode(_PARSER.parse(source))
        for node in root.children:
            self._block(node)
        return "".join(self.s.out)

    def _block(self, node: SyntaxTreeNode, in_item: bool = False) -> None:
        self._before(node)
        kind = node.type
        s = self.s
        if kind == "paragraph":
            if in_item:
                self._inlines(node)
                return
            if not self.o.old_style_paragraph:
                self._raw("<p>")
            self._inlines(node)
            if self.o.old_style_paragraph:
                s.add_old_style_paragraph = True
            else:
                self._raw("</p>")
            s.add_newline = True
        elif kind in ("bullet_list", "ordered_list"):
            tag = "ol" if kind == "ordered_list" else "ul"
            self._raw(f"<{tag}>")
            outer = s.indent
            for item in node.children:
                self._ln(outer + "  ")
                self._raw("<li>")
                s.indent = outer + "  "
                for child in item.children:
                    self._block(child, in_item=True)
                s.indent = outer
                if not self.o.omit_closing_li:
                    self._raw("</li>")
            self._ln(outer)
            self._raw(f"</{tag}>")
            s.add_newline = True
            if self.o.old_style_paragraph:
                s.add_old_style_paragraph = True
        elif kind == "blockquote":
            self._raw("<blockquote>")
            self._ln()
            for child in node.children:
                self._block(child)
            s.add_newline = False
            self._raw("</blockquote>")
            s.add_newline = True
        elif kind == "heading":
            text = self._buffered(lambda: self._inlines(node))
            self._token(f"<{node.tag}>{text}</{node.tag}>")
            self._raw("\n")
        elif kind in ("fence", "code_block"):
            self._token(self.snippet(self.o.block_code_snippet, node.content.removesuffix("\n")))
        elif kind == "html_block":
            self._token(node.content.removesuffix("\n"), counted=False)

    def _plain(self, text: str) -> None:
        self._text(text)

    def _inline(self, node: SyntaxTreeNode) -> None:
        kind = node.type
        if kind == "code_inline":
            self._token(self.snippet(self.o.inline_code_snippet, node.content))
        elif kind == "html_inline":
            self._token(node.content, counted=False)
        elif kind in ("em", "strong", "s"):
            tag = {"em": "em", "strong": "strong", "s": "s"}[kind]
            self._token(f"<{tag}>" + self._buffered(lambda: self._inline_list(node.children)) + f"</{tag}>")
        elif kind == "link":
            label = self._buffered(lambda: self._inline_list(node.children))
            self._token(f'<a href="{node.attrs.get("href", "")}">{label}</a>')


def _first_text(node: SyntaxTreeNode) -> str:
    inline = node.children[0] if node.children else None
    if inline is not None and inline.children and inline.children[0].type == "text":
        return str(inline.children[0].content)
    return ""


def render_html(source: str, options: HtmlOptions, snippet: Callable[[str, str], str]) -> str:
    """`source` rendered as weaver's HTML comment formats do; `snippet(template, code)` renders code."""
    return HtmlRenderer(options, snippet).render(source)
