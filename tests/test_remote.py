"""Remote registries: archives over HTTP on 127.0.0.1 and git repositories (`git daemon`, `file://`),
fetched once into the cache and then used with the server stopped."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from weavergen.check import CheckOptions, check_registry
from weavergen.registry import load_registry
from weavergen.remote import parse_remote

SHOP_V1 = """\
groups:
  - id: registry.shop
    type: attribute_group
    brief: Shop attributes.
    attributes:
      - {id: shop.order.id, type: string, stability: stable, brief: The order id., examples: ["o-1"]}
"""
SHOP_V2 = SHOP_V1 + (
    "      - {id: shop.order.total, type: double, stability: stable, brief: The total., examples: [1.5]}\n"
)


DEPENDENT = """\
groups:
  - id: span.shop.order
    type: span
    span_kind: server
    stability: stable
    brief: An order.
    attributes:
      - ref: shop.order.id
"""


def write_registry(root: Path, text: str) -> Path:
    """A one-file registry in `root/model`."""
    (root / "model").mkdir(parents=True, exist_ok=True)
    (root / "model" / "shop.yaml").write_text(text, encoding="utf-8")
    return root


def attribute_names(path: str) -> set[str]:
    """Attribute ids of a registry loaded (in-process) from `path`; fails on any loading error."""
    reg = load_registry(path)
    assert [d.message for d in reg.all_diagnostics() if d.is_error] == []
    names: set[str] = set()
    for spec in reg.files:
        for group in spec.document.data["groups"]:
            names.update(a["id"] for a in group["attributes"])
    return names


class _Handler(SimpleHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def http_server(folder: Path, tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, list[str]]]:
    """Serve `folder` on 127.0.0.1 (a free port, https with `tls`) until the block ends; yields the base
    URL and the log of requested paths."""
    log: list[str] = []
    handler = type("Handler", (_Handler,), {"requests": log})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def cli(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m weavergen.cli ARGS` with its own cache folder."""
    env = {**os.environ, "NO_COLOR": "1", "WEAVERGEN_CACHE_DIR": str(cache)}
    env.pop("WEAVERGEN_REMOTE_REFRESH", None)
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_parse_remote_sources() -> None:
    archive = parse_remote("https://example.com/semconv/v1.44.0.tar.gz")
    assert archive is not None and archive.kind == "archive" and archive.ref is None
    git = parse_remote("https://github.com/open-telemetry/semantic-conventions.git@v1.38.0")
    assert git is not None and git.kind == "git" and git.ref == "v1.38.0"
    assert git.url == "https://github.com/open-telemetry/semantic-conventions.git"
    ssh = parse_remote("ssh://git@example.com/team/registry.git")
    assert ssh is not None and ssh.kind == "git" and ssh.ref is None and ssh.url.startswith("ssh://git@")
    scp = parse_remote("git@example.com:team/registry.git@main")
    assert scp is not None and scp.url == "git@example.com:team/registry.git" and scp.ref == "main"
    assert parse_remote("model") is None and parse_remote("/tmp/registry.zip") is None


def test_archives_over_http_are_fetched_once_then_used_with_the_server_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write_registry(tmp_path / "shop-1.0", SHOP_V1)
    site = tmp_path / "site"
    site.mkdir()
    with tarfile.open(site / "shop.tar.gz", "w:gz") as tf:
        tf.add(src, arcname="shop-1.0")
    with zipfile.ZipFile(site / "shop.zip", "w") as zf:
        zf.write(src / "model" / "shop.yaml", "shop-1.0/model/shop.yaml")
    cache = tmp_path / "cache"
    with http_server(site) as (base, log):
        started = time.perf_counter()
        first = cli("registry", "check", "-r", f"{base}/shop.tar.gz[model]", cwd=tmp_path, cache=cache)
        fetched_s = time.perf_counter() - started
        assert first.returncode == 0, first.stderr
        assert log == ["/shop.tar.gz"]
        missing = cli("registry", "check", "-r", f"{base}/nothing.zip[model]", cwd=tmp_path, cache=cache)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "RegistryNotFound" in missing.stderr and "HTTP 404" in missing.stderr
    assert f"{base}/nothing.zip" in missing.stderr

    started = time.perf_counter()
    again = cli("registry", "check", "-r", f"{base}/shop.tar.gz[model]", cwd=tmp_path, cache=cache)
    cached_s = time.perf_counter() - started
    assert again.returncode == 0, again.stderr
    assert log == ["/shop.tar.gz", "/nothing.zip"]  # nothing more was asked of the (stopped) server
    print(f"\nremote archive check: fetched {fetched_s:.2f} s, cached (server stopped) {cached_s:.2f} s")

    monkeypatch.setenv("WEAVERGEN_CACHE_DIR", str(cache))
    monkeypatch.delenv("WEAVERGEN_REMOTE_REFRESH", raising=False)
    with http_server(site) as (base2, _):
        assert attribute_names(f"{base2}/shop.zip[model]") == {"shop.order.id"}
    assert attribute_names(f"{base2}/shop.zip[model]") == {"shop.order.id"}  # from the cache
    main = tmp_path / "main"
    main.mkdir()
    (main / "manifest.yaml").write_text(
        "schema_url: https://example.com/schemas/main/0.1.0\ndependencies:\n"
        "  - schema_url: https://example.com/schemas/shop/1.0.0\n"
        f"    registry_path: {base2}/shop.zip[model]\n",
        encoding="utf-8",
    )
    (main / "orders.yaml").write_text(DEPENDENT, encoding="utf-8")
    report = check_registry(CheckOptions(registry=str(main), skip_policies=True))
    assert [d.message for d in report.diagnostics if d.is_error] == []
    assert report.resolution is not None
    span = report.resolution.by_id["span.shop.order"]
    assert [a["brief"] for a in span.attributes] == ["The order id."]  # from the remote dependency

    monkeypatch.setenv("WEAVERGEN_REMOTE_REFRESH", "1")
    refetch = load_registry(f"{base2}/shop.zip[model]")
    assert [d.code for d in refetch.diagnostics] == ["RegistryNotFound"]  # refresh asked: server is down


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity; its stdout."""
    who = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull}
    env = {**os.environ, **who, "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def bare_repo(tmp_path: Path) -> Path:
    """A bare repo `served/shop.git`: tag v1 has one attribute, main has two."""
    work = write_registry(tmp_path / "work", SHOP_V1)
    git("init", "--quiet", "--initial-branch=main", cwd=work)
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "v1", cwd=work)
    git("tag", "v1", cwd=work)
    write_registry(work, SHOP_V2)
    git("commit", "--quiet", "-am", "v2", cwd=work)
    bare = tmp_path / "served" / "shop.git"
    git("clone", "--quiet", "--bare", str(work), str(bare), cwd=tmp_path)
    (bare / "git-daemon-export-ok").touch()
    return bare


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def git_daemon(base: Path) -> Iterator[str]:
    """`git daemon` serving `base` on 127.0.0.1 until the block ends; yields the git:// base URL."""
    port = _free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--listen=127.0.0.1", f"--port={port}", f"--base-path={base}", "--reuseaddr",
         "--export-all", str(base)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"git://127.0.0.1:{port}"
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_registries_at_a_ref_are_cloned_once_then_used_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = bare_repo(tmp_path)
    monkeypatch.setenv("WEAVERGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WEAVERGEN_REMOTE_REFRESH", raising=False)
    with git_daemon(bare.parent) as base:
        assert attribute_names(f"{base}/shop.git@v1[model]") == {"shop.order.id"}
        assert attribute_names(f"{base}/shop.git[model]") == {"shop.order.id", "shop.order.total"}
    # The daemon is gone: both refs come from the cache.
    assert attribute_names(f"{base}/shop.git@v1[model]") == {"shop.order.id"}
    assert attribute_names(f"{base}/shop.git[model]") == {"shop.order.id", "shop.order.total"}
    unreachable = load_registry(f"{base}/other.git[model]")
    assert [d.code for d in unreachable.diagnostics] == ["RegistryNotFound"]
    assert "Could not clone the git repository" in unreachable.diagnostics[0].message

    first_commit = git("rev-list", "--max-parents=0", "HEAD", cwd=bare)
    assert attribute_names(f"file://{bare}@{first_commit}[model]") == {"shop.order.id"}
    wrong = load_registry(f"file://{bare}@no-such-ref[model]")
    assert [d.code for d in wrong.diagnostics] == ["RegistryNotFound"]
    assert "no-such-ref" in wrong.diagnostics[0].message
    option = load_registry(f"file://{bare}@--upload-pack=touch[model]")
    assert [d.code for d in option.diagnostics] == ["RegistryNotFound"]
    assert "is not a git ref" in option.diagnostics[0].message


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_https_archive_with_a_trusted_certificate_and_a_clear_error_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    src = write_registry(tmp_path / "shop-1.0", SHOP_V1)
    site = tmp_path / "site"
    site.mkdir()
    with tarfile.open(site / "shop.tgz", "w:gz") as tf:
        tf.add(src, arcname="shop-1.0")
    with http_server(site, tls) as (base, log):
        untrusted = cli(
            "registry", "check", "-r", f"{base}/shop.tgz[model]", cwd=tmp_path, cache=tmp_path / "c1"
        )
        assert untrusted.returncode == 1 and "Traceback" not in untrusted.stderr
        assert "RegistryNotFound" in untrusted.stderr and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
        os.environ["SSL_CERT_FILE"] = str(cert)
        try:
            trusted = cli(
                "registry", "check", "-r", f"{base}/shop.tgz[model]", cwd=tmp_path, cache=tmp_path / "c2"
            )
        finally:
            del os.environ["SSL_CERT_FILE"]
        assert trusted.returncode == 0, trusted.stderr
        assert log == ["/shop.tgz"]


class _GitHttpHandler(BaseHTTPRequestHandler):
    """git's smart HTTP protocol: each request handed to `git http-backend` as a CGI call."""

    root: str
    requests: list[str]

    def do_GET(self) -> None:
        self._backend(b"")

    def do_POST(self) -> None:
        self._backend(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _backend(self, body: bytes) -> None:
        self.requests.append(self.path)
        path, _, query = self.path.partition("?")
        env = {
            **os.environ,
            "GIT_PROJECT_ROOT": self.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
        }
        done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=False)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_over_http_like_a_github_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = bare_repo(tmp_path)
    log: list[str] = []
    handler = type("Handler", (_GitHttpHandler,), {"root": str(bare.parent), "requests": log})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("WEAVERGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WEAVERGEN_REMOTE_REFRESH", raising=False)
    url = f"http://127.0.0.1:{server.server_address[1]}/shop.git@v1[model]"
    try:
        assert attribute_names(url) == {"shop.order.id"}
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert any("git-upload-pack" in p for p in log)
    assert attribute_names(url) == {"shop.order.id"}  # the server is gone: from the cache


def test_templates_from_an_archive_over_http_render_as_the_local_folder_does(
    fixtures: Path, tmp_path: Path
) -> None:
    forge = fixtures / "weaver" / "forge"
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "templates.tar.gz", "w:gz") as tar:
        tar.add(forge / "templates" / "test", arcname="bundle/templates/test")
    registry, cache = str(forge / "data" / "registry"), tmp_path / "cache"
    local = cli("registry", "generate", "-r", registry, "-t", str(forge / "templates" / "test"), ".",
                str(tmp_path / "local"), "--skip-policies", cwd=tmp_path, cache=cache)  # fmt: skip
    assert local.returncode == 0, local.stderr
    with http_server(served) as (base, requests):
        remote = cli("registry", "generate", "-r", registry, "-t", f"{base}/templates.tar.gz[templates/test]",
                     ".", str(tmp_path / "remote"), "--skip-policies", cwd=tmp_path, cache=cache)  # fmt: skip
    assert remote.returncode == 0, remote.stderr
    assert requests == ["/templates.tar.gz"]

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert tree(tmp_path / "remote") == tree(tmp_path / "local") != {}
    missing = cli("registry", "generate", "-r", registry, "-t", str(served / "nope.tar.gz"), ".",
                  str(tmp_path / "never"), cwd=tmp_path, cache=cache)  # fmt: skip
    assert missing.returncode == 1 and "InvalidTemplatesPath" in missing.stderr
    assert "Traceback" not in missing.stderr and not (tmp_path / "never").exists()
