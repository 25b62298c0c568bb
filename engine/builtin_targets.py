"""The built-in template sets (`weavergen generate python|go|rust|java|typescript|markdown`).

Each is a weaver-style target folder (weaver.yaml, MiniJinja templates, jq filters) shipped as package
data under `weavergen/targets/`, so `registry generate -t <that folder>` and weaver itself can use them,
and users can copy one to adapt it.
"""

from __future__ import annotations

from pathlib import Path

BUILTIN_TARGETS: tuple[str, ...] = ("python", "go", "rust", "java", "typescript", "markdown")
"""The built-in targets, in the order `weavergen templates list` shows them."""


def targets_root() -> Path:
    """The templates folder holding every built-in target (what `-t` would name)."""
    return Path(__file__).resolve().parent / "targets"


def builtin_target(name: str) -> Path | None:
    """The folder of a built-in target, or None when `name` is not one."""
    if name not in BUILTIN_TARGETS:
        return None
    folder = targets_root() / name
    return folder if (folder / "weaver.yaml").is_file() else None


def describe(name: str) -> str:
    """The first sentence of a target's weaver.yaml comment: what it generates."""
    folder = builtin_target(name)
    if folder is None:
        return ""
    lines = []
    for line in (folder / "weaver.yaml").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#") or line.strip() == "#":
            break
        lines.append(line.lstrip("# ").rstrip())
    text = " ".join(lines)
    text = text.split(": ", 1)[-1] if text.startswith("weavergen built-in target") else text
    return text.split(". ", 1)[0].rstrip(".") + "."


def unknown_targets(templates: str | None, names: list[str]) -> tuple[str, list[str], list[str]]:
    """Where `names` are looked up (`templates`, or the built-in targets when None), which of them do
    not exist there, and the targets that do exist there (folders holding a weaver.yaml)."""
    from weavergen.forge.config import local_templates, templates_root

    if templates is None:
        root = targets_root()
        known = [n for n in BUILTIN_TARGETS if builtin_target(n) is not None]
        return str(root), [n for n in names if n not in known], known
    local, _ = local_templates(templates)
    if local is None or not local.is_dir():
        return templates, list(names), []
    base = local / "registry" if (local / "registry").is_dir() else local
    known = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    return templates, [n for n in names if not templates_root(local, n).is_dir()], known
