"""Building blocks shared by the components: a kinetic scroll page and a reflowing grid of product cards."""

from __future__ import annotations

from typing import Any, ClassVar

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
    """Product cards in as many columns as fit (min card width), reflowed when the width changes.

    The first cards (what fits on screen) are built at once; the rest follow a few per loop turn, so a grid of
    twenty never holds the loop for a whole frame. `complete` tells when all are there."""

    MIN_CARD = 250
    FIRST = 6
    BATCH = 4
    building: ClassVar[set[CardGrid]] = set()  # grids still adding cards (tests and screenshots wait for them)

    def __init__(self, ctx: ComponentContext, products: list[dict[str, Any]], compact: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: list[ProductCard] = []
        self._ctx = ctx
        self._products = list(products)
        self._compact = compact
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        gap = themes.current().px(16)
        self._grid.setHorizontalSpacing(gap)
        self._grid.setVerticalSpacing(gap)
        self._columns = 3
        self._min = self.MIN_CARD if not compact else 220
        ctx.images.request(str(p.get("id", "")) for p in products)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(lambda: self._reflow(self._columns_for(self.width())))
        self._more = QTimer(self)
        self._more.setSingleShot(True)
        self._more.setInterval(0)
        self._more.timeout.connect(self._add_batch)
        self._add(self.FIRST)
        if not self.complete:
            CardGrid.building.add(self)
            self.destroyed.connect(lambda: CardGrid.building.discard(self))
            self._more.start()

    @property
    def complete(self) -> bool:
        return len(self.cards) >= len(self._products)

    def _add(self, count: int) -> None:
        ctx = self._ctx
        for product in self._products[len(self.cards):len(self.cards) + count]:
            card = ProductCard(product, ctx.images, compact=self._compact)
            card.activated.connect(ctx.show_details)
            card.add_requested.connect(ctx.add_to_cart)
            i = len(self.cards)
            self.cards.append(card)
            self._grid.addWidget(card, i // self._columns, i % self._columns)
        for c in range(5):
            self._grid.setColumnStretch(c, 1 if c < self._columns else 0)
        if self.complete:
            CardGrid.building.discard(self)

    def _add_batch(self) -> None:
        self._add(self.BATCH)
        if not self.complete:
            self._more.start()

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
