"""The attract screen: the store's name, an invitation, and a slowly turning row of featured products."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QLinearGradient, QMouseEvent, QPainter, QPaintEvent, QPen, QRadialGradient
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QVBoxLayout, QWidget

from ui import theme as themes
from ui.images import ImageProvider
from ui.product_card import ProductCard
from ui.widgets import button, label

ROTATE_MS = 4500


class VoiceHero(QWidget):
    """A calm, slowly breathing microphone mark: this kiosk listens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(180, 180)
        self._phase = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(80)
        self.timer.timeout.connect(self._tick)

    def sizeHint(self) -> QSize:
        return QSize(180, 180)

    def _tick(self) -> None:
        self._phase = (self._phase + 0.06) % 6.283
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        import math

        t = themes.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = QPointF(90, 90)
        ring = QColor(t.accent)
        for i, base in enumerate((86, 70)):
            ring.setAlphaF(0.10 + 0.06 * i + 0.04 * math.sin(self._phase + i))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(ring)
            r = base + 2 * math.sin(self._phase + i)
            p.drawEllipse(c, r, r)
        p.setBrush(QColor(t.accent))
        p.drawEllipse(c, 52, 52)
        pen = QPen(QColor(t.accent_text), 6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(78, 56, 24, 40), 12, 12)
        p.drawArc(QRectF(66, 66, 48, 44), 180 * 16, 180 * 16)
        p.drawLine(QPointF(90, 110), QPointF(90, 122))
        p.end()


class AttractScreen(QWidget):
    start_requested = Signal()
    product_chosen = Signal(str, str)
    first_painted = Signal()

    def __init__(self, store_name: str, images: ImageProvider, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AttractScreen")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Welcome screen: tap anywhere, press Enter, or say hello to start")
        self.images = images
        self.featured: list[dict[str, Any]] = []
        self._offset = 0
        self._painted = False
        self._listens = True
        t = themes.current()
        # never let the attract screen dictate the window's minimum size: it adapts to whatever it gets
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        outer = QVBoxLayout(self)
        self._outer = outer
        outer.setContentsMargins(t.px(64), t.px(56), t.px(64), t.px(56))
        outer.setSpacing(t.px(12))
        self.eyebrow = label("WELCOME TO", "small")
        outer.addWidget(self.eyebrow, 0, Qt.AlignmentFlag.AlignHCenter)
        self.title = label(store_name, "h1")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.title)
        self.tagline = label("Tap anywhere or just say hello", "h2")
        self.tagline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tagline.setProperty("role", "h2")
        outer.addWidget(self.tagline)
        self.sub = sub = label("Aisle finds products, answers questions and takes your order, by voice or touch.",
                               "muted", wrap=True)
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(sub)
        outer.addStretch(1)
        self.hero = VoiceHero()
        outer.addWidget(self.hero, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self.featured_label = label("FEATURED TODAY", "small")
        outer.addWidget(self.featured_label, 0, Qt.AlignmentFlag.AlignHCenter)
        self.row = QGridLayout()
        self.row.setSpacing(t.px(20))
        outer.addLayout(self.row)
        self.cards: list[ProductCard] = []
        outer.addStretch(1)
        self.start_button = button("Tap to start", "Start shopping with Aisle", role="primary")
        self.start_button.setProperty("wide", True)
        self.start_button.setMinimumHeight(80)
        self.start_button.clicked.connect(self.start_requested.emit)
        outer.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.timer = QTimer(self)
        self.timer.setInterval(ROTATE_MS)
        self.timer.timeout.connect(self.rotate)

    def set_invitation(self, tagline: str, accessible: str, listens: bool) -> None:
        """How to start, in the kiosk's voice mode ("…or just say hello" only when something is listening; the
        microphone mark only then too)."""
        self.tagline.setText(tagline)
        self.setAccessibleName(accessible)
        self._listens = listens
        self.hero.setVisible(self.height() >= 900 and listens)

    def set_featured(self, products: list[dict[str, Any]]) -> None:
        self.featured = list(products)
        self._offset = 0
        self._layout_cards()
        if self.featured:
            self.timer.start()
        self.hero.timer.start()

    def _columns(self) -> int:
        width = self.width() - 2 * themes.current().px(64)
        return max(1, min(6, (width + 20) // 300))

    def _rows(self) -> int:
        return 2 if self.height() > self.width() * 1.2 and self.height() >= 1600 else 1  # two rows need the room

    def _visible_count(self) -> int:
        return self._columns() * self._rows()

    def _layout_cards(self) -> None:
        n = min(self._visible_count(), len(self.featured))
        columns = self._columns()
        while len(self.cards) > n:
            card = self.cards.pop()
            self.row.removeWidget(card)
            card.deleteLater()
        for i in range(n):
            product = self.featured[(self._offset + i) % len(self.featured)]
            if i < len(self.cards):
                self.cards[i].set_product(product)
                self.row.removeWidget(self.cards[i])
            else:
                card = ProductCard(product, self.images, compact=True, show_add=False)
                card.setMaximumWidth(320)
                card.activated.connect(self.product_chosen.emit)
                self.cards.append(card)
            self.row.addWidget(self.cards[i], i // columns, i % columns)

    def rotate(self) -> None:
        if len(self.featured) > len(self.cards):
            self._offset = (self._offset + 1) % len(self.featured)
            self._layout_cards()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        t = themes.current()
        short = self.height() < 900
        m = t.px(28) if short else t.px(56)
        self._outer.setContentsMargins(t.px(64), m, t.px(64), m)
        self.sub.setVisible(not short)
        self.hero.setVisible(self.height() >= 900 and self._listens)
        if self.featured and self._visible_count() != len(self.cards):
            self._layout_cards()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.start_requested.emit()
            return
        super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.start_requested.emit()
        super().mouseReleaseEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        t = themes.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        grad = QLinearGradient(0, 0, 0, self.height())
        grad.setColorAt(0, QColor(t.accent_soft))
        grad.setColorAt(0.55, QColor(t.bg))
        p.fillRect(self.rect(), grad)
        if t.name != "contrast":
            glow = QRadialGradient(QPointF(self.width() * 0.85, self.height() * 0.1), self.width() * 0.45)
            c = QColor(t.accent)
            c.setAlpha(28)
            glow.setColorAt(0, c)
            c2 = QColor(t.accent)
            c2.setAlpha(0)
            glow.setColorAt(1, c2)
            p.fillRect(self.rect(), glow)
        p.end()
        if not self._painted:
            self._painted = True
            self.first_painted.emit()
