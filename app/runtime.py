"""The running app as one object: settings, catalog, history, bus, tools, conversation and the worker pool.

`app.compose.runtime.build_runtime` builds it (the kiosk, headless mode, `aisle chat` and the tests all use the same
one, so a conversation behaves identically everywhere); this module only holds it and tears it down.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.bus import EventBus
from app.catalog.store import Catalog
from app.conversation import Conversation
from app.history import HistoryStore
from app.ports import CatalogListener
from app.settings import Settings
from app.tools.toolbox import ToolBox

log = logging.getLogger("aisle.app.runtime")
T = TypeVar("T")


@dataclass
class Runtime:
    settings: Settings
    bus: EventBus
    catalog: Catalog
    history: HistoryStore
    tools: ToolBox
    conversation: Conversation
    executor: ThreadPoolExecutor
    closers: list[Callable[[], Any]] = field(default_factory=list)
    catalog_listeners: list[CatalogListener] = field(default_factory=list)
    startup_notices: list[str] = field(default_factory=list)  # for the person starting Aisle (e.g. history moved)
    fleet_outbox: Any = None  # app.fleet.outbox.Outbox in fleet mode (a fleet DSN is configured)

    async def catalog_changed(self) -> None:
        """The catalog changed (a staff import): drop cached names and let every listener rebuild its vocabulary."""
        self.catalog.invalidate()
        for listener in list(self.catalog_listeners):
            result = listener()
            if inspect.isawaitable(result):
                await result

    async def run_blocking(self, fn: Callable[[], T]) -> T:
        """Run SQLite or other blocking work on the worker pool, never on the loop's thread."""
        # The loop set for this thread, not only a "running" one: a loop that lives inside a GUI toolkit's event loop
        # (qasync) may step a task from the toolkit's own event processing, where asyncio marks no loop as running.
        return await asyncio.get_event_loop().run_in_executor(self.executor, fn)

    async def close(self) -> None:
        await self.conversation.end_session("shutdown")
        await self.conversation.brain.close()
        for closer in reversed(self.closers):
            result = closer()
            if asyncio.iscoroutine(result):
                await result
        await asyncio.get_running_loop().run_in_executor(self.executor, self.history.flush)
        self.history.close()
        self.executor.shutdown(wait=False)
