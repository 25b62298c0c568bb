"""The disk cache: entries survive a restart; held writes (the language server's first load) reach the
disk only when flushed, are read back meanwhile, and keep the value as it was when it was stored."""

from __future__ import annotations

from pathlib import Path

from weavergen.cache import DiskCache, flush_writes, hold_writes


def test_an_entry_is_read_back_by_another_cache_on_the_same_folder(tmp_path: Path) -> None:
    DiskCache("docs", tmp_path).put("k1", {"a": [1, 2]})
    assert DiskCache("docs", tmp_path).get("k1") == {"a": [1, 2]}
    assert DiskCache("docs", tmp_path).get("missing") is None


def test_held_writes_reach_the_disk_only_when_flushed(tmp_path: Path) -> None:
    cache = DiskCache("docs", tmp_path)
    value = {"spans": [(0, 0, 1, 4)]}
    hold_writes()
    try:
        cache.put("k2", value)
        value["spans"].append((9, 9, 9, 9))  # a later change never reaches the stored entry
        assert not [p for p in tmp_path.rglob("*") if p.is_file()], "nothing is written while held"
        assert cache.get("k2") == {"spans": [(0, 0, 1, 4)]}, "a held entry is read back"
    finally:
        assert flush_writes() == 1
    assert DiskCache("docs", tmp_path).get("k2") == {"spans": [(0, 0, 1, 4)]}
    cache.put("k3", 3)  # no longer held: written at once
    assert DiskCache("docs", tmp_path).get("k3") == 3
    assert flush_writes() == 0
