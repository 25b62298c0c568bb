"""Near-duplicates: definitions of one kind whose names and briefs say the same thing in other words or in
another namespace (`http.method` and `http.request.method`, `net.sock.peer.addr` and
`network.peer.address`).

Each definition becomes a profile: the normal forms of its name's words (`review.text`), its brief as
a TF-IDF vector, its type (enum members included) and the ids its text cites. Two profiles compare by
• name: the IDF-weighted overlap of their words, as a share of the smaller name and of both;
• brief: the cosine of their brief vectors;
• type: the same type, or enums with the same members;
• namespace: names that differ only in one namespace segment, where both are namespaces of the
  registry (`server.address` / `client.address`, `db.cassandra.x` / `db.cosmosdb.x`), are parallel by
  design and rank lower; a brief that cites the other's id ranks higher.
Only pairs sharing an informative word are compared, so a registry of thousands stays fast.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from weavergen.diagnostics import Diagnostic, Related
from weavergen.review.items import Item
from weavergen.review.rubric import finding
from weavergen.review.text import (
    brief_tokens,
    cited_ids,
    name_tokens,
    name_words,
    stem,
    vocabulary_abbreviations,
)

KINDS = ("attribute", "metric")
THRESHOLD = 0.7
"""Pairs at or above this similarity are reported."""
FACET_LEAVES = 5
"""A last word that ends this many names or more names a facet (`id`, `name`, `version`): two names that
end in different facets describe different sides of one thing, not the same thing."""
MAJOR_NAMESPACE = 10
_REPLACED = re.compile(
    r"(?:use|replaced by|renamed to|same as|alias of|equivalent to)\s+(?:the\s+)?`([^`]+)`", re.I
)


class ReviewCancelled(Exception):
    """The review was given up because its input is out of date (the editor got a newer edit)."""


@dataclass(frozen=True, slots=True)
class Pair:
    """Two definitions that may say the same thing, how similar they are (0–1), and why."""

    a: Item
    b: Item
    score: float
    reasons: tuple[str, ...]


@dataclass(slots=True)
class _Profile:
    item: Item
    words: frozenset[str]
    leaf: str
    brief: dict[str, float]
    signature: str
    members: frozenset[str]
    cites: frozenset[str]
    replaced_by: frozenset[str]
    segments: tuple[str, ...]
    keys: frozenset[str] = frozenset()
    weight: float = 1.0


def _blocking_keys(p: _Profile, name_df: Counter[str], brief_df: Counter[str], common: int) -> frozenset[str]:
    """What a definition is filed under, so that only definitions filed under the same key are compared:
    its rare name words, its two best brief words, each pair of its name words (`process`+`state`
    finds `system.process.status` for `process.state` though both words are common), its root
    namespace (all of a namespace's names are compared) and its last word."""
    keys = {w for w in p.words if name_df[w] <= common}
    keys |= {w for w in sorted(p.brief, key=lambda w: (-p.brief[w], w))[:2] if brief_df[w] <= common}
    words = sorted(p.words)
    keys |= {f"{a}+{b}" for i, a in enumerate(words) for b in words[i + 1 :]}
    keys.add(f"ns:{p.segments[0]}")
    keys.add(f"leaf:{p.leaf}")
    return frozenset(keys)


class DuplicateIndex:
    """Profiles of a registry's attributes and metrics, to rank what each may duplicate."""

    def __init__(self, items: list[Item], cancelled: Callable[[], bool] | None = None) -> None:
        """Profile `items`; `cancelled()` is asked every 128 profiles and stops with `ReviewCancelled`."""
        reviewed = [i for i in items if i.kind in KINDS]
        word_namespaces: dict[str, set[str]] = {}
        for i in reviewed:
            for w in name_words(i.name):
                word_namespaces.setdefault(stem(w), set()).add(i.namespace)
        self.extra = vocabulary_abbreviations(word_namespaces)
        names = {i.key: name_tokens(i.name, self.extra) for i in reviewed}
        briefs = {i.key: brief_tokens(i.brief, self.extra) for i in reviewed}
        n = max(len(reviewed), 1)
        name_df = Counter(w for ws in names.values() for w in set(ws))
        brief_df = Counter(w for ws in briefs.values() for w in set(ws))
        self.name_idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in name_df.items()}
        brief_idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in brief_df.items()}
        self.namespaces = _namespace_segments(reviewed)
        self.namespace_sizes = Counter(i.namespace for i in reviewed)
        leaves = Counter(ws[-1] for ws in names.values() if ws)
        self.facets = {w for w, c in leaves.items() if c >= FACET_LEAVES}
        self.profiles: dict[str, _Profile] = {}
        self.postings: dict[tuple[str, str], list[str]] = {}
        common = max(8, n // 25)
        for n, item in enumerate(reviewed):
            if cancelled is not None and n % 128 == 0 and cancelled():
                raise ReviewCancelled
            words = names[item.key]
            profile = _Profile(
                item=item,
                words=frozenset(words),
                leaf=words[-1] if words else "",
                brief=_unit_vector(briefs[item.key], brief_idf),
                signature=_signature(item),
                members=_members(item),
                cites=frozenset(cited_ids(f"{item.brief}\n{item.note}")),
                replaced_by=frozenset(_REPLACED.findall(f"{item.brief}\n{item.note}")),
                segments=tuple(item.name.split(".")),
            )
            profile.keys = _blocking_keys(profile, name_df, brief_df, common)
            profile.weight = sum(self.name_idf.get(w, 1.0) for w in profile.words) or 1.0
            self.profiles[item.key] = profile
            for k in profile.keys:
                self.postings.setdefault((item.kind, k), []).append(item.key)

    def _candidates(self, key: str) -> set[str]:
        p = self.profiles[key]
        out: set[str] = set()
        for k in p.keys:
            if not k.startswith("leaf:") or len(p.words) == 1:  # only one-word names look up by last word
                out.update(self.postings.get((p.item.kind, k), ()))
        out.discard(key)
        return out

    def similarity(self, a: Item, b: Item) -> tuple[float, tuple[str, ...]]:
        """How alike two profiled definitions are (0–1), and the reasons."""
        return self._compare(self.profiles[a.key], self.profiles[b.key])

    def ranked(self, item: Item, limit: int = 10) -> list[Pair]:
        """The definitions `item` most resembles, best first (ties by name, so the order is stable)."""
        p = self.profiles.get(item.key)
        if p is None:
            return []
        found = []
        for other in self._candidates(item.key):
            score, reasons = self._compare(p, self.profiles[other])
            found.append(Pair(item, self.profiles[other].item, score, reasons))
        found.sort(key=lambda x: (-x.score, x.b.name))
        return found[:limit]

    def pairs(
        self,
        threshold: float = THRESHOLD,
        usable: set[str] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> list[Pair]:
        """Every pair at or above `threshold` among the `usable` keys (default all), best first.

        `cancelled()` is asked every 64 definitions; when it says yes, the pairs found so far are returned.
        """
        keys = sorted(self.profiles if usable is None else usable & set(self.profiles))
        allowed = set(keys)
        out = []
        done: set[tuple[str, str]] = set()
        for n, key in enumerate(keys):
            if cancelled is not None and n % 64 == 0 and cancelled():
                break
            for other in sorted(self._candidates(key)):
                pair = (key, other) if key < other else (other, key)
                if other not in allowed or pair in done:
                    continue
                done.add(pair)
                first, second = self.profiles[pair[0]], self.profiles[pair[1]]
                score, reasons = self._compare(first, second, threshold)
                if score >= threshold:
                    out.append(Pair(first.item, second.item, score, reasons))
        out.sort(key=lambda x: (-x.score, x.a.name, x.b.name))
        return out

    def _compare(self, a: _Profile, b: _Profile, floor: float = 0.0) -> tuple[float, tuple[str, ...]]:
        """The similarity of two profiles and why; `(0, ())` early when it cannot reach `floor`."""
        reasons: list[str] = []
        common = a.words & b.words
        idf = self.name_idf
        wa, wb = a.weight, b.weight
        wc = sum(idf.get(w, 1.0) for w in common)
        name = 0.5 * wc / min(wa, wb) + 0.5 * wc / (wa + wb - wc)
        if a.leaf == b.leaf and a.leaf:
            name = min(1.0, name + 0.1)
        elif a.leaf not in b.words and b.leaf not in a.words:
            name *= 0.75
        replaced = a.item.name in b.replaced_by or b.item.name in a.replaced_by
        if floor:  # the most that brief, type, members and a citation can add
            most = 0.4 + (0.15 if a.members and b.members else 0.0) + (0.25 if replaced else 0.0)
            if 0.6 * name + most < floor:
                return 0.0, ()
        if a.words == b.words:
            reasons.append("the same words")
        elif common:
            reasons.append(f"shared words {', '.join(sorted(common))}")
        small, large = (a.brief, b.brief) if len(a.brief) <= len(b.brief) else (b.brief, a.brief)
        brief = sum(v * large[w] for w, v in small.items() if w in large)
        if brief >= 0.3:
            reasons.append(f"briefs {brief:.0%} alike")
        score = 0.6 * name + 0.3 * brief + 0.1 * (a.signature == b.signature)
        if a.members and b.members:
            overlap = len(a.members & b.members) / len(a.members | b.members)
            score += 0.15 * overlap
            if overlap >= 0.5:
                reasons.append(f"enum members {overlap:.0%} alike")
        elif _incompatible(a.signature, b.signature):
            score *= 0.7
        if replaced:
            score += 0.25
            reasons.append("one says to use the other")
        elif a.item.name in b.cites or b.item.name in a.cites:
            score += 0.05
            reasons.append("one cites the other")
        if self._parallel(a, b):
            score *= 0.6
            reasons.append("parallel namespaces (lower)")
        elif a.leaf != b.leaf and a.leaf in self.facets and b.leaf in self.facets and a.leaf not in b.words:
            score *= 0.6
            reasons.append(f"different facets `{a.leaf}` and `{b.leaf}` (lower)")
        elif self._specialised(a, b):
            score *= 0.85
            reasons.append("one is the other under a system namespace (lower)")
        return round(min(score, 1.0), 4), tuple(reasons)

    def _specialised(self, a: _Profile, b: _Profile) -> bool:
        """One name is the other under a leading namespace of its own (`k8s.deployment.name` and
        `deployment.name`): a system's own view of a general idea, usually by design."""
        short, long = (a, b) if len(a.segments) < len(b.segments) else (b, a)
        extra = len(long.segments) - len(short.segments)
        return (
            extra > 0
            and long.segments[extra:] == short.segments
            and self.namespace_sizes[long.segments[0]] >= MAJOR_NAMESPACE
        )

    def _parallel(self, a: _Profile, b: _Profile) -> bool:
        """Names of the same shape that differ in exactly one segment, both of them namespaces of the
        registry at that depth: siblings by design (`server.port` / `client.port`)."""
        if len(a.segments) != len(b.segments):
            return False
        diff = [i for i, (x, y) in enumerate(zip(a.segments, b.segments, strict=True)) if x != y]
        if len(diff) != 1 or diff[0] == len(a.segments) - 1:
            return False
        i = diff[0]
        known = self.namespaces.get(tuple(a.segments[:i]), set())
        return a.segments[i] in known and b.segments[i] in known


def _namespace_segments(items: list[Item]) -> dict[tuple[str, ...], set[str]]:
    """For each namespace path, the segments under it that are themselves namespaces of two names or more."""
    counts: Counter[tuple[str, ...]] = Counter()
    for item in items:
        parts = item.name.split(".")
        for depth in range(1, len(parts)):
            counts[tuple(parts[:depth])] += 1
    out: dict[tuple[str, ...], set[str]] = {}
    for path, count in counts.items():
        if count >= 2:
            out.setdefault(path[:-1], set()).add(path[-1])
    return out


def _unit_vector(tokens: list[str], idf: dict[str, float]) -> dict[str, float]:
    tf = Counter(tokens)
    vec = {w: (1 + math.log(c)) * idf.get(w, 0.0) for w, c in tf.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {w: v / norm for w, v in vec.items()} if norm else {}


def _signature(item: Item) -> str:
    if item.kind == "metric":
        from weavergen.review.units import dimension

        return f"{item.fields.get('instrument')}:{dimension(str(item.fields.get('unit') or '')) or ''}"
    if item.is_enum:
        return "enum"
    return str(item.type or "")


_FAMILIES = {"enum": "string", "string[]": "string[]", "template[string]": "string"}


def _incompatible(a: str, b: str) -> bool:
    if ":" in a or ":" in b:
        return a.split(":")[1] != b.split(":")[1]
    return _FAMILIES.get(a, a) != _FAMILIES.get(b, b)


def _members(item: Item) -> frozenset[str]:
    if not item.is_enum:
        return frozenset()
    return frozenset(str(m.get("value")) for m in item.type.get("members") or [] if isinstance(m, dict))


def top_pairs(pairs: list[Pair], limit: int) -> list[Pair]:
    """The best `limit` pairs, each definition in at most one of them."""
    seen: set[str] = set()
    out = []
    for pair in pairs:
        if pair.a.key in seen or pair.b.key in seen:
            continue
        seen.update((pair.a.key, pair.b.key))
        out.append(pair)
        if len(out) == limit:
            break
    return out


_STABILITY_RANK = {"stable": 3, "release_candidate": 2, "beta": 1, "alpha": 1}


def _blamed(pair: Pair, namespace_sizes: Counter[str]) -> tuple[Item, Item]:
    """Which of a pair gets the finding: the less stable one, else the one in the smaller namespace (the
    odd one out), else the later name; and the other one."""

    def rank(item: Item) -> tuple[int, int, str]:
        return (_STABILITY_RANK.get(item.stability or "", 0), namespace_sizes[item.namespace], item.name)

    return (pair.a, pair.b) if rank(pair.a) < rank(pair.b) else (pair.b, pair.a)


def live_pairs(
    index: DuplicateIndex,
    items: list[Item],
    threshold: float = THRESHOLD,
    cancelled: Callable[[], bool] | None = None,
) -> list[Pair]:
    """The near-duplicate pairs among definitions that are not deprecated, best first."""
    live = {i.key for i in items if i.deprecated is None and i.kind in KINDS}
    return index.pairs(threshold, live, cancelled)


def duplicate_findings(pairs: list[Pair], items: list[Item]) -> list[Diagnostic]:
    """One `ReviewNearDuplicate` finding per pair, on the member that should give way, costing in
    proportion to the similarity."""
    sizes = Counter(i.namespace for i in items)
    out = []
    for pair in pairs:
        item, other = _blamed(pair, sizes)
        why = "; ".join(pair.reasons)
        out.append(
            finding(
                "ReviewNearDuplicate",
                item,
                f"The {item.kind} `{item.name}` may duplicate `{other.name}` "
                f"(similarity {pair.score:.2f}: {why}).",
                help=f"If they mean the same, keep one: deprecate `{item.name}` with "
                f"`renamed_to: {other.name}`. If not, say in the briefs how they differ.",
                related=(Related(other.file or "", other.range, f"`{other.name}` is defined here"),),
                weight=pair.score,
                other=other.name,
                similarity=pair.score,
            )
        )
    return out
