"""The cart panel: lines with − / + / remove, stock warnings, the total, and Checkout."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from ui import theme as themes
from ui.widgets import OpaqueScrollArea, button, clear_layout, frame, kinetic, label, money


class CartLineView(QFrame):
    quantity_requested = Signal(str, str, int)

    def __init__(self, item: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "soft")
        self.product_id = str(item.get("product_id", ""))
        self.name = f"{item.get('brand', '')} {item.get('name', '')}".strip()
        self.quantity = int(item.get("quantity", 1))
        t = themes.current()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(t.px(8), t.px(10), t.px(8), t.px(10))
        lay.setSpacing(t.px(6))
        top = QHBoxLayout()
        top.addWidget(label(self.name, "h3", wrap=True), 1)
        top.addWidget(label(money(float(item.get("line_total", 0))), "h3"), 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)
        lay.addWidget(label(f"{money(float(item.get('unit_price', 0)))} each", "small"))
        tracked = item.get("stock", 0)  # None: stock not tracked, no limit we know of
        stock = 10**6 if tracked is None else int(tracked)
        if not item.get("in_stock", True) or stock < self.quantity:
            text = "Out of stock" if stock <= 0 else f"Only {stock} in stock"
            lay.addWidget(label(f"⚠ {text}", "warning"))
        row = QHBoxLayout()
        row.setSpacing(t.px(4))
        self.minus = button("", f"One less: {self.name}", icon_name="minus")
        self.minus.setIconSize(QSize(26, 26))
        self.minus.clicked.connect(lambda: self.quantity_requested.emit(self.product_id, self.name,
                                                                        self.quantity - 1))
        self.count = label(str(self.quantity), "h3")
        self.count.setAccessibleName(f"Quantity of {self.name}: {self.quantity}")
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count.setMinimumWidth(34)
        self.plus = button("", f"One more: {self.name}", icon_name="plus")
        self.plus.setIconSize(QSize(26, 26))
        self.plus.setEnabled(self.quantity < max(stock, 0))
        self.plus.clicked.connect(lambda: self.quantity_requested.emit(self.product_id, self.name,
                                                                       self.quantity + 1))
        self.remove = button("", f"Remove: {self.name}", role="danger", icon_name="trash")
        self.remove.setIconSize(QSize(26, 26))
        self.remove.clicked.connect(lambda: self.quantity_requested.emit(self.product_id, self.name, 0))
        for b in (self.minus, self.plus, self.remove):
            b.setFixedSize(64, 64)
        row.addWidget(self.minus)
        row.addWidget(self.count)
        row.addWidget(self.plus)
        row.addStretch(1)
        row.addWidget(self.remove)
        lay.addLayout(row)


class CartPanel(QFrame):
    quantity_requested = Signal(str, str, int)
    checkout_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "panel")
        self.setObjectName("CartPanel")
        self.cart: dict[str, Any] = {"items": [], "total": 0.0, "item_count": 0}
        self.lines: list[CartLineView] = []
        t = themes.current()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(t.px(18), t.px(18), t.px(18), t.px(18))
        outer.setSpacing(t.px(12))
        head = QHBoxLayout()
        head.addWidget(label("Your cart", "h2"), 1)
        self.count_label = label("", "muted")
        head.addWidget(self.count_label)
        outer.addLayout(head)
        self.scroll_area = OpaqueScrollArea("surface")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget()
        self.list = QVBoxLayout(body)
        self.list.setContentsMargins(0, 0, 2, 0)
        self.list.setSpacing(t.px(10))
        self.scroll_area.setWidget(body)
        kinetic(self.scroll_area)
        self.scroll_area.setMinimumHeight(40)  # a short screen with the keyboard up still fits (the list scrolls)
        outer.addWidget(self.scroll_area, 1)
        outer.addWidget(frame("divider"))
        total = QHBoxLayout()
        total.addWidget(label("Total", "h3"), 1)
        self.total_label = label(money(0), "price")
        total.addWidget(self.total_label)
        outer.addLayout(total)
        self.checkout_button = button("Checkout", "Checkout", role="primary", icon_name="check")
        self.checkout_button.clicked.connect(self.checkout_requested.emit)
        outer.addWidget(self.checkout_button)
        self.set_cart(self.cart)

    def set_cart(self, cart: dict[str, Any]) -> None:
        self.cart = dict(cart)
        clear_layout(self.list)
        self.lines = []
        items = list(cart.get("items") or [])
        if not items:
            empty = QWidget()
            lay = QVBoxLayout(empty)
            lay.setContentsMargins(0, themes.current().px(24), 0, 0)
            lay.addWidget(label("Your cart is empty", "h3"))
            lay.addWidget(label("Tap “Add to cart” on a product, or say “add it to my cart”.", "muted", wrap=True))
            self.list.addWidget(empty)
        for item in items:
            line = CartLineView(item)
            line.quantity_requested.connect(self.quantity_requested.emit)
            self.lines.append(line)
            self.list.addWidget(line)
        self.list.addStretch(1)
        count = int(cart.get("item_count", 0))
        self.count_label.setText(f"{count} item{'s' if count != 1 else ''}" if count else "")
        self.total_label.setText(money(float(cart.get("total", 0))))
        self.total_label.setAccessibleName(f"Cart total {money(float(cart.get('total', 0)))}")
        self.checkout_button.setEnabled(bool(items))
