"""Building blocks shared by the components: a kinetic scroll page and a reflowing grid of product cards."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from ui import theme as themes
from ui.components.registry import ComponentContext
from ui.product_card import ProductCard
from ui.work import later


class ScrollPage(QWidget):
    """A component's page: content stacked top to bottom. The product area scrolls it (one kinetic scroller for
    every page, so showing a page never registers a new gesture recogniser)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)  # grows at the bottom: repaint only what is new
        self.body = self
        self.content = QVBoxLayout(self)
        self.content.setContentsMargins(4, 4, 12, 24)
        self.content.setSpacing(themes.current().px(16))


class CardGrid(QWidget):
    """Product cards in as many columns as fit (min card width), reflowed when the width changes.

    The first cards (what fits on screen) are built at once; the rest follow a few per loop turn, so a grid of
    twenty never holds the loop for a whole frame. `complete` tells when all are there."""

    MIN_CARD = 220  # two columns in a laptop's product area (1280 px wide screens)
    FIRST = 3
    BATCH = 2
    building: ClassVar[set[CardGrid]] = set()  # grids still adding cards (tests and screenshots wait for them)

    def __init__(self, ctx: ComponentContext, products: list[dict[str, Any]], compact: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)  # new rows at the bottom repaint only themselves
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
        self._add(self.FIRST)
        if not self.complete:
            CardGrid.building.add(self)
            self.destroyed.connect(lambda: CardGrid.building.discard(self))
            later(self._add_batch)

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

    def _add_batch(self) -> bool:
        self._add(self.BATCH)
        return not self.complete

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



class CardStrip(QWidget):
    """One row of up to four compact cards (recommendations), sharing the width."""

    MAX = 4

    def __init__(self, ctx: ComponentContext, products: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 8)
        row.setSpacing(themes.current().px(14))
        row.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.cards: list[ProductCard] = []
        shown = products[: self.MAX]
        ctx.images.request(str(p.get("id", "")) for p in shown)
        for product in shown:
            card = ProductCard(product, ctx.images, compact=True, show_add=False)
            card.activated.connect(ctx.show_details)
            self.cards.append(card)
            row.addWidget(card, 1, Qt.AlignmentFlag.AlignTop)
        for _ in range(self.MAX - len(shown)):
            row.addStretch(1)
