"""The shopping screen: conversation, product area and cart, arranged for landscape or portrait kiosks."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QWidget

from ui import theme as themes
from ui.screens.cart import CartPanel
from ui.screens.conversation import ConversationPanel
from ui.screens.products import ProductArea


class ShoppingScreen(QWidget):
    def __init__(self, max_chars: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShoppingScreen")
        self.conversation = ConversationPanel(max_chars)
        self.products = ProductArea()
        self.cart = CartPanel()
        self.grid = QGridLayout(self)
        gap = themes.current().px(20)
        self.grid.setContentsMargins(gap, gap, gap, gap)
        self.grid.setHorizontalSpacing(gap)
        self.grid.setVerticalSpacing(gap)
        self.portrait: bool | None = None
        self.compact = False
        self.arrange(False)

    def arrange(self, portrait: bool, compact: bool = False) -> None:
        """Portrait: products on top, conversation and cart below. Landscape: three columns; `compact` (laptop
        widths) gives the conversation and the cart a larger share so the text box and cart lines fit."""
        if (portrait, compact) == (self.portrait, self.compact):
            return
        self.portrait, self.compact = portrait, compact
        for w in (self.conversation, self.products, self.cart):
            self.grid.removeWidget(w)
        for i in range(3):
            self.grid.setColumnStretch(i, 0)
            self.grid.setRowStretch(i, 0)
        if portrait:
            self.grid.addWidget(self.products, 0, 0, 1, 2)
            self.grid.addWidget(self.conversation, 1, 0)
            self.grid.addWidget(self.cart, 1, 1)
            self.grid.setRowStretch(0, 13)
            self.grid.setRowStretch(1, 7)
            narrow = compact  # a narrow portrait screen: conversation and cart share the width equally
            self.grid.setColumnStretch(0, 1 if narrow else 3)
            self.grid.setColumnStretch(1, 1 if narrow else 2)
        else:
            self.grid.addWidget(self.conversation, 0, 0)
            self.grid.addWidget(self.products, 0, 1)
            self.grid.addWidget(self.cart, 0, 2)
            for column, share in enumerate((30, 44, 26) if compact else (27, 50, 23)):
                self.grid.setColumnStretch(column, share)
            self.grid.setRowStretch(0, 1)
        self.setTabOrder(self.conversation, self.products)
        self.setTabOrder(self.products, self.cart)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        # the window's shape, not this screen's: the on-screen keyboard takes height but a landscape screen stays
        # landscape (and a portrait one portrait)
        window = self.window()
        portrait = window.height() > window.width() * 1.1
        self.arrange(portrait, compact=window.width() < (1000 if portrait else 1500))
