"""Shared pytest fixtures: where the read-only fixture registries live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The shared fixtures folder (env `WEAVERGEN_FIXTURES`); missing fails the test, never skips."""
    root = Path(os.environ.get("WEAVERGEN_FIXTURES", str(_DEFAULT)))
    if not root.is_dir():
        pytest.fail(f"fixtures folder not found: {root} (set WEAVERGEN_FIXTURES)")
    return root
