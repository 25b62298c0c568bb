"""Words of names and briefs, normalised so that different spellings of one idea compare equal.

Names split on `.` and `_`; brief text drops markdown, links, backquoted ids and stop words. Every
word goes through one normal form: a light English stem (plural and verb endings), then the
abbreviation or synonym it stands for. The table holds the short forms semantic conventions have used
for their own long words (`addr` in `net.sock.peer.addr` for `address`, `lineno` for `line.number`)
and words they use interchangeably; `vocabulary_abbreviations` adds those a registry's own words show.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

_WORD = re.compile(r"[a-z0-9]+")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CODE_ID = re.compile(r"`[^`]*`")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

_STOP_TEXT = """a an and are as at be been being by can could did do does for from has have if in into is
    it its may might must not of on or other such than that the their then there these this those to was were
    when where whether which while will with within would you your e g eg ie i etc also only
    deprecated use used instead see more information value values attribute attributes field
    describes described represents represent identifies identify specifies specify denotes denote
    given any all one each some no"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
"""Words that carry no meaning of their own in a brief (`The`, `Deprecated, use … instead`)."""

ALIASES: dict[str, str] = {
    # short forms of long words, as semantic conventions have spelt them
    "addr": "address",
    "ip": "address",
    "sock": "socket",
    "msg": "message",
    "conn": "connection",
    "req": "request",
    "resp": "response",
    "res": "response",
    "err": "error",
    "num": "number",
    "no": "number",
    "nr": "number",
    "lineno": "line",
    "cnt": "count",
    "dur": "duration",
    "mem": "memory",
    "proc": "process",
    "sys": "system",
    "net": "network",
    "db": "database",
    "k8s": "kubernetes",
    "env": "environment",
    "ns": "namespace",
    "auth": "authentication",
    "authn": "authentication",
    "authz": "authorization",
    "cfg": "config",
    "configuration": "config",
    "util": "utilization",
    "max": "maximum",
    "min": "minimum",
    "avg": "average",
    "src": "source",
    "dst": "destination",
    "dest": "destination",
    "tx": "transmit",
    "rx": "receive",
    "pct": "percent",
    "ver": "version",
    "id": "identifier",
    "uid": "identifier",
    "guid": "identifier",
    "uuid": "identifier",
    "info": "information",
    "dir": "directory",
    "repo": "repository",
    "exec": "execution",
    "os": "operating",
    "vm": "virtual",
    "fs": "filesystem",
    "dc": "datacenter",
    "az": "azure",
    "filepath": "path",
    "filename": "file",
    "uncompressed": "body",
    "content": "body",
    "length": "size",
    "len": "size",
    "labels": "label",
    "tags": "label",
    "tag": "label",
    "kind": "type",
    "status": "state",
    "hostname": "host",
    "username": "user",
    "col": "column",
    "loc": "location",
    "lib": "library",
    "pkg": "package",
    "svc": "service",
    "app": "application",
}
"""Short form → normal form. Synonyms map to one of them (`content` length and `body.size` are one idea)."""


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stem: plurals and common verb endings removed, so `requests`, `requested` meet `request`."""
    w = word
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            w = w[: -len(suffix)]
            if len(w) > 2 and w[-1] == w[-2] and w[-1] not in "ls":
                w = w[:-1]
            break
    return w


@functools.lru_cache(maxsize=65536)
def normal(word: str) -> str:
    """A word's normal form: its alias (by the word, else by its stem), else its stem."""
    word = word.lower()
    if word in ALIASES:
        return ALIASES[word]
    s = stem(word)
    return ALIASES.get(s, s)


def name_words(name: str) -> list[str]:
    """The raw words of a dotted, snake_case (or camelCase) name, in order."""
    spaced = _CAMEL.sub("_", name)
    return _WORD.findall(spaced.lower())


def name_tokens(name: str, extra: dict[str, str] | None = None) -> list[str]:
    """The normal forms of a name's words, in order (`net.sock.peer.addr` → network socket peer address)."""
    out = []
    for w in name_words(name):
        n = normal(w)
        out.append(extra.get(n, n) if extra else n)
    return out


def brief_tokens(text: str, extra: dict[str, str] | None = None) -> list[str]:
    """The normal forms of a brief's meaningful words: links keep their text, backquoted ids are dropped
    (they name other definitions, not this one's meaning)."""
    text = _CODE_ID.sub(" ", _LINK.sub(r"\1", text))
    out = []
    for w in _WORD.findall(_CAMEL.sub(" ", text).lower()):
        if w in STOP_WORDS or w.isdigit() or len(w) < 2:
            continue
        n = normal(w)
        out.append(extra.get(n, n) if extra else n)
    return out


def cited_ids(text: str) -> set[str]:
    """The dotted ids a text names in backquotes (`` `http.request.method` ``)."""
    return {m.strip("`") for m in _CODE_ID.findall(text) if "." in m}


def vocabulary_abbreviations(namespaces: Mapping[str, set[str]]) -> dict[str, str]:
    """Abbreviations a registry's own name words show: a short word (2–5 letters, in at most two names)
    that starts exactly one longer word (by two letters or more, and not only by a stem's ending) used in
    one of the same root namespaces: `cust` → `customer` where `shop` has both.

    `namespaces` maps each (stemmed) name word to the root namespaces of the names that use it; words in
    the alias table are left to it, and a prefix of several words is ambiguous and left alone.
    """
    longer = sorted(w for w in namespaces if len(w) >= 5)
    out: dict[str, str] = {}
    for short, where in sorted(namespaces.items()):
        if (
            not 2 <= len(short) <= 5
            or short in ALIASES
            or short.isdigit()
            or len(where) > 2
            or short in where
        ):
            continue
        starts = [
            w
            for w in longer
            if w.startswith(short) and len(w) >= len(short) + 2 and stem(w) != short and where & namespaces[w]
        ]
        if len(starts) == 1:
            out[short] = starts[0]
    return out
