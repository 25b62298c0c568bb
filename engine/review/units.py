"""Metric units: whether a unit is valid UCUM (case-sensitive, as semantic conventions write them), what
it measures, and the UCUM spelling of the names people write instead (`seconds` → `s`, `bytes` → `By`).

The grammar is UCUM's: terms joined by `.` and `/`, each an annotation `{…}`, `1`, a parenthesised term,
or an optionally prefixed atom with an optional exponent and annotation. The atoms are UCUM's base
units and the derived and customary units telemetry uses; an unknown atom is reported, not guessed.
"""

from __future__ import annotations

import functools
import re

PREFIXES = (
    "Ki",
    "Mi",
    "Gi",
    "Ti",
    "da",
    "Y",
    "Z",
    "E",
    "P",
    "T",
    "G",
    "M",
    "k",
    "h",
    "d",
    "c",
    "m",
    "u",
    "n",
    "p",
)
"""UCUM's decimal (`k`, `M`, `m`, `u`…) and binary (`Ki`, `Mi`…) prefixes."""

DIMENSIONS: dict[str, str] = {
    **dict.fromkeys(("s", "min", "h", "d", "wk", "mo", "a"), "time"),
    **dict.fromkeys(("By", "bit", "Bd"), "data"),
    **dict.fromkeys(("Hz",), "frequency"),
    **dict.fromkeys(("Cel", "K", "[degF]"), "temperature"),
    **dict.fromkeys(("W",), "power"),
    **dict.fromkeys(("J", "eV", "cal"), "energy"),
    **dict.fromkeys(("V",), "voltage"),
    **dict.fromkeys(("A",), "current"),
    **dict.fromkeys(("Ohm",), "resistance"),
    **dict.fromkeys(("m", "[in_i]", "[ft_i]"), "length"),
    **dict.fromkeys(("g",), "mass"),
    **dict.fromkeys(("l", "L"), "volume"),
    **dict.fromkeys(("Pa", "bar"), "pressure"),
    **dict.fromkeys(("rad", "deg"), "angle"),
    **dict.fromkeys(("mol",), "amount"),
    **dict.fromkeys(("cd",), "luminosity"),
    **dict.fromkeys(("N",), "force"),
    **dict.fromkeys(("%",), "ratio"),
}
"""Every atom this checker knows, with what it measures."""

UNPREFIXED = frozenset({"min", "h", "d", "wk", "mo", "%", "[degF]", "[in_i]", "[ft_i]", "Cel", "deg"})

ALIASES = {
    "seconds": "s", "second": "s", "sec": "s", "secs": "s",
    "milliseconds": "ms", "millisecond": "ms", "msec": "ms", "millis": "ms",
    "microseconds": "us", "μs": "us", "nanoseconds": "ns", "minutes": "min", "minute": "min",
    "hours": "h", "hour": "h", "days": "d", "day": "d",
    "bytes": "By", "byte": "By", "B": "By", "b": "By", "bits": "bit",
    "KB": "kBy", "kB": "kBy", "MB": "MBy", "GB": "GBy", "KiB": "KiBy", "MiB": "MiBy", "GiB": "GiBy",
    "percent": "%", "percentage": "%", "ratio": "1",
    "celsius": "Cel", "C": "Cel", "°C": "Cel", "kelvin": "K", "hertz": "Hz", "hz": "Hz",
    "watts": "W", "watt": "W", "joules": "J", "joule": "J", "volts": "V", "volt": "V",
    "amperes": "A", "ampere": "A", "amps": "A", "meters": "m", "metres": "m", "rpm": "{rev}/min",
}  # fmt: skip
"""Spellings people write for a unit, and its UCUM form."""

_TOKEN = re.compile(r"\{[^{}]*\}|\[[^\]]*\]|[./()]|[^./(){}\[\]]+")
_EXPONENT = re.compile(r"^(.*?)(-?\d+)?$")


@functools.lru_cache(maxsize=1024)
def atoms(unit: str) -> tuple[str, ...] | None:
    """The atoms (unprefixed) of a valid UCUM unit, in order; None when the unit is not valid UCUM.

    `1` and annotations alone have no atom: `()` for `{request}`, `1`, `{packet}/s` gives `("s",)`.
    """
    if not unit or unit != unit.strip() or " " in unit:
        return None
    tokens = _TOKEN.findall(unit)
    if "".join(tokens) != unit:
        return None
    found: list[str] = []
    expect_term = True
    depth = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in "./":
            if expect_term and not (tok == "/" and i == 0):
                return None
            expect_term = True
        elif tok == "(":
            if not expect_term:
                return None
            depth += 1
        elif tok == ")":
            if expect_term or depth == 0:
                return None
            depth -= 1
        else:
            if not expect_term:
                if not tok.startswith("{"):
                    return None  # an annotation may follow a unit; anything else needs an operator
                i += 1
                continue
            if not tok.startswith("{"):
                atom = _atom(tok)
                if atom is None:
                    return None
                if atom:
                    found.append(atom)
            expect_term = False
        i += 1
    return tuple(found) if not expect_term and depth == 0 else None


def _atom(token: str) -> str | None:
    """The unprefixed atom of one simple unit (`kBy` → `By`, `s2` → `s`); `""` for `1`; None if unknown."""
    match = _EXPONENT.match(token)
    body = match.group(1) if match else token
    if body in ("", "10") and token.lstrip("-").isdigit():
        return ""
    if body in DIMENSIONS:
        return body
    for prefix in PREFIXES:
        rest = body[len(prefix) :]
        if body.startswith(prefix) and rest in DIMENSIONS and rest not in UNPREFIXED:
            if prefix in ("Ki", "Mi", "Gi", "Ti") and DIMENSIONS[rest] != "data":
                return None
            return rest
    return None


def is_valid(unit: str) -> bool:
    """Whether `unit` is a UCUM unit this checker understands."""
    return atoms(unit) is not None


def ucum_spelling(unit: str) -> str | None:
    """The UCUM form of a unit written with common names (`bytes/second` → `By/s`); None if unknown."""
    if unit in ALIASES:
        return ALIASES[unit]
    parts = re.split(r"([./])", unit.strip())
    fixed = [ALIASES.get(p, p) for p in parts]
    candidate = "".join(fixed)
    return candidate if candidate != unit and is_valid(candidate) else None


def dimension(unit: str) -> str | None:
    """What a unit measures: `time`, `data`, `ratio` (`1`, `%`), `count` (annotations only), a rate
    (`data/time`), …; None when it is not valid."""
    found = atoms(unit)
    if found is None:
        return None
    if not found:
        return "ratio" if unit in ("1", "%") else "count"
    dims = [DIMENSIONS[a] for a in found]
    if "/" in unit and len(dims) >= 1:
        head, _, tail = unit.partition("/")
        top = atoms(head) if head else ()
        bottom = atoms(tail) or ()
        top_dim = ".".join(DIMENSIONS[a] for a in (top or ())) or "count"
        bottom_dim = ".".join(DIMENSIONS[a] for a in bottom) or "count"
        return f"{top_dim}/{bottom_dim}"
    return ".".join(dims)


NAME_DIMENSIONS: dict[str, frozenset[str]] = {
    "duration": frozenset({"time"}),
    "latency": frozenset({"time"}),
    "uptime": frozenset({"time"}),
    "time": frozenset({"time"}),
    "size": frozenset({"data", "count"}),
    "utilization": frozenset({"ratio"}),
    "ratio": frozenset({"ratio"}),
    "frequency": frozenset({"frequency"}),
    "temperature": frozenset({"temperature"}),
    "count": frozenset({"count", "ratio"}),
    "power": frozenset({"power"}),
    "energy": frozenset({"energy"}),
    "voltage": frozenset({"voltage"}),
}
"""What a metric's last name word says it measures, and the units that agree (`.duration` in `s`)."""


def name_disagreement(name: str, unit: str) -> str | None:
    """Why a metric's unit disagrees with its name (`….duration` in `By`), or None when they agree."""
    last = re.split(r"[._]", name)[-1]
    expected = NAME_DIMENSIONS.get(last)
    measured = dimension(unit)
    if expected is None or measured is None or measured in expected:
        return None
    if last == "size" and measured.startswith("data"):
        return None
    return f"a `{last}` is measured in {' or '.join(sorted(expected))}, but `{unit}` measures {measured}"
