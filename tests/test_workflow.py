"""The BPMN workflows: each process's paths, their span trees (checked by the validator), failures,
parallel execution, user BPMN vetting, Mermaid output and weavergen's own telemetry registry."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from weavergen.check import CheckOptions, check_registry
from weavergen.mermaid import process_flowchart, read_flowchart
from weavergen.operations import OPERATIONS, Operation, OperationError, RunContext
from weavergen.telemetry import (
    OPERATION,
    TASK_ID,
    TASK_INDEX,
    TASK_INSTANCE,
    TELEMETRY_REGISTRY,
    SpanRecord,
    validate_spans,
)
from weavergen.workflow import WorkflowRun, run_workflow
from weavergen.workflow_library import WorkflowLibrary, builtin_library

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "registry"
USER_BPMN = Path(__file__).parent / "workflows"
MERMAID = Path(__file__).parent / "mermaid"


def task_path(run: WorkflowRun) -> list[str]:
    """BPMN ids of the task spans, in start order (the path the run took)."""
    return [str(s.attributes[TASK_ID]) for s in run.spans if TASK_ID in s.attributes]


def assert_valid(run: WorkflowRun) -> None:
    assert [d for d in run.diagnostics if d.code == "InvalidWorkflowRun"] == []
    roots = [s for s in run.spans if s.parent_id is None]
    assert len(roots) == 1
    assert all(s.parent_id == roots[0].span_id for s in run.spans if s is not roots[0])


def check(registry: Path | str, **params: Any) -> WorkflowRun:
    return run_workflow("check", {"registry": str(registry), **params}, store=False)


def test_every_builtin_process_parses_and_calls_only_registered_operations() -> None:
    library = builtin_library()
    assert library.diagnostics == []
    expected = {
        "registry_check",
        "registry_resolve",
        "registry_stats",
        "registry_search",
        "registry_json_schema",
    }
    assert expected <= set(library.processes)
    for info in library.processes.values():
        for spec in info.spec.task_specs.values():
            op = getattr(spec, "operation_name", None)
            assert op is None or op in OPERATIONS, (info.id, op)


def test_check_success_path_runs_every_task_once_with_policies() -> None:
    run = check(EXAMPLE)
    assert not run.failed and run.end_events == ["checked"]
    assert task_path(run) == [
        "start", "load", "found", "resolve", "skip_policies", "evaluate_policies", "policies_done", "report",
        "checked",
    ]  # fmt: skip
    assert_valid(run)
    direct = check_registry(CheckOptions(registry=str(EXAMPLE)))
    assert run.context.report is not None
    assert [d.code for d in run.context.report.diagnostics] == [d.code for d in direct.diagnostics]
    assert run.data["check"]["valid"] is True


def test_check_skip_policies_takes_the_gateway_around_policies() -> None:
    run = check(EXAMPLE, skip_policies=True)
    assert "evaluate_policies" not in task_path(run)
    assert task_path(run)[-3:] == ["policies_done", "report", "checked"]
    assert_valid(run)
    ops = [s.attributes.get(OPERATION) for s in run.spans]
    assert "weaver.policies.evaluate" not in ops


def test_check_of_a_missing_registry_reports_without_resolving(tmp_path: Path) -> None:
    run = check(tmp_path / "nope")
    assert task_path(run) == ["start", "load", "found", "report", "checked"]
    assert_valid(run)
    assert run.context.report is not None
    assert [d.code for d in run.context.report.diagnostics] == ["RegistryNotFound"]


def test_a_service_task_that_raises_ends_in_the_error_end_event_with_an_error_span() -> None:
    def broken(ctx: RunContext, include_unreferenced: bool | None = None) -> dict[str, Any]:
        raise RuntimeError("resolver exploded")

    ops = {**OPERATIONS, "weaver.registry.resolve": Operation("weaver.registry.resolve", broken, "broken")}
    run = run_workflow("check", {"registry": str(EXAMPLE)}, ops=ops, store=False)
    assert run.failed and run.end_events == ["failed"]
    assert task_path(run) == ["start", "load", "found", "resolve", "resolve_failed", "failed"]
    assert_valid(run)
    error_span = next(s for s in run.spans if s.attributes.get(TASK_ID) == "resolve")
    assert error_span.status == "ERROR"
    exc = next(e for e in error_span.events if e["name"] == "exception")
    assert exc["attributes"]["exception.type"] == "RuntimeError"
    assert "resolver exploded" in exc["attributes"]["exception.message"]
    root = next(s for s in run.spans if s.parent_id is None)
    assert root.status == "ERROR"
    failure = [d for d in run.diagnostics if d.code == "WorkflowTaskFailed"]
    assert len(failure) == 1 and "resolver exploded" in failure[0].message
    assert run.failure is not None and "RuntimeError" in run.failure.traceback


@pytest.mark.parametrize(
    ("name", "params", "output"),
    [
        ("resolve", {"format": "json"}, "text"),
        ("stats", {}, "stats"),
        ("search", {"query": "shop.order", "limit": 5}, "hits"),
    ],
)
def test_commands_produce_output_only_for_a_valid_registry(
    name: str, params: dict[str, Any], output: str, tmp_path: Path
) -> None:
    run = run_workflow(name, {"registry": str(EXAMPLE), "skip_policies": True, **params}, store=False)
    assert not run.failed and output in run.context.outputs
    assert run.end_events == ["done"]
    assert_valid(run)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.yaml").write_text("groups:\n  - id: x\n    type: nonsense\n")
    run = run_workflow(name, {"registry": str(broken), "skip_policies": True, **params}, store=False)
    assert not run.failed and run.end_events == ["invalid"]
    assert output not in run.context.outputs
    assert task_path(run)[-2:] == ["valid", "invalid"]
    assert_valid(run)


def test_json_schema_process_and_its_error_path() -> None:
    run = run_workflow("json-schema", {"kind": "semconv-group"}, store=False)
    assert not run.failed and run.context.outputs["schema"]["title"]
    run = run_workflow("json-schema", {"kind": "nope"}, store=False)
    assert run.failed and run.end_events == ["failed"]
    assert_valid(run)
    assert any("unknown JSON schema kind" in d.message for d in run.diagnostics)


def _wait_op(log: list[tuple[str, str]]) -> Operation:
    def wait(ctx: RunContext, label: str) -> dict[str, Any]:
        log.append((label, threading.current_thread().name))
        if label == "boom":
            raise OperationError("item boom failed")
        time.sleep(0.05)
        return {"label": label}

    return Operation("test.wait", wait, "sleep a little")


def test_parallel_branches_run_concurrently_on_worker_threads() -> None:
    log: list[tuple[str, str]] = []
    ops = {**OPERATIONS, "test.wait": _wait_op(log)}
    library = WorkflowLibrary.load(USER_BPMN, ops=ops)
    run = run_workflow("fan_out", {}, library=library, ops=ops, store=False)
    assert not run.failed, run.diagnostics
    assert_valid(run)
    assert {r["label"] for r in (run.data["result_a"], run.data["result_b"], run.data["result_c"])} == {
        "a",
        "b",
        "c",
    }
    assert len({thread for _, thread in log}) == 3
    spans = [s for s in run.spans if s.attributes.get(TASK_ID) in ("task_a", "task_b", "task_c")]
    assert len(spans) == 3
    latest_start = max(s.start_ns for s in spans)
    assert all(latest_start < (s.end_ns or 0) for s in spans)  # all three were open at the same moment


def test_multi_instance_task_gets_one_span_per_instance_and_routes_a_failure() -> None:
    log: list[tuple[str, str]] = []
    ops = {**OPERATIONS, "test.wait": _wait_op(log)}
    library = WorkflowLibrary.load(USER_BPMN, ops=ops)
    run = run_workflow("for_each", {"items": ["x", "y", "z"]}, library=library, ops=ops, store=False)
    assert not run.failed and run.end_events == ["done"]
    assert [o["label"] for o in run.data["outcomes"]] == ["x", "y", "z"]
    instances = [s for s in run.spans if s.attributes.get(TASK_ID) == "work" and TASK_INDEX in s.attributes]
    assert sorted(s.attributes[TASK_INDEX] for s in instances) == [0, 1, 2]
    assert_valid(run)

    run = run_workflow("for_each", {"items": ["x", "boom", "z"]}, library=library, ops=ops, store=False)
    assert run.failed and run.end_events == ["failed"]
    assert_valid(run)
    failed = [s for s in run.spans if s.status == "ERROR" and s.attributes.get(TASK_ID) == "work"]
    assert len(failed) == 1 and failed[0].attributes[TASK_INDEX] == 1


def test_user_bpmn_is_vetted_scripts_refused_by_default() -> None:
    library = WorkflowLibrary.load(USER_BPMN)
    assert "scripted" not in library.processes and "untrusted" not in library.processes
    messages = {(Path(d.file or "").name, d.message) for d in library.diagnostics}
    assert ("scripted.bpmn", "Script task `compute` is refused.") in messages
    assert any(
        f == "untrusted.bpmn" and "`os.system`, which is not a registered operation" in m for f, m in messages
    )
    assert any(f == "untrusted.bpmn" and "__import__" in m and "Call" in m for f, m in messages)
    assert all(d.range is not None for d in library.diagnostics)
    trusted = WorkflowLibrary.load(USER_BPMN, allow_scripts=True)
    run = run_workflow("scripted", {}, library=trusted, store=False)
    assert not run.failed and run.data["answer"] == 42
    assert "untrusted" not in trusted.processes  # an unknown operation is refused even with --allow-scripts


def test_cli_refuses_script_tasks_unless_allowed() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    cmd = [
        sys.executable,
        "-m",
        "weavergen.cli",
        "workflow",
        "run",
        "scripted",
        "--workflows",
        str(USER_BPMN),
    ]
    refused = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert refused.returncode == 1
    assert "Script task `compute` is refused" in refused.stderr
    allowed = subprocess.run([*cmd, "--allow-scripts"], capture_output=True, text=True, env=env)
    assert allowed.returncode == 0, allowed.stderr
    assert "scripted completed" in allowed.stdout


# The validator itself: tampered span lists must be caught.


def _tamper_cases(run: WorkflowRun) -> Iterator[tuple[str, list[SpanRecord]]]:
    spans = run.spans
    load = next(i for i, s in enumerate(spans) if s.attributes.get(TASK_ID) == "load")
    yield "ran once but has 0 spans", spans[:load] + spans[load + 1 :]
    yield "ran once but has 2 spans", [*spans, dataclasses.replace(spans[load], span_id="f" * 16)]
    yield (
        "not a child of the run's root span",
        [dataclasses.replace(s, parent_id="0" * 16) if i == load else s for i, s in enumerate(spans)],
    )
    yield (
        "was never ended",
        [dataclasses.replace(s, end_ns=None) if i == load else s for i, s in enumerate(spans)],
    )
    yield (
        "carries no exception event",
        [dataclasses.replace(s, status="ERROR") if i == load else s for i, s in enumerate(spans)],
    )
    yield (
        "that the engine never ran",
        [
            *spans,
            dataclasses.replace(
                spans[load], span_id="e" * 16, attributes={**spans[load].attributes, TASK_INSTANCE: "x"}
            ),
        ],
    )
    report = next(i for i, s in enumerate(spans) if s.attributes.get(TASK_ID) == "report")
    early = spans[load].start_ns - 1
    yield (
        "started before any of its predecessors",
        [dataclasses.replace(s, start_ns=early) if i == report else s for i, s in enumerate(spans)],
    )


def test_validator_catches_missing_duplicate_orphan_open_and_out_of_order_spans() -> None:
    run = check(EXAMPLE, skip_policies=True)
    info = builtin_library().find("check")
    assert validate_spans(info.id, run.spans, [], failed=False) != []  # spans without tasks
    for expected, spans in _tamper_cases(run):
        wf_tasks = run_executed(run)
        problems = validate_spans(info.id, spans, wf_tasks, failed=False)
        assert any(expected in d.message for d in problems), (expected, [d.message for d in problems])
        assert all(d.code == "InvalidWorkflowRun" for d in problems)


def run_executed(run: WorkflowRun) -> list[Any]:
    """The executed tasks of a finished run, rebuilt from the engine's own record in its spans' ids."""
    from weavergen.telemetry import ExecutedTask
    from weavergen.workflow import _predecessors

    preds = _predecessors(builtin_library().find(run.process))
    out = []
    for s in run.spans:
        if TASK_INSTANCE in s.attributes:
            task_id = str(s.attributes[TASK_ID])
            spec_preds = tuple(sorted(preds.get(task_id, ())))
            out.append(
                ExecutedTask(str(s.attributes[TASK_INSTANCE]), task_id, task_id, "COMPLETED", spec_preds)
            )
    return out


# Mermaid.


def _mermaid_parser() -> Path:
    """Mermaid's own parser (Node + jsdom), installed from tests/mermaid's lock file when missing."""
    if shutil.which("node") is None:
        pytest.fail("node is needed to run Mermaid's parser; install Node.js")
    if not (MERMAID / "node_modules" / "mermaid").is_dir():
        npm = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=MERMAID, capture_output=True, text=True
        )
        assert npm.returncode == 0, npm.stderr
    return MERMAID / "parse.mjs"


def test_workflow_show_mermaid_is_valid_flowchart_syntax_matching_the_bpmn() -> None:
    parser = _mermaid_parser()
    texts = []
    for info in builtin_library().processes.values():
        shown = subprocess.run(
            [sys.executable, "-m", "weavergen.cli", "workflow", "show", info.id, "--format", "mermaid"],
            capture_output=True,
            text=True,
        )
        assert shown.returncode == 0, shown.stderr
        chart = read_flowchart(shown.stdout)
        expected = process_flowchart(info.file, info.id)
        assert chart.nodes == expected.nodes and chart.edges == expected.edges
        from lxml import etree

        root = etree.parse(str(info.file)).getroot()
        flows = [el for el in root.iter("{*}sequenceFlow")]
        elements = [
            el for el in next(root.iter("{*}process")) if el.get("id") and "sequenceFlow" not in el.tag
        ]
        assert len([e for e in chart.edges if e[1] == "-->"]) == len(flows)
        assert len(chart.nodes) == len([e for e in elements if not e.tag.endswith("documentation")])
        texts.append(shown.stdout)
    for text in texts:
        parsed = subprocess.run(["node", str(parser)], input=text, capture_output=True, text=True)
        assert parsed.returncode == 0, parsed.stderr
        assert json.loads(parsed.stdout)["diagramType"].startswith("flowchart")
    broken = texts[0].replace("))", ")", 1)
    parsed = subprocess.run(["node", str(parser)], input=broken, capture_output=True, text=True)
    assert parsed.returncode != 0  # the parser really rejects bad syntax


def test_workflow_show_bpmn_prints_the_shipped_xml() -> None:
    info = builtin_library().find("check")
    shown = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "workflow", "show", "check", "--format", "bpmn"],
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0 and shown.stdout == info.file.read_text(encoding="utf-8")


def test_debug_spans_shows_the_last_cli_run(tmp_path: Path) -> None:
    env = {**os.environ, "WEAVERGEN_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    cli = [sys.executable, "-m", "weavergen.cli"]
    none = subprocess.run([*cli, "debug", "spans"], capture_output=True, text=True, env=env)
    assert none.returncode == 1 and "No workflow run is recorded" in none.stderr
    checked = subprocess.run(
        [*cli, "registry", "check", "-r", str(EXAMPLE), "--skip-policies"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert checked.returncode == 0, checked.stderr
    tree = subprocess.run([*cli, "debug", "spans"], capture_output=True, text=True, env=env)
    assert tree.returncode == 0
    lines = tree.stdout.splitlines()
    assert lines[0].startswith("registry_check  ok")
    assert any("Load registry [weaver.registry.load]  completed" in ln for ln in lines)
    assert all(ln.startswith("  ") for ln in lines[1:])
    record = json.loads(
        subprocess.run(
            [*cli, "debug", "spans", "--format", "json"], capture_output=True, text=True, env=env
        ).stdout
    )
    assert record["process"] == "registry_check" and not record["failed"]
    gantt = subprocess.run(
        [*cli, "debug", "spans", "--format", "mermaid"], capture_output=True, text=True, env=env
    )
    parsed = subprocess.run(
        ["node", str(_mermaid_parser())], input=gantt.stdout, capture_output=True, text=True
    )
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["diagramType"] == "gantt"


# weavergen's own telemetry.


def test_weavergen_telemetry_registry_checks_clean_and_covers_every_span_attribute() -> None:
    report = check_registry(CheckOptions(registry=str(TELEMETRY_REGISTRY)))
    assert [d for d in report.diagnostics if d.is_error] == []
    assert report.resolution is not None
    defined = {
        a["name"] for g in report.resolution.template_schema()["groups"] for a in g.get("attributes", [])
    }
    run = check(EXAMPLE)
    used = {k for s in run.spans for k in s.attributes}
    assert used <= defined, used - defined


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Collector.received.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


def test_spans_are_exported_over_otlp_when_an_endpoint_is_set() -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{server.server_port}"}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "weavergen.cli",
                "registry",
                "check",
                "-r",
                str(EXAMPLE),
                "--skip-policies",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    finally:
        server.shutdown()
        server.server_close()
    traces = [body for path, ctype, body in _Collector.received if path == "/v1/traces"]
    assert traces and all(ctype == "application/x-protobuf" for p, ctype, _ in _Collector.received)
    names = set()
    for body in traces:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for rs in request.resource_spans:
            for ss in rs.scope_spans:
                names.update(span.name for span in ss.spans)
    assert "weavergen.workflow.run registry_check" in names
    assert "registry_check Load registry" in names


# The generate process: check, one render instance per target (in worker processes), write.


def _templates(fixtures: Path, root: Path) -> Path:
    """A templates folder whose targets `test` and `simple` link to weaver's forge fixtures (used in place).

    The fixtures' own templates folder has a `registry/` sub-folder, which makes weaver look only there.
    """
    folder = root / "templates"
    if not folder.is_dir():
        folder.mkdir(parents=True)
        for target in ("test", "simple"):
            (folder / target).symlink_to(fixtures / "weaver" / "forge" / "templates" / target)
    return folder


def _forge_options(fixtures: Path, out: Path) -> Any:
    from weavergen.forge import GenerateOptions

    return GenerateOptions(
        registry=str(fixtures / "weaver" / "forge" / "data" / "registry"),
        templates=str(_templates(fixtures, out.parent)),
        output=str(out),
        skip_policies=True,
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_generate_renders_each_target_as_an_instance_and_matches_single_target_runs(
    fixtures: Path, tmp_path: Path
) -> None:
    from weavergen.forge import generate
    from weavergen.workflow_commands import run_generate

    both = tmp_path / "both"
    report, run = run_generate(_forge_options(fixtures, both), ["test", "simple"])
    assert not run.failed and run.end_events == ["done"], [d.message for d in report.diagnostics]
    assert_valid(run)
    path = task_path(run)
    assert path[:2] == ["start", "load"] and path[-2:] == ["write", "done"]
    instances = [s for s in run.spans if s.attributes.get(TASK_ID) == "render" and TASK_INDEX in s.attributes]
    assert sorted(s.attributes[TASK_INDEX] for s in instances) == [0, 1]
    for target in ("test", "simple"):
        alone = generate(dataclasses.replace(_forge_options(fixtures, tmp_path / target), target=target))
        assert not [d for d in alone.diagnostics if d.is_error]
        assert _tree(both / target) == _tree(tmp_path / target) != {}
    assert set(report.written) == {str(both / t / f) for t in ("test", "simple") for f in _tree(both / t)}


def test_generate_of_the_same_target_twice_keeps_both_outputs(fixtures: Path, tmp_path: Path) -> None:
    from weavergen.workflow_commands import run_generate

    _, run = run_generate(_forge_options(fixtures, tmp_path / "out"), ["simple", "simple"])
    assert not run.failed
    assert _tree(tmp_path / "out" / "0-simple") == _tree(tmp_path / "out" / "1-simple") != {}


def test_generate_with_a_missing_target_writes_nothing(fixtures: Path, tmp_path: Path) -> None:
    from weavergen.workflow_commands import run_generate

    out = tmp_path / "out"
    report, run = run_generate(_forge_options(fixtures, out), ["simple", "no_such_target"])
    assert not run.failed and run.end_events == ["done"]
    assert_valid(run)
    assert any(d.code == "TargetNotSupported" for d in report.diagnostics)
    assert run.data["written"] == {"written": 0, "skipped": True}
    assert not out.exists()


def test_benchmark_parallel_compares_and_finds_identical_outputs(fixtures: Path, tmp_path: Path) -> None:
    forge = fixtures / "weaver" / "forge"
    templates = _templates(fixtures, tmp_path)
    done = subprocess.run(
        [
            sys.executable, "-m", "weavergen.cli", "benchmark", "parallel", "--targets", "test,simple",
            "-r", str(forge / "data" / "registry"), "-t", str(templates), "--skip-policies",
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "outputs:     identical" in done.stdout
    assert "speedup:" in done.stdout


def test_update_markdown_process_refreshes_a_snippet_from_the_checked_registry(
    fixtures: Path, tmp_path: Path
) -> None:
    from weavergen.markdown import UpdateMarkdownOptions
    from weavergen.workflow_commands import run_update_markdown

    doc = tmp_path / "docs" / "checkout.md"
    doc.parent.mkdir()
    doc.write_text("# Checkout\n\n<!-- semconv shop.checkout.common -->\nstale\n<!-- endsemconv -->\n")
    options = UpdateMarkdownOptions(
        registry=str(EXAMPLE),
        markdown_dir=str(doc.parent),
        templates=str(fixtures / "semconv" / "v1.44.0" / "templates"),
        dry_run=True,
    )
    report, run = run_update_markdown(options)
    assert not run.failed and task_path(run)[-3:] == ["valid", "update_markdown", "done"]
    assert_valid(run)
    assert report.changed == [str(doc)] and "MarkdownNotUpToDate" in {d.code for d in report.diagnostics}
    assert "stale" in doc.read_text()  # a dry run writes nothing
    report, run = run_update_markdown(dataclasses.replace(options, dry_run=False))
    text = doc.read_text()
    assert "stale" not in text and "shop.order.id" in text
    report, run = run_update_markdown(options)
    assert report.changed == [] and not [d for d in report.diagnostics if d.is_error]


def _process_operations() -> list[tuple[str, str]]:
    from weavergen.workflow_library import service_operations

    return [
        (p, op) for p, info in sorted(builtin_library().processes.items()) for op in service_operations(info)
    ]


def _drifted_system(tmp_path: Path) -> dict[str, Any]:
    """A system recorded but never generated (every output new), for the regeneration cycle to reach
    each of its tasks."""
    from weavergen.builtin_targets import targets_root
    from weavergen.forge import GenerateOptions
    from weavergen.regeneration import record_system

    shutil.copytree(EXAMPLE, tmp_path / "model")
    options = GenerateOptions(
        registry=str(tmp_path / "model"),
        target="markdown",
        output=str(tmp_path / "gen"),
        templates=str(targets_root()),
    )
    record_system("example", options, ["markdown"])
    return {"system": "example", "path": str(tmp_path), "auto_confirm": True}


@pytest.mark.parametrize(("process", "last"), _process_operations())
def test_every_service_task_routes_its_failure_to_the_error_end_event(
    process: str, last: str, tmp_path: Path
) -> None:

    def broken(ctx: RunContext, **params: Any) -> dict[str, Any]:
        raise RuntimeError(f"{last} exploded")

    ops = {**OPERATIONS, last: Operation(last, broken, "broken")}
    params = {
        "registry": str(EXAMPLE),
        "skip_policies": last != "weaver.policies.evaluate",
        "baseline_registry": str(EXAMPLE),
        "kind": "semconv-group",
        "format": "json",
        "query": "shop",
        "targets": ["simple"],
        "v2": process == "registry_package",
        "output": str(tmp_path / "package"),
        "resolved_registry_uri": "resolved.yaml",
        "settings": {
            "output": str(tmp_path / "out"),
            "templates": str(tmp_path),
            "markdown_dir": str(tmp_path),
        },
    }
    if process == "regeneration_dmedi_cycle":
        params.update(_drifted_system(tmp_path))
    run = run_workflow(process, params, ops=ops, store=False)
    assert run.failed and run.end_events == ["failed"], (task_path(run), run.diagnostics)
    assert_valid(run)
    failed = [s for s in run.spans if s.status == "ERROR" and s.attributes.get(OPERATION) == last]
    assert len(failed) == 1 and failed[0].events[0]["name"] == "exception"
    assert any(d.code == "WorkflowTaskFailed" and "exploded" in d.message for d in run.diagnostics)


def test_generate_writes_despite_policy_violations_and_exits_1_as_weaver(
    fixtures: Path, tmp_path: Path
) -> None:
    policy = tmp_path / "policies" / "always.rego"
    policy.parent.mkdir()
    policy.write_text(
        "package after_resolution\n\nimport rego.v1\n\n"
        'deny contains finding if {\n\tsome group in input.groups\n\tgroup.id == "shop.checkout.common"\n'
        '\tfinding := {"id": "always", "level": "violation", "message": "always wrong", "context": {}}\n}\n'
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable, "-m", "weavergen.cli", "registry", "generate", "-r", str(EXAMPLE),
            "-t", str(_templates(fixtures, tmp_path)), "-p", str(policy), "simple", str(out),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 1
    assert "always wrong" in done.stderr
    assert _tree(out) != {}  # the files are written; the violation only sets the exit code
