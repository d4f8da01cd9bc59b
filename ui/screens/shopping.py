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
        self.arrange(False)

    def arrange(self, portrait: bool) -> None:
        if portrait == self.portrait:
            return
        self.portrait = portrait
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
            self.grid.setColumnStretch(0, 3)
            self.grid.setColumnStretch(1, 2)
        else:
            self.grid.addWidget(self.conversation, 0, 0)
            self.grid.addWidget(self.products, 0, 1)
            self.grid.addWidget(self.cart, 0, 2)
            self.grid.setColumnStretch(0, 27)
            self.grid.setColumnStretch(1, 50)
            self.grid.setColumnStretch(2, 23)
            self.grid.setRowStretch(0, 1)
        self.setTabOrder(self.conversation, self.products)
        self.setTabOrder(self.products, self.cart)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.arrange(self.height() > self.width() * 1.1)
