"""The BPMN process library: built-in and user processes parsed once, their documentation and the
vetting of what a user process may run (see `bpmnvet`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from weavergen.diagnostics import Diagnostic, Range
from weavergen.operations import Operation, operations

if TYPE_CHECKING:
    from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec


WORKFLOW_ALIASES = {"update_markdown": "registry_update_markdown", "json_schema": "registry_json_schema"}


class WorkflowError(Exception):
    """A process cannot be found, parsed or trusted; carries diagnostics with positions."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """One executable BPMN process and where it came from."""

    id: str
    name: str
    documentation: str
    file: Path
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, Any]
    builtin: bool


# Loading processes.


def builtin_dir() -> Path:
    """The folder of the BPMN files shipped in the package."""
    return Path(str(resources.files("weavergen.bpmn")))


@lru_cache(maxsize=8)
def _parse_file(path: str, mtime_ns: int) -> tuple[dict[str, ProcessInfo], tuple[Diagnostic, ...]]:
    """Parse one BPMN file (cached by path and modification time); diagnostics instead of exceptions."""
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
    from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

    file = Path(path)
    builtin = file.parent == builtin_dir()
    try:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(path)
        found = {}
        for pid in parser.get_process_ids():
            spec = parser.get_spec(pid)
            found[pid] = ProcessInfo(
                pid,
                spec.description or pid,
                _documentation(file, pid),
                file,
                spec,
                parser.get_subprocess_specs(pid),
                builtin,
            )
        return found, ()
    except ValidationException as exc:
        line = _int(getattr(exc, "line_number", None)) or _line_of(file, getattr(exc, "id", None))
        return {}, (_bpmn_diagnostic(file, line, f"Invalid BPMN: {_one_line(exc)}"),)
    except Exception as exc:  # lxml syntax errors and anything else the parser raises
        line = _int(getattr(exc, "lineno", None)) or _int(getattr(exc, "line_number", None))
        return {}, (_bpmn_diagnostic(file, line, f"Invalid BPMN: {_one_line(exc)}"),)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _documentation(file: Path, pid: str) -> str:
    from lxml import etree

    try:
        root = etree.parse(str(file)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return ""
    for proc in root.iter("{*}process"):
        if proc.get("id") == pid:
            doc = proc.find("{*}documentation")
            return (doc.text or "").strip() if doc is not None else ""
    return ""


def _line_of(file: Path, element_id: str | None) -> int | None:
    """The 1-based line of the element with this id, for a diagnostic's position."""
    if not element_id:
        return None
    from lxml import etree

    try:
        root = etree.parse(str(file)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return None
    for el in root.iter():
        if el.get("id") == element_id:
            return int(el.sourceline) if el.sourceline else None
    return None


def _bpmn_diagnostic(file: Path, line: int | None, message: str, help: str | None = None) -> Diagnostic:
    rng = Range.of(line - 1, 0, line - 1, 0) if line else None
    return Diagnostic(code="InvalidWorkflow", message=message, file=str(file), range=rng, help=help)


class WorkflowLibrary:
    """The processes a run may use: the built-in ones, and those of a `--workflows` folder."""

    def __init__(
        self, processes: dict[str, ProcessInfo], diagnostics: list[Diagnostic], allow_scripts: bool = False
    ) -> None:
        self.processes = processes
        self.diagnostics = diagnostics
        self.allow_scripts = allow_scripts

    def trusts(self, info: ProcessInfo) -> bool:
        """Whether `info` may run scripts and any expression: built-in, or loaded with `--allow-scripts`."""
        return info.builtin or self.allow_scripts

    @classmethod
    def load(
        cls,
        workflows_dir: Path | None = None,
        *,
        allow_scripts: bool = False,
        ops: Mapping[str, Operation] | None = None,
    ) -> WorkflowLibrary:
        """Built-in processes, then the user's (which may replace a built-in of the same id).

        A user process that calls an unregistered service, or runs scripts without `allow_scripts`,
        is refused with a diagnostic on the offending element.
        """
        processes: dict[str, ProcessInfo] = {}
        diagnostics: list[Diagnostic] = []
        for path in sorted(builtin_dir().glob("*.bpmn")):
            found, diags = _parse_file(str(path), path.stat().st_mtime_ns)
            processes.update(found)
            diagnostics.extend(diags)
        if workflows_dir is not None:
            if not workflows_dir.is_dir():
                diagnostics.append(
                    _bpmn_diagnostic(
                        workflows_dir, None, f"The workflows folder {workflows_dir} does not exist."
                    )
                )
            for path in sorted(workflows_dir.glob("*.bpmn")) if workflows_dir.is_dir() else []:
                found, diags = _parse_file(str(path), path.stat().st_mtime_ns)
                diagnostics.extend(diags)
                for pid, info in found.items():
                    problems = vet_process(info, allow_scripts=allow_scripts, ops=ops)
                    diagnostics.extend(problems)
                    if not problems:
                        processes[pid] = info
        return cls(processes, diagnostics, allow_scripts)

    def find(self, name: str) -> ProcessInfo:
        """A process by id (`registry_check`) or short name (`check`, `update-markdown`)."""
        key = name.replace("-", "_").replace(" ", "_")
        for candidate in (key, WORKFLOW_ALIASES.get(key, ""), f"registry_{key}"):
            if candidate in self.processes:
                return self.processes[candidate]
        known = ", ".join(sorted(self.processes))
        raise WorkflowError(
            [
                Diagnostic(
                    code="UnknownWorkflow", message=f"No workflow named `{name}`. Known workflows: {known}."
                )
            ]
        )


def service_operations(info: ProcessInfo) -> list[str]:
    """The engine operations a process's service tasks call, in order of first appearance."""
    seen: dict[str, None] = {}
    for ts in info.spec.task_specs.values():
        op = getattr(ts, "operation_name", None)
        if op:
            seen.setdefault(op, None)
    return list(seen)


@lru_cache(maxsize=1)
def builtin_library() -> WorkflowLibrary:
    """The built-in processes, parsed once per interpreter."""
    return WorkflowLibrary.load()


def vet_process(
    info: ProcessInfo, *, allow_scripts: bool, ops: Mapping[str, Operation] | None = None
) -> list[Diagnostic]:
    """Refuse a user process that calls unknown services, or runs code without permission (`bpmnvet`)."""
    from weavergen.bpmnvet import vet_process as vet

    known = operations() if ops is None else ops
    return vet(
        info.spec, info.subprocess_specs, info.file, known, allow_scripts=allow_scripts, line_of=_line_of
    )


# Running a process.
