"""`weaver.yaml`, the template configuration: its keys, where weaver looks for it, and how files layer.

Files merge in weaver's order (later wins): `$HOME/.weaver/weaver.yaml`, every `weaver.yaml` from the
filesystem root down to the target folder, or an explicit `-c` list instead; `params` and
`whitespace_control` merge key by key (a `null` param deletes it), every other key is replaced whole.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weavergen.diagnostics import Diagnostic, Range, Severity
from weavergen.document import parse

APPLICATION_MODES = ("single", "each")
AUTO_ESCAPES = ("none", "html", "json")
_TOP_KEYS = (
    "templates",
    "params",
    "text_maps",
    "type_mapping",
    "acronyms",
    "comment_formats",
    "default_comment_format",
    "template_syntax",
    "whitespace_control",
)
# Case-convention keys of older weaver.yaml files; weaver still accepts them and so do we (unused).
_LEGACY_KEYS = ("file_name", "function_name", "arg_name", "struct_name", "field_name")
_ENTRY_KEYS = (
    "template",
    "pattern",
    "filter",
    "application_mode",
    "params",
    "file_name",
    "auto_escape",
    "when",
)
_SYNTAX_KEYS = ("block_start", "block_end", "variable_start", "variable_end", "comment_start", "comment_end")
_WHITESPACE_KEYS = ("trim_blocks", "lstrip_blocks", "keep_trailing_newline")


@dataclass(frozen=True, slots=True)
class Where:
    """A place in a `weaver.yaml`, for diagnostics about a key written there."""

    file: str
    range: Range | None


@dataclass(slots=True)
class TemplateEntry:
    """One `templates[]` entry: which template files, which jq filter, how many renders, where to write."""

    pattern: str
    filter: str = "."
    application_mode: str = "single"
    params: dict[str, Any] = field(default_factory=dict)
    file_name: str | None = None
    auto_escape: str = "none"
    when: str | None = None
    where: Where | None = None
    filter_where: Where | None = None
    when_where: Where | None = None

    def matches(self, relative: str) -> bool:
        """globset semantics: `*` also crosses `/`, and `**/x` matches `x` at the root."""
        pattern = self.pattern
        if fnmatch.fnmatchcase(relative, pattern):
            return True
        return pattern.startswith("**/") and fnmatch.fnmatchcase(relative, pattern[3:])


@dataclass(slots=True)
class ForgeConfig:
    """The merged template configuration of one target."""

    templates: list[TemplateEntry] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    text_maps: dict[str, dict[str, Any]] = field(default_factory=dict)
    type_mapping: dict[str, Any] = field(default_factory=dict)
    acronyms: list[str] = field(default_factory=list)
    comment_formats: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_comment_format: str | None = None
    template_syntax: dict[str, str] = field(default_factory=dict)
    whitespace_control: dict[str, bool] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def local_templates(templates: str) -> tuple[Path | None, Diagnostic | None]:
    """The templates folder as a local path: weaver's `-t` may also be an archive, an https or git URL, with
    an optional `[sub_folder]`, fetched once into the cache like a remote registry."""
    from weavergen.remote import parse_remote
    from weavergen.sources import ARCHIVE_SUFFIXES, locate, split_vdir

    source, sub = split_vdir(templates)
    if sub is None and parse_remote(source) is None and not source.endswith(ARCHIVE_SUFFIXES):
        return Path(templates), None
    local, problem = locate(templates)
    if problem is not None:
        detail = problem.message.split(". ", 1)[-1]
        return None, Diagnostic(
            code="InvalidTemplatesPath",
            message=f"The templates `{templates}` cannot be used: {detail}",
            file=templates,
            help="Give a folder, a .zip/.tar.gz archive, or an https/git URL, with an optional [sub_folder].",
        )
    return local, None


def templates_root(templates: Path, target: str) -> Path:
    """`<templates>/registry/<target>` when `<templates>/registry` exists, else `<templates>/<target>`."""
    registry = templates / "registry"
    return (registry / target) if registry.is_dir() else (templates / target)


def discover_config_files(target_dir: Path, explicit: list[Path] | None = None) -> list[Path]:
    """The weaver.yaml files weaver reads for a target, first (weakest) to last."""
    if explicit:
        return list(explicit)
    found: list[Path] = []
    home = os.environ.get("HOME")
    if home:
        candidate = Path(home) / ".weaver" / "weaver.yaml"
        if candidate.is_file():
            found.append(candidate)
    absolute = target_dir.resolve()
    for folder in [*reversed(absolute.parents), absolute]:
        candidate = folder / "weaver.yaml"
        if candidate.is_file() and candidate not in found:
            found.append(candidate)
    return found


def load_config(files: list[Path]) -> tuple[ForgeConfig, list[Diagnostic]]:
    """Read and merge `files`; every problem is a positioned `InvalidConfigFile` diagnostic."""
    config = ForgeConfig()
    diagnostics: list[Diagnostic] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            diagnostics.append(_invalid(str(path), None, f"cannot read the file: {exc.strerror or exc}"))
            continue
        doc = parse(text, str(path))
        if not doc.ok:
            diagnostics.extend(
                Diagnostic(
                    code="InvalidConfigFile",
                    message=d.message,
                    file=str(path),
                    range=d.range,
                    error={"InvalidConfigFile": {"config_file": str(path), "error": d.message}},
                )
                for d in doc.diagnostics
            )
            continue
        config.files.append(str(path))
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            diagnostics.append(_invalid(str(path), doc.range_of(()), "the file must be a mapping of keys"))
            continue
        _merge(config, doc.data, str(path), doc, diagnostics)
    return config, diagnostics


def _invalid(file: str, rng: Range | None, message: str) -> Diagnostic:
    return Diagnostic(
        code="InvalidConfigFile",
        message=f"Invalid config file `{file}`: {message}",
        file=file,
        error={"InvalidConfigFile": {"config_file": file, "error": message}},
        range=rng,
        help="See docs/generate.md for the keys of weaver.yaml.",
    )


def _merge(config: ForgeConfig, data: dict[str, Any], file: str, doc: Any, out: list[Diagnostic]) -> None:
    def bad(path: tuple[Any, ...], message: str) -> None:
        out.append(_invalid(file, doc.range_of(path), message))

    for key in data:
        if key not in _TOP_KEYS and key not in _LEGACY_KEYS:
            out.append(
                Diagnostic(
                    code="UnknownConfigKey",
                    message=f"Unknown key `{key}` in `{file}` is ignored; known keys: {', '.join(_TOP_KEYS)}",
                    severity=Severity.WARNING,
                    file=file,
                    range=doc.range_of((key,), key=True),
                )
            )
    if "params" in data:
        params = data["params"]
        if params is not None and not isinstance(params, dict):
            bad(("params",), "`params` must be a mapping")
        else:
            _merge_params(config.params, params or {}, lambda k: bad(("params", k), _RESERVED))
    if "whitespace_control" in data:
        ws = data["whitespace_control"] or {}
        for k, v in ws.items() if isinstance(ws, dict) else []:
            if k not in _WHITESPACE_KEYS or not isinstance(v, bool):
                bad(
                    ("whitespace_control", k),
                    f"`{k}` must be one of {', '.join(_WHITESPACE_KEYS)}: a boolean",
                )
            else:
                config.whitespace_control[k] = v
    if "template_syntax" in data:
        syntax = data["template_syntax"] or {}
        for k, v in syntax.items() if isinstance(syntax, dict) else []:
            if k not in _SYNTAX_KEYS or not isinstance(v, str):
                bad(("template_syntax", k), f"`{k}` must be one of {', '.join(_SYNTAX_KEYS)}: a string")
            else:
                config.template_syntax[k] = v
    for key in ("text_maps", "type_mapping", "comment_formats"):
        if key in data:
            value = data[key] or {}
            if not isinstance(value, dict):
                bad((key,), f"`{key}` must be a mapping")
            else:
                setattr(config, key, value)
    if "acronyms" in data:
        acronyms = data["acronyms"] or []
        if not isinstance(acronyms, list) or not all(isinstance(a, str) for a in acronyms):
            bad(("acronyms",), "`acronyms` must be a list of strings")
        else:
            config.acronyms = list(acronyms)
    if "default_comment_format" in data:
        config.default_comment_format = str(data["default_comment_format"])
    if "templates" in data:
        entries = data["templates"] or []
        if not isinstance(entries, list):
            bad(("templates",), "`templates` must be a list of entries")
            return
        config.templates = []
        for i, raw in enumerate(entries):
            entry = _entry(raw, (("templates", i)), file, doc, out)
            if entry is not None:
                config.templates.append(entry)


_RESERVED = "The parameter `params` is a reserved parameter name"


def _merge_params(into: dict[str, Any], new: dict[str, Any], reserved: Any) -> None:
    for k, v in new.items():
        if k == "params":
            reserved(k)
        elif v is None:
            into.pop(k, None)
        else:
            into[k] = v


def _entry(
    raw: Any, path: tuple[Any, ...], file: str, doc: Any, out: list[Diagnostic]
) -> TemplateEntry | None:
    where = Where(file, doc.head_range(path))
    if not isinstance(raw, dict):
        out.append(_invalid(file, where.range, "a `templates` entry must be a mapping"))
        return None
    for k in raw:
        if k not in _ENTRY_KEYS:
            out.append(_invalid(file, doc.range_of((*path, k), key=True), f"unknown template key `{k}`"))
    pattern = raw.get("template", raw.get("pattern"))
    if not isinstance(pattern, str) or not pattern:
        out.append(_invalid(file, where.range, "a `templates` entry needs `template` (or `pattern`): a glob"))
        return None
    entry = TemplateEntry(pattern=pattern, where=where)
    for key, allowed in (("application_mode", APPLICATION_MODES), ("auto_escape", AUTO_ESCAPES)):
        if key in raw:
            value = raw[key]
            if value not in allowed:
                out.append(
                    _invalid(file, doc.range_of((*path, key)), f"`{key}` must be one of {', '.join(allowed)}")
                )
                return None
            setattr(entry, key, value)
    for key in ("filter", "file_name", "when"):
        if key in raw and raw[key] is not None:
            if not isinstance(raw[key], str):
                out.append(_invalid(file, doc.range_of((*path, key)), f"`{key}` must be a string"))
                return None
            setattr(entry, key, raw[key])
    entry.filter_where = Where(file, doc.range_of((*path, "filter")) if "filter" in raw else where.range)
    entry.when_where = Where(file, doc.range_of((*path, "when")) if "when" in raw else where.range)
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        out.append(_invalid(file, doc.range_of((*path, "params")), "`params` must be a mapping"))
        return None
    _merge_params(
        entry.params,
        params,
        lambda k: out.append(_invalid(file, doc.range_of((*path, "params", k)), _RESERVED)),
    )
    return entry


def list_template_files(target_dir: Path) -> list[str]:
    """Every file under the target folder, as sorted `/`-separated relative paths."""
    out = []
    for folder, _dirs, names in os.walk(target_dir):
        for name in names:
            rel = Path(folder, name).relative_to(target_dir).as_posix()
            out.append(rel)
    return sorted(out)


def apply_project_template(config: ForgeConfig, toml_path: str | None) -> list[Diagnostic]:
    """Overlay `.weaver.toml [template]` (acronyms, text_maps) on a merged weaver.yaml, as weaver does:
    toml acronyms replace case-insensitive duplicates; a toml text map replaces the yaml's map of the same
    name whole (weaver inserts each `[template.text_maps.<name>]` table into the map of maps, no merge)."""
    if not toml_path:
        return []
    import tomllib

    try:
        section = tomllib.loads(Path(toml_path).read_text(encoding="utf-8")).get("template") or {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return [_invalid(toml_path, None, f"cannot read its [template] section: {exc}")]
    out: list[Diagnostic] = []
    acronyms = section.get("acronyms")
    if acronyms is not None:
        if not isinstance(acronyms, list) or not all(isinstance(a, str) for a in acronyms):
            out.append(_invalid(toml_path, None, "`[template] acronyms` must be a list of strings"))
        else:
            lowered = {a.lower() for a in acronyms}
            config.acronyms = [a for a in config.acronyms if a.lower() not in lowered] + list(acronyms)
    text_maps = section.get("text_maps")
    if text_maps is not None:
        if not isinstance(text_maps, dict) or not all(isinstance(m, dict) for m in text_maps.values()):
            out.append(_invalid(toml_path, None, "`[template] text_maps` must be tables of strings"))
        else:
            for name, table in text_maps.items():
                config.text_maps[name] = dict(table)
    return out
