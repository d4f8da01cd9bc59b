"""The kiosk's side of the fleet: outbox shipping, catalog updates swapped in between shoppers, and its heartbeat.

`attach_outbox` runs while the runtime is built (before the first event is written); `FleetService` is started
with the other kiosk/headless services. Both only run when a fleet DSN is configured.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from app.events import Event, NoticePosted, SessionEnded, SessionStarted, VoiceStateChanged
from app.fleet.catalog_sync import CatalogSync, ReadyCatalog
from app.fleet.config import kiosk_identity
from app.fleet.connection import FleetUnavailable, resolve_dsn
from app.fleet.outbox import Outbox
from app.fleet.shipper import Shipper
from app.history import HistoryStore
from app.runtime import Runtime

log = logging.getLogger("aisle.app.fleet")


def attach_outbox(history: HistoryStore) -> Outbox:
    """From now on every history write also records an outbox row, in the same transaction."""
    outbox = Outbox(history.path)
    history.write_hooks.append(outbox.record)
    return outbox


class FleetService:
    """A headless/kiosk service (the `app.headless.HeadlessService` shape)."""

    name = "fleet"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.kiosk_id = ""
        self.voice_state = ""
        self.shipper: Shipper | None = None
        self.sync: CatalogSync | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe = runtime.bus.subscribe(self._on_event)
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start shipping and following the catalog; raises (in words) when fleet mode is misconfigured."""
        settings = self.runtime.settings
        dsn = resolve_dsn(settings)
        if dsn is None:
            raise FleetUnavailable("no fleet DSN is configured (AISLE_FLEET_DSN)")
        if not settings.store_id:
            raise FleetUnavailable("fleet mode needs the store this kiosk sells for: set AISLE_STORE_ID (or store_id "
                                   "in settings.toml); events are kept in the outbox until then")
        outbox = self.runtime.fleet_outbox
        if not isinstance(outbox, Outbox):
            outbox = self.runtime.fleet_outbox = attach_outbox(self.runtime.history)
        self.kiosk_id = kiosk_identity(settings)
        self._loop = asyncio.get_running_loop()
        self.shipper = Shipper(
            outbox, dsn, self.kiosk_id, settings.store_id, batch_size=settings.fleet_batch_size,
            heartbeat_s=settings.fleet_heartbeat_s, retry_max_s=settings.fleet_retry_max_s,
            backlog_warn=settings.fleet_outbox_warn, state=self.state, on_backlog=self._backlog)
        self.sync = CatalogSync(dsn, settings.store_id, self.runtime.catalog.path, settings.fleet_poll_s,
                                self._catalog_ready, settings.fleet_retry_max_s)
        self.shipper.start()
        self.sync.start()
        log.info("fleet mode: kiosk %s of store %s", self.kiosk_id, settings.store_id)

    async def stop(self) -> None:
        self._unsubscribe()
        if self.sync is not None:
            await asyncio.to_thread(self.sync.stop)
        if self.shipper is not None:
            await asyncio.to_thread(self.shipper.stop)

    def status(self) -> str:
        if self.sync is None or self.shipper is None:
            return "not started"
        return f"kiosk {self.kiosk_id}, catalog v{self.sync.current}, {self.shipper.status()}"

    def state(self) -> dict[str, Any]:
        """What the heartbeat reports (read on the shipper's thread: plain attribute reads only)."""
        session = self.runtime.conversation.session
        ready = self.sync.ready if self.sync else None
        return {"catalog_version": self.sync.current if self.sync else None,
                "pending_version": ready.version if ready else None,
                "brain": self.runtime.conversation.brain.name, "voice_state": self.voice_state,
                "session_open": bool(session is not None and session.turns)}

    def _on_event(self, event: Event) -> None:
        match event.payload:
            case VoiceStateChanged(state=state):
                self.voice_state = state.value
            case SessionStarted() | SessionEnded():
                self.swap_if_between_shoppers()  # a catalog that arrived mid-conversation goes live now

    # -- catalog swap, on the loop -----------------------------------------------------------------------------
    def _catalog_ready(self, ready: ReadyCatalog) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.swap_if_between_shoppers)

    def swap_if_between_shoppers(self) -> None:
        """Swap a waiting catalog in now unless a shopper is mid-conversation (then at the session's end)."""
        if self.sync is None or self.sync.ready is None:
            return
        session = self.runtime.conversation.session
        if session is not None and session.turns:
            return
        try:
            version = self.sync.swap_in()
        except OSError:
            log.exception("fleet: could not swap the new catalog in; keeping the current one")
            return
        if version is None:
            return
        self.runtime.catalog.invalidate()  # before anything else reads: every thread reopens on the new file
        log.info("fleet: catalog version %d is live", version)
        task = asyncio.get_running_loop().create_task(self.runtime.catalog_changed())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _backlog(self, depth: int) -> None:
        if self._loop is None:
            return

        def notify() -> None:
            session = self.runtime.conversation.session
            if session is not None:
                session.publish(NoticePosted(
                    "fleet_backlog", f"{depth} events are waiting to be sent to the fleet database; the kiosk keeps "
                    "selling. Check the store's network connection.", level="warning", audience="staff"))

        self._loop.call_soon_threadsafe(notify)
