"""weaver's JSON-schema wording for a pydantic validation error, where it points, and what it suggests.

weaver validates files against its JSON schema; we validate with pydantic models and translate each
error into weaver's message (`Object contains unexpected properties: …`, `Value … is not among the
allowed options: …`). Where the wrong key or value is a near miss of an allowed one, the error also
carries that suggestion, which becomes the diagnostic's quick fix.
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass
from inspect import isclass
from typing import Any

from pydantic import BaseModel

from weavergen import model
from weavergen.diagnostics import Range, closest, did_you_mean
from weavergen.document import Document, Path

_JSON_TYPES = {
    "string_type": "string",
    "int_type": "integer",
    "int_from_float": "integer",
    "bool_type": "boolean",
    "float_type": "number",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _walk_types(root: Any, loc: tuple[str | int, ...]) -> tuple[Any, type[BaseModel] | None, str | None]:
    """Follow a pydantic error location through the model types: (final type, parent model, field doc)."""
    tp: Any = root
    parent: type[BaseModel] | None = None
    doc: str | None = None
    for token in loc:
        tp = _unwrap(tp)
        if isinstance(token, str) and token in model.TAGS:
            tp = model.TAGS[token]
            continue
        if isclass(tp) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(token))
            parent = tp
            doc = info.description if info else None
            tp = info.annotation if info else Any
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            tp = Any
    return _unwrap(tp), parent, doc


def _child(node: Any, token: str | int) -> tuple[bool, Any]:
    if isinstance(node, dict) and token in node:
        return True, node[token]
    if isinstance(node, list) and isinstance(token, int) and 0 <= token < len(node):
        return True, node[token]
    return False, None


def _data_path(data: Any, loc: tuple[str | int, ...]) -> tuple[Path, Any, bool]:
    """Map a pydantic location onto the document: (deepest existing path, its node, all found)."""
    path: list[str | int] = []
    node = data
    found = True
    for token in loc:
        exists, child = _child(node, token)
        if exists:
            node = child
            path.append(token)
        elif isinstance(token, str) and token in model.TAGS:
            continue
        else:
            found = False
    return tuple(path), node, found


def _allowed(parent: type[BaseModel] | None) -> str | None:
    if parent is None:
        return None
    names = [n for n, f in parent.model_fields.items() if not (f.description or "").startswith("Internal")]
    return f"Allowed properties here: {', '.join(names)}."


def _options(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _schema_message(err: Any, data: Any, root: Any) -> tuple[str, Path, bool, str | None]:
    """weaver's JSON-schema wording for one pydantic error: (message, path, point at key, help)."""
    loc = tuple(err["loc"])
    etype = err["type"]
    path, node, _ = _data_path(data, loc)
    _, parent, fdoc = _walk_types(root, loc)
    if etype == "extra_forbidden":
        return (
            f"Object contains unexpected properties: {path[-1]}. "
            "These properties are not defined in the schema.",
            path,
            True,
            _allowed(parent),
        )
    if etype == "missing":
        return f"Missing required property: {loc[-1]}.", path, False, fdoc
    if etype == "literal_error":
        opts = _options(err["ctx"]["expected"])
        return f"Value {_json(node)} is not among the allowed options: {_json(opts)}.", path, False, fdoc
    if etype in _JSON_TYPES:
        return f"Value {_json(node)} is not of the required type: '{_JSON_TYPES[etype]}'.", path, False, fdoc
    tagged = {
        "weaver_any_value": ("type", list(model.ANY_VALUE_TYPES)),
        "weaver_visibility": ("visibility", ["internal", "public"]),
        "weaver_deprecated_v2": ("reason", ["renamed", "obsoleted", "uncategorized", "unspecified"]),
    }
    if etype in tagged and isinstance(node, dict):
        key, opts = tagged[etype]
        if key not in node:
            return f"Missing required property: {key}.", path, False, fdoc
        return (
            f"Value {_json(node[key])} is not among the allowed options: {_json(opts)}.",
            (*path, key),
            False,
            fdoc,
        )
    if etype in tagged or etype == "weaver_attribute":
        return f"Value {_json(node)} is not of the required type: 'object'.", path, False, fdoc
    if etype == "weaver_message":
        return str(err["msg"]), path, False, fdoc
    return model.ANYOF_MESSAGE, path, False, fdoc


def _missing_range(doc: Document, path: Path) -> Range | None:
    """Where to report a missing property: the mapping's identifying value, else its first line."""
    for key in ("id", "key", "ref", "name", "type"):
        if (*path, key) in doc.spans:
            return doc.range_of((*path, key))
    return doc.head_range(path)


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema error in weaver's words: message, document path, whether it points at the key, help,
    and the replacement it suggests (a near miss of an allowed key or value)."""

    message: str
    path: Path
    at_key: bool
    help: str | None
    suggestion: str | None = None

    @property
    def full_help(self) -> str | None:
        """The help, led by the suggestion when there is one."""
        if self.suggestion is None:
            return self.help
        return f"{did_you_mean(self.suggestion)} {self.help or ''}".rstrip()

    def range(self, doc: Document) -> Range | None:
        """Where the error points: a missing property at its mapping, else the key or the value."""
        if self.message.startswith("Missing required property"):
            return _missing_range(doc, self.path)
        return doc.range_of(self.path, key=self.at_key)


def describe(err: Any, data: Any, root: Any) -> SchemaError:
    """One pydantic error of a document's data as weaver words it, with its suggestion if any."""
    message, path, at_key, help_text = _schema_message(err, data, root)
    return SchemaError(message, path, at_key, help_text, _suggestion(err, data, root, message, path))


def _suggestion(err: Any, data: Any, root: Any, message: str, path: Path) -> str | None:
    """The allowed key (for an unexpected property) or value (for a value not among the options) that
    the written one most likely meant."""
    if err["type"] == "extra_forbidden" and path:
        _, parent, _ = _walk_types(root, tuple(err["loc"]))
        owner, _, _ = _data_path(data, path[:-1])
        mapping: dict[Any, Any] = owner if isinstance(owner, dict) else {}
        if parent is None:
            return None
        names = [
            n
            for n, f in parent.model_fields.items()
            if not (f.description or "").startswith("Internal") and n not in mapping
        ]
        return closest(str(path[-1]), names)
    marker = " is not among the allowed options: "
    if marker in message:
        _, value, _ = _data_path(data, path)
        if isinstance(value, dict):
            return None
        try:
            options = json.loads(message.split(marker, 1)[1].rstrip("."))
        except ValueError:
            return None
        if isinstance(value, str) and isinstance(options, list):
            return closest(value, [str(o) for o in options])
    return None
