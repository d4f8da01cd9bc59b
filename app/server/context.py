"""What the route handlers need, and the two ways out of the server loop.

Handlers run on the server's own loop. Blocking reads (catalog, history) go to the server's small worker pool; anything
that touches the conversation runs as a coroutine on the app loop (`on_app`), because the conversation belongs to it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from app.runtime import Runtime
from app.server.hub import CURRENT, EventHub
from app.server.ratelimit import RateLimiter
from app.settings import Settings

log = logging.getLogger("aisle.app.server")
T = TypeVar("T")

APP_CALL_TIMEOUT_S = 10.0


class AppUnavailable(RuntimeError):
    """The app loop did not answer in time (it is busy or shutting down)."""


@dataclass
class ServerContext:
    runtime: Runtime
    settings: Settings
    hub: EventHub
    app_loop: asyncio.AbstractEventLoop
    executor: ThreadPoolExecutor
    token: str | None = None
    audio_status: Callable[[], str] | None = None
    started_at: float = field(default_factory=time.monotonic)
    limiter: RateLimiter = field(init=False)
    _app_tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.settings.api_post_rate_per_min, self.settings.api_post_burst)

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """Run SQLite reads on the server's worker pool."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def on_app(self, coro: Coroutine[Any, Any, T], wait_s: float = APP_CALL_TIMEOUT_S) -> T:
        """Run a coroutine on the app loop and wait for its result here."""
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self.app_loop)
        except RuntimeError as exc:  # the app loop is closed
            coro.close()
            raise AppUnavailable("The app is shutting down.") from exc
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), wait_s)
        except TimeoutError as exc:
            future.cancel()
            raise AppUnavailable("The app did not answer in time; try again.") from exc

    def spawn_on_app(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Start a coroutine as a task on the app loop (call from the app loop): kept referenced, failures logged."""
        task = asyncio.get_running_loop().create_task(coro)
        self._app_tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._app_tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("posted message failed", exc_info=t.exception())

        task.add_done_callback(done)

    def resolve(self, session_id: str) -> str | None:
        """`current` → the session the kiosk is in (or last was in); other ids unchanged."""
        return self.hub.current if session_id == CURRENT else session_id

    def uptime(self) -> float:
        return round(time.monotonic() - self.started_at, 1)


def _from_request(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


# a route's parameter `ctx: Context` is the server context `create_app` was given
Context = Annotated[ServerContext, Depends(_from_request)]
