"""Privacy between shoppers: idle reset and "Start over" clear the screen, end the session in history with the
reason, and the next shopper gets a new session."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ui.components.results import ResultsView


def shop_a_little(kiosk, qtbot) -> str:
    session_id = kiosk.start()
    conv = kiosk.window.shopping.conversation
    qtbot.keyClicks(conv.input, "show me headlamps")
    qtbot.keyClick(conv.input, Qt.Key.Key_Return)
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, ResultsView), what="results")
    card = kiosk.window.shopping.products.current.cards[0]
    qtbot.mouseClick(card.add_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: kiosk.window.badge.count == 1, what="an item in the cart")
    kiosk.wait(lambda: not kiosk.window.busy)
    return session_id


def assert_clean(kiosk) -> None:
    w = kiosk.window
    assert w.screen_name == "attract"
    assert w.session_id is None
    assert kiosk.runtime.conversation.session is None
    assert w.shopping.conversation.bubbles == []
    assert w.shopping.conversation.input.text() == ""
    assert w.shopping.products.current is None and w.shopping.products.history == []
    assert w.shopping.cart.lines == [] and w.badge.count == 0
    assert not w.idle_overlay.isVisible()
    kiosk.settle()
    texts = " ".join(lab.text() for lab in w.findChildren(QLabel) if lab.isVisibleTo(w))
    assert "headlamp" not in texts.lower().replace("spark 250 headlamp", "")  # the attract row may feature one


def ended(kiosk, session_id: str) -> dict:
    return next(r for r in kiosk.history_sessions() if r["id"] == session_id)


def test_start_over_clears_everything_and_the_next_session_is_new(kiosk, qtbot):
    first = shop_a_little(kiosk, qtbot)
    qtbot.mouseClick(kiosk.window.start_over_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(kiosk.window.start_over_prompt.confirm_button, Qt.MouseButton.LeftButton)  # a full cart: asked
    kiosk.wait(lambda: kiosk.window.screen_name == "attract", what="the attract screen")
    assert_clean(kiosk)
    row = ended(kiosk, first)
    assert row["end_reason"] == "start_over" and row["ended_at"]
    second = kiosk.start()
    assert second != first
    assert kiosk.runtime.conversation.session.cart.item_count == 0
    assert kiosk.window.shopping.cart.lines == []


@pytest.fixture
def kiosk_settings(settings):
    return settings.replace(idle_timeout_s=1, idle_countdown_s=1)


def test_idle_timeout_asks_then_resets(kiosk, qtbot):
    first = shop_a_little(kiosk, qtbot)
    kiosk.wait(lambda: kiosk.window.idle_overlay.isVisible(), limit_s=4, what="Still there?")
    assert "Starting over in" in kiosk.window.idle_overlay.count.text()
    kiosk.wait(lambda: kiosk.window.screen_name == "attract", limit_s=4, what="the idle reset")
    assert_clean(kiosk)
    assert ended(kiosk, first)["end_reason"] == "idle_timeout"
    second = kiosk.start()
    assert second != first and kiosk.window.badge.count == 0


def test_still_here_keeps_the_session(kiosk, qtbot):
    first = shop_a_little(kiosk, qtbot)
    kiosk.window.idle.trigger()
    assert kiosk.window.idle_overlay.isVisible()
    qtbot.mouseClick(kiosk.window.idle_overlay.here_button, Qt.MouseButton.LeftButton)
    assert not kiosk.window.idle_overlay.isVisible()
    assert kiosk.window.session_id == first and kiosk.window.badge.count == 1
    kiosk.window.idle.stop()


def test_a_session_ended_by_the_assistant_also_clears_the_screen(kiosk, qtbot):
    first = shop_a_little(kiosk, qtbot)
    conv = kiosk.window.shopping.conversation
    qtbot.keyClicks(conv.input, "start over")
    qtbot.keyClick(conv.input, Qt.Key.Key_Return)
    kiosk.wait(lambda: kiosk.window.screen_name == "attract", what="the reset")
    assert_clean(kiosk)
    assert ended(kiosk, first)["end_reason"]


@pytest.fixture
def locked_settings(settings):
    return settings.replace(kiosk_lock=True, hide_cursor=True)


def test_kiosk_lock_is_fullscreen_frameless_and_only_staff_can_close_it(qloop, locked_settings):
    from kiosk_harness import close_kiosk, make_kiosk
    from PySide6.QtWidgets import QApplication

    k = make_kiosk(qloop, locked_settings)
    try:
        w = k.window
        w.apply_window_mode()
        assert w.windowFlags() & Qt.WindowType.FramelessWindowHint
        assert w.windowState() & Qt.WindowState.WindowFullScreen
        assert QApplication.overrideCursor() is not None
        assert QApplication.overrideCursor().shape() == Qt.CursorShape.BlankCursor
        assert not w.close()  # refused: a shopper cannot close the kiosk
        assert w.isVisible() and "locked" in w.toast.text.text()
        w._quit()  # the staff panel's Quit
        assert not w.isVisible()
    finally:
        while QApplication.overrideCursor() is not None:
            QApplication.restoreOverrideCursor()
        close_kiosk(k)


def test_the_finish_screen_starts_over_by_itself(kiosk, qtbot):
    from ui.components.cart_review import OrderReview

    first = shop_a_little(kiosk, qtbot)
    w = kiosk.window
    w.finish_timer.setInterval(100)
    w.controller.review_order()
    kiosk.wait(lambda: isinstance(w.shopping.products.current, OrderReview))
    w.controller.confirm_order()
    kiosk.wait(lambda: w.screen_name == "finish")
    kiosk.wait(lambda: w.screen_name == "attract", what="the automatic start over")
    assert_clean(kiosk)
    row = ended(kiosk, first)
    assert row["end_reason"] == "finished" and row["order_number"]
