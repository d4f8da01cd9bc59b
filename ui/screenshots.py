"""`aisle screenshots --out DIR`: every main screen, offscreen, in each theme and both kiosk orientations (plus a
1366×768 laptop and large-text mode once), driven through the real runtime and the offline brain and saved with
`QWidget.grab()` as `THEME-WIDTHxHEIGHT-SCREEN.png`."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.settings import Settings

log = logging.getLogger("aisle.ui.screenshots")

SIZES = ((1920, 1080), (1080, 1920))
LAPTOP = (1366, 768)
THEMES = ("light", "dark", "contrast")
SCREENS = ("attract", "results", "details", "cart", "finish", "idle", "staff")


async def settle(window: Any, limit_s: float = 5.0) -> None:
    """Wait until the window has nothing left to do: tasks, queued events, image fetches and renders."""
    from PySide6.QtWidgets import QApplication

    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while loop.time() < deadline:
        await window.controller.wait_idle()
        await asyncio.sleep(0.03)
        images = window.images
        from ui.components.common import CardGrid
        from ui.work import pending

        busy = images._wanted or images._in_flight or images._render_queue or CardGrid.building or pending() or (
            images._fetch_task is not None and not images._fetch_task.done())
        if not busy and not window.controller._tasks:
            break
    QApplication.processEvents()
    await asyncio.sleep(0.05)
    QApplication.processEvents()


async def wait_for(predicate: Callable[[], bool], limit_s: float = 5.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while loop.time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()


class SampleVoiceLoop:
    """What the staff panel reads from a voice loop, with fixed sample values (screenshots have no sound card)."""

    def __init__(self) -> None:
        self.state = "idle"
        self.problem = ""
        self.available = True
        self.echo_mode = "aec"
        self.level_dbfs = -24.0
        self.listeners: list[Any] = []

    def push_to_talk(self, pressed: bool) -> None:
        pass

    async def say(self, text: str) -> None:
        pass


class SampleVoiceService:
    """A stand-in voice service for the staff panel's screenshot: two named microphones and speakers, voice on."""

    name = "audio"

    def __init__(self) -> None:
        self.loop = SampleVoiceLoop()

    def status(self) -> str:
        return "on (aec)"

    async def device_names(self) -> tuple[list[str], list[str]]:
        return (["Kiosk array microphone (USB)", "Built-in microphone"],
                ["Kiosk soundbar (USB)", "Built-in speakers"])

    async def reconfigure(self, input_device: str, output_device: str, push_to_talk: bool | None = None) -> None:
        pass


async def drive(window: Any, shoot: Callable[[str], None]) -> None:
    """One scripted visit: attract, a search, details, a cart, the order review, the finish screen, the idle
    overlay and the staff panel (with a sample voice service when there is none, to show its controls)."""
    from PySide6.QtWidgets import QApplication

    ctrl = window.controller
    await wait_for(lambda: bool(window.featured), 5)
    await settle(window)
    shoot("attract")
    window.start_shopping()
    await wait_for(lambda: window.session_id is not None)
    window._send("show me sleeping bags under $150")
    from ui.components.results import ResultsView

    await wait_for(lambda: isinstance(window.shopping.products.current, ResultsView))
    await settle(window)
    shoot("results")
    first = window.shopping.products.current.cards[0]
    ctrl.show_details(first.product_id, first.display_name)
    from ui.components.details import DetailsView

    await wait_for(lambda: isinstance(window.shopping.products.current, DetailsView))
    await settle(window)
    shoot("details")
    ctrl.add_to_cart(first.product_id, first.display_name)
    recs = window.shopping.products.current.strip
    if recs is not None and recs.cards:
        await settle(window)
        ctrl.add_to_cart(recs.cards[0].product_id, recs.cards[0].display_name)
    await settle(window)
    ctrl.set_quantity(first.product_id, first.display_name, 2)
    await settle(window)
    ctrl.review_order()
    from ui.components.cart_review import OrderReview

    await wait_for(lambda: isinstance(window.shopping.products.current, OrderReview))
    await settle(window)
    window.toast.hide()
    shoot("cart")
    ctrl.confirm_order()
    await wait_for(lambda: window.screen_name == "finish")
    await settle(window)
    window.toast.hide()
    shoot("finish")
    ctrl.end_session("finished")
    await wait_for(lambda: window.screen_name == "attract")
    window.start_shopping()
    await wait_for(lambda: window.session_id is not None)
    window._send("a tent for two people")
    await wait_for(lambda: isinstance(window.shopping.products.current, ResultsView))
    await settle(window)
    window.idle.trigger()
    await settle(window)
    shoot("idle")
    window._still_here()
    if window.voice_service() is None:
        window.add_service(SampleVoiceService())
    window._open_staff_panel()
    await settle(window)
    window.staff_panel._read_level()
    QApplication.processEvents()
    shoot("staff")
    window.staff_panel.close_panel()
    ctrl.end_session("finished")
    await settle(window)


def render_all(settings: Settings, out_dir: Path, themes_to_render: tuple[str, ...] = THEMES,
               sizes: tuple[tuple[int, int], ...] = SIZES, laptop: bool = True) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.catalog.provision import ensure_data_catalog
    from app.compose.runtime import build_app
    from ui import theme as themes
    from ui.controller import KioskController
    from ui.fonts import load_fonts
    from ui.main_window import KioskWindow
    from ui.qtlog import install

    install()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    catalog = settings.catalog if settings.catalog is not None else ensure_data_catalog(settings.catalog_path)
    scratch = tempfile.TemporaryDirectory(prefix="aisle-shots-")
    from app.staff_pin import hash_pin

    shot_settings = settings.replace(data_dir=Path(scratch.name), catalog=catalog, kiosk_lock=False,
                                     hide_cursor=False, staff_pin_hash=hash_pin("2580"), reply_pacing_ms=0,
                                     input_device="Kiosk array microphone (USB)",
                                     output_device="Kiosk soundbar (USB)")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    family = load_fonts()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runtime = build_app(shot_settings)
    written: list[Path] = []
    runs = [(theme, size) for theme in themes_to_render for size in sizes]
    if laptop:
        runs += [("light", LAPTOP), ("light-large", (1920, 1080))]

    async def run_all() -> None:
        for theme, (w, h) in runs:
            name, large = theme.removesuffix("-large"), theme.endswith("-large")
            themes.apply_theme(app, themes.theme_for(name, large, family))
            controller = KioskController(shot_settings)
            controller.attach(runtime)
            window = KioskWindow(shot_settings.replace(theme=name, large_text=large), controller)
            window.resize(w, h)
            window.show()

            def shoot(name: str, window: Any = window, theme: str = theme, w: int = w, h: int = h) -> None:
                path = out_dir / f"{theme}-{w}x{h}-{name}.png"
                window.grab().save(str(path))
                written.append(path)

            try:
                await drive(window, shoot)
            finally:
                window.bridge.detach()
                window.idle.stop()
                window.hide()
                window.deleteLater()
                await asyncio.sleep(0)
        await runtime.close()

    try:
        with loop:
            loop.run_until_complete(run_all())
    finally:
        scratch.cleanup()
    print(f"Wrote {len(written)} screenshots to {out_dir}")
    return 0
