"""The loop under the kiosk: a qasync soak with the pinned PySide6 (6.12.0 aborted after ~8,000 callbacks on
Python 3.11), the loop fixture re-raising what it collected, `run_kiosk` from first frame to clean shutdown, and the
screenshots command."""

from __future__ import annotations

import asyncio
import sys

import PySide6
import pytest
from kiosk_harness import LoopErrors, qasync_loop, run
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

SOAK_CALLBACKS = 60_000


def test_pinned_pyside6_survives_a_qasync_soak(qloop):
    version = tuple(int(p) for p in PySide6.__version__.split(".")[:2])
    if sys.version_info < (3, 12):
        assert version < (6, 12), f"PySide6 {PySide6.__version__} aborts qasync apps on Python 3.11: keep it < 6.12"

    async def soak() -> int:
        n = 0
        for _ in range(SOAK_CALLBACKS):
            await asyncio.sleep(0)
            n += 1
        return n

    async def with_timers() -> int:
        fired = 0
        for _ in range(2_000):
            fut = asyncio.get_running_loop().create_future()
            QTimer.singleShot(0, lambda f=fut: f.done() or f.set_result(None))
            await fut
            fired += 1
        return fired

    assert run(qloop, soak(), 120) == SOAK_CALLBACKS
    assert run(qloop, with_timers(), 60) == 2_000


def test_the_loop_fixture_reraises_what_the_loop_collected(qapp):
    async def lose_an_exception() -> None:
        asyncio.get_running_loop().call_soon(lambda: 1 / 0)
        await asyncio.sleep(0.01)

    with pytest.raises(LoopErrors) as caught, qasync_loop(qapp) as loop:
        loop.run_until_complete(lose_an_exception())
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


def test_run_kiosk_paints_a_first_frame_and_shuts_down_cleanly(qapp, settings):
    from ui.kiosk_main import run_kiosk
    from ui.main_window import KioskWindow

    frames: list[bool] = []
    urls: list[str] = []

    def first_frame() -> None:
        frames.append(True)

        def quit_when_ready() -> None:
            windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWindow)]
            if windows and windows[0].controller.ready and windows[0].featured and windows[0].endpoint_url:
                urls.append(windows[0].endpoint_url)
                windows[0]._quit()
            else:
                QTimer.singleShot(20, quit_when_ready)

        QTimer.singleShot(0, quit_when_ready)

    code = run_kiosk(settings.replace(api_port=0), on_first_frame=first_frame, services=[])
    assert code == 0 and frames == [True]
    assert urls and urls[0].startswith("http://127.0.0.1:")  # the HTTP endpoint starts with the kiosk
    asyncio.set_event_loop(None)


@pytest.mark.slow
def test_screenshots_render_every_screen(qapp, settings, tmp_path):
    from ui.screenshots import SCREENS, render_all

    assert render_all(settings, tmp_path, themes_to_render=("dark",), sizes=((1080, 1920),), laptop=False) == 0
    asyncio.set_event_loop(None)
    files = sorted(p.name for p in tmp_path.glob("*.png"))
    assert files == sorted(f"dark-1080x1920-{name}.png" for name in SCREENS)
    image = QImage(str(tmp_path / "dark-1080x1920-finish.png"))
    assert (image.width(), image.height()) == (1080, 1920)
    colours = {image.pixel(x, y) for x in range(0, 1080, 40) for y in range(0, 1920, 40)}
    assert len(colours) > 10
