"""Shared pieces of the file models: discriminator tags, value kinds, serde-like bases and scalars."""

from __future__ import annotations

import functools
import typing
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

TAGS: dict[str, Any] = {}
"""Every discriminator tag used below, mapped to the type it selects (see `validate.py`)."""

STABILITY_VALUES = (
    "stable",
    "development",
    "experimental",
    "alpha",
    "beta",
    "release_candidate",
    "deprecated",
)
PRIMITIVE_TYPES = ("string", "int", "double", "boolean", "any", "string[]", "int[]", "double[]", "boolean[]")
TEMPLATE_TYPES = tuple(f"template[{t}]" for t in PRIMITIVE_TYPES)
ANY_VALUE_TYPES = (
    "boolean",
    "int",
    "double",
    "string",
    "string[]",
    "int[]",
    "double[]",
    "boolean[]",
    "map",
    "map[]",
    "bytes",
    "undefined",
    "enum",
)
BASIC_REQUIREMENT_LEVELS = ("required", "recommended", "opt_in")
ANYOF_MESSAGE = (
    "The following YAML snippet does not match any of the allowed schemas (anyOf, see help section)."
)

Stability = Literal[
    "stable", "development", "experimental", "alpha", "beta", "release_candidate", "deprecated"
]
GroupType = Literal[
    "attribute_group", "span", "event", "metric", "metric_group", "entity", "resource", "scope"
]
SpanKind = Literal["client", "server", "producer", "consumer", "internal"]
Instrument = Literal["counter", "gauge", "histogram", "updowncounter"]
BasicRequirementLevel = Literal["required", "recommended", "opt_in"]
SignalRequirementLevel = Literal["recommended", "opt_in"]
Role = Literal["identifying", "descriptive"]
AttributeTypeName = Literal[
    "string",
    "int",
    "double",
    "boolean",
    "any",
    "string[]",
    "int[]",
    "double[]",
    "boolean[]",
    "template[string]",
    "template[int]",
    "template[double]",
    "template[boolean]",
    "template[any]",
    "template[string[]]",
    "template[int[]]",
    "template[double[]]",
    "template[boolean[]]",
]


class _SerdeDefaults(BaseModel):
    """serde_yaml reads a null (`attributes:` left empty) as an empty sequence or map wherever a defaulted
    list or map is expected, so weaver accepts it; so do these models."""

    @model_validator(mode="before")
    @classmethod
    def _null_collections(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        empty = _collection_fields(cls)
        if not any(k in empty and v is None for k, v in data.items()):
            return data
        return {k: (empty[k]() if v is None and k in empty else v) for k, v in data.items()}


@functools.cache
def _collection_fields(cls: type[BaseModel]) -> dict[str, type]:
    """The fields of a model that are a plain (not optional) list or dict with a default."""
    out: dict[str, type] = {}
    for name, info in cls.model_fields.items():
        origin = typing.get_origin(info.annotation)
        if origin in (list, dict) and not info.is_required():
            out[info.alias or name] = origin
    return out


class _Strict(_SerdeDefaults):
    """Base of every file model: unknown keys rejected, no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)


class _Lenient(_SerdeDefaults):
    """Base of the few serde structs without `deny_unknown_fields` (extra keys ignored)."""

    model_config = ConfigDict(extra="ignore", strict=True)


def _tagged(tag: str, tp: Any) -> Any:
    TAGS[tag] = tp
    return Annotated[tp, Tag(tag)]


def _union(func: Any, error: str, *members: tuple[str, Any]) -> Any:
    """A union resolved by `func`; when it returns None, pydantic raises the custom error `error`."""
    from typing import Union

    tagged = tuple(_tagged(tag, tp) for tag, tp in members)
    return Annotated[Union[tagged], Discriminator(func, custom_error_type=error, custom_error_message=error)]  # noqa: UP007


# --- scalars with serde's untagged semantics ------------------------------------------------------


def _value_spec(v: Any) -> Any:
    if isinstance(v, bool | int | float | str):
        return v
    raise PydanticCustomError("weaver_anyof", ANYOF_MESSAGE)


def _scalar_kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int" if -(2**63) <= v < 2**63 else "double"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    return None


def examples_kind(v: Any) -> str | None:
    """The `Examples` variant serde picks for a value (untagged, first match wins), or None if none fits."""
    kind = _scalar_kind(v)
    if kind is not None:
        return kind
    if not isinstance(v, list):
        return None
    kinds = [_scalar_kind(x) for x in v]
    if all(k is not None for k in kinds):
        for want, ok in (
            ("ints", {"int"}),
            ("doubles", {"int", "double"}),
            ("bools", {"bool"}),
            ("strings", {"string"}),
        ):
            if all(k in ok for k in kinds):
                return want
        return "anys"
    if all(isinstance(x, list) for x in v):
        inner = [[_scalar_kind(y) for y in x] for x in v]
        for want, ok in (
            ("list_of_ints", {"int"}),
            ("list_of_doubles", {"int", "double"}),
            ("list_of_bools", {"bool"}),
            ("list_of_strings", {"string"}),
        ):
            if all(k in ok for row in inner for k in row):
                return want
    return None


def _examples(v: Any) -> Any:
    if examples_kind(v) is None:
        raise PydanticCustomError("weaver_anyof", ANYOF_MESSAGE)
    return v


def _plain(func: Any) -> Any:
    from pydantic import PlainValidator

    return PlainValidator(func)


ValueSpecT = Annotated[Any, _plain(_value_spec)]
ExamplesT = Annotated[Any, _plain(_examples)]
YamlValue = Any
Annotations = dict[str, YamlValue]
