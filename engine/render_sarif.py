"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: one rule per diagnostic code, stable
fingerprints that survive moved lines, paths relative as given (or `file:` URIs when absolute)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from weavergen import __version__
from weavergen.diagnostics import Diagnostic, Range, Severity
from weavergen.render import display_message

HOMEPAGE = "https://github.com/weavergen/weavergen"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.ADVICE: "note"}


def render_sarif(ordered: list[Diagnostic]) -> str:
    """A SARIF log of already sorted diagnostics."""
    codes = sorted({d.code for d in ordered})
    rule_index = {code: i for i, code in enumerate(codes)}
    first_of: dict[str, Diagnostic] = {}
    for d in ordered:
        first_of.setdefault(d.code, d)
    rules = [_sarif_rule(first_of[code]) for code in codes]
    seen: Counter[str] = Counter()
    results = []
    for d in ordered:
        identity = _fingerprint_identity(d)
        seen[identity] += 1
        results.append(_sarif_result(d, rule_index[d.code], identity, seen[identity]))
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "weavergen",
                        "version": __version__,
                        "informationUri": HOMEPAGE,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _sarif_rule(d: Diagnostic) -> dict[str, Any]:
    description = f"Rego policy finding `{d.code}`" if d.is_policy else _humanize(d.code)
    return {
        "id": d.code,
        "name": d.code,
        "shortDescription": {"text": description},
        "helpUri": d.docs_url,
    }


def _humanize(code: str) -> str:
    """`InvalidGroupStability` → `Invalid group stability`; other spellings are kept readable."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", code)
    if not words:
        return code
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[0].upper() + text[1:]


def _sarif_result(d: Diagnostic, index: int, identity: str, occurrence: int) -> dict[str, Any]:
    text = display_message(d)
    if d.help:
        text = f"{text}\n\nhelp: {d.help}"
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": _SARIF_LEVEL[d.severity],
        "message": {"text": text},
    }
    if d.file is not None:
        result["locations"] = [{"physicalLocation": _sarif_physical(d.file, d.range)}]
    if d.related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _sarif_physical(r.file, r.range), "message": {"text": r.message}}
            for i, r in enumerate(d.related)
        ]
    digest = hashlib.sha256(f"{identity}\x00{occurrence}".encode("utf-8", "surrogatepass")).hexdigest()
    result["partialFingerprints"] = {"weavergen/v1": digest}
    if d.tags:
        result["properties"] = {"tags": list(d.tags)}
    return result


def _fingerprint_identity(d: Diagnostic) -> str:
    """What makes a finding the same one across runs: never its line, which moves when the file is edited."""
    parts = [d.code, d.file or "", d.group_id or "", d.attribute_id or "", display_message(d)]
    return "\x00".join(parts)


def _sarif_physical(file: str, rng: Range | None) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": _sarif_uri(file)}}
    if rng is not None:
        location["region"] = {
            "startLine": rng.start.line + 1,
            "startColumn": rng.start.column + 1,
            "endLine": rng.end.line + 1,
            "endColumn": rng.end.column + 1,
        }
    return location


def _sarif_uri(file: str) -> str:
    """A relative path stays relative (GitHub resolves it against the checkout); an absolute one is file:."""
    if PureWindowsPath(file).drive:
        return PureWindowsPath(file).as_uri()
    posix = file.replace("\\", "/")
    if posix.startswith("/"):
        return PurePosixPath(posix).as_uri()
    return quote(posix, safe="/!$&'()*+,;=@-._~")
