"""Remote and local archives are bounded: what is downloaded and what is unpacked stop at a settable
size, with a RegistryNotFound / InvalidRegistryArchive diagnostic, and nothing past the limit is written."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest
from test_remote import SHOP_V1, http_server, write_registry

from weavergen.registry import load_registry


def _unpacked_bytes(cache: Path) -> int:
    archives = cache / "archives"
    return sum(p.stat().st_size for p in archives.rglob("*") if p.is_file()) if archives.exists() else 0


def test_a_download_past_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    src = write_registry(tmp_path / "shop", SHOP_V1)
    with zipfile.ZipFile(site / "shop.zip", "w") as zf:
        zf.write(src / "model" / "shop.yaml", "shop/model/shop.yaml")
        zf.writestr("shop/padding.bin", bytes(range(256)) * 64, compress_type=zipfile.ZIP_STORED)
    monkeypatch.setenv("WEAVERGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("WEAVERGEN_REMOTE_MAX_DOWNLOAD_BYTES", "4096")
    with http_server(site) as (base, _):
        refused = load_registry(f"{base}/shop.zip[model]")
        (d,) = refused.diagnostics
        assert d.code == "RegistryNotFound" and "WEAVERGEN_REMOTE_MAX_DOWNLOAD_BYTES" in d.message
        assert not (tmp_path / "cache" / "remote" / "archives").exists()
        monkeypatch.setenv("WEAVERGEN_REMOTE_MAX_DOWNLOAD_BYTES", "1000000")
        fetched = load_registry(f"{base}/shop.zip[model]")
    assert [f.provenance.rsplit("/", 1)[-1] for f in fetched.files] == ["shop.yaml"]


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_an_archive_that_unpacks_past_the_limit_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    src = write_registry(tmp_path / "shop", SHOP_V1)
    bomb = tmp_path / f"bomb.{kind}"
    zeros = tmp_path / "zeros.bin"
    zeros.write_bytes(b"\0" * 2_000_000)  # compresses to a few kB
    if kind == "zip":
        with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(src / "model" / "shop.yaml", "shop/model/shop.yaml")
            for i in range(4):
                zf.write(zeros, f"shop/zeros{i}.bin")
    else:
        with tarfile.open(bomb, "w:gz") as tf:
            tf.add(src / "model" / "shop.yaml", "shop/model/shop.yaml")
            for i in range(4):
                tf.add(zeros, f"shop/zeros{i}.bin")
    assert bomb.stat().st_size < 100_000
    cache = tmp_path / "cache"
    monkeypatch.setenv("WEAVERGEN_CACHE_DIR", str(cache))
    monkeypatch.setenv("WEAVERGEN_ARCHIVE_MAX_UNPACKED_BYTES", "1000000")
    (d,) = load_registry(f"{bomb}[model]").diagnostics
    assert d.code == "InvalidRegistryArchive" and "WEAVERGEN_ARCHIVE_MAX_UNPACKED_BYTES" in d.message
    assert _unpacked_bytes(cache) == 0
    monkeypatch.setenv("WEAVERGEN_ARCHIVE_MAX_UNPACKED_BYTES", "100000000")
    monkeypatch.setenv("WEAVERGEN_ARCHIVE_MAX_MEMBERS", "3")
    (d,) = load_registry(f"{bomb}[model]").diagnostics
    assert "WEAVERGEN_ARCHIVE_MAX_MEMBERS" in d.message
    monkeypatch.delenv("WEAVERGEN_ARCHIVE_MAX_MEMBERS")
    assert not load_registry(f"{bomb}[model]").diagnostics
    assert _unpacked_bytes(cache) > 8_000_000
