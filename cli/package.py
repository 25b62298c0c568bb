"""`weavergen registry package`: a v2 registry with a manifest → `resolved.yaml` + `manifest.yaml`.

A thin adapter: the `registry_package` process checks the registry and that it can be packaged, then
writes the published artifact (`weavergen.package`) into OUTPUT.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from weavergen.cli.registry import (
    DiagnosticFormatOption,
    DiagnosticStdoutOption,
    DiagnosticTemplateOption,
    FollowSymlinksOption,
    FutureOption,
    IncludeUnreferencedOption,
    PolicyOption,
    RegistryOption,
    SkipPoliciesOption,
    V2Option,
    _run_command,
    _write,
    registry_app,
)

if TYPE_CHECKING:
    from weavergen.cli.main import GlobalOptions


@registry_app.command("package")
def package_command(
    ctx: typer.Context,
    registry: RegistryOption = None,
    output: Annotated[
        str,
        typer.Option(
            "-o", "--output", metavar="<OUTPUT>", help="Folder the package is written to. [default: output]"
        ),
    ] = "output",
    resolved_registry_uri: Annotated[
        str | None,
        typer.Option(
            "--resolved-registry-uri",
            "--resolved-schema-uri",
            metavar="<RESOLVED_REGISTRY_URI>",
            help="URI where the resolved registry artifact will eventually be published; embedded in the "
            "publication manifest as `resolved_registry_uri`. Required.",
        ),
    ] = None,
    v2: V2Option = None,
    policy: PolicyOption = None,
    skip_policies: SkipPoliciesOption = None,
    display_policy_coverage: Annotated[
        bool,
        typer.Option("--display-policy-coverage", help="Accepted for weaver compatibility (no report yet)."),
    ] = False,
    future: FutureOption = False,
    follow_symlinks: FollowSymlinksOption = None,
    include_unreferenced: IncludeUnreferencedOption = None,
    diagnostic_format: DiagnosticFormatOption = None,
    diagnostic_stdout: DiagnosticStdoutOption = None,
    diagnostic_template: DiagnosticTemplateOption = None,
) -> None:
    """Packages a semantic convention registry into a self-contained artifact.

    Checks the registry (with its policies unless --skip-policies) and, if it has no error, writes
    OUTPUT/resolved.yaml (the `resolved/2.0` schema) and OUTPUT/manifest.yaml (a `manifest/2.0`
    publication manifest). Another registry depends on OUTPUT as on any registry folder. Needs --v2,
    a definition manifest and --resolved-registry-uri, as weaver does.
    """
    from weavergen.config import CheckOverrides

    options: GlobalOptions = ctx.obj
    if any(a == "--resolved-schema-uri" or a.startswith("--resolved-schema-uri=") for a in sys.argv):
        _write(sys.stderr, "warning: `--resolved-schema-uri` is deprecated; use `--resolved-registry-uri`.")
    overrides = CheckOverrides(
        registry=registry,
        policies=list(policy or []),
        skip_policies=skip_policies,
        v2=v2,
        future=future or options.future,
        follow_symlinks=follow_symlinks,
        include_unreferenced=include_unreferenced,
        diagnostic_format=diagnostic_format,
        diagnostic_stdout=diagnostic_stdout,
        diagnostic_template=diagnostic_template,
    )
    params = {"output": output, "resolved_registry_uri": resolved_registry_uri}
    code, outputs = _run_command("registry_package", params, overrides, options)
    if code == 0 and outputs.get("written") and not options.quiet:
        _write(sys.stderr, f"Registry packaged successfully to `{output}`")
    raise typer.Exit(code)
