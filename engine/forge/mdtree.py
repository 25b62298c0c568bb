"""What the markdown and HTML renderers of the `comment` filter share: buffered output and the inline walk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown_it.tree import SyntaxTreeNode


class InlineWalker:
    """A renderer over a markdown-it tree; subclasses write plain text and the other inline nodes."""

    s: Any

    def _plain(self, text: str) -> None:
        """Write a run of plain text (softbreaks included as newlines)."""
        raise NotImplementedError

    def _inline(self, node: SyntaxTreeNode) -> None:
        """Write one inline node that is not plain text."""
        raise NotImplementedError

    def _buffered(self, render: Callable[[], None]) -> str:
        """What `render` writes, captured instead of written."""
        self.s.buffers.append([])
        render()
        return "".join(self.s.buffers.pop())

    def _inlines(self, node: SyntaxTreeNode) -> None:
        children = node.children[0].children if node.children and node.children[0].type == "inline" else []
        self._inline_list(children)

    def _inline_list(self, children: list[SyntaxTreeNode]) -> None:
        """Write inline nodes, joining adjacent text and softbreaks into one run of plain text."""
        text: list[str] = []

        def flush() -> None:
            if text:
                self._plain("".join(text))
                text.clear()

        for child in children:
            if child.type in ("text", "text_special"):
                text.append(child.content)
            elif child.type == "softbreak":
                text.append("\n")
            else:
                flush()
                self._inline(child)
        flush()
