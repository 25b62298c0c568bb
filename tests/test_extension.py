"""The VS Code extension's launch path, for real: the command line comes from the extension's own builder
(`editor-extension/src/launch.ts`, run through `out/tools/launchSpec.js`), the server is started with
exactly that command line, and a plain JSON-RPC client does initialize → didOpen → publishDiagnostics
over its stdio. Also: the settings the extension sends are the ones the server reads, the interpreter
probe names the install command, the packaged YAML schema, and the .vsix file-list check.

Needs Node.js 20+ and npm: the packages are installed with `npm ci` when missing; without Node the tests
fail. Someone without Node who does not touch the extension can say so explicitly with
`WEAVERGEN_SKIP_EXTENSION_TESTS=1` (the only way these tests skip).
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from weavergen.ai import AISettings
from weavergen.schemas import json_schema
from weavergen.server.livecheck import Options as LiveCheckOptions
from weavergen.server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "editor-extension"
EXAMPLE = ROOT / "examples" / "registry"
TIMEOUT = 60.0


def _run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=EXT, capture_output=True, text=True, timeout=600, check=False, **kwargs)


def _npm_packages() -> None:
    """`npm ci` when node_modules is missing or older than the lock file; fails without Node/npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "the VS Code extension tests need Node.js 20+ and npm on PATH (https://nodejs.org); "
            "without them, set WEAVERGEN_SKIP_EXTENSION_TESTS=1 to skip these tests on purpose"
        )
    marker, lock = EXT / "node_modules" / ".package-lock.json", EXT / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    done = _run([npm, "ci", "--no-audit", "--no-fund"])
    if done.returncode != 0:
        pytest.fail(f"npm ci failed in editor-extension:\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="module")
def extension() -> Path:
    """editor-extension with its npm packages, the bundle and the launch-spec tool built.

    A file lock keeps parallel test workers from installing or building at the same time.
    """
    if os.environ.get("WEAVERGEN_SKIP_EXTENSION_TESTS") == "1":
        pytest.skip("WEAVERGEN_SKIP_EXTENSION_TESTS=1: the VS Code extension tests were switched off")
    with open(EXT / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _npm_packages()
        if _stale():
            for args in (["scripts/build.mjs", "--tools"], ["scripts/build.mjs"]):
                built = _run(["node", *args])
                if built.returncode != 0:
                    pytest.fail(f"node {' '.join(args)} failed:\n{built.stdout}\n{built.stderr}")
    return EXT


def _stale() -> bool:
    """True when a built file is missing or older than a source (another worker may be using them)."""
    outputs = [
        EXT / "out/tools/launchSpec.js",
        EXT / "out/tools/fixFile.js",
        EXT / "dist/definition-v2.schema.json",
    ]
    sources = [
        *EXT.glob("src/**/*.ts"),
        *EXT.glob("schemas/*.json"),
        EXT / "scripts/build.mjs",
        EXT / "package-lock.json",
    ]
    if not all(o.exists() for o in outputs):
        return True
    return min(o.stat().st_mtime for o in outputs) < max(s.stat().st_mtime for s in sources)


def launch_spec(
    settings: dict[str, Any],
    env: dict[str, str],
    workspace: Path | None = None,
    python_extension: list[str] | None = None,
    probe: bool = False,
) -> dict[str, Any]:
    """What the extension would start for these settings and environment, from its own builder."""
    spec: dict[str, Any] = {"settings": settings, "env": env, "probe": probe}
    if workspace is not None:
        spec["workspaceFolder"] = str(workspace)
    if python_extension is not None:
        spec["pythonExtension"] = python_extension
    done = _run(["node", "out/tools/launchSpec.js", json.dumps(spec)])
    assert done.stderr == "", done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    assert (done.returncode == 0) == ("error" not in out), out
    return out


def venv_path() -> str:
    """A PATH with this interpreter's bin folder (where pip put `weavergen`) first."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


# -- a plain LSP client over the server's stdio ---------------------------------------------------------


class LspProcess:
    """Speaks JSON-RPC with Content-Length framing to a server process started from an exact argv."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], settings: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.settings = settings
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.stderr: list[bytes] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        out = self.proc.stdout
        while True:
            headers: dict[str, str] = {}
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.inbox.put(json.loads(body))

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def _answer(self, message: dict[str, Any]) -> None:
        """Server → client requests, answered the way the extension (vscode-languageclient) does."""
        method = message["method"]
        if method == "workspace/configuration":
            items = message["params"]["items"]
            result: Any = [self.settings if i.get("section") == "weavergen" else None for i in items]
        else:  # client/registerCapability, window/workDoneProgress/create, ...
            result = None
        self.send({"id": message["id"], "result": result})

    def _pump(self, until: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                log = b"".join(self.stderr).decode("utf-8", "replace")[-4000:]
                pytest.fail(f"no {what} (server exit code {self.proc.poll()}); server log:\n{log}")
            try:
                message = self.inbox.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if "method" in message and "id" in message:
                self._answer(message)
                continue
            if "method" in message:
                self.notifications.append(message)
            if until(message):
                return message

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        mid = self.next_id
        self.send({"id": mid, "method": method, "params": params})
        reply = self._pump(lambda m: m.get("id") == mid and "method" not in m, f"reply to {method}")
        assert "error" not in reply, reply
        return reply.get("result")

    def diagnostics_for(self, uri: str, version: int) -> list[dict[str, Any]]:
        """The first publishDiagnostics of a document at this version."""

        def match(m: dict[str, Any]) -> bool:
            p = m.get("params") or {}
            return (
                m.get("method") == "textDocument/publishDiagnostics"
                and p.get("uri") == uri
                and p.get("version") == version
            )

        for seen in self.notifications:
            if match(seen):
                return list(seen["params"]["diagnostics"])
        return list(self._pump(match, f"publishDiagnostics for {uri}")["params"]["diagnostics"])

    def close(self) -> int:
        """shutdown → exit; the server's exit code."""
        if self.proc.poll() is None:
            self.request("shutdown", None)
            self.notify("exit", None)
        try:
            return self.proc.wait(timeout=TIMEOUT)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()


def uri_of(path: Path) -> str:
    return path.resolve().as_uri()


@pytest.fixture
def broken_workspace(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A workspace with a copy of the example registry where one `ref` points at nothing."""
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws / "registry")
    broken = ws / "registry" / "checkout" / "common.yaml"
    text = broken.read_text(encoding="utf-8")
    assert "- ref: shop.store.id\n" in text
    broken.write_text(
        text.replace("- ref: shop.store.id\n", "- ref: shop.store.no_such_attribute\n"), "utf-8"
    )
    yield ws, broken


def cli_diagnostics(registry: Path, file: Path, flags: list[str]) -> list[dict[str, Any]]:
    """The engine's diagnostics of one file through the CLI (JSON), for comparison with the server's."""
    weavergen = shutil.which("weavergen", path=venv_path())
    assert weavergen is not None
    output = ["--diagnostic-format", "json", "--diagnostic-stdout"]
    done = subprocess.run(
        [weavergen, *flags, "registry", "check", "-r", str(registry), "--skip-policies", *output],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    found = [d["diagnostic"] for d in json.loads(done.stdout)]
    return [d for d in found if d.get("file") and Path(d["file"]).resolve() == file.resolve()]


def round_trip(
    spec: dict[str, Any], ws: Path, file: Path, env: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Start the spec's argv in the workspace, initialize with its options, open `file`, get diagnostics."""
    settings = spec["initializationOptions"]["weavergen"]
    server = LspProcess(spec["argv"], ws, env, settings)
    try:
        init = server.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": uri_of(ws),
                "workspaceFolders": [{"uri": uri_of(ws), "name": ws.name}],
                "initializationOptions": spec["initializationOptions"],
                "capabilities": {
                    "general": {"positionEncodings": ["utf-16"]},
                    "workspace": {"configuration": True, "workspaceFolders": True},
                    "textDocument": {
                        "synchronization": {"didSave": True, "dynamicRegistration": False},
                        "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
                    },
                },
            },
        )
        server.notify("initialized", {})
        uri = uri_of(file)
        server.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "yaml",
                    "version": 1,
                    "text": file.read_text(encoding="utf-8"),
                }
            },
        )
        diagnostics = server.diagnostics_for(uri, 1)
    finally:
        code = server.close()
    assert code == 0, b"".join(server.stderr).decode("utf-8", "replace")[-4000:]
    return diagnostics, init


def as_keys(lsp: list[dict[str, Any]]) -> set[tuple[str, int, int]]:
    return {(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"]) for d in lsp}


def cli_keys(cli: list[dict[str, Any]]) -> set[tuple[str, int, int]]:
    return {(d["code"], d["range"]["start"]["line"], d["range"]["start"]["column"]) for d in cli}


# -- the tests -----------------------------------------------------------------------------------------


def test_default_launch_is_the_weavergen_on_path_and_completes_a_diagnostics_round_trip(
    extension: Path, broken_workspace: tuple[Path, Path]
) -> None:
    ws, broken = broken_workspace
    env = {**os.environ, "PATH": venv_path()}
    spec = launch_spec({"skipPolicies": True}, {"PATH": env["PATH"]}, ws)
    assert spec["source"] == "path"
    assert spec["argv"] == [shutil.which("weavergen", path=env["PATH"]), "lsp", "--stdio"]

    diagnostics, init = round_trip(spec, ws, broken, env)

    assert init["serverInfo"]["name"] == "weavergen"
    expected = cli_keys(cli_diagnostics(ws / "registry", broken, []))
    assert expected, "the broken copy must give the engine something to report"
    assert as_keys(diagnostics) == expected
    assert all(d["source"] == "weavergen" for d in diagnostics)


def test_interpreter_setting_launches_python_m_weavergen_server_and_settings_reach_the_server(
    extension: Path, broken_workspace: tuple[Path, Path]
) -> None:
    ws, _ = broken_workspace
    v2_file = ws / "registry" / "fulfillment" / "fulfillment.yaml"
    env = {**os.environ, "PATH": venv_path()}
    # `future` turns warnings into errors: the server must have received it from the extension's mapping.
    spec = launch_spec(
        {"interpreter": [sys.executable], "future": True, "skipPolicies": True},
        {"PATH": env["PATH"]},
        ws,
    )
    assert spec["source"] == "interpreter"
    assert spec["argv"] == [sys.executable, "-m", "weavergen.server", "--stdio"]
    assert spec["cli"] == [sys.executable, "-m", "weavergen.cli"]

    diagnostics, _ = round_trip(spec, ws, v2_file, env)

    expected = cli_diagnostics(ws / "registry", v2_file, ["--future"])
    assert expected and {d["severity"] for d in expected} == {"Error"}
    assert as_keys(diagnostics) == cli_keys(expected)
    assert {d["severity"] for d in diagnostics} == {1}  # DiagnosticSeverity.Error


def test_the_settings_the_extension_sends_are_the_ones_the_server_reads(extension: Path) -> None:
    chosen = {
        "registryPath": "${workspaceFolder}/model",
        "policies": ["policies", "~/shared.rego"],
        "skipPolicies": True,
        "future": True,
        "v2": True,
        "generateOnSave": ["markdown"],
        "templates": "tpl",
        "output": "gen",
        "debounceMs": 120,
        "ai": {"models": ["openai:gpt-4.1-mini"], "endpoint": "http://127.0.0.1:11434/v1"},
        "liveCheck": {"receiver": {"enabled": True, "httpPort": 14318}},
        "review": {"enabled": "all"},
    }
    spec = launch_spec(chosen, {"PATH": venv_path()}, Path("/ws"))
    got = Settings.from_any(spec["initializationOptions"])
    home = str(Path.home())
    assert got == Settings(
        registry_path="/ws/model",
        policies=["policies", f"{home}/shared.rego"],
        skip_policies=True,
        future=True,
        v2=True,
        generate_on_save=["markdown"],
        templates="tpl",
        output="gen",
        debounce_ms=120,
        ai=AISettings(models=["openai:gpt-4.1-mini"], endpoint="http://127.0.0.1:11434/v1"),
        review_enabled="all",
    )
    live = LiveCheckOptions.from_any(spec["initializationOptions"]["weavergen"])
    assert (live.receiver, live.http_port, live.grpc_port) == (True, 14318, 4317)
    # The workspace/configuration answer has the same shape: the server reads it through the same path.
    assert Settings.from_any(spec["initializationOptions"]["weavergen"]) == got


def test_missing_weavergen_or_python_is_explained_with_the_install_command(extension: Path) -> None:
    # -S: no site-packages, so this interpreter cannot import weavergen.
    spec = launch_spec({"interpreter": [sys.executable, "-S"]}, {"PATH": venv_path()}, probe=True)
    problem = spec["problem"]
    assert problem is not None and "No module named 'weavergen'" in problem
    assert f"{sys.executable} -S -m pip install weavergen" in problem and "pip install -e ." in problem

    healthy = launch_spec({"interpreter": [sys.executable]}, {"PATH": venv_path()}, probe=True)
    assert "problem" in healthy and healthy["problem"] is None

    nothing = launch_spec({}, {"PATH": str(Path(__file__).parent)})
    assert "pip install weavergen" in nothing["error"] and "pip install -e ." in nothing["error"]


def test_the_packaged_yaml_schema_checks_definition_2_files_only(extension: Path) -> None:
    import jsonschema

    schema = json.loads((extension / "dist" / "definition-v2.schema.json").read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)
    files = sorted(EXAMPLE.rglob("*.yaml"))
    v2 = [f for f in files if "file_format: definition/2" in f.read_text(encoding="utf-8")]
    assert v2 and len(v2) < len(files)
    for f in files:  # the example registry is valid: v1 files are ignored, v2 files pass
        errors = list(validator.iter_errors(yaml.safe_load(f.read_text(encoding="utf-8"))))
        assert errors == [], (f, errors[:1])
    broken = yaml.safe_load(v2[0].read_text(encoding="utf-8"))
    broken["attributez"] = []
    assert [e.message for e in validator.iter_errors(broken)], "an unknown key in a v2 file must be reported"
    v1_garbage = {"groups": [{"no": "such"}], "attributez": 1}
    assert list(validator.iter_errors(v1_garbage)) == []
    # the packaged schema is our own, as `registry json-schema` prints it now, unchanged below the wrapper
    ours = json_schema("semconv-definition-v2")
    committed = json.loads((extension / "schemas" / "definition-v2.schema.json").read_text(encoding="utf-8"))
    assert committed == ours, "regenerate it: weavergen registry json-schema -j semconv-definition-v2 -o ..."
    assert {k: v for k, v in schema["$defs"].items() if k != "SemConvSpecV2"} == ours["$defs"]
    assert schema["$defs"]["SemConvSpecV2"]["properties"] == ours["properties"]


def _zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def test_the_vsix_check_rejects_sources_and_node_modules(extension: Path, tmp_path: Path) -> None:
    manifest = json.loads((extension / "package.json").read_text(encoding="utf-8"))
    good = {
        "extension.vsixmanifest": "<x/>",
        "extension/package.json": json.dumps(manifest),
        "extension/dist/extension.js": (
            'const vscode = require("vscode"); require("node:fs");'
            " exports.activate = () => vscode.window; exports.deactivate = () => undefined;"
        ),
        "extension/dist/definition-v2.schema.json": "{}",
        "extension/dist/media/mermaid.min.js": "var mermaid;",
    }
    ok = _run(["node", "scripts/check-vsix.mjs", str(_zip(tmp_path / "good.vsix", good))])
    assert ok.returncode == 0, ok.stderr
    assert "extension/dist/extension.js" in ok.stdout

    bad_files = {
        **good,
        "extension/node_modules/vscode-languageclient/package.json": "{}",
        "extension/src/extension.ts": "export {};",
        "extension/dist/extension.js.map": "{}",
        "extension/dist/extension.js": 'require("vscode-languageclient/node");',
    }
    del bad_files["extension/dist/media/mermaid.min.js"]
    bad = _run(["node", "scripts/check-vsix.mjs", str(_zip(tmp_path / "bad.vsix", bad_files))])
    assert bad.returncode == 1
    for needle in (
        "node_modules",
        "extension/src/extension.ts",
        "extension.js.map",
        "mermaid.min.js",
        'requires "vscode-languageclient/node"',
        "the bundle does not load",
    ):
        assert needle in bad.stderr, bad.stderr


def test_the_palette_commands_command_lines_run(extension: Path, tmp_path: Path) -> None:
    """Check, generate, workflow list/show and debug spans, as the commands build them, really run."""
    from weavergen.workflow_library import builtin_library

    env = {**os.environ, "PATH": venv_path(), "WEAVERGEN_CACHE_DIR": str(tmp_path / "cache")}
    templates = tmp_path / "templates" / "hello"
    templates.mkdir(parents=True)
    (templates / "weaver.yaml").write_text(
        "templates:\n  - template: 'hello.md.j2'\n    filter: .\n    application_mode: single\n", "utf-8"
    )
    (templates / "hello.md.j2").write_text("{{ ctx | length }} groups\n", "utf-8")
    output = tmp_path / "out"

    def spec_for(settings: dict[str, Any], **more: Any) -> dict[str, Any]:
        done = _run(
            [
                "node",
                "out/tools/launchSpec.js",
                json.dumps({"settings": settings, "env": {"PATH": env["PATH"]}, **more}),
            ]
        )
        assert done.returncode == 0, done.stdout + done.stderr
        commands: dict[str, Any] = json.loads(done.stdout)["commands"]
        return commands

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT)

    generate = {"target": "hello", "templates": str(tmp_path / "templates"), "output": str(output)}
    plain = spec_for({"skipPolicies": True}, registry=str(EXAMPLE), generate=generate)
    future = spec_for({"future": True, "skipPolicies": True}, registry=str(EXAMPLE))

    ok = run(plain["check"])
    assert ok.returncode == 0, ok.stderr
    strict = run(future["check"])  # the example's one warning is an error under --future
    assert strict.returncode == 1 and "error[UnstableFileFormat]" in strict.stdout + strict.stderr

    spans = run(plain["spans"]["mermaid"])
    assert spans.returncode == 0 and spans.stdout.startswith("gantt"), spans.stderr
    tree = run(plain["spans"]["tree"])
    assert tree.returncode == 0 and tree.stdout.startswith("registry_check"), tree.stderr

    generated = run(plain["generate"])
    assert generated.returncode == 0, generated.stderr
    assert re.fullmatch(r"\d+ groups\s*", (output / "hello.md").read_text(encoding="utf-8"))

    listed = run(plain["workflowListCommand"])
    assert listed.returncode == 0, listed.stderr
    parsed = spec_for({}, workflowList=listed.stdout, workflow="registry_check")
    assert {w["id"] for w in parsed["workflows"]} == set(builtin_library().processes)
    shown = run(parsed["workflowShow"])
    assert shown.returncode == 0 and shown.stdout.startswith("flowchart"), shown.stderr


FIXABLE = """groups:
  - id: registry.demo
    type: attribute_group
    brief: Demo.
    attributes:
      - id: demo.count
        type: int
        brief: A count.
        stability: experimental
      - id: demo.size
        type: int
        brief: A size.
      - id: demo.old
        type: int
        brief: Old.
        stability: development
        deprecated: "Replaced by `demo.count`."
      - id: demo.name
        type: string
        stability: development
"""


def test_apply_all_fixes_rounds_against_the_server_match_weavergen_fix(
    extension: Path, tmp_path: Path
) -> None:
    """The fix-all rounds (src/fixAll.ts), driven over stdio, end where `weavergen fix --apply` does."""
    copies = []
    for name in ("editor", "cli"):
        registry = tmp_path / name / "registry"
        registry.mkdir(parents=True)
        (registry / "manifest.yaml").write_text(
            "schema_url: https://example.com/schemas/demo/1.0.0\n", "utf-8"
        )
        (registry / "demo.yaml").write_text(FIXABLE, "utf-8")
        copies.append(registry / "demo.yaml")
    editor_file, cli_file = copies
    env = {"PATH": venv_path(), "WEAVERGEN_CACHE_DIR": str(tmp_path / "cache")}
    spec = {
        "env": env,
        "settings": {"skipPolicies": True},
        "workspace": str(tmp_path / "editor"),
        "file": str(editor_file),
    }
    done = _run(["node", "out/tools/fixFile.js", json.dumps(spec)])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)

    weavergen = shutil.which("weavergen", path=env["PATH"])
    assert weavergen is not None
    fixed = subprocess.run(
        [weavergen, "fix", str(cli_file), "--apply"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert fixed.returncode == 0, fixed.stderr
    assert result["text"] != FIXABLE and result["applied"] and "stopped" not in result
    assert result["text"] == cli_file.read_text(encoding="utf-8")
    # what is left (fixes that need a human: snippets) is what the engine reports on the CLI's result
    remaining = cli_diagnostics(cli_file.parent, cli_file, [])
    assert sorted(result["diagnostics"]) == sorted(d["code"] for d in remaining)
