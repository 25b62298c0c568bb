"""Type-confused registry documents, generated from weavergen's own pydantic models.

Seeds are real files (the example registry, weaver's v2 resolver fixtures). `slots` walks a seed along
the model that validates it — through optional fields, lists, maps and the callable discriminators of
`weavergen.model` — and yields every place a value can go: each field of each model instance (written
or not) and each list item. `confuse` puts a value of another YAML type there. The fuzz tests run each
result through the real engine and expect positioned diagnostics, never a failed task.
"""

from __future__ import annotations

import copy
import shutil
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from inspect import isclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Discriminator, Tag, ValidationError

from weavergen import model

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "registry"
WRONG: tuple[Any, ...] = (
    5,
    -1.5,
    True,
    None,
    "text",
    "",
    [],
    [1, "a", None],
    {},
    {"k": "v"},
    [{"k": 1}],
    "n" * 300,  # a name no file system takes (ENAMETOOLONG where it becomes a path)
)
"""One value of each YAML shape (and a too-long name): whatever a field expects, most of these are wrong."""

Slot = tuple[str | int, ...]
DEP_URL = "https://example.com/schemas/dep/1.0.0"
DEP_FILE = """groups:
  - id: registry.dep
    type: attribute_group
    brief: Dependency attributes.
    attributes:
      - id: dep.a
        type: int
        brief: A.
        stability: stable
"""


@dataclass(frozen=True)
class Seed:
    """A valid file to confuse: where it goes in the registry, its format and its data."""

    name: str
    kind: str  # "v1", "v2" or "manifest"
    data: Any

    def root_type(self) -> Any:
        return {"v1": model.SemConvSpecV1, "v2": model.SemConvSpecV2, "manifest": model.ManifestModel}[
            self.kind
        ]

    def adapter(self) -> Any:
        return {"v1": model.V1_ADAPTER, "v2": model.V2_ADAPTER, "manifest": model.MANIFEST_ADAPTER}[self.kind]

    def body(self, data: Any) -> Any:
        """What the model validates: a definition file without its format keys."""
        if self.kind == "manifest" or not isinstance(data, dict):
            return data
        return {k: v for k, v in data.items() if k not in ("file_format", "version")}

    def accepts(self, data: Any) -> bool:
        """Whether the model takes the whole document (a confusion that happens to be valid)."""
        if not isinstance(data, dict):
            return False
        try:
            self.adapter().validate_python(self.body(data))
        except ValidationError:
            return False
        return True


def _seed_files() -> list[tuple[str, Path]]:
    fixtures = Path(__import__("os").environ.get("WEAVERGEN_FIXTURES", REPO.parent / "shared" / "fixtures"))
    resolver = fixtures / "weaver" / "resolver"
    out = [(p.relative_to(EXAMPLE).as_posix(), p) for p in sorted(EXAMPLE.rglob("*.yaml"))]
    for case, file in (
        ("registry-test-v2-1-everything", "http.yaml"),
        ("registry-test-v2-4-refinements", "v2-refinements.yaml"),
        ("registry-test-v2-8-identity-add", "v2-identity-add.yaml"),
    ):
        out.append((f"extra/{case}.yaml", resolver / case / "registry" / file))
    out.append(("extra/event.yaml", fixtures / "weaver" / "semconv-parsing" / "event.yaml"))
    return out


def seeds() -> list[Seed]:
    """Every seed file with its format (missing fixtures fail loudly: the caller asserts on them)."""
    out = []
    for name, path in _seed_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        kind = "manifest" if path.name == "manifest.yaml" else "v2" if data.get("file_format") else "v1"
        if kind == "manifest":
            data["dependencies"] = [{"schema_url": DEP_URL, "registry_path": "../dep"}]
        out.append(Seed(name, kind, data))
    return out


def _choose(tp: Any, value: Any) -> Any:
    """The type that validates `value` under annotation `tp`: Optional, Annotated and discriminated
    unions resolved as pydantic would; None when a discriminator rejects the value."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            base, *meta = typing.get_args(tp)
            disc = next((m for m in meta if isinstance(m, Discriminator)), None)
            if disc is not None and callable(disc.discriminator):
                tag = disc.discriminator(value)
                members = [typing.get_args(m) for m in typing.get_args(base)]
                chosen = [m[0] for m in members if any(isinstance(x, Tag) and x.tag == tag for x in m[1:])]
                if not chosen:
                    return None
                tp = chosen[0]
                continue
            tp = base
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isclass(a) and issubclass(a, BaseModel)]
            if len(args) == 1:
                tp = args[0]
                continue
            if isinstance(value, dict) and len(models) == 1:
                tp = models[0]
                continue
            return tp
        return tp


def slots(value: Any, tp: Any, path: Slot = ()) -> Iterator[Slot]:
    """Every place in `value` (validated as `tp`) where a confused value can go."""
    tp = _choose(tp, value)
    if isclass(tp) and issubclass(tp, BaseModel) and isinstance(value, dict):
        for name, info in tp.model_fields.items():
            yield (*path, name)
            if name in value:
                yield from slots(value[name], info.annotation, (*path, name))
    elif typing.get_origin(tp) is list and isinstance(value, list):
        (item,) = typing.get_args(tp)
        for i, v in enumerate(value):
            yield (*path, i)
            yield from slots(v, item, (*path, i))
    elif typing.get_origin(tp) is dict and isinstance(value, dict):
        item = typing.get_args(tp)[1]
        for k, v in value.items():
            yield (*path, k)
            yield from slots(v, item, (*path, k))


def all_slots() -> list[tuple[Seed, Slot]]:
    """Every (seed, slot) pair: the whole space the fuzz tests sample from."""
    out = []
    for seed in seeds():
        body = seed.body(seed.data)
        out.extend((seed, s) for s in slots(body, seed.root_type()))
        out.extend((seed, (key,)) for key in ("file_format",) if seed.kind == "v2")
    return out


def confuse(data: Any, slot: Slot, value: Any) -> Any:
    """A copy of `data` with `value` at `slot` (a new key, or a replaced item)."""
    out = copy.deepcopy(data)
    node = out
    for token in slot[:-1]:
        node = node[token]
    node[slot[-1]] = copy.deepcopy(value)
    return out


def write_registry(root: Path, seed: Seed, data: Any) -> Path:
    """The example registry and the extra seeds under `root`, with `data` written as the seed's file;
    its manifest depends on a small registry beside it (`../dep`)."""
    shutil.copytree(EXAMPLE, root)
    for name, path in _seed_files():
        if name.startswith("extra/"):
            (root / name).parent.mkdir(exist_ok=True)
            shutil.copyfile(path, root / name)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    (root / seed.name).write_text(text, encoding="utf-8")
    dep = root.parent / "dep"
    dep.mkdir()
    (dep / "manifest.yaml").write_text(f"schema_url: {DEP_URL}\n", encoding="utf-8")
    (dep / "dep.yaml").write_text(DEP_FILE, encoding="utf-8")
    if seed.kind != "manifest":
        manifest = yaml.safe_load((root / "manifest.yaml").read_text(encoding="utf-8"))
        manifest["dependencies"] = [{"schema_url": DEP_URL, "registry_path": "../dep"}]
        (root / "manifest.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    (root / "after.rego").write_text(
        "package after_resolution\n\nimport rego.v1\n\ndeny contains finding if {\n  false\n"
        '  finding := {"id": "never"}\n}\n',
        encoding="utf-8",
    )
    return root / seed.name
