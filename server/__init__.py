"""weavergen's language server (pygls): a thin adapter over the engine."""
