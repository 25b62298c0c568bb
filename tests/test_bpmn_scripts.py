"""User BPMN runs no code without `--allow-scripts`, whatever element carries the code.

Each case is a small process whose one hostile expression or script (in a timer, a conditional or
message event, a multi-instance or loop expression, a gateway, a pre/post-script, a service parameter,
an embedded or event subprocess, a boundary event, a called process) would create a marker file. Both
layers are tested: loading refuses the process with a positioned diagnostic, and a process that reached
the runner anyway (the runtime guard) fails without running the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from weavergen.workflow import run_workflow
from weavergen.workflow_library import WorkflowLibrary, _parse_file

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="t">\n'
)
TAIL = "</bpmn:definitions>\n"
PAYLOAD = "__import__('pathlib').Path(MARKER).touch()"
SCRIPT = "import pathlib; pathlib.Path(MARKER).touch()"


def _linear(pid: str, middle: str, extra: str = "") -> str:
    """A process start -> `middle` (an element with id `x`) -> end, plus `extra` elements."""
    return (
        f'<bpmn:process id="{pid}" isExecutable="true">\n'
        '<bpmn:startEvent id="start"/>\n<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="x"/>\n'
        f"{middle}\n"
        '<bpmn:sequenceFlow id="f1" sourceRef="x" targetRef="end"/>\n<bpmn:endEvent id="end"/>\n'
        f"{extra}</bpmn:process>\n"
    )


def _task(attrs: str = "", inner: str = "", tag: str = "bpmn:subProcess") -> str:
    """An activity `x` the runner completes by itself: by default an empty embedded subprocess."""
    if tag == "bpmn:subProcess":
        inner += (
            '<bpmn:startEvent id="xs"/><bpmn:sequenceFlow id="xf" sourceRef="xs" targetRef="xe"/>'
            '<bpmn:endEvent id="xe"/>'
        )
    return f'<{tag} id="x" {attrs}>{inner}</{tag}>'


CASES: dict[str, str] = {
    "timer duration": _linear(
        "p",
        '<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition><bpmn:timeDuration '
        f'xsi:type="bpmn:tFormalExpression">{PAYLOAD}</bpmn:timeDuration></bpmn:timerEventDefinition>'
        "</bpmn:intermediateCatchEvent>",
    ),
    "timer date": _linear(
        "p",
        '<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition><bpmn:timeDate>'
        f"{PAYLOAD}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
    ),
    "conditional event": _linear(
        "p",
        '<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition><bpmn:condition>'
        f"{PAYLOAD}</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>",
    ),
    "message payload": _linear(
        "p",
        '<bpmn:intermediateThrowEvent id="x"><bpmn:messageEventDefinition messageRef="m">'
        f"<bpmn:extensionElements><spiffworkflow:messagePayload>{PAYLOAD}</spiffworkflow:messagePayload>"
        "</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>",
    ).replace("<bpmn:process", '<bpmn:message id="m" name="m"/>\n<bpmn:process', 1),
    "multi-instance cardinality": _linear(
        "p",
        _task(
            inner='<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>'
            f"{PAYLOAD}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
        ),
    ),
    "multi-instance completion": _linear(
        "p",
        _task(
            inner='<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:loopCardinality>2'
            f"</bpmn:loopCardinality><bpmn:completionCondition>{PAYLOAD}</bpmn:completionCondition>"
            "</bpmn:multiInstanceLoopCharacteristics>"
        ),
    ),
    "standard loop condition": _linear(
        "p",
        _task(
            inner=f"<bpmn:standardLoopCharacteristics><bpmn:loopCondition>{PAYLOAD}"
            "</bpmn:loopCondition></bpmn:standardLoopCharacteristics>"
        ),
    ),
    "gateway condition": (
        '<bpmn:process id="p" isExecutable="true">\n<bpmn:startEvent id="start"/>\n'
        '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="x"/>\n'
        '<bpmn:exclusiveGateway id="x" default="f2"/>\n'
        '<bpmn:sequenceFlow id="f1" sourceRef="x" targetRef="end"><bpmn:conditionExpression '
        f'xsi:type="bpmn:tFormalExpression">{PAYLOAD}</bpmn:conditionExpression></bpmn:sequenceFlow>\n'
        '<bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="end"/>\n<bpmn:endEvent id="end"/>\n'
        "</bpmn:process>\n"
    ),
    "pre-script (data mapping)": _linear(
        "p",
        _task(
            inner=f"<bpmn:extensionElements><spiffworkflow:preScript>{SCRIPT}"
            "</spiffworkflow:preScript></bpmn:extensionElements>"
        ),
    ),
    "post-script (data mapping)": _linear(
        "p",
        _task(
            inner=f"<bpmn:extensionElements><spiffworkflow:postScript>{SCRIPT}"
            "</spiffworkflow:postScript></bpmn:extensionElements>"
        ),
    ),
    "service task parameter": _linear(
        "p",
        _task(
            tag="bpmn:serviceTask",
            inner='<bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="weaver.registry.stats" '
            'resultVariable="r"><spiffworkflow:parameters><spiffworkflow:parameter id="registry" '
            f'type="str" value="{PAYLOAD.replace(chr(39), "&apos;")}"/></spiffworkflow:parameters>'
            "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements>",
        ),
    ),
    "script task in an embedded subprocess": _linear(
        "p",
        '<bpmn:subProcess id="x"><bpmn:startEvent id="s1"/>'
        '<bpmn:sequenceFlow id="g0" sourceRef="s1" targetRef="inner"/>'
        f'<bpmn:scriptTask id="inner"><bpmn:script>{SCRIPT}</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="g1" sourceRef="inner" targetRef="e1"/><bpmn:endEvent id="e1"/>'
        "</bpmn:subProcess>",
    ),
    "script task in an event subprocess": _linear(
        "p",
        _task(),
        '<bpmn:subProcess id="ev" triggeredByEvent="true"><bpmn:startEvent id="s1" isInterrupting="false">'
        '<bpmn:timerEventDefinition><bpmn:timeDuration>"PT0S"</bpmn:timeDuration></bpmn:timerEventDefinition>'
        '</bpmn:startEvent><bpmn:sequenceFlow id="g0" sourceRef="s1" targetRef="inner"/>'
        f'<bpmn:scriptTask id="inner"><bpmn:script>{SCRIPT}</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="g1" sourceRef="inner" targetRef="e1"/><bpmn:endEvent id="e1"/>'
        "</bpmn:subProcess>\n",
    ),
    "boundary timer": _linear(
        "p",
        _task(tag="bpmn:userTask"),
        '<bpmn:boundaryEvent id="b" attachedToRef="x"><bpmn:timerEventDefinition><bpmn:timeDuration>'
        f"{PAYLOAD}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>\n"
        '<bpmn:sequenceFlow id="f9" sourceRef="b" targetRef="end"/>\n',
    ),
    "call activity": _linear("p", '<bpmn:callActivity id="x" calledElement="callee"/>')
    + (
        '<bpmn:process id="callee" isExecutable="true"><bpmn:startEvent id="cs"/>'
        '<bpmn:sequenceFlow id="c0" sourceRef="cs" targetRef="cscript"/>'
        f'<bpmn:scriptTask id="cscript"><bpmn:script>{SCRIPT}</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="c1" sourceRef="cscript" targetRef="ce"/><bpmn:endEvent id="ce"/>'
        "</bpmn:process>\n"
    ),
}


def _write(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "workflows"
    folder.mkdir()
    (folder / "hostile.bpmn").write_text(HEAD + body + TAIL, encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", sorted(CASES))
def test_loading_refuses_code_in_every_element_kind(tmp_path: Path, case: str) -> None:
    folder = _write(tmp_path, CASES[case])
    library = WorkflowLibrary.load(folder)
    assert "p" not in library.processes
    refusals = [d for d in library.diagnostics if "refused" in d.message]
    assert refusals, [d.message for d in library.diagnostics]
    assert all(d.code == "InvalidWorkflow" and d.range is not None for d in refusals)
    assert WorkflowLibrary.load(folder, allow_scripts=True).diagnostics == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_runner_refuses_code_that_escaped_vetting(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _write(tmp_path, CASES[case])
    path = folder / "hostile.bpmn"
    found, diags = _parse_file(str(path), path.stat().st_mtime_ns)
    assert not diags, diags
    library = WorkflowLibrary(found, [])  # as if vetting had missed it: only the runtime guard is left
    marker = tmp_path / "ran"
    monkeypatch.chdir(tmp_path)
    run = run_workflow("p", {"MARKER": str(marker)}, library=library, store=False)
    assert not marker.exists(), f"{case} ran code"
    assert run.failed or case.startswith(("boundary", "script task in an event"))
