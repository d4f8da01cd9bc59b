"""Kiosk memory: RSS after 200 scripted turns across 20 sessions — per-session RSS and the trend after the first
session (goal: no growth trend).

The kiosk window runs offscreen at 1920×1080 with the real runtime and the offline brain. Each session is ten turns,
typed and tapped like a shopper would: search, open details, add to cart, search again, ask for what goes with it,
change a quantity, check out, confirm; then "Done" ends the session and the attract screen returns. After each
session the bench lets deferred deletions run, collects garbage, and records the process RSS, the number of live
widgets and of Python objects.

    .venv/bin/python bench/bench_kiosk_memory.py [--sessions 20]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("AISLE_NO_KEYRING", "1")


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def slope(values: list[float]) -> float:
    """Least-squares slope per step."""
    n = len(values)
    if n < 2:
        return 0.0
    mx = (n - 1) / 2
    my = sum(values) / n
    num = sum((i - mx) * (v - my) for i, v in enumerate(values))
    den = sum((i - mx) ** 2 for i in range(n))
    return num / den


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()

    import qasync
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from app.compose.brains import make_brain_factory
    from app.compose.runtime import build_runtime
    from app.paths import shipped_catalog_path
    from app.settings import load_settings
    from ui import theme as themes
    from ui.components.cart_review import OrderReview
    from ui.components.details import DetailsView
    from ui.components.results import ResultsView
    from ui.controller import KioskController
    from ui.fonts import load_fonts
    from ui.main_window import KioskWindow
    from ui.qtlog import install
    from ui.screenshots import settle, wait_for

    install()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    themes.apply_theme(app, themes.theme_for("light", False, load_fonts()))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    scratch = tempfile.TemporaryDirectory(prefix="aisle-mem-")
    settings = load_settings({"data_dir": scratch.name, "catalog": shipped_catalog_path()}, environ={})
    runtime = build_runtime(settings, make_brain_factory(settings))
    controller = KioskController(settings)
    controller.attach(runtime)
    window = KioskWindow(settings, controller)
    window.resize(1920, 1080)
    window.show()
    turns = 0

    async def typed(text: str, expect: type | None = None) -> None:
        nonlocal turns
        window._send(text)
        turns += 1
        if expect is not None:
            await wait_for(lambda: isinstance(window.shopping.products.current, expect), 10)
        await settle(window)

    async def tapped(action, expect=None, check=None) -> None:  # type: ignore[no-untyped-def]
        nonlocal turns
        action()
        turns += 1
        if expect is not None:
            await wait_for(lambda: isinstance(window.shopping.products.current, expect), 10)
        if check is not None:
            await wait_for(check, 10)
        await settle(window)

    async def one_session(n: int) -> None:
        window.start_shopping()
        await wait_for(lambda: window.session_id is not None, 10)
        ctrl = window.controller
        await typed("show me sleeping bags under 150", ResultsView)
        cards = [c for c in window.shopping.products.current.cards if c.product["in_stock"]]
        card = cards[n % 3]
        await tapped(lambda: ctrl.show_details(card.product_id, card.display_name), DetailsView)
        await tapped(lambda: ctrl.add_to_cart(card.product_id, card.display_name),
                     check=lambda: window.badge.count == 1)
        await typed("show me tents for two", ResultsView)
        await typed("tell me about the second one", DetailsView)
        await typed("add it to my cart", None)
        await typed("what goes well with it", None)
        await tapped(lambda: ctrl.set_quantity(card.product_id, card.display_name, 2),
                     check=lambda: window.badge.count >= 3)
        await tapped(ctrl.review_order, OrderReview)
        await tapped(ctrl.confirm_order, check=lambda: window.screen_name == "finish")
        window.finish_view.done_button.click()
        await wait_for(lambda: window.screen_name == "attract", 10)
        await settle(window)

    rows: list[tuple[int, float, int, int]] = []

    async def run_all() -> None:
        await wait_for(lambda: bool(window.featured), 10)
        for n in range(args.sessions):
            await one_session(n)
            for _ in range(3):
                QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
                await asyncio.sleep(0.02)
            gc.collect()
            rows.append((turns, rss_mb(), len(QApplication.allWidgets()), len(gc.get_objects())))

    with loop:
        before = rss_mb()
        loop.run_until_complete(run_all())
        window.idle.stop()
        loop.run_until_complete(controller.shutdown())
    scratch.cleanup()

    print(f"kiosk memory, offscreen 1920x1080, {args.sessions} sessions, {turns} scripted turns "
          f"(RSS before the first session: {before:.1f} MB)")
    print("  session  turns   RSS MB  widgets  py objects")
    for i, (t, rss, widgets, objects) in enumerate(rows, 1):
        print(f"  {i:7d}  {t:5d}  {rss:7.1f}  {widgets:7d}  {objects:10d}")
    after_first = [r[1] for r in rows[1:]]
    widgets_after = [r[2] for r in rows[1:]]
    rss_slope = slope(after_first)
    widget_slope = slope([float(w) for w in widgets_after])
    spread = max(after_first) - min(after_first) if after_first else 0.0
    objects_slope = slope([float(r[3]) for r in rows[1:]])
    late = [r[1] for r in rows[5:]]
    print(f"  after session 1: RSS {min(after_first):.1f}–{max(after_first):.1f} MB (spread {spread:.1f} MB), "
          f"trend {rss_slope * 1024:+.0f} KB/session; live widgets trend {widget_slope:+.2f}/session; "
          f"Python objects trend {objects_slope:+.1f}/session")
    if len(late) > 2:
        print(f"  sessions 6–{len(rows)}: RSS trend {slope(late) * 1024:+.0f} KB/session (the warm-up of sessions 2–5 "
              "excluded: bounded caches — images, SQLite pages — filling)")
    ok = rss_slope * 1024 < 256 and abs(widget_slope) < 0.5
    print(f"  result: {'PASS' if ok else 'FAIL'} (no growth: RSS trend < 256 KB/session and a flat widget count)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
