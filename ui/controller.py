"""Intents in, conversation calls out: the only place the window talks to the runtime.

Every method starts an asyncio task on the qasync loop and returns at once; blocking work (catalog, history, files)
goes through `runtime.run_blocking`. What the shopper sees changes only when the resulting bus events come back
through the bridge, so a tap, a typed message, a spoken one and one posted from a second screen all look the same.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from app.settings import Settings
from ui.images import StorePhotos

if TYPE_CHECKING:
    from pathlib import Path

    from app.bus import EventBus
    from app.catalog.importer import ImportReport
    from app.runtime import Runtime

log = logging.getLogger("aisle.ui.controller")
T = TypeVar("T")


class KioskController(QObject):
    runtime_ready = Signal()
    runtime_failed = Signal(str)
    problem = Signal(str)  # a failure the shopper should read, in words
    busy_changed = Signal(bool)  # a shopper turn is being handled

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.runtime: Runtime | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._turns = 0

    # -- plumbing --------------------------------------------------------------------------------------------------
    def attach(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.runtime_ready.emit()

    @property
    def ready(self) -> bool:
        return self.runtime is not None

    def spawn(self, coro: Coroutine[Any, Any, T], what: str) -> asyncio.Task[T] | None:
        """Run `coro` on the loop, keep a reference, and log (and show) a failure instead of losing it."""
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            coro.close()
            log.error("no event loop for %s", what)
            return None
        task = loop.create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is not None:
                log.error("%s failed", what, exc_info=exc)
                self.problem.emit(f"Sorry, that did not work ({what}). Please try again.")

        task.add_done_callback(done)
        return task

    async def off_thread(self, fn: Callable[[], T]) -> T:
        """Run blocking work on the runtime's worker pool (on a plain thread while the runtime is starting)."""
        if self.runtime is None:
            return await asyncio.to_thread(fn)
        return await self.runtime.run_blocking(fn)

    def connect_events(self, attach: Callable[[EventBus], None], catalog_replaced: Callable[[], Any]) -> None:
        """Once the runtime is ready: hand its bus to `attach` (the window's bridge) and call `catalog_replaced`
        (async) whenever a new catalog goes live."""
        if self.runtime is not None:
            attach(self.runtime.bus)
            self.runtime.catalog_listeners.append(catalog_replaced)

    async def fetch_images(self, ids: list[str]) -> dict[str, str | StorePhotos | None]:
        """Per product: its store photos (thumbnail + a loader for the large ones), else its drawn SVG."""
        if self.runtime is None:
            return {}
        runtime = self.runtime
        catalog = runtime.catalog

        def large(pid: str, count: int) -> Callable[[], Awaitable[list[QImage]]]:
            async def load() -> list[QImage]:
                found = await runtime.run_blocking(lambda: [catalog.photo(pid, i, large=True) for i in range(count)])
                return await runtime.run_blocking(lambda: [QImage.fromData(d) for d in found if d])
            return load

        def fetch() -> dict[str, str | StorePhotos | None]:
            counts = catalog.photo_counts(ids)
            out: dict[str, str | StorePhotos | None] = {}
            for pid in ids:
                thumb = catalog.photo(pid) if counts.get(pid) else None
                out[pid] = (StorePhotos(thumb, counts[pid], large(pid, counts[pid]), QImage.fromData(thumb)) if thumb
                            else catalog.image_svg(pid))
            return out

        return await runtime.run_blocking(fetch)

    async def featured(self, limit: int = 12) -> list[dict[str, Any]]:
        if self.runtime is None:
            return []
        catalog = self.runtime.catalog
        products = await self.runtime.run_blocking(lambda: catalog.featured(limit))
        return [p.summary() for p in products]

    async def categories(self, limit: int = 12) -> list[tuple[str, str]]:
        """(slug, name) of the catalog's departments, for the welcome chips."""
        if self.runtime is None:
            return []
        cats = await self.runtime.run_blocking(self.runtime.catalog.categories)
        return [(c.slug, c.name) for c in cats][:limit]

    # -- staff -----------------------------------------------------------------------------------------------------
    async def staff_status(self) -> tuple[str, str]:
        """The brain's name and a line about the catalog (products, file), for the staff panel."""
        runtime = self.runtime
        if runtime is None:
            return "starting", "Catalog: starting…"
        catalog = runtime.catalog
        count = await runtime.run_blocking(catalog.count)
        return runtime.conversation.brain.name, f"Catalog: {count} products · {catalog.path}"

    async def recent_sessions(self, limit: int = 20) -> list[dict[str, Any]] | None:
        """The latest sessions from history (written out first); None while the runtime is starting."""
        runtime = self.runtime
        if runtime is None:
            return None
        history = runtime.history
        await runtime.run_blocking(history.flush)
        return await runtime.run_blocking(lambda: history.recent_sessions(limit))

    async def session_record(self, session_id: str) -> dict[str, Any] | None:
        runtime = self.runtime
        if runtime is None:
            return None
        history = runtime.history
        return await runtime.run_blocking(lambda: history.session(session_id))

    async def end_session_now(self, reason: str) -> None:
        """End the shopper's session and wait for it (before the window is rebuilt)."""
        if self.runtime is not None and self.runtime.conversation.session is not None:
            await self.runtime.conversation.end_session(reason)

    async def import_catalog(self, path: Path, replace_all: bool,
                             progress: Callable[[int, int], None]) -> ImportReport:
        """Import a catalog file off the UI thread and put it live; raises `ImportFailed` (or OSError/ValueError)."""
        from app.catalog.importer import import_catalog

        runtime = self.runtime
        if runtime is None:
            raise RuntimeError("the runtime is not ready")
        report = await runtime.run_blocking(
            lambda: import_catalog(path, runtime.catalog.path, replace_all=replace_all, progress=progress))
        await runtime.catalog_changed()
        return report

    async def wait_idle(self) -> None:
        """Wait for every task started so far (tests, screenshots, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _turn(self, work: Awaitable[Any]) -> Any:
        self._turns += 1
        if self._turns == 1:
            self.busy_changed.emit(True)
        try:
            return await work
        finally:
            self._turns -= 1
            if self._turns == 0:
                self.busy_changed.emit(False)

    # -- intents ---------------------------------------------------------------------------------------------------
    def check_message(self, text: str) -> str | None:
        """None when `text` can be sent, else the reason in words."""
        if self.runtime is None:
            return "Just a moment, Aisle is starting."
        from app.conversation import MessageRejected

        try:
            self.runtime.conversation.check_message(text)
        except MessageRejected as exc:
            return str(exc)
        return None

    def start_session(self, shown_ids: list[str] | None = None) -> None:
        if self.runtime is None or self.runtime.conversation.session is not None:
            return
        self.spawn(self.runtime.conversation.start_session(shown_ids=list(shown_ids or [])), "starting a session")

    def start_with_details(self, shown_ids: list[str], product_id: str, name: str) -> None:
        """A featured product tapped on the welcome screen: one task starts the session (recording what was shown)
        and then opens the details, so the details never race the new session."""
        runtime = self.runtime
        if runtime is None:
            return
        conversation = runtime.conversation

        async def start_then_show() -> None:
            if conversation.session is None:
                await conversation.start_session(shown_ids=list(shown_ids))
            await self._turn(conversation.touch("show_product_details", {"product_id": product_id},
                                                f"Details: {name}"))

        self.spawn(start_then_show(), f"Details: {name}")

    def submit_text(self, text: str, source: str = "typed") -> str | None:
        problem = self.check_message(text)
        if problem is not None or self.runtime is None:
            return problem
        self.spawn(self._turn(self.runtime.conversation.submit_text(text, source=source)), "sending your message")
        return None

    def touch(self, tool: str, arguments: dict[str, Any], label: str) -> None:
        if self.runtime is None:
            return
        self.spawn(self._turn(self.runtime.conversation.touch(tool, arguments, label)), label)

    def show_details(self, product_id: str, name: str) -> None:
        self.touch("show_product_details", {"product_id": product_id}, f"Details: {name}")

    def add_to_cart(self, product_id: str, name: str, quantity: int = 1) -> None:
        self.touch("add_to_cart", {"product_id": product_id, "quantity": quantity}, f"Add to cart: {name}")

    def set_quantity(self, product_id: str, name: str, quantity: int) -> None:
        label = f"Remove: {name}" if quantity <= 0 else f"Quantity {quantity}: {name}"
        self.touch("update_cart_item", {"product_id": product_id, "quantity": max(0, quantity)}, label)

    def recommend(self, based_on: str, name: str) -> None:
        self.touch("get_recommendations", {"based_on": based_on}, f"Goes well with: {name}")

    def review_order(self, tapped: str = "Checkout") -> None:
        """The cart review; `tapped` is the button's word, as the chat and history record the tap."""
        self.touch("view_cart", {}, tapped)

    def confirm_order(self) -> None:
        self.touch("checkout", {}, "Confirm order")

    def end_session(self, reason: str) -> None:
        if self.runtime is None:
            return
        self.spawn(self.runtime.conversation.end_session(reason), "ending the session")

    async def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self.runtime is not None:
            runtime, self.runtime = self.runtime, None
            try:
                await asyncio.wait_for(runtime.close(), 10)
            except Exception:
                log.exception("closing the runtime failed")
