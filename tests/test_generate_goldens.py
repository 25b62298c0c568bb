"""Golden checks of generation: semantic-conventions markdown and opentelemetry-python code, byte for byte.

Generated output is compared in place with the fixtures (never copied into the repo); the CLI runs in a
subprocess, as a user runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

RUFF_VERSION = "0.14.1"
WHEEL = "opentelemetry-semantic-conventions==0.65b0"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m weavergen.cli ARGS` in `cwd`."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "--quiet", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its relative path, with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def compare(expected: dict[str, bytes], actual: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Files that differ (or are missing) and files generated but not expected."""
    differ = [name for name, data in expected.items() if actual.get(name) != data]
    extra = sorted(set(actual) - set(expected))
    return differ, extra


def test_markdown_registry_golden(fixtures: Path, tmp_path: Path) -> None:
    semconv = fixtures / "semconv" / "v1.44.0"
    out = tmp_path / "registry"
    result = run(
        "registry", "generate", "markdown", str(out),
        "--registry", str(semconv / "model"), "--templates", str(semconv / "templates"),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    expected = tree(semconv / "docs" / "registry")
    actual = tree(out)
    assert len(expected) == 112
    differ, extra = compare(expected, actual)
    assert differ == [] and extra == []


def test_update_markdown_golden_reports_no_change(fixtures: Path, tmp_path: Path) -> None:
    semconv = fixtures / "semconv" / "v1.44.0"
    docs = tmp_path / "docs"
    shutil.copytree(semconv / "docs", docs)
    before = tree(docs)
    result = run(
        "registry", "update-markdown", str(docs), "--registry", str(semconv / "model"),
        "--templates", str(semconv / "templates"), "--target=markdown",
        "--param", "registry_base_url=/docs/registry/", "--dry-run",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Markdown is not equal" not in result.stdout
    assert tree(docs) == before


def test_update_markdown_dry_run_lists_stale_files_and_update_fixes_them(
    fixtures: Path, tmp_path: Path
) -> None:
    semconv = fixtures / "semconv" / "v1.44.0"
    docs = tmp_path / "docs"
    shutil.copytree(semconv / "docs", docs)
    stale = docs / "http" / "http-spans.md"
    original = stale.read_text(encoding="utf-8")
    start = original.index("<!-- semconv ")
    body = original.index("\n", start) + 1
    end = original.index("<!-- endsemconv -->", body)
    stale.write_text(original[:body] + "stale text\n" + original[end:], encoding="utf-8")
    args = [
        "registry", "update-markdown", str(docs), "--registry", str(semconv / "model"),
        "--templates", str(semconv / "templates"), "--target", "markdown",
        "--param", "registry_base_url=/docs/registry/",
    ]  # fmt: skip

    dry = run(*args, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 1
    assert f"Markdown is not equal: {stale}" in dry.stdout
    assert "-stale text" in dry.stdout
    assert "stale text" in stale.read_text(encoding="utf-8")

    fixed = run(*args, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert stale.read_text(encoding="utf-8") == original
    assert run(*args, "--dry-run=true", cwd=tmp_path).returncode == 0


def _cache_dir() -> Path:
    root = Path(os.environ.get("WEAVERGEN_CACHE_DIR") or Path.home() / ".cache" / "weavergen")
    folder = root / "golden"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _ruff() -> Path:
    """ruff 0.14.1 (the version the golden was formatted with) in a venv of the cache, made once."""
    folder = _cache_dir() / f"ruff-{RUFF_VERSION}"
    ruff = folder / "bin" / "ruff"
    if ruff.exists():
        return ruff
    venv.create(folder, with_pip=True)
    subprocess.run(
        [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", f"ruff=={RUFF_VERSION}"], check=True
    )
    return ruff


def _wheel() -> Path:
    """The published opentelemetry-semantic-conventions wheel, downloaded once into the cache."""
    folder = _cache_dir() / "wheels"
    found = sorted(folder.glob("opentelemetry_semantic_conventions-0.65b0-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", WHEEL, "-d", str(folder)], check=True
        )
        found = sorted(folder.glob("opentelemetry_semantic_conventions-0.65b0-*.whl"))
    return found[0]


@pytest.mark.slow
def test_opentelemetry_python_golden(fixtures: Path, tmp_path: Path) -> None:
    python = fixtures / "otel-python-semconv-1.43.0"
    out = tmp_path / "out"
    for sub in ("attributes", "metrics", "_incubating/attributes", "_incubating/metrics"):
        (out / sub).mkdir(parents=True)
    for output, filter_ in (("./", "stable"), ("./_incubating/", "any")):
        result = run(
            "registry", "generate", f"--registry={fixtures / 'semconv' / 'v1.43.0' / 'model'}",
            f"--templates={python / 'templates'}", "./", f"{out}/./",
            "--param", f"output={output}", "--param", f"filter={filter_}",
            cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    ruff = str(_ruff())
    config = str(python / "pyproject.toml")
    subprocess.run([ruff, "check", "--fix", "-q", "--no-cache", "--config", config, "."], cwd=out, check=True)
    subprocess.run([ruff, "format", "-q", "--no-cache", "--config", config, "."], cwd=out, check=True)

    with zipfile.ZipFile(_wheel()) as wheel:
        prefix = "opentelemetry/semconv/"
        expected = {
            name[len(prefix) :]: wheel.read(name)
            for name in wheel.namelist()
            if name.startswith(prefix) and name.endswith(("_attributes.py", "_metrics.py"))
        }
    assert len(expected) == 120
    differ, extra = compare(expected, tree(out))
    assert differ == [] and extra == []
