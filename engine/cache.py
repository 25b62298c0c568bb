"""A content-addressed disk cache, so a warm run parses no unchanged file and re-evaluates no policy.

Entries are pickled Python values named by a digest of their inputs and of weavergen's version.
A corrupt or unreadable entry is treated as missing; writes are atomic (temp file + rename).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import threading
from pathlib import Path
from typing import Any

from weavergen import __version__

_FORMAT = "1"


def _code_fingerprint() -> str:
    """A digest of the engine's own source files, so a changed validator never reads stale entries."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        try:
            st = path.stat()
        except OSError:
            continue
        digest.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()


_FINGERPRINT = _code_fingerprint()


class _Held:
    """Entries pickled but not yet written, while writes are held (see `hold_writes`)."""

    lock = threading.Lock()
    entries: dict[Path, bytes] | None = None


def hold_writes() -> None:
    """Keep new entries in memory (already pickled, so later changes to the values cannot reach them)
    until `flush_writes`: a first load that parses every file gets its results out before writing."""
    with _Held.lock:
        if _Held.entries is None:
            _Held.entries = {}


def flush_writes() -> int:
    """Write the held entries and stop holding; how many there were."""
    with _Held.lock:
        held, _Held.entries = _Held.entries or {}, None
    for path, payload in held.items():
        _write(path, payload)
    return len(held)


def cache_dir() -> Path | None:
    """`$WEAVERGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/weavergen`, else `~/.cache/weavergen`; `off` disables."""
    explicit = os.environ.get("WEAVERGEN_CACHE_DIR")
    if explicit is not None:
        return None if explicit in ("", "off", "0") else Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "weavergen"


class DiskCache:
    """One namespace of the cache (`documents`, `policies`…)."""

    def __init__(self, namespace: str, root: Path | None = None) -> None:
        base = root if root is not None else cache_dir()
        self.dir = base / namespace / f"{__version__}-{_FORMAT}-{_FINGERPRINT}" if base is not None else None

    def _path(self, key: str) -> Path | None:
        return self.dir / key[:2] / key if self.dir is not None else None

    def get(self, key: str) -> Any | None:
        """The value stored under `key`, or None."""
        path = self._path(key)
        if path is None:
            return None
        held = _Held.entries
        try:
            payload = held.get(path) if held is not None else None
            return pickle.loads(payload if payload is not None else path.read_bytes())
        except (
            OSError,
            ValueError,
            EOFError,
            TypeError,
            pickle.UnpicklingError,
            AttributeError,
            ImportError,
        ):
            return None

    def put(self, key: str, value: Any) -> None:
        """Store `value` under `key`; failures (read-only disk, unpicklable value) are ignored."""
        path = self._path(key)
        if path is None:
            return
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (ValueError, pickle.PicklingError, TypeError):
            return
        with _Held.lock:
            if _Held.entries is not None:
                _Held.entries[path] = payload
                return
        _write(path, payload)


def _write(path: Path, payload: bytes) -> None:
    """Write one entry atomically (temp file + rename); failures (a read-only disk) are ignored."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
