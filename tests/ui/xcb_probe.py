"""Run the real kiosk (`run_kiosk`, as `aisle` and `aisle --kiosk` do) on an X server with no window manager and
report, as one JSON line: the window's geometry, the screen's, and what the layout checker found after each step of a
short visit. Started by `test_ui_real_x.py` with DISPLAY and QT_QPA_PLATFORM=xcb set."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]


async def visit(shots: Path, tag: str, report: dict[str, Any]) -> None:
    """Drive the window that `run_kiosk` opened: two searches and a product's details, checking after each."""
    from layout_checker import check_layout
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from ui.components.details import DetailsView
    from ui.components.results import ResultsView
    from ui.main_window import KioskWindow
    from ui.screenshots import settle, wait_for

    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, KioskWindow))
    problems: list[str] = []
    try:
        assert await wait_for(lambda: bool(window.featured), 60), "no featured products"

        async def step(name: str) -> None:
            await settle(window)
            window.grab().save(str(shots / f"{tag}-{name}.png"))
            problems.extend(f"{name}: {p}" for p in check_layout(window))

        await step("welcome")
        window.start_shopping()
        assert await wait_for(lambda: window.session_id is not None, 20), "no session"
        for text in ("I need a warm sleeping bag under 150 dollars", "show me tents"):
            before = window.shopping.products.current
            window._send(text)
            assert await wait_for(lambda b=before: isinstance(window.shopping.products.current, ResultsView)
                                  and window.shopping.products.current is not b and not window.busy, 20), text
            await step(text.split()[-1])
        window.shopping.products.current.cards[1].activate()
        assert await wait_for(lambda: isinstance(window.shopping.products.current, DetailsView), 20), "details"
        await step("details")
        screen = QGuiApplication.primaryScreen()
        report.update({
            "platform": QGuiApplication.platformName(),
            "window": list(window.geometry().getRect()),
            "screen": list(screen.geometry().getRect()),
            "available": list(screen.availableGeometry().getRect()),
            "full_screen": window.isFullScreen(),
            "problems": problems,
        })
    except Exception as exc:  # reported, then the kiosk quits either way
        report["error"] = repr(exc)
    finally:
        window._quit()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--locked", action="store_true")
    parser.add_argument("--shots", type=Path, required=True)
    args = parser.parse_args()
    from PySide6.QtCore import QTimer

    from app.catalog.build import build_catalog
    from app.settings import load_settings
    from ui.kiosk_main import run_kiosk

    tmp = Path(tempfile.mkdtemp(prefix="aisle-xcb-"))
    build_catalog(tmp / "catalog.db")
    settings = load_settings({"data_dir": tmp / "data", "catalog": tmp / "catalog.db"}, environ={}).replace(
        kiosk_lock=args.locked, voice_enabled=False, api_enabled=False)
    report: dict[str, Any] = {}
    tag = "locked" if args.locked else "normal"
    tasks: list[asyncio.Task[None]] = []

    def first_frame() -> None:
        QTimer.singleShot(0, lambda: tasks.append(asyncio.ensure_future(visit(args.shots, tag, report))))

    code = run_kiosk(settings, on_first_frame=first_frame, services=[])
    print(json.dumps(report))
    return code


if __name__ == "__main__":
    sys.exit(main())
