"""Taps as shoppers make them, in a conversation rather than on one fresh grid: cards keep their layout after the
first search, a tap records the right product, a featured product opens on the first tap, "Start over" asks before
it empties a cart, the landscape "Cart" button opens the cart, and quantity taps do not fill the chat."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ui.components.details import DetailsView
from ui.components.results import ResultsView


def ask(kiosk, text: str) -> ResultsView:
    w = kiosk.window
    before = w.shopping.products.current
    w._send(text)
    kiosk.wait(lambda: isinstance(w.shopping.products.current, ResultsView) and w.shopping.products.current
               is not before, what=f"results for {text!r}")
    kiosk.wait(lambda: not w.busy and w.shopping.products.current.grid.complete, what="the reply and every card")
    kiosk.settle()
    return w.shopping.products.current


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_cards_keep_add_to_cart_at_the_bottom_on_every_grid(kiosk, size):
    kiosk.window.resize(*size)
    kiosk.start()
    for text in ("I need a warm sleeping bag under 150 dollars", "show me tents"):
        results = ask(kiosk, text)
        for card in results.cards:
            button = card.add_button.geometry()
            assert button.top() > card._image_height(card.width()), f"{text}: {card.display_name} button on the image"
            assert card.height() - button.bottom() <= 20, f"{text}: {card.display_name} has an empty bottom"


def test_a_new_search_has_no_back_button_but_details_go_back_to_results(kiosk, qtbot):
    kiosk.start()
    ask(kiosk, "I need a warm sleeping bag under 150 dollars")
    results = ask(kiosk, "show me tents")
    products = kiosk.window.shopping.products
    assert not products.back_button.isVisibleTo(kiosk.window)
    qtbot.mouseClick(results.cards[1], Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: isinstance(products.current, DetailsView), what="details")
    assert products.back_button.isVisibleTo(kiosk.window) and products.back_button.text() == "Back to results"
    qtbot.mouseClick(products.back_button, Qt.MouseButton.LeftButton)
    assert products.current is results


def test_add_to_cart_on_details_records_the_product_name(kiosk, qtbot):
    kiosk.start()
    results = ask(kiosk, "show me tents")
    card = next(c for c in results.cards if c.product["stock"] > 0)
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, DetailsView), what="details")
    details = kiosk.window.shopping.products.current
    assert details.product["specs"]
    qtbot.mouseClick(details.add_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: kiosk.window.badge.count == 1, what="the cart")
    turns = [t.text for t in kiosk.runtime.conversation.session.turns if t.source == "touch"]
    assert turns[-1] == f"Add to cart: {card.display_name}"


def test_a_featured_product_opens_on_the_first_tap(kiosk, qtbot):
    w = kiosk.window
    card = w.attract.cards[0]
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: isinstance(w.shopping.products.current, DetailsView), what="the product's details")
    assert w.shopping.products.current.product["id"] == card.product_id
    kiosk.wait(lambda: not w.busy)
    reasons = [r["end_reason"] for r in kiosk.history_sessions()]
    assert "replaced" not in reasons and len(kiosk.history_sessions()) == 1


def fill_cart(kiosk, qtbot) -> None:
    results = ask(kiosk, "show me headlamps")
    qtbot.mouseClick(results.cards[0].add_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: kiosk.window.badge.count == 1, what="an item in the cart")
    kiosk.wait(lambda: not kiosk.window.busy)


def test_start_over_with_a_full_cart_asks_first(kiosk, qtbot):
    w = kiosk.window
    first = kiosk.start()
    fill_cart(kiosk, qtbot)
    qtbot.mouseClick(w.start_over_button, Qt.MouseButton.LeftButton)
    confirm = w.start_over_prompt
    assert confirm.isVisible() and w.session_id == first and w.badge.count == 1
    assert confirm.keep_button.text() == "Keep shopping" and confirm.confirm_button.text() == "Start over"
    assert min(confirm.keep_button.height(), confirm.confirm_button.height()) >= 80
    qtbot.mouseClick(confirm.keep_button, Qt.MouseButton.LeftButton)
    assert not confirm.isVisible() and w.session_id == first and w.badge.count == 1
    qtbot.mouseClick(w.start_over_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(confirm.confirm_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: w.screen_name == "attract", what="the welcome screen")


def test_start_over_with_an_empty_cart_does_not_ask(kiosk, qtbot):
    w = kiosk.window
    kiosk.start()
    qtbot.mouseClick(w.start_over_button, Qt.MouseButton.LeftButton)
    assert not w.start_over_prompt.isVisible()
    kiosk.wait(lambda: w.screen_name == "attract", what="the welcome screen")


def test_the_cart_button_opens_the_cart(kiosk, qtbot):
    w = kiosk.window
    kiosk.start()
    fill_cart(kiosk, qtbot)
    qtbot.mouseClick(w.badge.button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: w.shopping.products.current is not None
               and type(w.shopping.products.current).__name__ == "OrderReview", what="the cart review")
    turns = [t.text for t in kiosk.runtime.conversation.session.turns if t.source == "touch"]
    assert turns[-1] == "Cart"  # the chat says "Tapped · Cart", the word on the button, not "Checkout"


def test_quantity_taps_do_not_fill_the_chat(kiosk, qtbot):
    w = kiosk.window
    kiosk.start()
    fill_cart(kiosk, qtbot)
    bubbles = len(w.shopping.conversation.bubbles)
    line = w.shopping.cart.lines[0]
    qtbot.mouseClick(line.plus, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: w.badge.count == 2, what="quantity 2")
    kiosk.wait(lambda: not w.busy)
    assert len(w.shopping.conversation.bubbles) == bubbles
    assert any(t.text.startswith("Quantity 2") for t in kiosk.runtime.conversation.session.turns)


def test_toasts_stay_clear_of_the_text_box_and_checkout_in_portrait(kiosk, qtbot):
    w = kiosk.window
    w.resize(1080, 1920)
    kiosk.start()
    fill_cart(kiosk, qtbot)
    kiosk.settle()
    assert w.toast.isVisible()
    toast = w.toast.geometry()
    for widget in (w.shopping.conversation.input, w.shopping.cart.checkout_button):
        rect = widget.rect().translated(widget.mapTo(w.centralWidget(), widget.rect().topLeft()))
        assert not toast.intersects(rect), f"the toast covers {widget.accessibleName()}"

