"""Fixtures for the realtime protocol tests: a fake realtime server per test."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

# `tests.fakes` lives under the repository root, which bare `pytest` (unlike `python -m pytest`) omits from sys.path.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from tests.fakes.realtime_server import FakeRealtimeServer  # noqa: E402


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    async with FakeRealtimeServer() as fake:
        yield fake
