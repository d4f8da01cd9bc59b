"""Fixtures for the speech pipeline tests: a fake chat completions server per test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `tests.fakes` lives under the repository root, which bare `pytest` (unlike `python -m pytest`) omits from sys.path.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from tests.fakes.chat_server import FakeChatServer  # noqa: E402


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    with FakeChatServer(keys={"sk-test"}) as server:
        yield server
