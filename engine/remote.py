"""Remote registries: https archives and git repositories, fetched once into the cache and reused offline.

A registry path `source[@ref][[sub_folder]]` whose source is a URL names a remote registry: an archive
(`.zip`, `.tar.gz`, `.tgz`) downloaded over HTTP(S), or a git repository cloned with the `git` command
(`https://…/repo.git`, `git://…`, `ssh://…`, `file://…`, `git@host:path`), at `ref` when given. Weaver
clones again on every run (its issue #1636); here the first fetch is stored content-addressed (archives by
their digest, clones by their commit) with a small index from URL to entry, so later runs need no network.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from weavergen.cache import cache_dir
from weavergen.diagnostics import Diagnostic
from weavergen.limits import REMOTE_MAX_DOWNLOAD_BYTES

_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<rest>.*)$")
_SCP = re.compile(r"^[\w.-]+@[\w.-]+:(?!//)")
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
GIT_TIMEOUT_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 60
REFRESH_ENV = "WEAVERGEN_REMOTE_REFRESH"
"""Set to 1 to fetch again even when the cache has the registry (a moving branch, a re-published archive)."""


@dataclass(frozen=True, slots=True)
class RemoteSource:
    """A remote registry source: its URL, the git ref asked for (if any) and how to fetch it."""

    url: str
    ref: str | None
    kind: str  # "archive" or "git"

    @property
    def key(self) -> str:
        """The index key of this source: a digest of the URL and ref."""
        text = f"{self.kind}\0{self.url}\0{self.ref or ''}"
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    @property
    def suffix(self) -> str:
        """The archive suffix of the URL (`.zip`, `.tar.gz`, `.tgz`), or ''."""
        path = self.url.split("?", 1)[0].split("#", 1)[0].lower()
        return next((s for s in ARCHIVE_SUFFIXES if path.endswith(s)), "")


def parse_remote(source: str) -> RemoteSource | None:
    """The remote source a registry path names (`source[@ref]`, without `[sub_folder]`), or None if local."""
    m = _URL.match(source)
    if m is None:
        if not _SCP.match(source):
            return None
        head, _, tail = source.rpartition("@") if source.count("@") > 1 else (source, "", "")
        return RemoteSource(head, tail or None, "git")
    rest = m.group("rest")
    ref: str | None
    slash = rest.find("/")
    at = rest.rfind("@")
    url, ref = source, None
    if at > slash >= 0:  # an `@` in the path, not in `user@host`: the ref
        url, ref = f"{m.group('scheme')}://{rest[:at]}", rest[at + 1 :] or None
    probe = RemoteSource(url, ref, "archive")
    if m.group("scheme") in ("http", "https") and probe.suffix and ref is None:
        return probe
    return RemoteSource(url, ref, "git")


def _base() -> Path:
    base = cache_dir() or Path(tempfile.gettempdir()) / "weavergen"
    return base / "remote"


def _index_path(remote: RemoteSource) -> Path:
    return _base() / "index" / f"{remote.key}.json"


def cached(remote: RemoteSource) -> Path | None:
    """The cached copy of a remote source (archive file or checkout folder), if it was fetched before."""
    try:
        entry = json.loads(_index_path(remote).read_text(encoding="utf-8"))
        path = _base() / str(entry["path"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return path if path.exists() else None


def _write(path: Path, data: str | bytes) -> None:
    """Write a cache file atomically; a failure is an `OSError`, as every fetch failure is."""
    from weavergen.output import OutputError, write_atomic  # output imports the resolver, which imports us

    try:
        write_atomic(path, data)
    except OutputError as exc:
        raise OSError(str(exc)) from exc


def _record(remote: RemoteSource, path: Path, **extra: str) -> None:
    index = _index_path(remote)
    index.parent.mkdir(parents=True, exist_ok=True)
    entry = {"url": remote.url, "ref": remote.ref, "path": path.relative_to(_base()).as_posix(), **extra}
    _write(index, json.dumps(entry))


def fetch(remote: RemoteSource) -> Path:
    """A local copy of the remote source: from the cache, else downloaded or cloned (`OSError` on failure)."""
    if not os.environ.get(REFRESH_ENV):
        hit = cached(remote)
        if hit is not None:
            return hit
    return _download(remote) if remote.kind == "archive" else _clone(remote)


def _download(remote: RemoteSource) -> Path:
    request = urllib.request.Request(remote.url, headers={"User-Agent": "weavergen"})
    limit = REMOTE_MAX_DOWNLOAD_BYTES.value()
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise OSError(_too_large(int(declared), limit))
            data = response.read(limit + 1)
            if len(data) > limit:
                raise OSError(_too_large(None, limit))
    except urllib.error.HTTPError as exc:
        raise OSError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OSError(str(reason)) from exc
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    target = _base() / "archives" / f"{digest}{remote.suffix}"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        _write(target, data)
    _record(remote, target, digest=digest)
    return target


def _too_large(size: int | None, limit: int) -> str:
    told = f" ({size:,} bytes)" if size is not None else ""
    return (
        f"the archive is larger{told} than the {limit:,} bytes weavergen downloads "
        f"(set {REMOTE_MAX_DOWNLOAD_BYTES.env} to allow more)"
    )


CREDENTIALS_ENV = "WEAVERGEN_ALLOW_GIT_CREDENTIALS"
"""Set to 1 (what `--allow-git-credentials` does) to let git use the user's credential helpers and config."""


def allow_git_credentials() -> None:
    """Let later clones use the user's git credential helpers and global config (weaver's flag)."""
    os.environ[CREDENTIALS_ENV] = "1"


def _git(*args: str, cwd: Path | None = None) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "LC_ALL": "C"}
    if os.environ.get(CREDENTIALS_ENV) != "1":
        # As weaver: clones are isolated from the global/system git config and credential helpers.
        env.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
        args = ("-c", "credential.helper=", *args)
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:
        raise OSError("the `git` command is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise OSError(f"git {args[0]} timed out after {GIT_TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
        raise OSError(lines[-1] if lines else f"git {args[0]} failed with exit code {done.returncode}")
    return done.stdout.strip()


def _clone(remote: RemoteSource) -> Path:
    if remote.ref is not None and remote.ref.startswith("-"):
        raise OSError(f"`{remote.ref}` is not a git ref")  # never let a ref pass as an option
    root = _base() / "git"
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=root, prefix=".clone-"))
    try:
        checkout = work / "repo"
        branch = ["--branch", remote.ref] if remote.ref else []
        try:
            _git("clone", "--quiet", "--depth", "1", *branch, "--", remote.url, str(checkout))
        except OSError:
            if not remote.ref:
                raise
            # A commit id is not a branch or tag: clone in full, then check it out.
            shutil.rmtree(checkout, ignore_errors=True)
            _git("clone", "--quiet", "--", remote.url, str(checkout))
            _git("checkout", "--quiet", remote.ref, "--", cwd=checkout)
        commit = _git("rev-parse", "HEAD", cwd=checkout)
        shutil.rmtree(checkout / ".git", ignore_errors=True)
        target = root / commit
        if not target.is_dir():
            try:
                os.replace(checkout, target)
            except OSError:
                if not target.is_dir():
                    raise
        _record(remote, target, commit=commit)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fetch_diagnostic(path: str, remote: RemoteSource, error: str) -> Diagnostic:
    """The diagnostic for a remote registry that could not be fetched (and is not in the cache)."""
    what = "download the archive" if remote.kind == "archive" else "clone the git repository"
    return Diagnostic(
        code="RegistryNotFound",
        message=f"The semantic convention registry is not found (path_or_url: {path}). "
        f"Could not {what} `{remote.url}`: {error}",
        error={"RegistryNotFound": {"path_or_url": path, "error": error}},
        help="Check the URL, the ref after `@` and the network (a server with a private CA: point "
        "SSL_CERT_FILE at its certificate). Once fetched, a remote registry is kept in the cache and used "
        "offline; set WEAVERGEN_REMOTE_REFRESH=1 to fetch it again.",
    )
