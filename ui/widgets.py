"""Small reusable widgets: buttons sized for fingers, the product card, the status indicator, toasts, the QR code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QSizePolicy,
    QWidget,
)

from ui import theme as themes
from ui.icons import icon


def money(value: float) -> str:
    return f"${value:,.2f}"


def button(text: str, accessible: str | None = None, role: str = "", icon_name: str = "",
           parent: QWidget | None = None) -> QPushButton:
    """A push button at least 64 px in both directions, with an accessible name. No text: a 64 px icon button."""
    b = QPushButton(text.replace("&", "&&"), parent)  # a single "&" would be a mnemonic marker, not shown
    b.setAccessibleName(accessible or text)
    if not text:
        b.setProperty("shape", "icon")
    if role:
        b.setProperty("role", role)
    if icon_name:
        t = themes.current()
        color = t.accent_text if role == "primary" else (t.danger if role == "danger" else t.text)
        b.setIcon(icon(icon_name, color))
        b.setIconSize(QSize(28, 28))
    b.setMinimumSize(64, 64)
    b.setCursor(Qt.CursorShape.PointingHandCursor)
    b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return b


class WrapButton(QPushButton):
    """A push button whose words wrap onto a second line instead of being cut off when it is narrow (department
    and suggestion chips, theme choices). The words are a word-wrapped label inside; the button keeps the 64 px
    minimum and grows in height as the words need."""

    def __init__(self, text: str, accessible: str, role: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible)
        if role:
            self.setProperty("role", role)
        self.setMinimumSize(64, 64)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.text_label = QLabel(text)
        self.text_label.setObjectName("WrapButtonText")
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._lay = QHBoxLayout(self)
        pad = themes.current().px(18)
        self._lay.setContentsMargins(pad, 6, pad, 6)
        self._lay.addWidget(self.text_label)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.toggled.connect(self._mark)

    def _mark(self, on: bool) -> None:
        self.text_label.setProperty("on", on)
        self.text_label.style().unpolish(self.text_label)
        self.text_label.style().polish(self.text_label)

    def _pad(self) -> int:
        m = self._lay.contentsMargins()
        return m.left() + m.right()

    def sizeHint(self) -> QSize:
        hint = self.text_label.sizeHint()
        return QSize(hint.width() + self._pad(), max(64, hint.height() + 12))

    def minimumSizeHint(self) -> QSize:
        fm = self.text_label.fontMetrics()
        longest = max((fm.horizontalAdvance(w) for w in self.text_label.text().split()), default=0)
        return QSize(max(64, longest + self._pad()), 64)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(64, self.text_label.heightForWidth(max(1, width - self._pad())) + 12)


def label(text: str = "", role: str = "", wrap: bool = False, parent: QWidget | None = None) -> QLabel:
    lab = QLabel(text, parent)
    if role:
        lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    return lab


def frame(role: str, parent: QWidget | None = None) -> QFrame:
    f = QFrame(parent)
    f.setProperty("role", role)
    return f


def kinetic(area: QAbstractScrollArea) -> None:
    """Finger (and mouse-drag) kinetic scrolling, without overshoot wobble."""
    viewport = area.viewport()
    QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    scroller = QScroller.scroller(viewport)
    props = scroller.scrollerProperties()
    off = QScrollerProperties.OvershootPolicy.OvershootAlwaysOff
    props.setScrollMetric(QScrollerProperties.ScrollMetric.VerticalOvershootPolicy, off)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.HorizontalOvershootPolicy, off)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.DragStartDistance, 0.004)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0.0)
    scroller.setScrollerProperties(props)


def reap(widget: QWidget) -> None:
    """Hide `widget` now and delete it over the next loop turns, product cards first, a few at a time, so throwing
    away a grid of twenty cards never costs one long turn."""
    from ui.work import later

    widget.hide()
    from ui.product_card import ProductCard

    queue: list[QWidget] = [*widget.findChildren(ProductCard), widget]

    def step() -> bool:
        for _ in range(min(4, len(queue))):
            victim = queue.pop(0)
            try:
                victim.deleteLater()
            except RuntimeError:  # already gone with its parent
                pass
        return bool(queue)

    later(step)


class OpaqueScrollArea(QScrollArea):
    """A scroll area whose viewport paints a solid theme colour and says so (WA_OpaquePaintEvent): scrolling it is a
    blit plus the newly exposed strip, and an update inside it never repaints the panels behind it. (A scroll area
    gets its viewport's paint events, so the background is painted here.)"""

    def __init__(self, color_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color_name = color_name
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self.viewport())
        p.fillRect(event.rect(), QColor(getattr(themes.current(), self.color_name)))
        p.end()


def clear_layout(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        w = item.widget()
        inner = item.layout()
        if w is not None:
            w.hide()
            w.deleteLater()
        elif inner is not None:
            clear_layout(inner)


class LevelMeter(QWidget):
    """A live microphone level: a bar from -60 dBFS (empty) to 0 dBFS (full) that rises at once and falls slowly,
    drawn in the warning colour when the input is loud enough to clip. Display only (no focus, not a control)."""

    FLOOR_DB = -60.0
    CLIP_DB = -3.0
    FALL_PER_SET = 0.06  # of the full bar, per reading (10 readings a second: the bar empties in under 2 s)

    def __init__(self, accessible: str = "Microphone level", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fraction = 0.0
        self.dbfs = -120.0
        self._said = ""
        self.setAccessibleName(accessible)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(28)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._describe()

    def set_dbfs(self, dbfs: float) -> None:
        self.dbfs = float(dbfs)
        target = max(0.0, min(1.0, (self.dbfs - self.FLOOR_DB) / -self.FLOOR_DB))
        self.fraction = target if target >= self.fraction else max(target, self.fraction - self.FALL_PER_SET)
        self._describe()
        self.update()

    def _describe(self) -> None:
        """A coarse word for screen readers, changed only when the word changes (not ten times a second)."""
        if self.dbfs <= self.FLOOR_DB:
            said = "silent"
        elif self.dbfs < -40:
            said = "quiet"
        elif self.dbfs < self.CLIP_DB:
            said = "sound"
        else:
            said = "too loud"
        if said != self._said:
            self._said = said
            self.setAccessibleDescription(f"Input level: {said}")

    def sizeHint(self) -> QSize:
        return QSize(320, 28)

    def paintEvent(self, event: QPaintEvent) -> None:
        t = themes.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = min(self.height(), 28)
        track = QRectF(0.5, (self.height() - h) / 2 + 0.5, self.width() - 1, h - 1)
        radius = track.height() / 2
        p.setPen(QPen(QColor(t.border), t.border_width))
        p.setBrush(QColor(t.surface_alt))
        p.drawRoundedRect(track, radius, radius)
        if self.fraction > 0:
            inner = track.adjusted(3, 3, -3, -3)
            width = max(inner.height(), inner.width() * self.fraction)
            fill = QRectF(inner.left(), inner.top(), width, inner.height())
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(t.warning if self.dbfs >= self.CLIP_DB else t.accent))
            p.drawRoundedRect(fill, inner.height() / 2, inner.height() / 2)
        p.end()


class Toast(QFrame):
    """A short confirmation floating near the bottom of an area of its parent (`area()`, default: all of it);
    disappears by itself."""

    MARGIN = 24

    def __init__(self, parent: QWidget, area: Callable[[], QRect] | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "toast")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._area = area or (lambda: parent.rect())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(28, 18, 28, 18)
        self.text = label("", wrap=True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.text)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, text: str, warning: bool = False, ms: int = 2800) -> None:
        role = "toast-warning" if warning else "toast"
        if self.property("role") != role:
            self.setProperty("role", role)
            self.style().unpolish(self)
            self.style().polish(self)
            self.text.style().unpolish(self.text)
            self.text.style().polish(self.text)
        self.text.setText(text)
        self.setAccessibleDescription(text)
        self.place()
        self.raise_()
        self.show()
        self._timer.start(ms)

    def follow(self, widget: QWidget) -> None:
        """Re-place the toast whenever `widget` (the area it floats over) moves or changes size, e.g. when the
        on-screen keyboard opens under it."""
        widget.installEventFilter(self)

    def eventFilter(self, obj: Any, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move) and self.isVisible():
            QTimer.singleShot(0, self, self.place)
        return False

    def place(self) -> None:
        area = self._area()
        width = max(200, min(720, area.width() - 2 * self.MARGIN))
        self.text.setFixedWidth(width - 56)
        self.adjustSize()
        self.move(area.left() + (area.width() - self.width()) // 2, area.bottom() - self.height() - self.MARGIN)


class QrCode(QWidget):
    """A QR code, always dark on white with its quiet zone, so any phone can read it in any theme."""

    def __init__(self, payload: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix: list[list[bool]] = []
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(200, 200)
        self.set_payload(payload)

    def set_payload(self, payload: str) -> None:
        self.payload = payload
        if payload:
            import qrcode
            from qrcode.constants import ERROR_CORRECT_M

            qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
            qr.add_data(payload)
            qr.make(fit=True)
            self.matrix = [list(row) for row in qr.get_matrix()]
        else:
            self.matrix = []
        self.setAccessibleName("QR code of your order" if payload else "")
        self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def sizeHint(self) -> QSize:
        return QSize(280, 280)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.matrix:
            return
        side = min(self.width(), self.height())
        n = len(self.matrix)
        cell = side // n
        if cell < 1:
            return
        size = cell * n
        ox, oy = (self.width() - size) // 2, (self.height() - size) // 2
        p = QPainter(self)
        p.fillRect(ox, oy, size, size, QColor("#FFFFFF"))
        dark = QColor("#000000")
        for y, row in enumerate(self.matrix):
            x0 = None
            for x, on in enumerate([*row, False]):
                if on and x0 is None:
                    x0 = x
                elif not on and x0 is not None:
                    p.fillRect(ox + x0 * cell, oy + y * cell, (x - x0) * cell, cell, dark)
                    x0 = None
        p.end()


class Scrim(QWidget):
    """A dimmed full-size layer under a dialog; eats clicks so nothing behind it reacts."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._over = parent
        self.setProperty("role", "scrim")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, obj: Any, event: QEvent) -> bool:
        if obj is self._over and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._over.rect())
        return False

    def open(self) -> None:
        self.setGeometry(self._over.rect())
        self.raise_()
        self.show()
