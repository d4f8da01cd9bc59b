"""A shopper at the kiosk: typed query → results, tap → details, add to cart, quantities, checkout with
confirmation, the finish screen's QR code."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ui.components.cart_review import OrderReview
from ui.components.details import DetailsView
from ui.components.finish import FinishView
from ui.components.results import ResultsView


def search(kiosk, qtbot, text="show me sleeping bags under 150"):
    conv = kiosk.window.shopping.conversation
    qtbot.keyClicks(conv.input, text)
    assert conv.counter.text() == f"{len(text)} / 1000"
    qtbot.keyClick(conv.input, Qt.Key.Key_Return)
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, ResultsView), what="results grid")
    kiosk.wait(lambda: not kiosk.window.busy, what="the reply")
    kiosk.wait(lambda: kiosk.window.shopping.products.current.grid.complete, what="all the cards")
    return kiosk.window.shopping.products.current


def add_first(kiosk, qtbot):
    results = kiosk.window.shopping.products.current
    card = results.cards[0]
    qtbot.mouseClick(card.add_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: kiosk.window.badge.count == 1, what="the badge")
    return card


def test_typed_query_shows_a_results_grid(kiosk, qtbot):
    kiosk.start()
    assert kiosk.window.screen_name == "shopping"
    results = search(kiosk, qtbot)
    assert len(results.cards) >= 3
    assert all(card.product["category"] == "sleeping-bags" for card in results.cards)
    assert all(card.product["price"] <= 150 for card in results.cards)
    bubbles = kiosk.window.shopping.conversation.bubbles
    assert bubbles[0].role == "shopper" and "sleeping bags" in bubbles[0].text
    assert bubbles[-1].role == "assistant" and bubbles[-1].text
    assert kiosk.window.shopping.conversation.input.text() == ""
    kiosk.settle()
    assert kiosk.window.images.pixmap(results.cards[0].product_id) is not None


def test_tapping_a_card_shows_its_details(kiosk, qtbot):
    kiosk.start()
    results = search(kiosk, qtbot)
    card = results.cards[1]
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, DetailsView), what="details")
    details = kiosk.window.shopping.products.current
    assert details.product["id"] == card.product_id
    assert details.product["specs"]
    assert details.strip is not None and details.strip.cards
    touch = kiosk.window.shopping.conversation.bubbles[-1]
    assert touch.role == "touch" and card.display_name in touch.text
    # Back returns to the same grid, and Enter on a focused card opens details too
    qtbot.mouseClick(kiosk.window.shopping.products.back_button, Qt.MouseButton.LeftButton)
    assert kiosk.window.shopping.products.current is results
    results.cards[0].setFocus()
    qtbot.keyClick(results.cards[0], Qt.Key.Key_Return)
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, DetailsView)
               and kiosk.window.shopping.products.current.product["id"] == results.cards[0].product_id)


def test_add_to_cart_updates_the_badge_and_the_cart(kiosk, qtbot):
    kiosk.start()
    search(kiosk, qtbot)
    card = add_first(kiosk, qtbot)
    cart = kiosk.window.shopping.cart
    kiosk.wait(lambda: len(cart.lines) == 1)
    assert cart.lines[0].product_id == card.product_id
    assert cart.total_label.text() == f"${card.product['price']:,.2f}"
    assert kiosk.window.badge.button.accessibleName() == "Cart: 1 item"
    assert kiosk.window.toast.isVisible() and "Added" in kiosk.window.toast.text.text()
    assert kiosk.runtime.conversation.session.cart.item_count == 1


def test_quantity_buttons_and_remove(kiosk, qtbot):
    kiosk.start()
    search(kiosk, qtbot)
    add_first(kiosk, qtbot)
    cart = kiosk.window.shopping.cart
    qtbot.mouseClick(cart.lines[0].plus, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: kiosk.window.badge.count == 2, what="quantity 2")
    assert cart.lines[0].count.text() == "2"
    qtbot.mouseClick(cart.lines[0].minus, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: kiosk.window.badge.count == 1, what="quantity 1")
    qtbot.mouseClick(cart.lines[0].remove, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: not cart.lines, what="an empty cart")
    assert kiosk.window.badge.count == 0
    assert not cart.checkout_button.isEnabled()
    assert kiosk.runtime.conversation.session.cart.item_count == 0


def test_checkout_needs_confirmation_and_the_finish_screen_shows_a_qr_code(kiosk, qtbot):
    session_id = kiosk.start()
    search(kiosk, qtbot)
    add_first(kiosk, qtbot)
    # Checking out straight away (no read-back) is refused by the tool and says so
    kiosk.window.controller.confirm_order()
    kiosk.wait(lambda: kiosk.window.toast.isVisible() and "confirm" in kiosk.window.toast.text.text().lower())
    assert kiosk.window.screen_name == "shopping"
    qtbot.mouseClick(kiosk.window.shopping.cart.checkout_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, OrderReview), what="the order review")
    review = kiosk.window.shopping.products.current
    assert kiosk.window.screen_name == "shopping"
    assert kiosk.runtime.conversation.session.order_number is None
    qtbot.mouseClick(review.confirm_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: kiosk.window.screen_name == "finish", what="the finish screen")
    finish = kiosk.window.finish_view
    assert isinstance(finish, FinishView)
    order = kiosk.runtime.conversation.session.order_number
    assert order and finish.order_number == order and finish.number_label.text() == order
    assert finish.qr.payload.startswith(f"AISLE-ORDER:{order}:")
    assert len(finish.qr.matrix) >= 21 and any(any(row) for row in finish.qr.matrix)
    image = finish.qr.grab().toImage()
    dark = sum(1 for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)
               if QColor(image.pixel(x, y)).lightness() < 60)
    assert dark > 50
    qtbot.mouseClick(finish.done_button, Qt.MouseButton.LeftButton)
    kiosk.wait(lambda: kiosk.window.screen_name == "attract", what="the attract screen")
    row = next(r for r in kiosk.history_sessions() if r["id"] == session_id)
    assert row["end_reason"] == "finished" and row["order_number"] == order


def test_on_screen_keyboard_types_into_the_message_box(kiosk, qtbot):
    kiosk.start()
    conv = kiosk.window.shopping.conversation
    qtbot.mouseClick(conv.keyboard_button, Qt.MouseButton.LeftButton)
    keyboard = kiosk.window.keyboard
    assert keyboard.isVisible()
    keys = {k.accessibleName(): k for k in keyboard.findChildren(type(conv.send_button))}
    keys["Shift"].click()
    for ch in "tent":
        keys[f"Key {ch}"].click()
    assert conv.input.text() == "Tent"
    keys["Backspace"].click()
    keys["Key t"].click()
    keys["Send message"].click()
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, ResultsView), what="results")
    assert not keyboard.isVisible()


def test_empty_and_over_long_messages_are_refused_in_words(kiosk, qtbot):
    kiosk.start()
    conv = kiosk.window.shopping.conversation
    assert conv.input.maxLength() == 1000
    assert not conv.send_button.isEnabled()
    kiosk.window._send("x" * 1001)
    assert conv.problem.isVisible() and "too long" in conv.problem.text()
    assert not conv.bubbles


def test_scroll_areas_paint_their_theme_background(kiosk, qtbot):
    from ui import theme as themes

    kiosk.start()
    search(kiosk, qtbot)
    kiosk.settle()
    w = kiosk.window
    t = themes.current()
    for area, colour in ((w.shopping.conversation.scroll_area, t.surface), (w.shopping.cart.scroll_area, t.surface),
                         (w.shopping.products.scroll_area, t.bg)):
        image = area.viewport().grab().toImage()
        corner = QColor(image.pixel(image.width() - 3, image.height() - 3))
        assert corner.name().lower() == colour.lower(), f"{type(area.parentWidget()).__name__}: {corner.name()}"
