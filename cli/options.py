"""The options the registry commands share, as weaver's RegistryArgs, PolicyArgs and DiagnosticArgs
(flags, metavars, help), so every command spells them the same way."""

from __future__ import annotations

from typing import Annotated

import typer


def _bool_help(what: str, flag: str) -> str:
    return f"{what} A bare {flag} means true; {flag}=false overrides a `.weaver.toml` value."


# Options shared by the registry commands (weaver's RegistryArgs, PolicyArgs and DiagnosticArgs).

RegistryOption = Annotated[
    str | None,
    typer.Option(
        "-r",
        "--registry",
        metavar="<REGISTRY>",
        help="Local folder, Git repo URL, or archive of the registry (`source[@refspec][[sub-folder]]`). "
        "Required unless `[registry] path` is set in `.weaver.toml`.",
    ),
]
V2Option = Annotated[
    bool | None,
    typer.Option(
        "--v2/--no-v2", help=_bool_help("Use the v2 (materialized) schema for outputs and policies.", "--v2")
    ),
]
FollowSymlinksOption = Annotated[
    bool | None,
    typer.Option(
        "--follow-symlinks/--no-follow-symlinks",
        "-s",
        help=_bool_help("Follow symlinks when loading.", "--follow-symlinks"),
    ),
]
IncludeUnreferencedOption = Annotated[
    bool | None,
    typer.Option(
        "--include-unreferenced/--no-include-unreferenced",
        help=_bool_help(
            "Keep unreferenced signals and attributes of dependency registries (deprecated).",
            "--include-unreferenced",
        ),
    ),
]
DiagnosticFormatOption = Annotated[
    str | None,
    typer.Option(
        "--diagnostic-format",
        metavar="[ansi|json|gh_workflow_command|sarif]",
        help="Format of the diagnostics. [default: ansi]",
    ),
]
DiagnosticStdoutOption = Annotated[
    bool | None,
    typer.Option(
        "--diagnostic-stdout/--no-diagnostic-stdout",
        help=_bool_help("Write the diagnostics to stdout instead of stderr.", "--diagnostic-stdout"),
    ),
]
DiagnosticTemplateOption = Annotated[
    str | None,
    typer.Option(
        "--diagnostic-template",
        metavar="<DIAGNOSTIC_TEMPLATE>",
        help="Folder of diagnostic templates: its `<format>` sub-folder (weaver.yaml + MiniJinja) renders "
        "the diagnostics instead of the built-in renderer. [default: diagnostic_templates]",
    ),
]
PolicyOption = Annotated[
    list[str] | None,
    typer.Option(
        "-p",
        "--policy",
        metavar="<POLICY>",
        help="Rego policy file or folder (all `*.rego` in it); repeat for several.",
    ),
]
SkipPoliciesOption = Annotated[
    bool | None,
    typer.Option(
        "--skip-policies/--no-skip-policies",
        help=_bool_help("Skip the policy checks.", "--skip-policies"),
    ),
]
FutureOption = Annotated[
    bool, typer.Option("--future", help="Enable the newest validation rules: warnings become errors.")
]
