"""Limits that keep hostile input bounded in time and memory, each settable by an environment variable.

Registries, remote archives and editor buffers may come from strangers (a pull request run in CI), so
the engine stops with a diagnostic where a real registry never goes. `docs/security.md` lists every
limit, its default and why; a value that is not a positive integer falls back to the default.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

log = logging.getLogger("weavergen.limits")


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit: the environment variable that sets it and its default."""

    env: str
    default: int
    what: str

    def value(self) -> int:
        """The limit in force: the environment's value when it is a positive integer, else the default."""
        raw = os.environ.get(self.env, "").strip().replace("_", "")
        if not raw:
            return self.default
        if raw.isdigit() and int(raw) > 0:
            return int(raw)
        log.warning("%s=%r is not a positive integer; using %d", self.env, raw, self.default)
        return self.default


YAML_MAX_ALIAS_NODES = Limit(
    "WEAVERGEN_YAML_MAX_ALIAS_NODES",
    100_000,
    "nodes that aliases (`*name`) may add to one YAML document",
)
YAML_MAX_DEPTH = Limit("WEAVERGEN_YAML_MAX_DEPTH", 128, "nesting levels of one YAML document")
YAML_DEPTH_CEILING = 400
"""The deepest nesting the document walk can follow within Python's recursion limit: a larger setting
is clamped to it."""
REMOTE_MAX_DOWNLOAD_BYTES = Limit(
    "WEAVERGEN_REMOTE_MAX_DOWNLOAD_BYTES", 256 * 1024 * 1024, "bytes downloaded for one remote archive"
)
ARCHIVE_MAX_UNPACKED_BYTES = Limit(
    "WEAVERGEN_ARCHIVE_MAX_UNPACKED_BYTES", 1024 * 1024 * 1024, "bytes one registry archive may unpack to"
)
ARCHIVE_MAX_MEMBERS = Limit("WEAVERGEN_ARCHIVE_MAX_MEMBERS", 100_000, "files and folders in one archive")
