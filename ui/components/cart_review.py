"""`view_cart` → the order read back for confirmation: lines, warnings, total, "Confirm order" and "Keep shopping".

The checkout tool only succeeds after this read-back and a further shopper turn; the confirm button is that turn."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from ui import theme as themes
from ui.components.common import ScrollPage
from ui.components.registry import ComponentContext, register
from ui.widgets import button, frame, label, money


class OrderReview(QWidget):
    def __init__(self, ctx: ComponentContext, cart: dict[str, Any], warnings: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OrderReview")
        t = themes.current()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        page = ScrollPage()
        outer.addWidget(page)
        items = list(cart.get("items") or [])
        page.content.addWidget(label("Check your order", "h2"))
        page.content.addWidget(label("Please check the items and the total. Nothing is ordered until you confirm.",
                                     "muted", wrap=True))
        box = frame("card")
        grid = QGridLayout(box)
        grid.setContentsMargins(t.px(24), t.px(18), t.px(24), t.px(18))
        grid.setHorizontalSpacing(t.px(18))
        grid.setVerticalSpacing(t.px(12))
        for row, item in enumerate(items):
            name = f"{item.get('brand', '')} {item.get('name', '')}".strip()
            grid.addWidget(label(f"{item.get('quantity', 1)} ×", "h3"), row, 0)
            grid.addWidget(label(name, wrap=True), row, 1)
            grid.addWidget(label(money(float(item.get("line_total", 0))), "h3"), row, 2, Qt.AlignmentFlag.AlignRight)
        row = len(items)
        line = frame("divider")
        grid.addWidget(line, row, 0, 1, 3)
        grid.addWidget(label("Total", "h3"), row + 1, 1)
        self.total = label(money(float(cart.get("total", 0))), "price")
        grid.addWidget(self.total, row + 1, 2, Qt.AlignmentFlag.AlignRight)
        grid.setColumnStretch(1, 1)
        page.content.addWidget(box)
        for warning in warnings:
            page.content.addWidget(label(f"⚠ {warning}", "warning", wrap=True))
        buttons = QHBoxLayout()
        buttons.setSpacing(t.px(16))
        self.confirm_button = button("Confirm order", "Confirm order", role="primary", icon_name="check")
        self.confirm_button.setEnabled(bool(items))
        self.confirm_button.setProperty("wide", True)
        self.confirm_button.clicked.connect(ctx.confirm_order)
        self.back_button = button("Keep shopping", "Keep shopping", role="ghost")
        self.back_button.clicked.connect(ctx.keep_shopping)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        page.content.addLayout(buttons)
        if not items:
            page.content.addWidget(label("Your cart is empty.", "muted"))
        page.content.addStretch(1)


@register("view_cart")
def review(ctx: ComponentContext, call: dict[str, Any]) -> QWidget:
    result = call["result"]
    return OrderReview(ctx, dict(result.get("cart") or {}), list(result.get("warnings") or []))
