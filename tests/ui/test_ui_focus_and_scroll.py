"""What a shopper sees after a tap or a question. A tap that makes its own button go away (a card replaced by its
details, "Back to results" hidden, a cart line removed) leaves the focus in the text box, not as a ring on the next
button ("Checkout", "Cart", a line's "−") where the next Enter or Space would act; a question about a product is
answered in words with the products left on screen, not a raw "Get product info" card; and the newest turn stays in
view when the on-screen keyboard makes the conversation shorter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ui.components.details import DetailsView
from ui.components.fallback import FallbackCard
from ui.components.results import ResultsView


def ask(kiosk, text: str) -> None:
    w = kiosk.window
    session = kiosk.runtime.conversation.session
    turns = len(session.turns)
    w._send(text)
    kiosk.wait(lambda: len(session.turns) > turns + 1 and not w.busy, what=f"a reply to {text!r}")
    kiosk.settle()


def tap(kiosk, qtbot, widget) -> None:
    """As a finger does: the tapped button takes the focus, then is clicked."""
    kiosk.window.activateWindow()
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    assert QApplication.focusWidget() is widget, "the tapped button did not take the focus"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_focus_goes_back_to_the_text_box_when_the_tapped_button_goes_away(kiosk, qtbot):
    kiosk.start()
    w = kiosk.window
    products, text_box = w.shopping.products, w.shopping.conversation.input
    ask(kiosk, "show me camp stoves")
    results = products.current
    assert isinstance(results, ResultsView)
    kiosk.wait(lambda: results.grid.complete, what="every card")
    card = next(c for c in results.cards if c.product["stock"] > 0)

    tap(kiosk, qtbot, card)
    kiosk.wait(lambda: isinstance(products.current, DetailsView) and not w.busy, what="the details")
    kiosk.settle()
    assert QApplication.focusWidget() is text_box, f"focus on {QApplication.focusWidget()!r} after a card tap"

    tap(kiosk, qtbot, products.back_button)
    assert products.current is results
    kiosk.settle()
    assert QApplication.focusWidget() is text_box, f"focus on {QApplication.focusWidget()!r} after Back"

    tap(kiosk, qtbot, card.add_button)
    kiosk.wait(lambda: w.badge.count == 1 and not w.busy, what="the stove in the cart")
    tap(kiosk, qtbot, w.shopping.cart.lines[0].remove)
    kiosk.wait(lambda: w.badge.count == 0 and not w.busy, what="an empty cart")
    kiosk.settle()
    assert QApplication.focusWidget() is text_box, f"focus on {QApplication.focusWidget()!r} after removing a line"


def test_focus_the_shopper_moves_is_left_where_they_put_it(kiosk, qtbot):
    kiosk.start()
    w = kiosk.window
    ask(kiosk, "show me headlamps")
    w.activateWindow()
    w.start_over_button.setFocus(Qt.FocusReason.TabFocusReason)
    w.badge.button.setFocus(Qt.FocusReason.TabFocusReason)  # Shift+Tab from "Start over": both stay visible
    assert QApplication.focusWidget() is w.badge.button


def test_a_question_about_a_product_keeps_the_results_on_screen(kiosk):
    kiosk.start()
    products = kiosk.window.shopping.products
    ask(kiosk, "I always get cold at night in my tent")
    results = products.current
    assert isinstance(results, ResultsView)
    ask(kiosk, "which of these is the warmest?")
    reply = kiosk.runtime.conversation.session.turns[-1]
    assert reply.role == "assistant" and "warmest" in reply.text  # answered through get_product_info
    shown = [products.current, *products.history]
    assert not any(isinstance(page, FallbackCard) for page in shown), "a raw tool result was shown"
    assert products.current is results


def test_the_newest_turn_stays_in_view_when_the_keyboard_opens(kiosk, qtbot):
    w = kiosk.window
    w.resize(1280, 800)
    kiosk.start()
    for text in ("I always get cold at night in my tent", "which of these is the warmest?", "show me hiking boots"):
        ask(kiosk, text)
    bar = w.shopping.conversation.scroll_area.verticalScrollBar()
    kiosk.wait(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), what="the newest turn in view")
    qtbot.mouseClick(w.shopping.conversation.keyboard_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: w.keyboard.isVisible(), what="the on-screen keyboard")
    kiosk.settle()
    assert bar.value() == bar.maximum(), f"scrolled to {bar.value()} of {bar.maximum()} with the keyboard up"
    bar.setValue(0)  # the shopper scrolls back to read: a shorter view does not pull them down
    w.keyboard.hide()
    kiosk.settle()
    qtbot.mouseClick(w.shopping.conversation.keyboard_button, Qt.MouseButton.LeftButton)
    kiosk.settle()
    assert bar.value() == 0
