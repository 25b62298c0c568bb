"""`weavergen lsp`: start the language server (pygls is imported only here, inside the command)."""

from __future__ import annotations

from typing import Annotated

import typer


def lsp(
    stdio: Annotated[
        bool, typer.Option("--stdio", help="Speak LSP over stdin/stdout (the default).")
    ] = False,
    tcp: Annotated[bool, typer.Option("--tcp", help="Listen on a TCP socket instead of stdio.")] = False,
    host: Annotated[str, typer.Option("--host", help="Address to listen on with --tcp.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on with --tcp.")] = 2087,
) -> None:
    """Run the weavergen language server: live weaver diagnostics, navigation and quick fixes."""
    if stdio and tcp:
        raise typer.BadParameter("choose one of --stdio and --tcp", param_hint="'--tcp'")
    from weavergen.server.server import serve

    serve(tcp=tcp, host=host, port=port)
