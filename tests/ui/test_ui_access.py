"""Every interactive widget has an accessible name and a 64 px touch target, on every screen and overlay; the
layouts fit landscape, portrait and laptop screens; keyboard users can reach things."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPushButton,
    QWidget,
)

from app.staff_pin import hash_pin
from ui.components.cart_review import OrderReview
from ui.components.details import DetailsView
from ui.components.results import ResultsView


def interactive(window: QWidget) -> list[QWidget]:
    found = []
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window):
            continue
        parent = w.parentWidget()
        if isinstance(parent, QAbstractSpinBox | QComboBox):
            continue  # the inner editor of a spin box or combo box: the outer widget carries the name
        if isinstance(w, QAbstractButton | QLineEdit | QComboBox | QAbstractSpinBox | QListWidget) or (
            w.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            found.append(w)
    return found


def check_screen(window: QWidget, where: str) -> int:
    widgets = interactive(window)
    unnamed = [f"{type(w).__name__}({getattr(w, 'text', lambda: '')()!r})" for w in widgets
               if not w.accessibleName().strip()]
    assert not unnamed, f"{where}: no accessible name on {unnamed}"
    small = [f"{w.accessibleName()} {w.width()}x{w.height()}" for w in widgets
             if isinstance(w, QPushButton) and (w.width() < 64 or w.height() < 64)]
    assert not small, f"{where}: touch targets under 64 px: {small}"
    return len(widgets)


@pytest.fixture
def kiosk_settings(settings):
    return settings.replace(staff_pin_hash=hash_pin("2580"))


def test_accessible_names_and_touch_targets_on_every_screen(kiosk, qtbot):
    w = kiosk.window
    ctrl = w.controller
    kiosk.settle()
    counts = {"attract": check_screen(w, "attract")}
    kiosk.start()
    w._toggle_keyboard()
    kiosk.settle()
    counts["keyboard"] = check_screen(w, "shopping + keyboard")
    w._send("show me stoves")
    kiosk.wait(lambda: isinstance(w.shopping.products.current, ResultsView))
    kiosk.settle()
    counts["results"] = check_screen(w, "results")
    card = next(c for c in w.shopping.products.current.cards if c.product["in_stock"])
    ctrl.show_details(card.product_id, card.display_name)
    kiosk.wait(lambda: isinstance(w.shopping.products.current, DetailsView))
    ctrl.add_to_cart(card.product_id, card.display_name)
    kiosk.wait(lambda: w.badge.count == 1)
    kiosk.settle()
    counts["details+cart"] = check_screen(w, "details and cart")
    ctrl.review_order()
    kiosk.wait(lambda: isinstance(w.shopping.products.current, OrderReview))
    kiosk.settle()
    counts["review"] = check_screen(w, "order review")
    ctrl.confirm_order()
    kiosk.wait(lambda: w.screen_name == "finish")
    kiosk.settle()
    counts["finish"] = check_screen(w, "finish")
    assert w.finish_view.qr.accessibleName()
    w.idle.trigger()
    counts["idle"] = check_screen(w, "idle overlay")
    w._still_here()
    w.open_staff()
    counts["pin"] = check_screen(w, "PIN prompt")
    w.pin_prompt.cancel()
    w._open_staff_panel()
    kiosk.settle()
    counts["staff"] = check_screen(w, "staff panel")
    assert all(n > 0 for n in counts.values()), counts
    w.staff_panel.close_panel()


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1366, 768)])
def test_layouts_fit_the_screen(qloop, settings, size):
    from kiosk_harness import close_kiosk, make_kiosk

    k = make_kiosk(qloop, settings, size)
    try:
        w = k.window
        k.start()
        w._send("show me tents")
        k.wait(lambda: isinstance(w.shopping.products.current, ResultsView))
        card = next(c for c in w.shopping.products.current.cards if c.product["in_stock"])
        w.controller.add_to_cart(card.product_id, card.display_name)
        k.wait(lambda: w.badge.count == 1, what="the cart")
        k.settle()
        assert (w.width(), w.height()) == size, "a minimum size pushed the window past the screen"
        assert w.shopping.portrait == (size[1] > size[0])
        grid = w.shopping.products.current.grid
        assert grid._columns >= 2
        check_screen(w, f"{size}")
    finally:
        close_kiosk(k)


def test_keyboard_users_can_tab_through_the_shopping_screen(kiosk, qtbot):
    w = kiosk.window
    kiosk.start()
    w._send("show me headlamps")
    kiosk.wait(lambda: isinstance(w.shopping.products.current, ResultsView))
    w.shopping.conversation.input.setFocus()
    seen = set()
    for _ in range(40):
        qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_Tab)
        focus = w.focusWidget()
        if focus is not None:
            seen.add(type(focus).__name__)
            seen.add(focus.accessibleName())
    assert "ProductCard" in seen
    assert any(name.startswith("Add to cart:") for name in seen)
