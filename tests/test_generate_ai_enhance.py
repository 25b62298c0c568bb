"""`weavergen generate TARGET --ai-enhance`: the AI review first (a local OpenAI-compatible model stub),
its verified improvements shown as a diff with the score before → after and written once confirmed
(`--apply`), then generation from the registry files — so the generated code says what the files say."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openai_compat import chat_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "registry"
SHOP = "shop/registry.yaml"
GOOD_BRIEF = "Identifier of the order, assigned when the cart is submitted."
POOR_BRIEF = "The shop order ID."
BRIEF_LINE = 13  # `brief:` of shop.order.id in examples/registry/shop/registry.yaml (1-based)
ATTRIBUTES = Path("semconv/_incubating/attributes/shop_attributes.py")


def proposal(new_text: str, line: int = BRIEF_LINE) -> dict[str, Any]:
    return {
        "title": "Say what the order id is",
        "rationale": "The brief only repeated the attribute's name.",
        "edits": [{"file": SHOP, "start_line": line, "end_line": line, "new_text": new_text}],
    }


GOOD = proposal(f"        brief: {GOOD_BRIEF}\n")
BAD = {**proposal("        type: strnig\n", line=BRIEF_LINE - 2), "title": "Retype the id"}


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """The example registry, with the brief of `shop.order.id` made to repeat its name."""
    folder = tmp_path / "registry"
    shutil.copytree(EXAMPLE, folder)
    shop = folder / SHOP
    text = shop.read_text(encoding="utf-8")
    assert text.splitlines()[BRIEF_LINE - 1] == f"        brief: {GOOD_BRIEF}"
    shop.write_text(text.replace(GOOD_BRIEF, POOR_BRIEF), encoding="utf-8")
    return folder


def generate(registry: Path, out: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`weavergen generate python --ai-enhance` with the stub as the only model, stdin not a terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEAVERGEN_AI")}
    env.update({"NO_COLOR": "1", "WEAVERGEN_AI_API_KEY": "sk-test"})
    args = ["generate", "python", "-r", str(registry), "-o", str(out), "--ai-enhance"]
    return subprocess.run(
        [sys.executable, "-m", "weavergen.cli", *args, "--model", "openai:local", "--endpoint", url, *extra],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _score(stderr: str) -> tuple[float, float]:
    line = next(x for x in stderr.splitlines() if x.startswith("AI review: "))
    before, after = line.rsplit("registry score ", 1)[1].split(" → ")
    return float(before), float(after)


def test_a_good_improvement_is_written_and_the_code_generated_from_it(registry: Path, tmp_path: Path) -> None:
    with chat_server(lambda body: {"proposals": [GOOD]}) as server:
        proc = generate(registry, tmp_path / "out", server.url, "--apply")
        assert len(server.requests) == 1
    assert proc.returncode == 0, proc.stderr
    before, after = _score(proc.stderr)
    assert after > before
    assert "kept: Say what the order id is (1/1 models agree)" in proc.stderr
    assert f"-        brief: {POOR_BRIEF}" in proc.stdout and f"+        brief: {GOOD_BRIEF}" in proc.stdout
    assert f"registry improved (score {before:.1f} → {after:.1f})" in proc.stderr
    text = (registry / SHOP).read_text(encoding="utf-8")
    assert GOOD_BRIEF in text and POOR_BRIEF not in text
    assert text == (EXAMPLE / SHOP).read_text(encoding="utf-8")  # only that line changed, back as it was
    code = (tmp_path / "out" / ATTRIBUTES).read_text(encoding="utf-8")
    assert GOOD_BRIEF in code and POOR_BRIEF not in code


def test_a_bad_proposal_is_dropped_and_the_registry_generated_as_is(registry: Path, tmp_path: Path) -> None:
    original = (registry / SHOP).read_text(encoding="utf-8")
    with chat_server(lambda body: {"proposals": [BAD]}) as server:
        proc = generate(registry, tmp_path / "out", server.url, "--apply")
    assert proc.returncode == 0, proc.stderr
    assert "dropped: Retype the id (openai:local): it adds " in proc.stderr
    assert "no verified improvement: generating from the registry as it is." in proc.stderr
    assert (registry / SHOP).read_text(encoding="utf-8") == original
    assert POOR_BRIEF in (tmp_path / "out" / ATTRIBUTES).read_text(encoding="utf-8")


def test_without_a_terminal_or_apply_nothing_is_written(registry: Path, tmp_path: Path) -> None:
    original = (registry / SHOP).read_text(encoding="utf-8")
    with chat_server(lambda body: {"proposals": [GOOD]}) as server:
        proc = generate(registry, tmp_path / "out", server.url)
    assert proc.returncode == 0, proc.stderr
    assert f"+        brief: {GOOD_BRIEF}" in proc.stdout
    assert "no terminal to confirm on; pass --apply to write them" in proc.stderr
    assert (registry / SHOP).read_text(encoding="utf-8") == original
    code = (tmp_path / "out" / ATTRIBUTES).read_text(encoding="utf-8")
    assert POOR_BRIEF in code and GOOD_BRIEF not in code  # the files on disk, not the in-memory review


def test_a_file_changed_since_the_review_read_it_is_not_overwritten(registry: Path) -> None:
    import asyncio

    from test_review_ai import answering

    from weavergen.ai import AISettings
    from weavergen.review.ai import ai_review, write_kept
    from weavergen.workspace import RegistryWorkspace, WorkspaceOptions

    ws = RegistryWorkspace(registry, WorkspaceOptions(skip_policies=True))
    run = asyncio.run(ai_review(ws, [answering(GOOD)], AISettings()))
    assert run.final and run.after > run.before
    edited = (registry / SHOP).read_text(encoding="utf-8") + "# the user's own edit\n"
    (registry / SHOP).write_text(edited, encoding="utf-8")
    written, errors = write_kept(run)
    assert written == [] and "changed on disk since the review read it" in errors[0]
    assert (registry / SHOP).read_text(encoding="utf-8") == edited


def test_without_a_model_nothing_is_generated_and_it_says_why(registry: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEAVERGEN_AI")}
    proc = subprocess.run(
        [sys.executable, "-m", "weavergen.cli", "generate", "python", "-r", str(registry), "-o",
         str(tmp_path / "out"), "--ai-enhance"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "no model is configured" in proc.stderr and "run without --ai-enhance" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("answer", ["y", "n"])
def test_on_a_terminal_it_asks_before_writing(registry: Path, tmp_path: Path, answer: str) -> None:
    import pty

    main, terminal = pty.openpty()
    os.write(main, f"{answer}\n".encode())
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEAVERGEN_AI")}
    env.update({"NO_COLOR": "1", "WEAVERGEN_AI_API_KEY": "sk-test"})
    try:
        with chat_server(lambda body: {"proposals": [GOOD]}) as server:
            proc = subprocess.run(
                [sys.executable, "-m", "weavergen.cli", "generate", "python", "-r", str(registry), "-o",
                 str(tmp_path / "out"), "--ai-enhance", "--model", "openai:local", "--endpoint", server.url],
                env=env, stdin=terminal, capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
    finally:
        os.close(main)
        os.close(terminal)
    assert proc.returncode == 0, proc.stderr
    assert "Write these improvements to the registry (score " in proc.stderr
    code = (tmp_path / "out" / ATTRIBUTES).read_text(encoding="utf-8")
    shop = (registry / SHOP).read_text(encoding="utf-8")
    if answer == "y":
        assert GOOD_BRIEF in shop and GOOD_BRIEF in code
    else:
        assert POOR_BRIEF in shop and POOR_BRIEF in code
        assert "not written: generating from the registry on disk as it is." in proc.stderr
