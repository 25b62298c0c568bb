"""weavergen: the engine behind the weavergen CLI, language server and workflows."""

__version__ = "0.1.0"
