"""Per-file validation, as weaver 0.25.1 does it at load time, but positioned and without stopping early.

`validate_document` detects the file format, checks the file against the pydantic models of `model.py`
(reporting schema problems as `InvalidSemConvSpec` with weaver's JSON-schema wording) and then runs weaver's
per-file semantic rules (`GroupSpec::validate`, `Examples::validate`, any_value checks, v2 validation) on the
items whose schema is valid. `validate_manifest` does the same for `manifest.yaml`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from weavergen import model
from weavergen.diagnostics import Diagnostic, Range, Related, Severity, closest, did_you_mean, replacement
from weavergen.document import EVERYTHING, Document, FileCheck, Path, Unreadable, section_items
from weavergen.groups import synthetic_file_name
from weavergen.salvage import Salvager
from weavergen.schema_errors import describe

V1 = "definition/1"
V2 = "definition/2"
_V2_SECTIONS = (
    "attributes",
    "entities",
    "events",
    "metrics",
    "spans",
    "attribute_groups",
    "entity_refinements",
    "event_refinements",
    "metric_refinements",
    "span_refinements",
)
_GROUP_TYPE_DEBUG = {
    "attribute_group": "AttributeGroup",
    "span": "Span",
    "event": "Event",
    "metric": "Metric",
    "metric_group": "MetricGroup",
    "entity": "Entity",
    "resource": "Entity",
    "scope": "Scope",
    None: "Undefined",
}
_DEPRECATED_TAGS = ("deprecated",)


def _debug(text: str) -> str:
    """Rust's `{:?}` of a string, as weaver prints paths."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Reporter:
    """Builds diagnostics for one document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.path = doc.path
        self.out: list[Diagnostic] = []

    def add(
        self,
        code: str,
        severity: Severity,
        message: str,
        at: Range | None,
        error: dict[str, Any],
        *,
        group_id: str | None = None,
        attribute_id: str | None = None,
        help: str | None = None,
        tags: tuple[str, ...] = (),
        fix: dict[str, Any] | None = None,
        related: tuple[Related, ...] = (),
    ) -> None:
        self.out.append(
            Diagnostic(
                code=code,
                message=message,
                severity=severity,
                file=self.path,
                range=at,
                related=related,
                error={code: error},
                help=help,
                tags=tags,
                fix=fix,
                group_id=group_id,
                attribute_id=attribute_id,
            )
        )

    def value(self, path: Path) -> Range | None:
        return self.doc.range_of(path)

    def key(self, path: Path) -> Range | None:
        return self.doc.range_of(path, key=True)


# --- format detection -----------------------------------------------------------------------------


def _root_kind(data: Any) -> str:
    if data is None:
        return "Null"
    if isinstance(data, list):
        return "Sequence"
    if isinstance(data, bool):
        return f"Bool({str(data).lower()})"
    if isinstance(data, int | float):
        return f"Number({data})"
    return f"String({_debug(str(data))})"


def _version_fix(data: dict[Any, Any], rep: _Reporter) -> dict[str, Any] | None:
    """`version: "2"` (or "1") written as the `file_format` line it stands for, when there is none yet."""
    key, value = rep.key(("version",)), rep.value(("version",))
    ver = data.get("version")
    if "file_format" in data or ver not in ("1", "2") or key is None or value is None:
        return None
    return replacement(f"file_format: definition/{ver}", Range(key.start, value.end))


def _detect(data: dict[Any, Any], rep: _Reporter) -> str | None:
    fmt = data.get("file_format")
    ver = data.get("version")
    fmt = fmt if isinstance(fmt, str) else None
    ver = ver if isinstance(ver, str) else None
    if "version" in data:
        rep.add(
            "DeprecatedVersionField",
            Severity.WARNING,
            "The 'version' field is deprecated and will be removed in a future version. "
            f"Please use 'file_format: definition/2' instead: {rep.path}",
            rep.key(("version",)),
            {"provenance": rep.path},
            tags=_DEPRECATED_TAGS,
            fix=_version_fix(data, rep),
        )
    for key, value, allowed in (("file_format", fmt, (V1, V2)), ("version", ver, ("1", "2"))):
        if value is not None and value not in allowed:
            rep.add(
                "InvalidFileFormat",
                Severity.ERROR,
                f"Invalid file format: `{key}: {value}`. "
                "Expected 'file_format: definition/1' or 'file_format: definition/2'.",
                rep.value((key,)),
                {"field_key": key, "field_value": value},
                help="Use `file_format: definition/2` for v2 files; drop the key for v1 `groups:` files.",
            )
            return None
    if fmt == V2 or ver == "2":
        where = ("file_format",) if fmt == V2 else ("version",)
        rep.add(
            "UnstableFileFormat",
            Severity.WARNING,
            f"File format `{V2}` is not yet stable: {rep.path}",
            rep.value(where),
            {"file_format": V2, "provenance": rep.path},
        )
        return V2
    return V1


# --- schema errors --------------------------------------------------------------------------------


def _schema_check(data: dict[Any, Any], fmt: str, rep: _Reporter, salvager: Salvager) -> None:
    adapter: Any = model.V1_ADAPTER if fmt == V1 else model.V2_ADAPTER
    root = model.SemConvSpecV1 if fmt == V1 else model.SemConvSpecV2
    try:
        adapter.validate_python(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            found = describe(err, data, root)
            message, help_text = found.message, found.help
            rep.add(
                "InvalidSemConvSpec",
                Severity.ERROR,
                message,
                found.range(rep.doc),
                # weaver's boxed `InvalidSemConvSpecError`; the renderer fills `err_span` from the text.
                {"err_span": None, "error": message, "advice": help_text},
                help=found.full_help,
                fix=replacement(found.suggestion) if found.suggestion else None,
            )
            loc = tuple(t for t in err["loc"] if not (isinstance(t, str) and t in model.TAGS))
            salvager.error(loc, absent=err["type"] == "missing" or err.get("input", 0) is None)


# --- v1 semantic rules ----------------------------------------------------------------------------


def _examples_error(kind: str | None, attr_type: Any) -> str | None:
    """`Examples::validate`: None when fine, else 'SHOULD' or 'MUST'."""
    if isinstance(attr_type, dict) or attr_type in ("any", "template[any]"):
        return None
    scalar = {"bool": "boolean", "int": "int", "double": "double", "string": "string"}
    flat = {"bools": "boolean", "ints": "int", "doubles": "double", "strings": "string"}
    nested = {
        "list_of_bools": "boolean",
        "list_of_ints": "int",
        "list_of_doubles": "double",
        "list_of_strings": "string",
    }
    base = attr_type[len("template[") : -1] if attr_type.startswith("template[") else attr_type
    templated = attr_type.startswith("template[")
    if kind in scalar and scalar[kind] == base:
        return None
    if kind in flat and flat[kind] == base:
        return None
    if kind in nested and f"{nested[kind]}[]" == base:
        return None
    if kind in flat and f"{flat[kind]}[]" == base and not templated:
        return "SHOULD"
    if templated and base == "string[]" and kind in ("string", "strings"):
        return "SHOULD"
    return "MUST"


def _any_value_display(value: dict[str, Any]) -> str:
    kind = value["type"]
    if kind == "bytes":
        return "byte[]"
    if kind == "enum":
        return "enum {" + ", ".join(m["id"] for m in value.get("members", [])) + "}"
    return str(kind)


def _any_value_examples_error(kind: str | None, value: dict[str, Any]) -> str | None:
    t = value["type"]
    if t in ("enum", "bytes", "undefined"):
        return None
    ok = {
        ("bool", "boolean"),
        ("int", "int"),
        ("double", "double"),
        ("string", "string"),
        ("string", "map"),
        ("string", "map[]"),
        ("ints", "int"),
        ("doubles", "double"),
        ("bools", "boolean"),
        ("strings", "string"),
        ("strings", "map"),
        ("strings", "map[]"),
        ("list_of_ints", "int[]"),
        ("list_of_doubles", "double[]"),
        ("list_of_bools", "boolean[]"),
        ("list_of_strings", "string[]"),
        ("list_of_strings", "map"),
        ("list_of_strings", "map[]"),
    }
    display = _any_value_display(value)
    if (kind, t) in ok:
        return None
    if (kind, t) in {
        ("ints", "int[]"),
        ("doubles", "double[]"),
        ("bools", "boolean[]"),
        ("strings", "string[]"),
    }:
        return f"All examples SHOULD be of type `{display}`"
    if t in ("map", "map[]"):
        return f"Examples for `{display}` values MUST be a supported string type"
    return f"All examples MUST be of type `{display}`"


class _GroupRules:
    """`GroupSpec::validate` for one schema-valid v1 group."""

    def __init__(self, rep: _Reporter, index: int, group: dict[str, Any]) -> None:
        self.rep = rep
        self.base: Path = ("groups", index)
        self.g = group
        self.gid: str = group["id"]
        gtype = group.get("type")
        self.type = "entity" if gtype == "resource" else gtype
        self.id_range = rep.value((*self.base, "id"))

    def _group(
        self, code: str, severity: Severity, message: str, error: str | None, at: Range | None, **kw: Any
    ) -> None:
        fields: dict[str, Any] = {"path_or_url": self.rep.path, "group_id": self.gid}
        if error is not None:
            fields["error"] = error
        self.rep.add(code, severity, message, at, fields, group_id=self.gid, **kw)

    def _invalid_group(self, error: str, at: Range | None) -> None:
        msg = f"Invalid group '{self.gid}' detected while resolving '{_debug(self.rep.path)}'. {error}"
        self._group("InvalidGroup", Severity.ERROR, msg, error, at)

    def _stability(self, error: str, at: Range | None, **kw: Any) -> None:
        path = _debug(self.rep.path)
        msg = f"Invalid stability on group '{self.gid}' detected while resolving '{path}'. {error}"
        self._group("InvalidGroupStability", Severity.WARNING, msg, error, at, **kw)

    def run(self) -> None:
        g, rep, path = self.g, self.rep, _debug(self.rep.path)
        if g.get("prefix"):
            self.rep.add(
                "InvalidGroupUsesPrefix",
                Severity.WARNING,
                f"The group `{self.gid}` defines a prefix. These are no longer used.\nProvenance: {path}",
                rep.key((*self.base, "prefix")),
                {"path_or_url": rep.path, "group_id": self.gid},
                group_id=self.gid,
                tags=_DEPRECATED_TAGS,
            )
        if self.type != "attribute_group" and g.get("stability") is None:
            self._stability(
                "This group does not contain a stability field.", self.id_range, fix={"kind": "add_stability"}
            )
        if g.get("stability") == "deprecated":
            self._stability(
                "Group stability is set to 'deprecated' which is no longer supported.",
                rep.value((*self.base, "stability")),
                tags=_DEPRECATED_TAGS,
            )
        self._duplicate_refs()
        attributes = g.get("attributes") or []
        if self.type not in ("metric", "event") and g.get("extends") is None and not attributes:
            error = "This group does not contain an extends or attributes field."
            msg = (
                f"Invalid group '{self.gid}', missing extends or attributes, "
                f"detected while resolving '{path}'. {error}"
            )
            self._group("InvalidGroupMissingExtendsOrAttributes", Severity.WARNING, msg, error, self.id_range)
        if self.type not in ("span", None):
            if g.get("span_kind") is not None:
                self._invalid_group(
                    "This group contains a span_kind field but the type is not set to span.",
                    rep.key((*self.base, "span_kind")),
                )
            if g.get("events"):
                self._invalid_group(
                    "This group contains an events field but the type is not set to span.",
                    rep.key((*self.base, "events")),
                )
        if self.type is None:
            error = "This group does not contain a type field."
            msg = f"Invalid group '{self.gid}', missing type, detected while resolving '{path}'. {error}"
            self._group("InvalidGroupMissingType", Severity.WARNING, msg, error, self.id_range)
        if self.type == "span" and g.get("span_kind") is None:
            error = "This group is a Span but the span_kind is not set."
            msg = (
                f"Invalid Span group '{self.gid}', missing span_kind, "
                f"detected while resolving '{path}'. {error}"
            )
            self._group("InvalidSpanMissingSpanKind", Severity.WARNING, msg, error, self.id_range)
        self._event_rules()
        self._metric_rules()
        if isinstance(g.get("deprecated"), str):
            self._unstructured(
                self.gid,
                "Unstructured deprecated note is not supported on groups.",
                (*self.base, "deprecated"),
            )
        for i, attr in enumerate(attributes):
            self._attribute(i, attr)
        self._entity_associations()

    def _duplicate_refs(self) -> None:
        seen: dict[str, int] = {}
        for i, attr in enumerate(self.g.get("attributes") or []):
            ref = attr.get("ref")
            if ref is None:
                continue
            if ref in seen:
                first = self.rep.value((*self.base, "attributes", seen[ref], "ref"))
                self.rep.add(
                    "InvalidGroupDuplicateAttributeRef",
                    Severity.WARNING,
                    f"Duplicate attribute refs for '{ref}' found on group '{self.gid}' "
                    f"detected while resolving '{_debug(self.rep.path)}'.",
                    self.rep.value((*self.base, "attributes", i, "ref")),
                    {"path_or_url": self.rep.path, "group_id": self.gid, "attribute_ref": ref},
                    group_id=self.gid,
                    attribute_id=ref,
                    related=(Related(self.rep.path, first, f"`{ref}` is first referenced here"),),
                    fix={"kind": "remove_attribute", "index": i},
                )
            else:
                seen[ref] = i

    def _unstructured(self, ident: str, error: str, where: Path, attribute_id: str | None = None) -> None:
        self.rep.add(
            "UnstructuredDeprecatedProperty",
            Severity.WARNING,
            f"The `deprecated` property in `{ident}` is invalid. {error}\n"
            f"Provenance: {_debug(self.rep.path)}",
            self.rep.value(where),
            {"path_or_url": self.rep.path, "id": ident, "error": error},
            group_id=self.gid,
            attribute_id=attribute_id,
            tags=_DEPRECATED_TAGS,
            fix={"kind": "structure_deprecated"},
        )

    def _event_rules(self) -> None:
        g, rep = self.g, self.rep
        body = g.get("body")
        if self.type == "event":
            if body is not None and g.get("name") is None:
                self._invalid_group(
                    "This group contains an event type with a body definition but the name is not set.",
                    self.id_range,
                )
            if body is None and g.get("name") is None and not g.get("prefix"):
                self._invalid_group(
                    "This group contains an event type but the name is not set and no prefix is defined.",
                    self.id_range,
                )
            if body is not None:
                self._any_value(body, (*self.base, "body"))
                self._any_value_examples(body, (*self.base, "body"))
        elif body is not None:
            self._invalid_group(
                "This group contains a body field but the type is not set to event.",
                rep.key((*self.base, "body")),
            )

    def _any_value(self, value: dict[str, Any], where: Path) -> None:
        vid = value["id"]

        def warn(error: str, at: Range | None, fix: dict[str, Any] | None) -> None:
            self.rep.add(
                "InvalidAnyValue",
                Severity.WARNING,
                f"The value `{vid}` in the group `{self.gid}` is invalid. {error}\n"
                f"Provenance: {_debug(self.rep.path)}",
                at,
                {"path_or_url": self.rep.path, "group_id": self.gid, "value_id": vid, "error": error},
                group_id=self.gid,
                fix=fix,
            )

        if value.get("stability") is None:
            warn("Missing stability field.", self.rep.value((*where, "id")), {"kind": "add_stability"})
        if value["type"] == "enum":
            for j, member in enumerate(value.get("members", [])):
                if member.get("stability") is None:
                    warn(
                        f"Missing stability field for enum member {member['id']}.",
                        self.rep.value((*where, "members", j, "id")),
                        {"kind": "add_stability"},
                    )
        elif value["type"] == "map":
            for j, sub in enumerate(value.get("fields", [])):
                self._any_value(sub, (*where, "fields", j))

    def _any_value_examples(self, value: dict[str, Any], where: Path) -> None:
        vid = value["id"]
        examples = value.get("examples")
        error: str | None = None
        at = self.rep.value((*where, "examples"))
        if examples is not None:
            error = _any_value_examples_error(model.examples_kind(examples), value)
        elif value["type"] in ("string", "string[]"):
            noun = "string" if value["type"] == "string" else "string array"
            error = f"This value is a {noun} but it does not contain any examples."
            at = self.rep.value((*where, "id"))
        if error is not None:
            self.rep.add(
                "InvalidAnyValueExampleError",
                Severity.ERROR,
                f"The value `{vid}` in the group `{self.gid}` contains an invalid example. {error}.\n"
                f"Provenance: {_debug(self.rep.path)}",
                at,
                {"path_or_url": self.rep.path, "group_id": self.gid, "value_id": vid, "error": error},
                group_id=self.gid,
            )
        if value["type"] == "map":
            for j, sub in enumerate(value.get("fields", [])):
                self._any_value_examples(sub, (*where, "fields", j))

    def _metric_rules(self) -> None:
        if self.type != "metric":
            return
        for key in ("metric_name", "instrument", "unit"):
            if self.g.get(key) is None:
                error = f"This group contains a metric type but the {key} is not set."
                msg = f"Invalid metric definition in {_debug(self.rep.path)}.\ngroup_id=`{self.gid}`. {error}"
                self._group("InvalidMetric", Severity.ERROR, msg, error, self.id_range)

    def _attr_diag(
        self, code: str, severity: Severity, aid: str, error: str, at: Range | None, **kw: Any
    ) -> None:
        path = _debug(self.rep.path)
        if code in ("InvalidAttribute", "InvalidAttributeWarning"):
            msg = (
                f"Invalid attribute definition detected while resolving '{path}' "
                f"(group_id='{self.gid}', attribute_id='{aid}'). {error}"
            )
        elif code == "InvalidExampleError":
            msg = (
                f"The attribute `{aid}` in the group `{self.gid}` contains an invalid example. "
                f"{error}.\nProvenance: {path}"
            )
        else:
            msg = (
                f"The attribute `{aid}` in the group `{self.gid}` contains an example that will be "
                f"considered invalid in the future. {error}.\nProvenance: {path}"
            )
        self.rep.add(
            code,
            severity,
            msg,
            at,
            {"path_or_url": self.rep.path, "group_id": self.gid, "attribute_id": aid, "error": error},
            group_id=self.gid,
            attribute_id=aid,
            **kw,
        )

    def _attribute(self, i: int, attr: dict[str, Any]) -> None:
        if "id" not in attr:
            return
        where = (*self.base, "attributes", i)
        aid: str = attr["id"]
        id_range = self.rep.value((*where, "id"))
        if attr.get("brief") is None and attr.get("deprecated") is None:
            self._attr_diag(
                "InvalidAttribute",
                Severity.ERROR,
                aid,
                "This attribute is not deprecated and does not contain a brief field.",
                id_range,
            )
        stability = attr.get("stability")
        if stability is None:
            self._attr_diag(
                "InvalidAttributeWarning",
                Severity.WARNING,
                aid,
                "Missing stability field.",
                id_range,
                fix={"kind": "add_stability"},
            )
        elif stability == "deprecated":
            self._attr_diag(
                "InvalidAttributeWarning",
                Severity.WARNING,
                aid,
                "Attribute stability is set to 'deprecated' which is no longer supported.",
                self.rep.value((*where, "stability")),
                tags=_DEPRECATED_TAGS,
            )
        atype = attr["type"]
        if isinstance(atype, dict):
            for j, member in enumerate(atype.get("members", [])):
                mwhere = (*where, "type", "members", j)
                if member.get("stability") is None:
                    self._attr_diag(
                        "InvalidAttributeWarning",
                        Severity.WARNING,
                        aid,
                        f"Missing stability field on enum member {member['id']}.",
                        self.rep.value((*mwhere, "id")),
                        fix={"kind": "add_stability"},
                    )
                elif member.get("stability") == "deprecated":
                    self._attr_diag(
                        "InvalidAttributeWarning",
                        Severity.WARNING,
                        aid,
                        f"Member {member['id']} stability is set to 'deprecated' "
                        "which is no longer supported.",
                        self.rep.value((*mwhere, "stability")),
                        tags=_DEPRECATED_TAGS,
                    )
                if isinstance(member.get("deprecated"), str):
                    self._unstructured(
                        aid,
                        f"Unstructured deprecated note is used on enum member {member['id']}.",
                        (*mwhere, "deprecated"),
                        attribute_id=aid,
                    )
        if isinstance(attr.get("deprecated"), str):
            self._unstructured(
                aid,
                "Unstructured deprecated note is not supported on attributes.",
                (*where, "deprecated"),
                attribute_id=aid,
            )
        self._examples(aid, attr, where, id_range)

    def _examples(self, aid: str, attr: dict[str, Any], where: Path, id_range: Range | None) -> None:
        atype = attr["type"]
        if self.typed_examples(aid, attr, where):
            return
        if atype in ("string", "string[]"):
            noun = "string" if atype == "string" else "string array"
            self._attr_diag(
                "InvalidExampleWarning",
                Severity.WARNING,
                aid,
                f"This attribute is a {noun} but it does not contain any examples.",
                id_range,
                fix={"kind": "add_examples"},
            )

    def typed_examples(self, aid: str, attr: dict[str, Any], where: Path) -> bool:
        """`Examples::validate` for an attribute at `where`: False when it has no examples."""
        atype = attr["type"]
        examples = attr.get("examples")
        if examples is None:
            return False
        verdict = _examples_error(model.examples_kind(examples), atype)
        at = self.rep.value((*where, "examples"))
        if verdict == "MUST":
            self._attr_diag(
                "InvalidExampleError", Severity.ERROR, aid, f"All examples MUST be of type `{atype}`", at
            )
        elif verdict == "SHOULD":
            self._attr_diag(
                "InvalidExampleWarning",
                Severity.WARNING,
                aid,
                f"All examples SHOULD be of type `{atype}`",
                at,
                fix={"kind": "wrap_examples"},
            )
        return True

    def _entity_associations(self) -> None:
        assocs = self.g.get("entity_associations") or []
        if not assocs:
            return
        if self.type not in ("event", "metric", "span"):
            self._invalid_group(
                f"Group with entity_associations cannot have type: {_GROUP_TYPE_DEBUG[self.type]}",
                self.rep.key((*self.base, "entity_associations")),
            )
        for i, assoc in enumerate(assocs):
            problem = _association_problem(assoc, (*self.base, "entity_associations", i))
            if problem is not None:
                self._invalid_group(problem[0], self.rep.value(problem[1]))


def _association_problem(assoc: Any, where: Path) -> tuple[str, Path] | None:
    """The first problem (blank name, empty combinator) of an entity-association expression."""
    if isinstance(assoc, str):
        if not assoc.strip():
            return "entity_associations contains an empty entity reference", where
        return None
    key = "one_of" if "one_of" in assoc else "all_of"
    children = assoc[key]
    if not children:
        return f"entity_associations contains an empty `{key}` group", (*where, key)
    for i, child in enumerate(children):
        problem = _association_problem(child, (*where, key, i))
        if problem is not None:
            return problem
    return None


# --- v2 rules -------------------------------------------------------------------------------------


def _v2_examples(data: dict[str, Any], rep: _Reporter, invalid: set[tuple[str | int, ...]]) -> None:
    """v2 attribute definitions' examples are type-checked as v1's (weaver 0.25.1 checks no v2 examples),
    in the synthetic `registry.<file>` group that resolution puts them in."""
    rules = _GroupRules(rep, 0, {"id": f"registry.{synthetic_file_name(rep.path)}"})
    for j, attr in enumerate(data.get("attributes") or []):
        if ("attributes", j) not in invalid and isinstance(attr, dict) and isinstance(attr.get("key"), str):
            rules.typed_examples(attr["key"], attr, ("attributes", j))


def _v2_rules(data: dict[str, Any], rep: _Reporter, invalid: set[tuple[str | int, ...]]) -> None:
    _v2_examples(data, rep, invalid)
    path = _debug(rep.path)
    for section, prefix, name_key in (
        ("entities", "entity", "type"),
        ("events", "event", "name"),
        ("metrics", "metric", "name"),
        ("spans", "span", "type"),
    ):
        for i, item in section_items(data, section, invalid):
            gid = f"{prefix}.{item[name_key]}"
            if item.get("requirement_level") is None:
                rep.add(
                    "MissingRequirementLevelWarning",
                    Severity.WARNING,
                    f"The signal group `{gid}` does not set `requirement_level`. "
                    f"This will be required in the future.\nProvenance: {path}",
                    rep.value((section, i, name_key)),
                    {"path_or_url": rep.path, "group_id": gid},
                    group_id=gid,
                    fix={"kind": "add_requirement_level", "value": "recommended"},
                )
    for section, is_refinement in (("entities", False), ("entity_refinements", True)):
        for i, item in section_items(data, section, invalid):
            gid = item["id"] if is_refinement else f"entity.{item['type']}"
            # weaver names an entity by its `type` here (`shop.store`), a refinement by its `id`.
            weaver_id = str(item["id"] if is_refinement else item["type"])
            identity = item.get("identity") or []
            if not is_refinement and not identity:
                rep.add(
                    "EntityMissingIdentity",
                    Severity.ERROR,
                    f"The entity `{weaver_id}` does not declare any `identity` attributes.",
                    rep.value((section, i, "identity")),
                    {"path_or_url": rep.path, "group_id": weaver_id},
                    group_id=gid,
                )
            identity_refs = {ref["ref"]: j for j, ref in enumerate(identity)}
            for j, ref in enumerate(item.get("description") or []):
                if ref["ref"] in identity_refs:
                    first = rep.value((section, i, "identity", identity_refs[ref["ref"]], "ref"))
                    rep.add(
                        "AttributeInIdentityAndDescription",
                        Severity.ERROR,
                        f"The attribute `{ref['ref']}` is listed under both `identity` and "
                        f"`description` of `{weaver_id}`.",
                        rep.value((section, i, "description", j, "ref")),
                        {"path_or_url": rep.path, "group_id": weaver_id, "attribute_id": ref["ref"]},
                        group_id=gid,
                        attribute_id=ref["ref"],
                        related=(Related(rep.path, first, "listed under `identity` here"),),
                    )


# --- entry points ---------------------------------------------------------------------------------


def validate_document(doc: Document) -> FileCheck:
    """Validate one semantic-convention file as weaver does at load time; every problem gets a range.

    YAML syntax problems stay in `doc.diagnostics` and are not repeated here; such a file gets no format.
    """
    rep = _Reporter(doc)
    data = doc.data
    if not doc.ok and not (isinstance(data, dict) and data):
        return FileCheck(None, [], set(), unreadable=[Unreadable(0, EVERYTHING)])
    if not isinstance(data, dict):
        rep.add(
            "DeserializationError",
            Severity.ERROR,
            f"Expected a YAML mapping at the root, but found: {_root_kind(data)}",
            doc.range_of(()),
            {
                "path_or_url": doc.path,
                "error": f"Expected a YAML mapping at the root, but found: {_root_kind(data)}",
            },
            help="A semantic-convention file is a mapping with `groups:` (v1) or the v2 sections.",
        )
        return FileCheck(None, rep.out, set(), unreadable=[Unreadable(0, EVERYTHING)])
    fmt = _detect(data, rep)
    if fmt is None:
        return FileCheck(None, rep.out, set(), unreadable=[Unreadable(0, EVERYTHING)])
    body = {k: v for k, v in data.items() if k not in ("file_format", "version")}
    check = FileCheck(fmt, rep.out, set(), unreadable=list(doc.unparsed))
    salvager = Salvager(doc, body, fmt, check)
    _schema_check(body, fmt, rep, salvager)
    if fmt == V1:
        for i, group in section_items(body, "groups", _damaged_items(check)):
            _GroupRules(rep, i, group).run()
    else:
        _v2_rules(body, rep, _damaged_items(check))
    salvager.finish()
    return check


def _damaged_items(check: FileCheck) -> set[Path]:
    """Items the rules must not look at: skipped ones, and those with a field set aside."""
    return check.invalid_items | {p[:2] for p in check.dropped} | {p[:2] for p in check.invalid_items}


_SCHEMA_URL = re.compile(r"^https?://[^/\s]+(?:/[^\s]*)?/[^/\s]+$")


def validate_manifest(doc: Document) -> tuple[model.ManifestModel | None, list[Diagnostic]]:
    """Validate `manifest.yaml`: InvalidRegistryManifest errors and legacy-syntax warnings."""
    rep = _Reporter(doc)
    if not doc.ok:
        return None, []
    where = _debug(doc.path)

    def invalid(
        error: str, at: Range | None, help_text: str | None = None, suggestion: str | None = None
    ) -> None:
        rep.add(
            "InvalidRegistryManifest",
            Severity.ERROR,
            f"The registry manifest at {where} is invalid. {error}",
            at,
            {"path": doc.path, "error": error},
            help=help_text,
            fix=replacement(suggestion) if suggestion else None,
        )

    data = doc.data
    if not isinstance(data, dict):
        invalid(f"Expected a YAML mapping at the root, but found: {_root_kind(data)}", doc.range_of(()))
        return None, rep.out
    try:
        manifest = model.MANIFEST_ADAPTER.validate_python(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            found = describe(err, data, model.ManifestModel)
            invalid(found.message, found.range(doc), found.full_help, found.suggestion)
        return None, rep.out
    if manifest.schema_url is None:
        if manifest.schema_base_url is None or manifest.semconv_version is None:
            misspelt = next((str(k) for k in data if closest(str(k), ["schema_url"], 0.75)), None)
            required = "Either 'schema_url' or both 'schema_base_url' and 'semconv_version' must be provided"
            if misspelt is not None:
                invalid(required, rep.key((misspelt,)), did_you_mean("schema_url"), "schema_url")
                return None, rep.out
            invalid(
                required,
                doc.range_of(()) if not data else doc.head_range(()),
                "Add `schema_url: https://<host>/<path>/<version>`.",
            )
            return None, rep.out
        error = "The 'semconv_version' and 'schema_base_url' fields are deprecated in favor of 'schema_url'."
        rep.add(
            "DeprecatedSyntaxInRegistryManifest",
            Severity.WARNING,
            f"The syntax used in the registry manifest at {where} is deprecated. {error}",
            rep.key(("semconv_version",)),
            {"path": doc.path, "error": error},
            tags=_DEPRECATED_TAGS,
            fix={"kind": "manifest_schema_url"},
        )
    elif not _SCHEMA_URL.match(manifest.schema_url):
        invalid(
            f"Invalid schema URL `{manifest.schema_url}`: expected `http[s]://server[:port]/path/<version>`.",
            rep.value(("schema_url",)),
        )
        return None, rep.out
    for i, dep in enumerate(manifest.dependencies):
        if dep.schema_url is None and (dep.name is None or dep.registry_path is None):
            subject = f"dependency '{dep.name}'" if dep.name else "a dependency"
            invalid(
                f"{subject} is missing the required field 'schema_url'. The schema_url uniquely "
                "identifies the dependency registry and its version, e.g. https://example.com/my-registry/1.0.0",
                doc.head_range(("dependencies", i)),
            )
            return None, rep.out
    return manifest, rep.out
