"""BPMN processes as Mermaid `flowchart` text, and a reader for the flowchart subset we write.

Shapes follow BPMN: events are circles (an error end event a double circle), service tasks rectangles
(a multi-instance task a subroutine box), gateways rhombi; a boundary event hangs off its task with a
dotted link. Sequence flows carry their name and condition as the edge label.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from weavergen.telemetry import SpanRecord

SHAPES = {
    "circle": ("((", "))"),
    "double-circle": ("(((", ")))"),
    "box": ("[", "]"),
    "subroutine": ("[[", "]]"),
    "rhombus": ("{", "}"),
    "round": ("(", ")"),
}
"""Mermaid node delimiters by shape name."""

_GATEWAYS = {
    "exclusiveGateway": "×",
    "parallelGateway": "+",
    "inclusiveGateway": "○",
    "eventBasedGateway": "◇",
}


@dataclass(slots=True)
class Flowchart:
    """Nodes (id → shape, label) and edges (source, style, label, target) of a flowchart."""

    direction: str = "LR"
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)
    classes: dict[str, str] = field(default_factory=dict)


class MermaidSyntaxError(ValueError):
    """A line of flowchart text that is not in the subset `read_flowchart` understands."""


def _label(text: str) -> str:
    return " ".join(text.split()).replace('"', "#quot;")


_RESERVED = {"end", "graph", "flowchart", "subgraph", "class", "classdef", "style", "click", "linkstyle"}


def _node_id(bpmn_id: str) -> str:
    """A Mermaid-safe node id: word characters only, and never a keyword such as `end`."""
    nid = re.sub(r"\W", "_", bpmn_id)
    return f"{nid}_" if nid.lower() in _RESERVED or nid[:1].isdigit() else nid


def process_flowchart(file: Path, process_id: str) -> Flowchart:
    """The structure of one process of a BPMN file, as flowchart nodes and edges."""
    from lxml import etree

    root = etree.parse(str(file)).getroot()
    chart = Flowchart()
    proc = next((p for p in root.iter("{*}process") if p.get("id") == process_id), None)
    if proc is None:
        return chart
    defaults: set[str] = set()
    for el in proc:
        tag = etree.QName(el).localname
        eid = el.get("id")
        if eid is None or tag in ("sequenceFlow", "documentation", "extensionElements"):
            continue
        name = el.get("name") or eid
        nid = _node_id(eid)
        if el.get("default"):
            defaults.add(el.get("default", ""))
        if tag == "startEvent":
            chart.nodes[nid] = ("circle", name)
            chart.classes[nid] = "event"
        elif tag == "endEvent":
            error = el.find("{*}errorEventDefinition") is not None
            chart.nodes[nid] = ("double-circle" if error else "circle", name)
            chart.classes[nid] = "error" if error else "event"
        elif tag == "boundaryEvent":
            chart.nodes[nid] = ("circle", name)
            chart.classes[nid] = "error"
            chart.edges.append((_node_id(el.get("attachedToRef", "")), "-.-", "on error", nid))
        elif tag in _GATEWAYS:
            chart.nodes[nid] = ("rhombus", f"{_GATEWAYS[tag]} {name}")
            chart.classes[nid] = "gateway"
        elif tag.endswith("Task") or tag in ("task", "subProcess", "callActivity"):
            op = el.find(".//{*}serviceTaskOperator")
            label = f"{name}<br/>{op.get('id')}" if op is not None else name
            mi = el.find("{*}multiInstanceLoopCharacteristics") is not None
            if mi:
                items = el.findtext("{*}multiInstanceLoopCharacteristics/{*}loopDataInputRef") or ""
                label += f"<br/>for each of {items}" if items else "<br/>for each"
            chart.nodes[nid] = ("subroutine" if mi or tag in ("subProcess", "callActivity") else "box", label)
            chart.classes[nid] = "script" if tag == "scriptTask" else "task"
    for el in proc.iter("{*}sequenceFlow"):
        cond = (el.findtext("{*}conditionExpression") or "").strip()
        name = el.get("name") or ""
        label = f"{name}: {cond}" if name and cond else name or cond
        if el.get("id") in defaults:
            label = f"{label} (default)" if label else "default"
        chart.edges.append(
            (_node_id(el.get("sourceRef", "")), "-->", label, _node_id(el.get("targetRef", "")))
        )
    return chart


def write_flowchart(chart: Flowchart) -> str:
    """Mermaid text for a flowchart."""
    out = [f"flowchart {chart.direction}"]
    for nid, (shape, label) in chart.nodes.items():
        left, right = SHAPES[shape]
        out.append(f'  {nid}{left}"{_label(label)}"{right}')
    for src, style, label, dst in chart.edges:
        out.append(f'  {src} {style}|"{_label(label)}"| {dst}' if label else f"  {src} {style} {dst}")
    out.append("  classDef event fill:#e8f5e9,stroke:#2e7d32")
    out.append("  classDef error fill:#ffebee,stroke:#c62828")
    out.append("  classDef gateway fill:#fff8e1,stroke:#f9a825")
    out.append("  classDef task fill:#e3f2fd,stroke:#1565c0")
    out.append("  classDef script fill:#f3e5f5,stroke:#6a1b9a")
    out.append("  classDef passed fill:#c8e6c9,stroke:#2e7d32")
    out.append("  classDef warned fill:#fff3cd,stroke:#b8860b")
    out.append("  classDef failed fill:#ffcdd2,stroke:#c62828")
    out.append("  classDef skipped fill:#eeeeee,stroke:#9e9e9e,color:#757575")
    by_class: dict[str, list[str]] = {}
    for nid, cls in chart.classes.items():
        by_class.setdefault(cls, []).append(nid)
    for cls, ids in sorted(by_class.items()):
        out.append(f"  class {','.join(ids)} {cls}")
    return "\n".join(out) + "\n"


def run_flowchart(file: Path, process_id: str, spans: Sequence[SpanRecord]) -> Flowchart:
    """The process as one run went: each node coloured by outcome (`passed`, `warned` when its task
    reported diagnostics, `failed`, `skipped` when the run never reached it), and each task labelled with
    its duration and the number of diagnostics it produced."""
    from weavergen.telemetry import RESULT, TASK_ID

    chart = process_flowchart(file, process_id)
    ran: dict[str, list[SpanRecord]] = {}
    for span in spans:
        task = span.attributes.get(TASK_ID)
        if task is not None:
            ran.setdefault(_node_id(str(task)), []).append(span)
    for nid, (shape, label) in list(chart.nodes.items()):
        records = ran.get(nid)
        if not records:
            chart.classes[nid] = "skipped"
            continue
        found, errors = 0, 0
        for record in records:
            result = _result(record.attributes.get(RESULT))
            found += _count(result.get("diagnostics"))
            errors += _count(result.get("errors"))
        failed = errors > 0 or any(r.status == "ERROR" for r in records)
        chart.classes[nid] = "failed" if failed else "warned" if found else "passed"
        if shape in ("box", "subroutine"):
            ms = sum(r.duration_ms for r in records)
            noun = "diagnostic" if found == 1 else "diagnostics"
            chart.nodes[nid] = (shape, f"{label}<br/>{ms:.1f} ms, {found} {noun}")
    return chart


def _count(value: object) -> int:
    """A count from a task's result (0 when absent or not a number)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _result(text: object) -> dict[str, object]:
    """A service task's recorded result, when it is a JSON object."""
    if not isinstance(text, str):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


_HEADER = re.compile(r"^flowchart (LR|RL|TD|TB|BT)$")
_NODE = re.compile(r'^(\w+)(\(\(\(|\(\(|\[\[|\[|\{|\()"([^"]*)"(\)\)\)|\)\)|\]\]|\]|\}|\))$')
_EDGE = re.compile(r'^(\w+) (-->|-\.->|-\.-|---)(?:\|"([^"]*)"\|)? (\w+)$')
_CLASSDEF = re.compile(r"^classDef \w+ [\w:#,.-]+$")
_CLASS = re.compile(r"^class ([\w,]+) (\w+)$")


def read_flowchart(text: str) -> Flowchart:
    """Parse flowchart text written by `write_flowchart`; `MermaidSyntaxError` names a line it cannot read.

    Delimiters must pair (`((` with `))`…) and every edge must join declared nodes, as Mermaid requires
    for the shapes to show.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("%%")]
    if not lines or not (header := _HEADER.match(lines[0])):
        raise MermaidSyntaxError("line 1: expected `flowchart <direction>`")
    chart = Flowchart(direction=header.group(1))
    closing = {left: right for left, right in SHAPES.values()}
    for number, line in enumerate(lines[1:], start=2):
        if m := _NODE.match(line):
            nid, left, label, right = m.groups()
            if closing.get(left) != right:
                raise MermaidSyntaxError(f"line {number}: `{left}` closed by `{right}`")
            shape = next(s for s, (lt, _) in SHAPES.items() if lt == left)
            chart.nodes[nid] = (shape, label.replace("#quot;", '"'))
        elif m := _EDGE.match(line):
            src, style, label, dst = m.groups()
            for end in (src, dst):
                if end not in chart.nodes:
                    raise MermaidSyntaxError(f"line {number}: edge names undeclared node `{end}`")
            chart.edges.append((src, style, (label or "").replace("#quot;", '"'), dst))
        elif _CLASSDEF.match(line):
            continue
        elif m := _CLASS.match(line):
            for nid in m.group(1).split(","):
                if nid not in chart.nodes:
                    raise MermaidSyntaxError(f"line {number}: class on undeclared node `{nid}`")
                chart.classes[nid] = m.group(2)
        else:
            raise MermaidSyntaxError(f"line {number}: cannot read `{line}`")
    return chart
