"""Fixtures for the HTTP/SSE endpoint: a real server on 127.0.0.1 (random port), real HTTP clients, an SSE reader.

`live` runs the server beside the test's own event loop, which plays the app loop (as the qasync loop does in the
kiosk). `threaded_app` runs a whole app loop on a background thread, for synchronous tests (schemathesis).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from app.compose.runtime import build_runtime
from app.runtime import Runtime
from app.server import ApiServer
from app.settings import Settings


@dataclass
class SseEvent:
    id: str | None
    event: str
    data: dict[str, Any]

    @property
    def event_id(self) -> int:
        return int(self.data["id"])


@dataclass
class SseReader:
    """Reads Server-Sent Events from an httpx streaming response (test side only). A background task parses the
    stream, so waiting for an event with a timeout never disturbs the stream itself."""

    response: httpx.Response
    comments: list[str] = field(default_factory=list)
    _queue: asyncio.Queue[SseEvent | None] = field(default_factory=asyncio.Queue)
    _pump: asyncio.Task[None] | None = None

    async def next(self, wait_s: float = 5.0) -> SseEvent | None:
        """The next event, or None when the stream ended."""
        if self._pump is None:
            self._pump = asyncio.create_task(self._read())
        return await asyncio.wait_for(self._queue.get(), wait_s)

    async def _read(self) -> None:
        ident: str | None = None
        kind = "message"
        data: list[str] = []
        try:
            async for line in self.response.aiter_lines():
                if line == "":
                    if data:
                        await self._queue.put(SseEvent(ident, kind, json.loads("\n".join(data))))
                    ident, kind, data = None, "message", []
                    continue
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    continue
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "id":
                    ident = value
                elif name == "event":
                    kind = value
                elif name == "data":
                    data.append(value)
        except (httpx.HTTPError, httpx.StreamError, RuntimeError):
            pass
        finally:
            await self._queue.put(None)

    async def until(self, kind: str, wait_s: float = 10.0) -> list[SseEvent]:
        """Every event up to and including the first of `kind`."""
        got: list[SseEvent] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            event = await self.next(max(0.01, deadline - loop.time()))
            if event is None:
                raise AssertionError(f"stream ended before {kind}; got {[e.event for e in got]}")
            got.append(event)
            if event.event == kind:
                return got


@dataclass
class Live:
    runtime: Runtime
    settings: Settings
    server: ApiServer
    client: httpx.AsyncClient
    port: int = 0

    def __post_init__(self) -> None:
        self.port = self.server.port or 0

    @property
    def base(self) -> str:
        assert self.server.url is not None
        return self.server.url

    @property
    def hub_clients(self) -> int:
        assert self.server.hub is not None
        return self.server.hub.client_count

    async def wait_for(self, predicate: Callable[[], bool], wait_s: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError("condition not reached in time")
            await asyncio.sleep(0.02)

    async def restart(self) -> None:
        """Stop the server (if still running) and start a fresh one on the same port; the runtime stays."""
        await self.server.aclose()
        self.settings = self.settings.replace(api_port=self.port)
        self.server = ApiServer(self.runtime, self.settings, asyncio.get_running_loop())
        self.server.start()


@pytest.fixture
def server_settings(settings: Settings) -> Settings:
    return settings.replace(api_host="127.0.0.1", api_port=0, api_post_burst=100)


@pytest.fixture
async def live(runtime: Runtime, server_settings: Settings) -> AsyncIterator[Live]:
    server = ApiServer(runtime, server_settings, asyncio.get_running_loop())
    server.start()
    assert server.url is not None
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        live = Live(runtime, server_settings, server, client)
        yield live
        await live.server.aclose()


@pytest.fixture
def make_live(runtime: Runtime, server_settings: Settings) -> Iterator[Callable[..., Any]]:
    """Start a server with changed settings: `live = await make_live(api_token="t")`."""
    started: list[Live] = []

    async def make(**changes: Any) -> Live:
        settings = server_settings.replace(**changes)
        server = ApiServer(runtime, settings, asyncio.get_running_loop())
        server.start()
        assert server.url is not None
        live = Live(runtime, settings, server, httpx.AsyncClient(base_url=server.url, timeout=10))
        started.append(live)
        return live

    yield make
    for live in started:
        live.server.stop()


@pytest.fixture
async def cleanup_clients() -> AsyncIterator[list[httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []
    yield clients
    for client in clients:
        await client.aclose()


class ThreadedApp:
    """A whole app on a background thread: its own loop (the "app loop"), the runtime and the server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="test-app-loop", daemon=True)
        self.runtime: Runtime | None = None
        self.server: ApiServer | None = None

    def start(self) -> str:
        self.thread.start()
        self.runtime = build_runtime(self.settings)

        async def start_server() -> ApiServer:
            assert self.runtime is not None
            server = ApiServer(self.runtime, self.settings, asyncio.get_running_loop())
            server.start()
            await self.runtime.conversation.start_session()
            return server

        self.server = asyncio.run_coroutine_threadsafe(start_server(), self.loop).result(15)
        assert self.server.url is not None
        return self.server.url

    def stop(self) -> None:
        async def shutdown() -> None:
            if self.server is not None:
                await self.server.aclose()
            if self.runtime is not None:
                await self.runtime.close()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(15)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def threaded_app(server_settings: Settings) -> Iterator[ThreadedApp]:
    app = ThreadedApp(server_settings)
    app.start()
    yield app
    app.stop()
