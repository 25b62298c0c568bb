"""weavergen's command-line interface (Typer): a thin adapter over the engine."""
