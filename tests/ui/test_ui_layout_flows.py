"""Real multi-turn flows through the kiosk at every kiosk size, with the layout checker after each step: several
searches in a row, details, cart edits, the cart review, "Start over?", the on-screen keyboard, checkout and the
finish screen, the idle countdown, the staff PIN prompt and panel. Each step's screenshot is kept as a CI artefact
(`$AISLE_ARTIFACTS/layout`, else a folder under pytest's temporary directory)."""

from __future__ import annotations

from pathlib import Path

import pytest
from layout_checker import artefact_dir, check_layout
from PySide6.QtCore import QPoint, QRect, Qt
from test_ui_taps import ask

from app.staff_pin import hash_pin
from ui.components.cart_review import OrderReview
from ui.components.details import DetailsView

SIZES = [(1920, 1080), (1080, 1920), (1366, 768), (1280, 800), (800, 1280)]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return artefact_dir(tmp_path_factory.mktemp("layout-shots"))


@pytest.fixture
def kiosk_settings(settings):
    return settings.replace(staff_pin_hash=hash_pin("2580"))


class Steps:
    def __init__(self, kiosk, shots: Path, size: tuple[int, int]) -> None:
        self.kiosk = kiosk
        self.shots = shots
        self.size = f"{size[0]}x{size[1]}"
        self.problems: list[str] = []
        self.count = 0

    def check(self, step: str) -> None:
        self.kiosk.settle()
        self.count += 1
        w = self.kiosk.window
        w.grab().save(str(self.shots / f"{self.size}-{self.count:02d}-{step}.png"))
        if f"{w.width()}x{w.height()}" != self.size:
            self.problems.append(f"{self.size} {step}: the window grew to {w.width()}×{w.height()} (its minimum "
                                 f"size is {w.minimumSizeHint().width()}×{w.minimumSizeHint().height()})")
        self.problems += [f"{self.size} {step}: {p}" for p in check_layout(w)]


def visible_in(widget, area) -> bool:
    """`widget` is fully on screen inside the scroll area's viewport (not below the fold)."""
    viewport = area.viewport()
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return viewport.rect().contains(rect)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_whole_visit_lays_out_at_every_kiosk_size(kiosk, qtbot, shots, size):
    w = kiosk.window
    w.resize(*size)
    steps = Steps(kiosk, shots, size)
    steps.check("welcome")
    kiosk.start()
    steps.check("start")
    ask(kiosk, "I need a warm sleeping bag under 150 dollars")
    steps.check("sleeping-bags")
    results = ask(kiosk, "show me tents")
    steps.check("tents")
    card = next(c for c in results.cards if c.product["stock"] > 3)
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: isinstance(w.shopping.products.current, DetailsView), what="details")
    steps.check("details")
    details = w.shopping.products.current
    if not visible_in(details.add_button, w.shopping.products.scroll_area):
        steps.problems.append(f"{steps.size} details: Add to cart is below the fold")
    qtbot.mouseClick(details.add_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: w.badge.count == 1, what="the cart")
    steps.check("added")
    qtbot.mouseClick(w.shopping.cart.lines[0].plus, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: w.badge.count == 2, what="quantity 2")
    steps.check("quantity")
    qtbot.mouseClick(w.badge.button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: isinstance(w.shopping.products.current, OrderReview), what="the cart review")
    steps.check("cart-review")
    qtbot.mouseClick(w.start_over_button, Qt.MouseButton.LeftButton)
    steps.check("start-over-asked")
    qtbot.mouseClick(w.start_over_prompt.keep_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.shopping.conversation.keyboard_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(w.shopping.conversation.input, "a stove for two")
    steps.check("keyboard")
    w.keyboard.hide()
    review = w.shopping.products.current
    qtbot.mouseClick(review.confirm_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: w.screen_name == "finish", what="the finish screen")
    steps.check("finish")
    qtbot.mouseClick(w.finish_view.done_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: w.screen_name == "attract", what="the welcome screen")
    kiosk.start()
    w.idle._warn()
    steps.check("idle-countdown")
    w.idle_overlay.start_over.emit()
    kiosk.wait(lambda: w.screen_name == "attract", what="the idle reset")
    w.open_staff()
    steps.check("pin")
    w.pin_prompt.cancel()
    w._open_staff_panel()
    kiosk.wait(lambda: w.staff_panel.isVisible(), what="the staff panel")
    steps.check("staff")
    w.staff_panel.close_panel()
    assert not steps.problems, "\n".join(steps.problems[:40])
