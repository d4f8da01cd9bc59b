"""Builds the `Runtime`: opens the catalog and history, wires the bus, the tools, the offline agent and the brain.

Blocking (it opens files): call it before the loop starts or from a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agent.offline.agent import OfflineAgent
from app.brain import Brain
from app.bus import EventBus
from app.catalog.provision import ensure_data_catalog
from app.catalog.store import Catalog
from app.conversation import Conversation
from app.fleet.config import fleet_configured
from app.history_recovery import announce_history_health, announce_once, open_history
from app.paths import shipped_catalog_path
from app.runtime import Runtime
from app.settings import Settings
from app.tools.toolbox import ShoppingTools, ToolBox

log = logging.getLogger("aisle.app.compose.runtime")


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
    if fleet_configured(settings):  # before the first event: every history write also fills the fleet outbox
        from app.fleet.service import attach_outbox

        runtime.fleet_outbox = attach_outbox(history)
    runtime.catalog_listeners += [tools.tools.reload, placeholder.reload]
    if brain_factory is not None:
        conversation.brain = brain_factory(runtime)
    return runtime


def build_app(settings: Settings) -> Runtime:
    """The runtime with the brain the settings choose (offline, or a cloud brain with the offline one as its net)."""
    from app.compose.brains import make_brain_factory

    return build_runtime(settings, make_brain_factory(settings))
