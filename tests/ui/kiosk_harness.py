"""The kiosk test harness: run coroutines on the qasync loop, wait for conditions, build and close a wired kiosk."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import qasync
from PySide6.QtWidgets import QApplication

from app.compose.brains import make_brain_factory
from app.compose.runtime import build_runtime
from app.runtime import Runtime
from app.settings import Settings

T = TypeVar("T")


class LoopErrors(AssertionError):
    """Exceptions the event loop collected (a task or callback that failed where nobody saw it)."""


@contextmanager
def qasync_loop(app: QApplication) -> Iterator[qasync.QEventLoop]:
    """Install a qasync loop for `app`; on exit cancel what is left, close it, and raise `LoopErrors` if the loop's
    exception handler collected anything."""
    loop = qasync.QEventLoop(app)
    collected: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: collected.append(context))
    asyncio.set_event_loop(loop)
    try:
        yield loop
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    if collected:
        first = collected[0]
        exc = first.get("exception")
        raise LoopErrors(f"{len(collected)} error(s) in the event loop: {first.get('message')}") from exc


def run(loop: qasync.QEventLoop, coro: Coroutine[Any, Any, T], limit_s: float = 15.0) -> T:
    return loop.run_until_complete(asyncio.wait_for(coro, limit_s))


def wait(loop: qasync.QEventLoop, predicate: Callable[[], Any], limit_s: float = 8.0, what: str = "") -> None:
    async def poll() -> bool:
        deadline = loop.time() + limit_s
        while loop.time() < deadline:
            if predicate():
                return True
            await asyncio.sleep(0.01)
        return bool(predicate())

    assert run(loop, poll(), limit_s + 5), f"timed out waiting for {what or predicate}"


@dataclass
class Kiosk:
    loop: qasync.QEventLoop
    runtime: Runtime
    window: Any
    settings: Settings

    def run(self, coro: Coroutine[Any, Any, T], limit_s: float = 15.0) -> T:
        return run(self.loop, coro, limit_s)

    def wait(self, predicate: Callable[[], Any], limit_s: float = 8.0, what: str = "") -> None:
        wait(self.loop, predicate, limit_s, what)

    def settle(self) -> None:
        from ui.screenshots import settle

        self.run(settle(self.window))

    def start(self) -> str:
        self.window.start_shopping()
        self.wait(lambda: self.window.session_id is not None, what="a session")
        return str(self.window.session_id)

    def history_sessions(self) -> list[dict[str, Any]]:
        history = self.runtime.history
        history.flush()
        return history.recent_sessions(50)


def make_kiosk(loop: qasync.QEventLoop, settings: Settings, size: tuple[int, int] = (1920, 1080)) -> Kiosk:
    from ui.controller import KioskController
    from ui.main_window import KioskWindow

    runtime = build_runtime(settings, make_brain_factory(settings))
    controller = KioskController(settings)
    controller.attach(runtime)
    window = KioskWindow(settings, controller)
    window.resize(*size)
    window.show()
    kiosk = Kiosk(loop, runtime, window, settings)
    kiosk.wait(lambda: bool(window.featured), what="featured products")
    return kiosk


def close_kiosk(kiosk: Kiosk) -> None:
    window = kiosk.window
    window.idle.stop()
    window.bridge.detach()
    kiosk.run(window.controller.shutdown(), 20)
    window.quit_allowed = True
    window.close()
    window.deleteLater()
    QApplication.processEvents()
