"""Weaver's custom MiniJinja filters, tests and functions (case, code, otel, util, ansi), in Python.

Each is registered on a fresh Environment by `weavergen.forge.render.environment`. A filter that gets a
value it cannot handle raises `FilterFailure` with weaver's message; the renderer turns it into a diagnostic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import yaml


class FilterFailure(Exception):
    """A weaver filter refused its input (weaver's message, e.g. `value is not a string`)."""


# --- case conversion -----------------------------------------------------------------------------------


def _is_upper(c: str) -> bool:
    return c.upper() != c.lower() and c == c.upper()


def _is_lower(c: str) -> bool:
    return c.upper() != c.lower() and c == c.lower()


def split_words(text: str) -> list[str]:
    """Words as convert_case 0.11 (without digit boundaries) finds them; empty words are kept."""
    chars = list(text.replace(".", "_"))
    words: list[str] = []
    cur: list[str] = []
    for i, c in enumerate(chars):
        if c in "_- ":
            words.append("".join(cur))
            cur = []
            continue
        if cur:
            prev = chars[i - 1]
            nxt = chars[i + 1] if i + 1 < len(chars) else ""
            if (_is_lower(prev) and _is_upper(c)) or (
                _is_upper(prev) and _is_upper(c) and nxt and _is_lower(nxt)
            ):
                words.append("".join(cur))
                cur = []
        cur.append(c)
    words.append("".join(cur))
    return words


def _first_upper(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise FilterFailure("value is not a string")
    return value


def lower_case(value: Any) -> str:
    """`Hello World` → `hello world`."""
    return " ".join(w.lower() for w in split_words(_string(value)))


def upper_case(value: Any) -> str:
    """`http.request` → `HTTP REQUEST`."""
    return " ".join(w.upper() for w in split_words(_string(value)))


def title_case(value: Any) -> str:
    """`ThisIsATest` → `This Is A Test`."""
    return " ".join(_first_upper(w) for w in split_words(_string(value)))


def pascal_case(value: Any) -> str:
    """`v8js.heap.space.name` → `V8jsHeapSpaceName`."""
    return "".join(_first_upper(w) for w in split_words(_string(value)))


def camel_case(value: Any) -> str:
    """`k8s.job.name` → `k8sJobName`."""
    words = split_words(_string(value))
    return words[0].lower() + "".join(_first_upper(w) for w in words[1:])


def snake_case(value: Any) -> str:
    """`http.request.resend_count` → `http_request_resend_count`."""
    return "_".join(w.lower() for w in split_words(_string(value)))


def screaming_snake_case(value: Any) -> str:
    """`k8s.job.name` → `K8S_JOB_NAME`."""
    return "_".join(w.upper() for w in split_words(_string(value)))


def kebab_case(value: Any) -> str:
    """`Hello World` → `hello-world`."""
    return "-".join(w.lower() for w in split_words(_string(value)))


def screaming_kebab_case(value: Any) -> str:
    """`http.request` → `HTTP-REQUEST`."""
    return "-".join(w.upper() for w in split_words(_string(value)))


def capitalize_first(value: Any) -> str:
    """Upper-case the first character only: `hello world` → `Hello world`."""
    text = _string(value)
    return text[:1].upper() + text[1:]


def _const(convert: Callable[[Any], str]) -> Callable[[Any], str]:
    def filter_(value: Any) -> str:
        return convert(_string(value).replace("_", ""))

    filter_.__doc__ = f"`{convert.__name__}` after deleting every `_` (dots still split words)."
    return filter_


CASE_FILTERS: dict[str, Callable[..., Any]] = {
    "lower_case": lower_case,
    "upper_case": upper_case,
    "title_case": title_case,
    "pascal_case": pascal_case,
    "camel_case": camel_case,
    "snake_case": snake_case,
    "screaming_snake_case": screaming_snake_case,
    "kebab_case": kebab_case,
    "screaming_kebab_case": screaming_kebab_case,
    "capitalize_first": capitalize_first,
    "kebab_case_const": _const(kebab_case),
    "pascal_case_const": _const(pascal_case),
    "camel_case_const": _const(camel_case),
    "snake_case_const": _const(snake_case),
    "screaming_snake_case_const": _const(screaming_snake_case),
}


# --- printing helpers ------------------------------------------------------------------------------------


def display(value: Any) -> str:
    """A value printed as minijinja 2.20 prints it (`none`, `true`, `1.0`, `["a", 1]`)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return _float_display(value)
    if isinstance(value, (list, tuple, dict)):
        return debug(value)
    return str(value)


def _float_display(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(value, "f") if abs(value) >= 1 else f"{value:.20f}".rstrip("0")
    return text if "." in text else text + ".0"


_DEBUG_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def _debug_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in _DEBUG_ESCAPES:
            out.append(_DEBUG_ESCAPES[ch])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return '"' + "".join(out) + '"'


def _debug_float(value: float) -> str:
    text = repr(value)
    if "e" in text:
        mantissa, exp = text.split("e")
        return f"{mantissa}e{int(exp)}"
    return text


def debug(value: Any) -> str:
    """Rust `Debug` of a value, as minijinja prints list and map elements."""
    if isinstance(value, str):
        return _debug_str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(debug(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{debug(k)}: {debug(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, float):
        return _debug_float(value) if value == value and abs(value) != float("inf") else _float_display(value)
    return display(value)


def pprint(value: Any, level: int = 0) -> str:
    """Rust pretty `Debug` (`{:#?}`): one element per line, 4-space indent, trailing commas."""
    pad, end = "    " * (level + 1), "    " * level
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[\n" + "".join(f"{pad}{pprint(v, level + 1)},\n" for v in value) + end + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = sorted(value.items())
        return "{\n" + "".join(f"{pad}{debug(k)}: {pprint(v, level + 1)},\n" for k, v in items) + end + "}"
    return debug(value)


# --- code / util filters --------------------------------------------------------------------------------


def comment_with_prefix(value: Any, prefix: Any) -> str:
    """Each line of the printed input, prefixed (weaver's deprecated `comment_with_prefix`)."""
    text = display(value)
    return "\n".join(str(prefix) + line for line in text.splitlines())


def print_member_value(value: Any) -> str:
    """A string JSON-quoted, a number or boolean printed bare, anything else empty."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (bool, int, float)):
        return display(value)
    return ""


def split_id(value: Any) -> list[str]:
    """`a.b.c` → `["a", "b", "c"]`."""
    if not isinstance(value, str):
        raise FilterFailure(f"Expected string, found: {display(value)}")
    return value.split(".")


_RUST_GROUP = re.compile(r"\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def regex_replace(value: Any, pattern: Any, replacement: Any) -> str:
    """Replace every match of a (Rust-syntax) regex; `$1`, `${name}` and `$$` in the replacement."""
    text = "" if value is None else display(value)
    try:
        rx = re.compile("" if pattern is None else display(pattern))
    except re.error as exc:
        raise FilterFailure(f"Invalid regex pattern: {exc}") from None
    repl = "" if replacement is None else display(replacement)

    def substitute(m: re.Match[str]) -> str:
        def group(g: re.Match[str]) -> str:
            if g.group(1) == "$":
                return "$"
            name = g.group(2) or g.group(3)
            try:
                found = m.group(int(name)) if name.isdigit() else m.group(name)
            except (IndexError, re.error):
                return ""
            return found or ""

        return _RUST_GROUP.sub(group, repl)

    return rx.sub(substitute, text)


def flatten(value: Any) -> list[Any]:
    """One level of nesting removed: `[[1, 2], [3]]` → `[1, 2, 3]`."""
    out: list[Any] = []
    for item in value or []:
        if not isinstance(item, (list, tuple, dict, str)):
            raise FilterFailure(f"cannot flatten {display(item)}: it is not a sequence")
        out.extend(item)
    return out


def numsort(value: Any) -> list[list[Any]]:
    """A map as `[key, value]` pairs, integer-like keys first (numerically), then the others by name."""
    if not isinstance(value, dict):
        raise FilterFailure(f"Expected a map, found: {display(value)}")

    def key(item: tuple[Any, Any]) -> tuple[int, int, str]:
        k = item[0]
        if isinstance(k, int) or (isinstance(k, str) and re.fullmatch(r"[+-]?\d+", k)):
            return (0, int(k), "")
        return (1, 0, str(k))

    return [[k, v] for k, v in sorted(value.items(), key=key)]


def _escape_json_html(text: str) -> str:
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")
    )


def _plain(value: Any) -> Any:
    """Plain dicts and lists (the template context holds subclasses that PyYAML refuses)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def toyaml(value: Any) -> str:
    """serde_yaml-style YAML of the value (sorted keys), with `< > & '` escaped as weaver does."""
    text = yaml.safe_dump(_plain(value), sort_keys=True, allow_unicode=True, default_flow_style=False)
    return _escape_json_html(text)


def map_text(value: Any, map_name: Any, *default: Any, text_maps: dict[str, dict[str, Any]]) -> Any:
    """`text_maps[map_name][value]` if present; else the default if given; else the input unchanged."""
    if isinstance(value, str):
        table = text_maps.get(str(map_name)) or {}
        if value in table:
            return table[value]
    return default[0] if default else value


def acronym(value: Any, *, acronyms: list[str]) -> str:
    """Replace each word whose lower case matches an `acronyms` entry by that entry (`ios` → `iOS`)."""
    text = _string(value)
    table: dict[str, str] = {}
    for a in acronyms:
        table.setdefault(a.lower(), a)
    return "".join(table.get(t.lower(), t) for t in re.findall(r"\s+|\w+|[^\w\s]+", text))


# --- otel filters ---------------------------------------------------------------------------------------

_SIMPLE_TYPES = ("string", "string[]", "int", "int[]", "double", "double[]", "boolean", "boolean[]")
_ARRAY_TYPES = ("string[]", "int[]", "double[]", "boolean[]")


def _requirement_rank(level: Any) -> int:
    if level is None:
        return 0
    if level == "required":
        return 1
    if isinstance(level, dict) and "conditionally_required" in level:
        return 2
    if level == "recommended" or (isinstance(level, dict) and "recommended" in level):
        return 3
    if level == "opt_in":
        return 4
    raise FilterFailure(f"Expected requirement level, found {display(level)}")


def _name_or_key(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("name", item.get("key", "")))
    return ""


def attribute_sort(value: Any) -> list[Any]:
    """Attributes by requirement level (required, conditionally required, recommended, opt-in) then name."""
    items = list(value or [])
    keyed = [
        (_requirement_rank(i.get("requirement_level") if isinstance(i, dict) else None), _name_or_key(i), i)
        for i in items
    ]
    keyed.sort(key=lambda t: (t[0], t[1].encode()))
    return [t[2] for t in keyed]


def required(value: Any) -> list[Any]:
    """Only the attributes whose requirement level is `required`."""
    return [i for i in value or [] if isinstance(i, dict) and i.get("requirement_level") == "required"]


def not_required(value: Any) -> list[Any]:
    """Every attribute whose requirement level is not the plain `required`."""
    return [i for i in value or [] if not (isinstance(i, dict) and i.get("requirement_level") == "required")]


def enum_type(value: Any) -> str:
    """`int`, `double` or `string` from the values of an enum's members (mixed kinds → `string`)."""
    members = value.get("members") if isinstance(value, dict) else None
    if not members:
        raise FilterFailure("Empty enum type")
    kinds = set()
    for m in members:
        v = m.get("value") if isinstance(m, dict) else None
        if isinstance(v, bool) or v is None or not isinstance(v, (int, float, str)):
            raise FilterFailure(f"Unsupported enum value: {display(v)}")
        if isinstance(v, str):
            kinds.add("string")
        elif isinstance(v, int) or float(v).is_integer():
            kinds.add("int")
        else:
            kinds.add("double")
    return kinds.pop() if len(kinds) == 1 else "string"


def instantiated_type(value: Any) -> str:
    """A simple type as is, `template[T]` → `T`, an enum → its `enum_type`."""
    if isinstance(value, str):
        if value in _SIMPLE_TYPES:
            return value
        m = re.fullmatch(r"template\[(.+)\]", value)
        if m and m.group(1) in _SIMPLE_TYPES:
            return m.group(1)
    elif isinstance(value, dict) and "members" in value:
        return enum_type(value)
    raise FilterFailure(f"Expected simple type, template type, or enum type, found {display(value)}")


def _split_first(value: Any) -> tuple[str, str]:
    text = _string(value)
    if not text:
        raise FilterFailure(f"`{text}`: must not be empty")
    if "." not in text:
        return "other", text
    ns, rest = text.split(".", 1)
    if not ns:
        raise FilterFailure("namespace must not be empty")
    if not rest:
        raise FilterFailure("id must not be empty")
    return ns, rest


def attribute_namespace(value: Any) -> str:
    """`http.request.method` → `http`; no dot → `other`."""
    return _split_first(value)[0]


def attribute_id(value: Any) -> str:
    """`http.request.method` → `request.method`."""
    return _split_first(value)[1]


def _registry_part(value: Any, head: str, what: str) -> str:
    parts = _string(value).split(".")
    if len(parts) < 2 or parts[0] != head:
        raise FilterFailure(f"This {what} id `{value}` is invalid")
    return parts[1]


def attribute_registry_namespace(value: Any) -> str:
    """`registry.http.x` → `http`."""
    return _registry_part(value, "registry", "attribute registry")


def attribute_registry_title(value: Any) -> str:
    """`registry.http.x` → `Http`."""
    return title_case(attribute_registry_namespace(value))


def attribute_registry_file(value: Any) -> str:
    """`registry.http.x` → `attributes-registry/http.md`."""
    return f"attributes-registry/{kebab_case(attribute_registry_namespace(value))}.md"


def metric_namespace(value: Any) -> str:
    """`metric.http.x` → `http`."""
    return _registry_part(value, "metric", "metric")


def body_fields(value: Any, sort_by: str = "id") -> list[list[Any]]:
    """Pre-order `[path, field, depth]` over an event body's nested `fields`."""
    out: list[list[Any]] = []

    def walk(field: Any, prefix: str, depth: int) -> None:
        path = f"{prefix}.{field.get('id')}" if prefix else str(field.get("id"))
        out.append([path, field, depth])
        children = field.get("fields") or []
        for child in sorted(children, key=lambda f: str(f.get(sort_by, "")).lower()):
            walk(child, path, depth + 1)

    if isinstance(value, dict):
        walk(value, "", 0)
    return out


def markdown_to_html(value: Any) -> str:
    """CommonMark to HTML, raw HTML escaped, trailing line ending only when the input has one."""
    from markdown_it import MarkdownIt

    text = display(value)
    html = MarkdownIt("commonmark", {"html": False}).render(text)
    return html if text.endswith("\n") else html.rstrip("\n")


# --- ANSI -----------------------------------------------------------------------------------------------

_COLORS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


def _ansi(code: int) -> Callable[[Any], str]:
    def filter_(value: Any) -> str:
        return f"\x1b[{code}m{display(value)}\x1b[0m"

    filter_.__doc__ = f"Wrap the text in ANSI code {code}."
    return filter_


ANSI_FILTERS: dict[str, Callable[..., Any]] = {}
for _i, _c in enumerate(_COLORS):
    ANSI_FILTERS[f"ansi_{_c}"] = _ansi(30 + _i)
    ANSI_FILTERS[f"ansi_bright_{_c}"] = _ansi(90 + _i)
    ANSI_FILTERS[f"ansi_bg_{_c}"] = _ansi(40 + _i)
    ANSI_FILTERS[f"ansi_bg_bright_{_c}"] = _ansi(100 + _i)
ANSI_FILTERS.update(
    ansi_bold=_ansi(1), ansi_italic=_ansi(3), ansi_underline=_ansi(4), ansi_strikethrough=_ansi(9)
)


# --- tests and functions --------------------------------------------------------------------------------


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def is_stable(value: Any) -> bool:
    """`stability` is the string `stable`."""
    return _get(value, "stability") == "stable"


def is_experimental(value: Any) -> bool:
    """Anything not stable, including a missing stability."""
    return not is_stable(value)


def is_deprecated(value: Any) -> bool:
    """`deprecated` is an object (weaver's structured deprecation)."""
    return isinstance(_get(value, "deprecated"), (dict, list))


def is_enum(value: Any) -> bool:
    """The value's `type` has `members`."""
    t = _get(value, "type")
    return isinstance(t, dict) and t.get("members") is not None


def is_enum_type(value: Any) -> bool:
    """The value itself has `members`."""
    return isinstance(value, dict) and value.get("members") is not None


def is_simple_type(value: Any) -> bool:
    """One of the eight primitive and array types."""
    return isinstance(value, str) and value in _SIMPLE_TYPES


def is_template_type(value: Any) -> bool:
    """`template[<simple type>]`."""
    m = re.fullmatch(r"template\[(.+)\]", value) if isinstance(value, str) else None
    return bool(m) and m.group(1) in _SIMPLE_TYPES  # type: ignore[union-attr]


def is_array(value: Any) -> bool:
    """One of the four array types."""
    return isinstance(value, str) and value in _ARRAY_TYPES


TESTS: dict[str, Callable[..., bool]] = {
    "stable": is_stable,
    "experimental": is_experimental,
    "deprecated": is_deprecated,
    "enum": is_enum,
    "enum_type": is_enum_type,
    "simple_type": is_simple_type,
    "template_type": is_template_type,
    "array": is_array,
}


def concat_if(*args: Any) -> Any:
    """The printed arguments concatenated; none (undefined) when any argument is undefined."""
    if any(a is None for a in args):
        return None
    return "".join(display(a) for a in args)


PLAIN_FILTERS: dict[str, Callable[..., Any]] = {
    "pprint": pprint,
    **CASE_FILTERS,
    **ANSI_FILTERS,
    "comment_with_prefix": comment_with_prefix,
    "print_member_value": print_member_value,
    "split_id": split_id,
    "regex_replace": regex_replace,
    "flatten": flatten,
    "numsort": numsort,
    "toyaml": toyaml,
    "attribute_sort": attribute_sort,
    "required": required,
    "not_required": not_required,
    "instantiated_type": instantiated_type,
    "enum_type": enum_type,
    "attribute_namespace": attribute_namespace,
    "attribute_id": attribute_id,
    "attribute_registry_namespace": attribute_registry_namespace,
    "attribute_registry_title": attribute_registry_title,
    "attribute_registry_file": attribute_registry_file,
    "metric_namespace": metric_namespace,
    "body_fields": body_fields,
    "markdown_to_html": markdown_to_html,
}
