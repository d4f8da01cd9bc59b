"""The top bar's cart button, with a count that follows the cart."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHBoxLayout, QWidget

from ui import theme as themes
from ui.icons import icon
from ui.widgets import button


class CartBadge(QWidget):
    """The cart button in the top bar, with a count that follows the cart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.button = button("Cart", "Cart: empty", role="badge", icon_name="cart")
        self.button.setIconSize(QSize(30, 30))
        lay.addWidget(self.button)
        self.count = 0

    def set_count(self, count: int) -> None:
        self.count = count
        self.button.setText(f"Cart · {count}" if count else "Cart")
        self.button.setAccessibleName(f"Cart: {count} item{'s' if count != 1 else ''}" if count else "Cart: empty")
        self.button.setProperty("role", "primary" if count else "badge")
        self.button.style().unpolish(self.button)
        self.button.style().polish(self.button)
        t = themes.current()
        self.button.setIcon(icon("cart", t.accent_text if count else t.text))
