"""What the commands that print a registry share: check-then-resolve, yaml/json/jsonl text, atomic writes.

`registry resolve`, `stats` and `search` first run the same check as `registry check` (so they report the
same diagnostics and fail on the same errors), then work on the resolved registry.
"""

from __future__ import annotations

import json
import os
import tempfile
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


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write `text` (or bytes) to `path` through a temporary file in the same folder, renamed over it."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {path}: folder {folder} does not exist; create it or choose another -o"
        )
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder; give -o a file path")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as binary:
                binary.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
