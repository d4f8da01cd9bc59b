"""The composition root for everything but the screen: catalog, history, bus, tools, brain and conversation.

The kiosk, the headless server, `aisle chat` and the tests all build the same `Runtime`, so a conversation behaves
identically everywhere. Choosing a brain happens here; cloud brains are added as they arrive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from agent.offline.agent import OfflineAgent
from agent.tools import ShoppingTools, ToolBox
from app.brain import Brain
from app.bus import EventBus
from app.catalog.provision import ensure_data_catalog
from app.catalog.store import Catalog
from app.conversation import Conversation
from app.history import HistoryStore
from app.history_recovery import announce_history_health, announce_once, open_history
from app.paths import shipped_catalog_path
from app.settings import Settings

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
    catalog_listeners: list[Callable[[], Any]] = field(default_factory=list)
    startup_notices: list[str] = field(default_factory=list)  # for the person starting Aisle (e.g. history moved)

    async def catalog_changed(self) -> None:
        """The catalog changed (a staff import): drop cached names and let every listener rebuild its vocabulary."""
        self.catalog.invalidate()
        for listener in list(self.catalog_listeners):
            result = listener()
            if asyncio.iscoroutine(result):
                await result

    async def run_blocking(self, fn: Callable[[], T]) -> T:
        """Run SQLite or other blocking work on the worker pool, never on the loop's thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn)

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


def open_catalog(settings: Settings, notices: list[str] | None = None) -> Catalog:
    if settings.catalog is not None:
        return Catalog(settings.catalog_path)
    try:
        path = ensure_data_catalog(settings.catalog_path)
    except OSError as exc:  # an unwritable data directory: the shipped catalog, read as it is
        path = shipped_catalog_path()
        message = (f"The catalog cannot be set up in {settings.data_dir} ({exc.strerror or exc}); using the shipped "
                   "demo catalog. Make the data directory writable to import a store's catalog.")
        log.error("%s", message)
        if notices is not None:
            notices.append(message)
    return Catalog(path)


def build_runtime(settings: Settings, brain_factory: Callable[[Runtime], Brain] | None = None) -> Runtime:
    """Wire the app. Blocking (opens files): call it before the loop starts or from a worker thread."""
    notices: list[str] = []
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # the kiosk still starts: shipped catalog, read-only history (each says so)
        log.error("cannot create the data directory %s: %s", settings.data_dir, exc.strerror or exc)
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aisle-db")
    catalog = open_catalog(settings, notices)
    history, history_message = open_history(settings.history_path, settings.history_retention_days)
    notices += [history_message] if history_message else []
    bus = EventBus()
    bus.subscribe(history.record)

    async def run_blocking(fn: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(executor, fn)

    tools = ToolBox(ShoppingTools(catalog), run_blocking)
    placeholder = OfflineAgent(tools, catalog, settings.reply_pacing_ms, run_blocking)
    conversation = Conversation(bus, tools, placeholder, settings.max_message_chars)
    runtime = Runtime(settings, bus, catalog, history, tools, conversation, executor, startup_notices=notices)
    history.add_health_listener(announce_history_health(
        bus, lambda: conversation.session.id if conversation.session is not None else None))
    announce_once(bus, runtime.startup_notices)
    runtime.catalog_listeners += [tools.tools.reload, placeholder.reload]
    if brain_factory is not None:
        conversation.brain = brain_factory(runtime)
    return runtime
