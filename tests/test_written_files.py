"""Files are written as the user left them: `fix --apply` touches only the lines it changes (CRLF kept,
a non-UTF-8 file refused, not rewritten), every write keeps a replaced file's mode and gives a new file
0666 less the umask, and `generate` writes its set all or nothing, sweeping what a killed run left."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from test_fix import CASES

from weavergen.forge.generate import RenderedFile, write_outputs
from weavergen.output import stage, write_atomic

ADD_STABILITY = CASES["add_stability"][1]  # a file `fix` adds a line to


def fix_apply(root: Path) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "weavergen.cli",
        "fix",
        str(root),
        "--code",
        "InvalidAttributeWarning",
        "--apply",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def registry(tmp_path: Path, data: bytes, mode: int = 0o644) -> Path:
    root = tmp_path / "r"
    root.mkdir()
    (root / "manifest.yaml").write_text("schema_url: https://example.com/schemas/demo/1.0.0\n")
    (root / "f.yaml").write_bytes(data)
    os.chmod(root / "f.yaml", mode)
    return root


def test_fix_apply_keeps_crlf_and_the_file_mode(tmp_path: Path) -> None:
    text = ADD_STABILITY.replace("\n", "\r\n").encode()
    root = registry(tmp_path, text, 0o640)
    proc = fix_apply(root)
    assert proc.returncode == 0, proc.stderr
    after = (root / "f.yaml").read_bytes()
    assert b"stability: development\r\n" in after
    assert after.count(b"\n") == after.count(b"\r\n") == text.count(b"\r\n") + 1  # no bare LF line
    assert after.replace(b"        stability: development\r\n", b"") == text  # the other bytes are untouched
    assert stat.S_IMODE(os.stat(root / "f.yaml").st_mode) == 0o640


def test_fix_apply_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    data = ("# café, in Latin-1\n" + ADD_STABILITY).encode("latin-1")
    root = registry(tmp_path, data)
    proc = fix_apply(root)
    assert proc.returncode == 1
    assert "is not UTF-8 (byte 0xe9" in proc.stderr and "Traceback" not in proc.stderr
    assert (root / "f.yaml").read_bytes() == data


def test_writes_keep_the_mode_of_a_replaced_file_and_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", "x")
        assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640
        (tmp_path / "script.sh").write_text("#!/bin/sh\n")
        os.chmod(tmp_path / "script.sh", 0o755)
        write_atomic(tmp_path / "script.sh", "#!/bin/sh\necho\n")
        assert stat.S_IMODE(os.stat(tmp_path / "script.sh").st_mode) == 0o755
    finally:
        os.umask(old)


def test_generate_writes_its_set_all_or_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old a\n")
    (out / "b.txt").mkdir()  # b cannot be written: a folder is in the way
    files = [
        RenderedFile("a.txt", "new a\n", "a.j2", "a.j2"),
        RenderedFile("b.txt", "new b\n", "b.j2", "b.j2"),
    ]
    written, diagnostics = write_outputs(out, files)
    assert written == [] and [d.code for d in diagnostics] == ["WriteGeneratedCodeFailed"]
    assert (out / "a.txt").read_text() == "old a\n"  # not half-updated
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]  # no temporary file left


def test_a_killed_generation_leaves_no_temporary_file_after_the_next_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    leftover = stage(out / "sub" / "a.txt", "half")  # what a run killed between stage and rename leaves
    (out / "sub" / ".keep.tmp").write_text("the user's own")
    _, diagnostics = write_outputs(out, [RenderedFile("sub/a.txt", "a\n", "a.j2", "a.j2")])
    assert diagnostics == [] and not leftover.exists()
    assert sorted(p.name for p in (out / "sub").iterdir()) == [".keep.tmp", "a.txt"]


@pytest.mark.parametrize("fmt", ["yaml"])
def test_resolve_output_gets_a_normal_mode(tmp_path: Path, fmt: str) -> None:
    root = registry(
        tmp_path,
        ADD_STABILITY.replace("brief: A count.", "brief: A count.\n        stability: stable").encode(),
    )
    target = tmp_path / "resolved.yaml"
    old = os.umask(0o022)
    try:
        cmd = [
            sys.executable,
            "-m",
            "weavergen.cli",
            "registry",
            "resolve",
            "-r",
            str(root),
            "-o",
            str(target),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    finally:
        os.umask(old)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644


def test_update_markdown_keeps_crlf_and_refuses_latin1(tmp_path: Path) -> None:
    from weavergen.markdown import UpdateMarkdownOptions, update_markdown

    root = registry(
        tmp_path,
        ADD_STABILITY.replace("brief: A count.", "brief: A count.\n        stability: stable").encode(),
    )
    target = tmp_path / "templates" / "markdown"
    target.mkdir(parents=True)
    (target / "snippet.md.j2").write_text(
        "{{ group.id }} has {{ group.attributes | length }}", encoding="utf-8"
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "crlf.md").write_bytes(
        b"# A\r\n\r\n<!-- semconv registry.demo -->\r\nold\r\n<!-- endsemconv -->\r\n"
    )
    latin = "# café\n\n<!-- semconv registry.demo -->\nold\n<!-- endsemconv -->\n".encode("latin-1")
    (docs / "latin.md").write_bytes(latin)
    options = UpdateMarkdownOptions(
        registry=str(root), markdown_dir=str(docs), templates=str(tmp_path / "templates")
    )
    report = update_markdown(options)
    assert [d.message for d in report.diagnostics if d.is_error] == [
        f"{docs / 'latin.md'} is not UTF-8 (byte 0xe9 at offset 5); its snippets were not updated."
    ]
    assert (docs / "latin.md").read_bytes() == latin
    updated = (docs / "crlf.md").read_bytes()
    assert b"registry.demo has 1" in updated and updated.count(b"\n") == updated.count(b"\r\n")
