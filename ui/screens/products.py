"""The product area: shows whatever the last tool call produced, with a short back stack ("Back to results")."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from ui import theme as themes
from ui.widgets import OpaqueScrollArea, WrapButton, button, kinetic, label, reap

log = logging.getLogger("aisle.ui.products")
MAX_BACK = 3


class ProductArea(QFrame):
    category_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ProductArea")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(themes.current().px(8))
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        self.back_button = button("Back to results", "Back to the previous products", role="ghost", icon_name="back")
        self.back_button.clicked.connect(self.go_back)
        bar.addWidget(self.back_button)
        bar.addStretch(1)
        self._bar = QWidget()
        self._bar.setLayout(bar)
        outer.addWidget(self._bar)
        self.scroll_area = OpaqueScrollArea("bg")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        kinetic(self.scroll_area)
        outer.addWidget(self.scroll_area, 1)
        self.history: list[QWidget] = []
        self._positions: dict[int, int] = {}
        self.current: QWidget | None = None
        self.pages = QWidget()
        self.pages.setObjectName("ProductPages")
        self.pages.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setContentsMargins(0, 0, 0, 0)
        self.scroll_area.setWidget(self.pages)
        self.welcome = self._welcome([])
        self.pages_layout.addWidget(self.welcome)
        self._update_bar()

    def _welcome(self, categories: list[dict[str, Any]]) -> QWidget:
        box = QWidget()
        box.setObjectName("Welcome")
        lay = QVBoxLayout(box)
        t = themes.current()
        lay.setContentsMargins(t.px(8), t.px(8), t.px(8), t.px(8))
        lay.setSpacing(t.px(14))
        lay.addWidget(label("What can I help you find?", "h2"))
        lay.addWidget(label("Ask in your own words: “a warm sleeping bag under $150”, “a tent for two”, “what goes "
                            "with this stove?”. Or start with a department:", "muted", wrap=True))
        self._chips = QVBoxLayout()
        lay.addLayout(self._chips)
        lay.addStretch(1)
        return box

    def set_categories(self, categories: list[tuple[str, str]]) -> None:
        from PySide6.QtWidgets import QGridLayout

        while self._chips.count():
            item = self._chips.takeAt(0)
            lay = item.layout() if item is not None else None
            while lay is not None and lay.count():
                inner = lay.takeAt(0)
                w = inner.widget() if inner is not None else None
                if w is not None:
                    w.deleteLater()
        grid = QGridLayout()
        gap = themes.current().px(12)
        grid.setHorizontalSpacing(gap)
        grid.setVerticalSpacing(gap)
        for i, (_slug, name) in enumerate(categories):
            chip = WrapButton(name, f"Show {name}", role="chip")
            chip.clicked.connect(lambda _=False, n=name: self.category_chosen.emit(n))
            grid.addWidget(chip, i // 3, i % 3)
        self._chips.addLayout(grid)

    def _put(self, widget: QWidget, position: int = 0) -> None:
        """Show `widget` as the page. Pages stay children of one container (hidden ones take no space), so switching
        never reparents a page and never re-polishes its widgets."""
        for page in [*self.history, self.current, self.welcome]:
            if page is not None and page is not widget:
                page.hide()
        if self.pages_layout.indexOf(widget) < 0:
            self.pages_layout.addWidget(widget)
        widget.show()
        self.scroll_area.verticalScrollBar().setValue(position)

    def show_widget(self, widget: QWidget) -> None:
        """Show a page. A new search's results start afresh (a page marked `root_page`): Back only returns from a
        page reached from them (details, the cart review, recommendations) to those results."""
        if widget.property("root_page"):
            for old in self.history:
                self._positions.pop(id(old), None)
                reap(old)
            self.history.clear()
            if self.current is not None:
                reap(self.current)
                self.current = None
        if self.current is not None:
            self._positions[id(self.current)] = self.scroll_area.verticalScrollBar().value()
            self.history.append(self.current)
            while len(self.history) > MAX_BACK:
                old = self.history.pop(0)
                self._positions.pop(id(old), None)
                reap(old)
        self.current = widget
        self._put(widget)
        self._update_bar()

    def go_back(self) -> None:
        if not self.history:
            return
        previous = self.history.pop()
        if self.current is not None:
            reap(self.current)
        self.current = previous
        self._put(previous, self._positions.pop(id(previous), 0))
        self._update_bar()

    def reset(self) -> None:
        for widget in [*self.history, self.current]:
            if widget is not None:
                reap(widget)
        self.history.clear()
        self._positions.clear()
        self.current = None
        self._put(self.welcome)
        self._update_bar()

    def _update_bar(self) -> None:
        self._bar.setVisible(bool(self.history))
        self.back_button.setEnabled(bool(self.history))

