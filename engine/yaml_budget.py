"""How much one composed YAML document may expand to, measured before anything walks it.

An alias (`*a`) makes the composer share the anchored node, so nine aliases of nine aliases of … turn a
few hundred bytes into millions of nodes, and `&a [*a]` into a cycle. `measure` visits each distinct node
once and adds up what aliases would expand to, so a bomb is stopped in time linear in the file. Nesting
depth is bounded as serde_yaml (weaver's parser) bounds it: 128 levels by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode

from weavergen.limits import YAML_DEPTH_CEILING, YAML_MAX_ALIAS_NODES, YAML_MAX_DEPTH

Span = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class YamlBudget:
    """The limits in force for one parse (from the environment, see `weavergen.limits`)."""

    max_alias_nodes: int
    max_depth: int

    @classmethod
    def current(cls) -> YamlBudget:
        """The limits the environment sets now."""
        return cls(YAML_MAX_ALIAS_NODES.value(), min(YAML_MAX_DEPTH.value(), YAML_DEPTH_CEILING))

    @property
    def key(self) -> str:
        """A short text that changes when a limit does: part of every parse cache key."""
        return f"{self.max_alias_nodes}/{self.max_depth}"


@dataclass(frozen=True, slots=True)
class BudgetProblem:
    """Why a document was refused, and the span to point at."""

    message: str
    help: str
    span: Span


class _Exceeded(Exception):
    def __init__(self, problem: BudgetProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _span(node: Node) -> Span:
    s, e = node.start_mark, node.end_mark
    return (s.line, s.column, e.line, e.column)


def _head(node: Node) -> Span:
    s = node.start_mark
    return (s.line, s.column, s.line, s.column + 1)


class _Meter:
    """One pass over the node graph: expanded sizes and heights of shared nodes, memoized by identity."""

    def __init__(self, budget: YamlBudget) -> None:
        self.budget = budget
        self.done: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
        self.open: set[int] = set()
        self.added = 0

    def visit(self, node: Node, depth: int, site: Node) -> tuple[int, int]:
        """Expanded size and height of `node`, reached at `depth` from the collection or key `site`."""
        if isinstance(node, ScalarNode):
            return 1, 1
        key = id(node)
        seen = self.done.get(key)
        if seen is not None:  # reached again: an alias to an anchored collection
            self.added += seen[0]
            if self.added > self.budget.max_alias_nodes:
                raise _Exceeded(self._bomb(site))
            if depth + seen[1] - 1 > self.budget.max_depth:
                raise _Exceeded(self._too_deep(site))
            return seen
        if key in self.open:
            raise _Exceeded(
                BudgetProblem(
                    "recursive alias: this node contains an alias to itself, so it has no end",
                    "Replace the alias (`*name`) inside its own anchor (`&name`) with the values it "
                    "should hold.",
                    _head(site),
                )
            )
        if depth > self.budget.max_depth:
            raise _Exceeded(self._too_deep(node))
        self.open.add(key)
        size, height = 1, 0
        if isinstance(node, MappingNode):
            for k, v in node.value:
                ks, kh = self.visit(k, depth + 1, node)
                vs, vh = self.visit(v, depth + 1, k)
                size += ks + vs
                height = max(height, kh, vh)
        else:
            for child in node.value:
                cs, ch = self.visit(child, depth + 1, node)
                size += cs
                height = max(height, ch)
        self.open.discard(key)
        self.done[key] = (size, height + 1)
        return size, height + 1

    def _bomb(self, site: Node) -> BudgetProblem:
        limit = self.budget.max_alias_nodes
        return BudgetProblem(
            f"alias expansion limit exceeded: the aliases up to here expand the document by more than "
            f"{limit:,} nodes",
            "Aliases (`*name`) repeat their anchor's whole value; nested ones multiply. Write the values "
            f"out, or raise {YAML_MAX_ALIAS_NODES.env} if this file really needs more.",
            _head(site),
        )

    def _too_deep(self, at: Node) -> BudgetProblem:
        limit = self.budget.max_depth
        return BudgetProblem(
            f"recursion limit exceeded: the YAML nests deeper than {limit} levels",
            "Flatten the structure; a registry needs about a dozen levels "
            f"({YAML_MAX_DEPTH.env} sets the limit).",
            _head(at),
        )


def measure(root: Node, budget: YamlBudget, anchors: bool = True) -> BudgetProblem | None:
    """None when the document fits the budget, else the first problem found (in document order).

    `anchors=False` (the text has no `&`, so no node is shared) checks only the depth, more cheaply.
    """
    if not anchors:
        return _depth_only(root, budget)
    try:
        _Meter(budget).visit(root, 1, root)
    except _Exceeded as exc:
        return exc.problem
    return None


def _depth_only(root: Node, budget: YamlBudget) -> BudgetProblem | None:
    """The nesting check of a document without anchors: a plain walk, no memo."""
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ScalarNode):
            continue
        if depth > budget.max_depth:
            return _Meter(budget)._too_deep(node)
        if isinstance(node, MappingNode):
            stack.extend((v, depth + 1) for _, v in reversed(node.value))
        else:
            stack.extend((c, depth + 1) for c in reversed(node.value))
    return None
