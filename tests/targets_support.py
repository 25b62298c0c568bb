"""Generating the built-in targets and compiling what they wrote with each language's own toolchain.

Shared by the fast target tests and the slow compile suite (`make test-targets`, pytest marker `targets`).
Under CI=true a missing toolchain fails the test; elsewhere it skips it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDGE_REGISTRY = Path(__file__).resolve().parent / "data" / "targets-edge-registry.yaml"
TARGETS = ("python", "go", "rust", "java", "typescript", "markdown")


def weavergen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess (`python -m weavergen.cli ARGS`)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def edge_registry(tmp: Path) -> Path:
    """A registry folder holding the edge-case registry."""
    folder = tmp / "edge-model"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EDGE_REGISTRY, folder / "registry.yaml")
    return folder


def generate(target: str, registry: Path, out: Path) -> None:
    """`weavergen generate TARGET -r REGISTRY -o OUT --skip-policies`; fails the test unless it exits 0."""
    proc = weavergen("--quiet", "generate", target, "-r", str(registry), "-o", str(out), "--skip-policies")
    assert proc.returncode == 0, proc.stderr[-3000:]


def tool(name: str, *candidates: Path) -> str:
    """The path of a toolchain command; missing: a failure under CI=true, else a skip."""
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    message = f"`{name}` is not installed (`.ci/run` installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    env = {**os.environ, **(env or {})}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"


def compile_python(out: Path) -> None:
    """Import every module, then `ruff check` and `mypy --strict` the package."""
    script = (
        "import importlib, pkgutil, sys\n"
        "import semconv\n"
        "names = [m.name for m in pkgutil.walk_packages(semconv.__path__, 'semconv.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "assert names, 'no module'\n"
    )
    _run([sys.executable, "-W", "error", "-c", script], out, {"PYTHONPATH": str(out)})
    bin_dir = Path(sys.executable).parent
    _run([tool("ruff", bin_dir / "ruff"), "check", "--isolated", "--no-cache", "semconv"], out)
    _run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull, "semconv"],
        out,
    )


def compile_go(out: Path) -> None:
    """`go vet ./...` on the generated module (no dependencies, no network)."""
    go = tool("go")
    env = {"GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local", "GOWORK": "off"}
    _run([go, "vet", "./..."], out, env)


def compile_rust(out: Path) -> None:
    """`cargo build --offline` of the generated crate (no dependencies)."""
    cargo = tool("cargo", Path.home() / ".cargo" / "bin" / "cargo")
    _run([cargo, "build", "--offline", "--quiet"], out, {"CARGO_TARGET_DIR": str(out / "target")})


def compile_java(out: Path) -> None:
    """`javac` every generated class."""
    javac = tool("javac")
    sources = sorted(str(p) for p in out.rglob("*.java"))
    assert sources
    _run([javac, "-nowarn", "-Xlint:none", "-d", str(out / "classes"), *sources], out)


def compile_typescript(out: Path) -> None:
    """`tsc --strict` with the generated tsconfig.json (TypeScript from the VS Code extension's
    node_modules, as `make extension` installs it, else from PATH)."""
    tsc = tool("tsc", ROOT / "editor-extension" / "node_modules" / ".bin" / "tsc")
    _run([tsc, "-p", ".", "--strict", "--noEmit"], out)


_LINK = re.compile(r"\]\(([^)\s]+)\)")
_ANCHOR = re.compile(r'<a id="([^"]+)"></a>')


def compile_markdown(out: Path) -> None:
    """Every relative link names a generated file and, with `#id`, an anchor in it."""
    pages = sorted(out.rglob("*.md"))
    assert pages
    anchors = {p.resolve(): set(_ANCHOR.findall(p.read_text(encoding="utf-8"))) for p in pages}
    broken = []
    for page in pages:
        for href in _LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in href:
                continue
            path, _, anchor = href.partition("#")
            target = (page.parent / path).resolve() if path else page.resolve()
            if target not in anchors or (anchor and anchor not in anchors[target]):
                broken.append(f"{page.relative_to(out)}: {href}")
    assert not broken, "broken links:\n" + "\n".join(broken[:20])


COMPILERS = {
    "python": compile_python,
    "go": compile_go,
    "rust": compile_rust,
    "java": compile_java,
    "typescript": compile_typescript,
    "markdown": compile_markdown,
}
