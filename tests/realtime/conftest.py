"""Fixtures for the realtime protocol tests: a fake realtime server per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.fakes.realtime_server import FakeRealtimeServer


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    async with FakeRealtimeServer() as fake:
        yield fake
