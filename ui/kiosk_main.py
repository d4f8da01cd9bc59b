"""Runs the kiosk: QApplication + qasync loop, the window first, the runtime right behind it, a clean shutdown.

The first frame paints before anything opens a database: `build_runtime` (catalog, history, brain) runs on a worker
thread while the attract screen is already on screen, and the window picks the runtime up when it is ready.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from app.settings import Settings

if TYPE_CHECKING:
    import qasync

    from app.headless import HeadlessService, ServiceFactory
    from app.runtime import Runtime
    from app.server import ApiServer
    from ui.main_window import KioskWindow

log = logging.getLogger("aisle.ui.kiosk")


def _build_runtime(settings: Settings) -> Runtime:
    from app.compose.runtime import build_app

    return build_app(settings)


def _report_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    exc = context.get("exception")
    log.error("event loop: %s", context.get("message"), exc_info=exc if isinstance(exc, BaseException) else None)


async def _start_endpoint(runtime: Runtime, settings: Settings, window: KioskWindow) -> ApiServer | None:
    """The HTTP/SSE endpoint (second screens, the live web view) on its own thread; a failure is shown, not fatal."""
    try:
        from app.server import ApiServer, ApiServerError
    except ImportError:
        return None
    server = ApiServer(runtime, settings, asyncio.get_running_loop(), audio_status=window.audio_status)
    try:
        if not await asyncio.to_thread(server.start):
            return None
    except ApiServerError as exc:
        log.warning("the HTTP endpoint did not start: %s", exc)
        window.toast.show_message(f"Second screens are off: {exc}", warning=True, ms=8000)
        return None
    except Exception:
        log.exception("the HTTP endpoint failed to start")
        return None
    window.endpoint_url = server.url
    return server


async def _start_services(runtime: Runtime, window: KioskWindow,
                          factories: Sequence[ServiceFactory] | None) -> list[HeadlessService]:
    """Services that run beside the window (the voice pipeline), the same hook headless mode uses; the window sees
    voice through its port."""
    from app.compose.services import default_services, voice_port

    if factories is None:
        factories = default_services(runtime.settings)
    started: list[HeadlessService] = []
    for factory in factories:
        try:
            service = factory(runtime)
            await service.start()
            started.append(service)
            port = voice_port(service)
            if port is not None:
                window.attach_voice(port)
        except Exception as exc:
            log.exception("kiosk service failed to start")
            window.toast.show_message(f"Something is not available: {exc}. Touch and typing still work.",
                                      warning=True, ms=8000)
    return started


def _start_qt(settings: Settings) -> qasync.QEventLoop:
    """The QApplication with Aisle's fonts and theme, and the qasync loop it runs on (made current)."""
    import qasync
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ui import theme as themes
    from ui.fonts import load_fonts
    from ui.qtlog import install

    install()
    QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Aisle")
    app.setApplicationDisplayName("Aisle")
    app.setQuitOnLastWindowClosed(False)
    family = load_fonts()
    themes.apply_theme(app, themes.theme_for(settings.theme, settings.large_text, family))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(_report_loop_exception)
    return loop


class _Boot:
    """Builds the runtime on a worker thread, once, when `start()` is first called."""

    def __init__(self, settings: Settings, factory: Callable[[Settings], Runtime]) -> None:
        self.settings = settings
        self.factory = factory
        self.builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aisle-boot")
        self.runtime: Future[Runtime] = Future()

    def start(self) -> None:
        # after the first frame, so the worker's imports (SQLite, the brain) do not compete with it for the GIL
        if self.runtime.running() or self.runtime.done():
            return
        self.runtime.set_running_or_notify_cancel()
        work = self.builder.submit(self.factory, self.settings)
        work.add_done_callback(self._built)

    def _built(self, work: Future[Runtime]) -> None:
        exc = work.exception()
        if exc is not None:
            self.runtime.set_exception(exc)
        else:
            self.runtime.set_result(work.result())


def run_kiosk(settings: Settings, on_first_frame: Callable[[], None] | None = None,
              runtime_factory: Callable[[Settings], Runtime] | None = None,
              services: Sequence[ServiceFactory] | None = None) -> int:
    """Open the kiosk window and run until staff quit it (or the window closes). Returns the exit code.

    `services`: factories `fn(runtime) -> app.headless.HeadlessService`; default: the same services headless mode
    runs."""
    from PySide6.QtCore import QTimer

    from ui.controller import KioskController
    from ui.main_window import KioskWindow

    loop = _start_qt(settings)
    boot = _Boot(settings, runtime_factory or _build_runtime)
    controller = KioskController(settings)
    window = KioskWindow(settings, controller)
    done: asyncio.Future[int] = loop.create_future()

    def finish() -> None:
        if not done.done():
            done.set_result(0)

    window.quit_requested.connect(finish)
    # SIGTERM (systemd, `kill`) and Ctrl+C shut down cleanly: Python runs signal handlers only between bytecodes,
    # so a slow heartbeat timer gives it the chance while Qt idles in C++.
    previous = {sig: signal.signal(sig, lambda *_: finish()) for sig in (signal.SIGINT, signal.SIGTERM)}
    heartbeat = QTimer(window)
    heartbeat.start(250)
    heartbeat.timeout.connect(lambda: None)
    window.first_painted.connect(boot.start)
    if on_first_frame is not None:
        window.first_painted.connect(on_first_frame)
    QTimer.singleShot(1500, window, boot.start)  # a window that never paints (minimised) still starts
    window.apply_window_mode()  # fills the primary screen (full screen when locked), with or without a WM
    try:
        with loop:
            code: int = loop.run_until_complete(_boot_then_serve(boot, settings, window, services, done))
    except KeyboardInterrupt:
        code = 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    window.deleteLater()
    return code


async def _boot_then_serve(boot: _Boot, settings: Settings, window: KioskWindow,
                           services: Sequence[ServiceFactory] | None, done: asyncio.Future[int]) -> int:
    """Wait for the runtime (a failure is shown until staff quit), then serve."""
    try:
        runtime = await asyncio.wrap_future(boot.runtime)
    except Exception as exc:
        log.exception("Aisle could not start")
        window.toast.show_message(f"Aisle could not start: {exc}", warning=True, ms=600_000)
        window.controller.runtime_failed.emit(str(exc))
        await done
        return 2
    finally:
        boot.builder.shutdown(wait=False)
    return await _serve(runtime, settings, window, services, done)


async def _serve(runtime: Runtime, settings: Settings, window: KioskWindow,
                 services: Sequence[ServiceFactory] | None, done: asyncio.Future[int]) -> int:
    """With the runtime built: attach it, start the endpoint and the services, run until `done`, then stop them in
    reverse order (the session ends first, so stream clients see it end)."""
    controller = window.controller
    controller.attach(runtime)
    server = await _start_endpoint(runtime, settings, window)
    started = await _start_services(runtime, window, services)
    code = await done
    window.idle.stop()
    for service in reversed(started):
        try:
            await service.stop()
        except Exception:
            log.exception("kiosk service %s failed to stop", service.name)
    if runtime.conversation.session is not None:
        await runtime.conversation.end_session("shutdown")
    if server is not None:
        await server.aclose()
    await controller.shutdown()
    return code
