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
from typing import TYPE_CHECKING

from app.events import VoiceState
from app.settings import Settings

if TYPE_CHECKING:
    from app.runtime import Runtime
    from ui.main_window import KioskWindow

log = logging.getLogger("aisle.ui.screenshots")

SIZES = ((1920, 1080), (1080, 1920))
LAPTOP = (1366, 768)
THEMES = ("light", "dark", "contrast")
SCREENS = ("attract", "results", "details", "cart", "finish", "idle", "staff")


async def settle(window: KioskWindow, limit_s: float = 5.0) -> None:
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


class SampleVoice:
    """Voice as the staff panel shows it (`app.ports.VoicePort`), with fixed sample values: screenshots have no sound
    card. Two named microphones and speakers, voice on with echo cancellation."""

    def state(self) -> VoiceState:
        return VoiceState.IDLE

    def on_state_changed(self, listener: Callable[[VoiceState], None]) -> None:
        pass  # the sample never changes state

    def status(self) -> str:
        return "on (aec)"

    def problem(self) -> str:
        return ""

    def input_level_dbfs(self) -> float:
        return -24.0

    def push_to_talk(self, pressed: bool) -> None:
        pass

    async def device_names(self) -> tuple[list[str], list[str]]:
        return (["Kiosk array microphone (USB)", "Built-in microphone"],
                ["Kiosk soundbar (USB)", "Built-in speakers"])

    async def reconfigure(self, input_device: str, output_device: str, push_to_talk: bool) -> None:
        pass

    async def say(self, text: str) -> None:
        pass


async def drive(window: KioskWindow, shoot: Callable[[str], None]) -> None:
    """One scripted visit: attract, a search, details, a cart, the order review, the finish screen, the idle
    overlay and the staff panel (with sample voice when there is none, to show its controls)."""
    await wait_for(lambda: bool(window.featured), 5)
    await settle(window)
    shoot("attract")
    await _shop_and_check_out(window, shoot)
    await _idle_then_staff(window, shoot)


async def _shop_and_check_out(window: KioskWindow, shoot: Callable[[str], None]) -> None:
    from ui.components.cart_review import OrderReview
    from ui.components.details import DetailsView
    from ui.components.results import ResultsView

    ctrl = window.controller
    products = window.shopping.products
    window.start_shopping()
    await wait_for(lambda: window.session_id is not None)
    window._send("show me sleeping bags under $150")
    await wait_for(lambda: isinstance(products.current, ResultsView))
    await settle(window)
    shoot("results")
    results = products.current
    assert isinstance(results, ResultsView)
    first = results.cards[0]
    ctrl.show_details(first.product_id, first.display_name)
    await wait_for(lambda: isinstance(products.current, DetailsView))
    await settle(window)
    shoot("details")
    ctrl.add_to_cart(first.product_id, first.display_name)
    details = products.current
    recs = details.strip if isinstance(details, DetailsView) else None
    if recs is not None and recs.cards:
        await settle(window)
        ctrl.add_to_cart(recs.cards[0].product_id, recs.cards[0].display_name)
    await settle(window)
    ctrl.set_quantity(first.product_id, first.display_name, 2)
    await settle(window)
    ctrl.review_order()
    await wait_for(lambda: isinstance(products.current, OrderReview))
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


async def _idle_then_staff(window: KioskWindow, shoot: Callable[[str], None]) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.components.results import ResultsView

    window.start_shopping()
    await wait_for(lambda: window.session_id is not None)
    window._send("a tent for two people")
    await wait_for(lambda: isinstance(window.shopping.products.current, ResultsView))
    await settle(window)
    window.idle.trigger()
    await settle(window)
    shoot("idle")
    window._still_here()
    if window.voice_port is None:
        window.attach_voice(SampleVoice())
    window._open_staff_panel()
    await settle(window)
    window.staff_panel._read_level()
    QApplication.processEvents()
    shoot("staff")
    window.staff_panel.close_panel()
    window.controller.end_session("finished")
    await settle(window)


def _shot_settings(settings: Settings, data_dir: Path) -> Settings:
    """The screenshots' own kiosk: a scratch data dir, the catalog, a known staff PIN, named sample devices."""
    from app.catalog.provision import ensure_data_catalog
    from app.staff_pin import hash_pin

    catalog = settings.catalog if settings.catalog is not None else ensure_data_catalog(settings.catalog_path)
    return settings.replace(data_dir=data_dir, catalog=catalog, kiosk_lock=False, hide_cursor=False,
                            staff_pin_hash=hash_pin("2580"), reply_pacing_ms=0,
                            input_device="Kiosk array microphone (USB)", output_device="Kiosk soundbar (USB)")


async def _render_runs(runtime: Runtime, settings: Settings, runs: list[tuple[str, tuple[int, int]]],
                       family: str, out_dir: Path) -> list[Path]:
    """One window per theme and size, driven through the visit; the screenshots written, in order."""
    from ui import theme as themes
    from ui.controller import KioskController
    from ui.main_window import KioskWindow

    written: list[Path] = []
    for theme, (w, h) in runs:
        name, large = theme.removesuffix("-large"), theme.endswith("-large")
        themes.apply_theme(themes.application(), themes.theme_for(name, large, family))
        controller = KioskController(settings)
        controller.attach(runtime)
        window = KioskWindow(settings.replace(theme=name, large_text=large), controller)
        window.resize(w, h)
        window.show()

        def shoot(name: str, window: KioskWindow = window, theme: str = theme, w: int = w, h: int = h) -> None:
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
    return written


def render_all(settings: Settings, out_dir: Path, themes_to_render: tuple[str, ...] = THEMES,
               sizes: tuple[tuple[int, int], ...] = SIZES, laptop: bool = True) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.compose.runtime import build_app
    from ui.fonts import load_fonts
    from ui.qtlog import install

    install()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = tempfile.TemporaryDirectory(prefix="aisle-shots-")
    shot_settings = _shot_settings(settings, Path(scratch.name))
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    family = load_fonts()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runtime = build_app(shot_settings)
    runs = [(theme, size) for theme in themes_to_render for size in sizes]
    if laptop:
        runs += [("light", LAPTOP), ("light-large", (1920, 1080))]
    try:
        with loop:
            written = loop.run_until_complete(_render_runs(runtime, shot_settings, runs, family, out_dir))
    finally:
        scratch.cleanup()
    print(f"Wrote {len(written)} screenshots to {out_dir}")
    return 0
