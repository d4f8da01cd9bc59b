"""Building blocks shared by the components: a kinetic scroll page and a reflowing grid of product cards."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from ui import theme as themes
from ui.components.registry import ComponentContext
from ui.widgets import ProductCard, kinetic


class ScrollPage(QScrollArea):
    """A vertically scrolling page with kinetic scrolling; `body` is where the content goes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body = QWidget()
        self.body.setObjectName("ScrollBody")
        self.content = QVBoxLayout(self.body)
        self.content.setContentsMargins(4, 4, 12, 24)
        self.content.setSpacing(themes.current().px(16))
        self.setWidget(self.body)
        kinetic(self)


class CardGrid(QWidget):
    """Product cards in as many columns as fit (min card width), reflowed when the width changes."""

    MIN_CARD = 250

    def __init__(self, ctx: ComponentContext, products: list[dict[str, Any]], compact: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: list[ProductCard] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        gap = themes.current().px(16)
        self._grid.setHorizontalSpacing(gap)
        self._grid.setVerticalSpacing(gap)
        self._columns = 0
        ctx.images.request(str(p.get("id", "")) for p in products)
        for product in products:
            card = ProductCard(product, ctx.images, compact=compact)
            card.activated.connect(ctx.show_details)
            card.add_requested.connect(ctx.add_to_cart)
            self.cards.append(card)
        self._min = self.MIN_CARD if not compact else 220
        self._reflow(4)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(lambda: self._reflow(self._columns_for(self.width())))

    def _columns_for(self, width: int) -> int:
        gap = self._grid.horizontalSpacing()
        return max(1, min(5, (width + gap) // (self._min + gap)))

    def _reflow(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for card in self.cards:
            self._grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            self._grid.addWidget(card, i // columns, i % columns)
        for c in range(5):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self._columns_for(self.width()) != self._columns:
            self._pending.start()


class CardStrip(QScrollArea):
    """One horizontally scrolling row of compact cards (recommendations)."""

    def __init__(self, ctx: ComponentContext, products: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget()
        row = QHBoxLayout(body)
        row.setContentsMargins(0, 0, 0, 8)
        row.setSpacing(themes.current().px(14))
        self.cards: list[ProductCard] = []
        ctx.images.request(str(p.get("id", "")) for p in products)
        for product in products:
            card = ProductCard(product, ctx.images, compact=True, show_add=False)
            card.setFixedWidth(250)
            card.activated.connect(ctx.show_details)
            self.cards.append(card)
            row.addWidget(card)
        row.addStretch(1)
        self.setWidget(body)
        height = (self.cards[0].heightForWidth(250) if self.cards else 0) + 16
        self.setFixedHeight(height)
        kinetic(self)
