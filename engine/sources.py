"""Where a registry's files come from: a folder, a `.zip` / `.tar.gz` archive or a remote source (with
weaver's `source[sub_folder]` syntax), and the walk over the files below it.

Archives are unpacked once into the cache, never outside it, and within the limits of
`weavergen.limits`; the walk visits each real folder and file once, even through symbolic-link cycles.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from weavergen.cache import cache_dir
from weavergen.diagnostics import Diagnostic
from weavergen.limits import ARCHIVE_MAX_MEMBERS, ARCHIVE_MAX_UNPACKED_BYTES
from weavergen.remote import fetch, fetch_diagnostic, parse_remote

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
_VDIR = re.compile(r"^(?P<source>.*?)(?:\[(?P<sub>[^\[\]]*)\])?$")


def split_vdir(path: str) -> tuple[str, str | None]:
    """Split weaver's `source[sub_folder]` syntax."""
    m = _VDIR.match(path)
    if m and m.group("sub") is not None and m.group("source"):
        return m.group("source"), m.group("sub")
    return path, None


class _ArchiveBudget:
    """Counts what an archive would unpack to; past the limits it raises before anything is written."""

    def __init__(self) -> None:
        self.size, self.count = 0, 0
        self.max_size, self.max_count = ARCHIVE_MAX_UNPACKED_BYTES.value(), ARCHIVE_MAX_MEMBERS.value()

    def add(self, size: int) -> None:
        self.size += size
        self.count += 1
        if self.size > self.max_size:
            raise ValueError(
                f"it unpacks to more than {self.max_size:,} bytes "
                f"(set {ARCHIVE_MAX_UNPACKED_BYTES.env} to allow more)"
            )
        if self.count > self.max_count:
            raise ValueError(
                f"it holds more than {self.max_count:,} entries (set {ARCHIVE_MAX_MEMBERS.env} to allow more)"
            )


def _extract_archive(archive: Path) -> Path:
    """Unpack an archive once into the cache, named by its content hash; never outside that folder."""
    digest = hashlib.blake2b(archive.read_bytes(), digest_size=16).hexdigest()
    base = cache_dir() or Path(tempfile.gettempdir()) / "weavergen"
    target = base / "archives" / digest
    if target.is_dir():
        return target
    tmp = Path(tempfile.mkdtemp(dir=base / "archives" if (base / "archives").is_dir() else None))
    try:
        budget = _ArchiveBudget()
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    dest = (tmp / info.filename).resolve()
                    if not dest.is_relative_to(tmp.resolve()):
                        raise ValueError(f"archive member `{info.filename}` escapes the archive")
                    budget.add(info.file_size)  # zipfile never writes more than the declared size
                zf.extractall(tmp)
        else:
            with tarfile.open(archive, "r:*") as tf:
                members = []
                for member in tf:  # read lazily: a bomb stops at the limit, not at its end
                    budget.add(member.size if member.isfile() else 0)
                    members.append(member)
                tf.extractall(tmp, members=members, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(tmp, target)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def is_dir(path: Path) -> bool:
    """Whether `path` is a folder; a name the system refuses (too long, a NUL byte) is not one."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _dependency_folder(relative: Path, base: Path) -> Path:
    """A dependency's relative `registry_path`: from its manifest's folder, so a registry checks the same
    from any working folder. weaver reads it from the working folder (its own fixtures name
    `data/registry-test-…` from the crate folder), so that is tried second, when the first is missing."""
    first = base / relative
    try:
        if first.exists() or not relative.exists():
            return first
    except (OSError, ValueError):
        return first
    return relative


def _single_top_folder(root: Path) -> Path:
    """Archives usually wrap everything in one folder: look through it."""
    entries = [p for p in root.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return root


def locate(path: str, base: Path | None = None) -> tuple[Path | None, Diagnostic | None]:
    """Turn a registry path (folder, archive or remote URL, optional `[sub_folder]`) into a local folder."""
    source, sub = split_vdir(path)
    remote = parse_remote(source)
    if remote is not None:
        try:
            local = fetch(remote)
        except OSError as exc:
            return None, fetch_diagnostic(path, remote, str(exc.strerror or exc))
    else:
        local = Path(source)
        if base is not None and not local.is_absolute():
            local = _dependency_folder(local, base)
    try:
        exists, is_file = local.exists(), local.is_file()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, a loop of links…
        exists, is_file, reason = False, False, str(getattr(exc, "strerror", None) or exc)
    else:
        reason = "No such file or directory"
    if not exists:
        return None, Diagnostic(
            code="RegistryNotFound",
            message=f"The semantic convention registry is not found (path_or_url: {path}). {reason}.",
            error={"RegistryNotFound": {"path_or_url": path, "error": reason}},
            help="Check the `-r/--registry` path (a folder, or a .zip/.tar.gz archive)."
            if base is None
            else "A dependency's `registry_path` is read relative to the folder of its manifest.",
        )
    if is_file:
        if not local.name.endswith(ARCHIVE_SUFFIXES):
            return None, Diagnostic(
                code="InvalidRegistryArchive",
                message=f"The registry archive `{path}` is invalid: Supported formats are: .tar.gz, .zip",
                error={"InvalidRegistryArchive": {"archive": path, "error": "unsupported format"}},
            )
        try:
            root = _single_top_folder(_extract_archive(local))
        except (OSError, ValueError, zipfile.BadZipFile, tarfile.TarError) as exc:
            return None, Diagnostic(
                code="InvalidRegistryArchive",
                message=f"The registry archive `{path}` is invalid: {exc}",
                error={"InvalidRegistryArchive": {"archive": path, "error": str(exc)}},
            )
    else:
        root = local
    if sub:
        root = root / sub
        if not is_dir(root):
            return None, Diagnostic(
                code="RegistryNotFound",
                message=f"The semantic convention registry is not found (path_or_url: {path}). "
                f"The sub-folder `{sub}` does not exist.",
                error={"RegistryNotFound": {"path_or_url": path, "error": "sub-folder not found"}},
            )
    return root, None


def walk_files(root: Path, follow_symlinks: bool) -> Iterator[Path]:
    """Every non-hidden file below root, in a stable order; each real folder and file once.

    With `follow_symlinks` a link may lead back up the tree (a cycle) or to a folder seen already:
    those are not entered again, so every real file is loaded once.
    """
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
        if follow_symlinks:
            here = _identity(Path(dirpath))
            if here is None or here in seen:
                dirnames[:] = []
                continue
            seen.add(here)
        dirnames[:] = sorted((d for d in dirnames if not d.startswith(".")), key=_links_last(dirpath))
        for name in sorted(filenames, key=_links_last(dirpath)):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if not follow_symlinks and path.is_symlink():
                continue
            if follow_symlinks:
                real = _identity(path)
                if real is None or real in seen:
                    continue
                seen.add(real)
            yield path


def _links_last(folder: str) -> Callable[[str], tuple[bool, str]]:
    """Sort names with real entries before symbolic links, so a file seen twice is named by its real path."""
    return lambda name: (os.path.islink(os.path.join(folder, name)), name)


def _identity(path: Path) -> tuple[int, int] | None:
    """The device and inode a path leads to (None when it leads nowhere: a broken or looping link)."""
    try:
        st = path.stat()
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def not_utf8_name(name: str) -> str | None:
    """None for a file name that is text; else the name as shown, U+FFFD for each byte that is not UTF-8
    (such a name reaches Python as lone surrogates, which nothing downstream can encode)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape" if _escaped(name) else "surrogatepass").decode(
            "utf-8", "replace"
        )
    return None


def _escaped(name: str) -> bool:
    return all("\udc80" <= c <= "\udcff" for c in name if "\ud800" <= c <= "\udfff")
