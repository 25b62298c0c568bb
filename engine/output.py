"""What the commands that print a registry share: check-then-resolve, yaml/json/jsonl text, atomic writes.

`registry resolve`, `stats` and `search` first run the same check as `registry check` (so they report the
same diagnostics and fail on the same errors), then work on the resolved registry.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any

import yaml

from weavergen.resolve import Resolution

RESOLVE_FORMATS = ("yaml", "json", "jsonl", "mute")
_V2_SECTIONS = ("attributes", "attribute_groups", "entities", "events", "metrics", "spans")


class OutputError(Exception):
    """A command's output cannot be produced or written; the message says what to change."""


def resolved_document(resolution: Resolution, v2: bool) -> dict[str, Any]:
    """What `registry resolve` writes: weaver's v1 template schema, or (`--v2`) the materialized registry."""
    if v2:
        from weavergen.materialize import materialize

        return materialize(resolution)
    return resolution.template_schema()


def jsonl_items(document: dict[str, Any], v2: bool) -> list[dict[str, Any]]:
    """One object per line: each v1 group, or each v2 attribute, group and signal, led by its `section`."""
    if not v2:
        return list(document.get("groups", []))
    registry = document.get("registry", {})
    return [{"section": section, **item} for section in _V2_SECTIONS for item in registry.get(section, [])]


class _BlockDumper(yaml.SafeDumper):
    """Block-style YAML, lists indented under their key, multi-line strings as `|` literals, no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        """Repeat shared values in full: readers of a resolved registry should not meet `&id001` anchors."""
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_representer)


def to_yaml(value: Any) -> str:
    """YAML in block style, keys in insertion order, non-ASCII text kept as is."""
    return yaml.dump(
        value, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=110
    )


def to_json(value: Any) -> str:
    """Pretty JSON (two-space indent), non-ASCII text kept as is, ending with a newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def to_jsonl(items: list[dict[str, Any]]) -> str:
    """One compact JSON object per line."""
    return "".join(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n" for item in items)


def serialize(document: dict[str, Any], fmt: str, *, v2: bool = False) -> str:
    """`document` as `registry resolve -f FMT` prints it; `mute` gives the empty string."""
    if fmt == "yaml":
        return to_yaml(document)
    if fmt == "json":
        return to_json(document)
    if fmt == "jsonl":
        return to_jsonl(jsonl_items(document, v2))
    if fmt == "mute":
        return ""
    raise OutputError(f"unknown format {fmt!r}; use one of: {', '.join(RESOLVE_FORMATS)}")


TEMP_MARK = ".weavergen-"  # in every temporary file's name, so a later run can sweep what a killed one left
_umask_lock = threading.Lock()


def new_file_mode() -> int:
    """The mode a new file gets, as `open()` would give it: 0666 less the process's umask."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def stage(path: Path, text: str | bytes) -> Path:
    """Write `text` to a temporary file beside `path`, with the mode `path` has (or a new file's mode).

    `commit` renames it over `path`; on any failure the temporary file is removed and OutputError raised.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {path}: folder {folder} does not exist; create it or choose another -o"
        )
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder; give -o a file path")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = new_file_mode()
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", suffix=".tmp", dir=folder)
        os.fchmod(fd, mode)
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as binary:
                binary.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        return Path(tmp)
    except (OSError, UnicodeEncodeError) as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from exc


def commit(tmp: Path, path: Path) -> None:
    """Rename a staged file over its destination (atomic on one file system)."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write `text` (or bytes) to `path` through a temporary file in the same folder, renamed over it;
    a replaced file keeps its mode, a new one gets 0666 less the umask."""
    commit(stage(path, text), path)


def sweep_temporary_files(folder: Path) -> list[Path]:
    """Remove the temporary files an interrupted write left under `folder` (ours only, by name)."""
    removed = []
    for tmp in folder.rglob(f".*{TEMP_MARK}*.tmp") if folder.is_dir() else []:
        if tmp.is_file() and not tmp.is_symlink():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def output_folder_problem(folder: Path) -> str | None:
    """Why reports cannot be written into `folder` (created if missing), or None when they can."""
    if folder.exists() and not folder.is_dir():
        return f"the output {folder} is not a folder; give -o a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create the output folder {folder}: {exc.strerror or exc}; choose another -o"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the output folder {folder} is not writable; choose another -o"
    return None


def replace_text(path: Path, before: str, after: str) -> None:
    """Write `after` over `path`, which held `before`, touching only the lines that change.

    A file that is not UTF-8 is refused rather than rewritten (its other bytes would be lost); lines
    added to a CRLF file get CRLF; a file changed on disk since `before` was read is refused.
    """
    import difflib

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        disk = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OutputError(
            f"{path} is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); it was not rewritten. "
            "Convert it to UTF-8 first (e.g. `iconv -f latin1 -t utf-8`), or make the change by hand."
        ) from exc
    if disk != before:
        raise OutputError(f"{path} changed on disk since it was read; it was not rewritten. Run again.")
    crlf = disk.count("\r\n") * 2 > disk.count("\n")
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(old[i1:i2])
            continue
        for line in new[j1:j2]:
            if crlf and line.endswith("\n") and not line.endswith("\r\n"):
                line = line[:-1] + "\r\n"
            out.append(line)
    write_atomic(path, "".join(out).encode("utf-8"))
