"""Small reusable widgets: buttons sized for fingers, the product card, the status indicator, toasts, the QR code."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QScrollerProperties,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui import theme as themes
from ui.icons import icon
from ui.images import ImageProvider


def money(value: float) -> str:
    return f"${value:,.2f}"


def button(text: str, accessible: str | None = None, role: str = "", icon_name: str = "",
           parent: QWidget | None = None) -> QPushButton:
    """A push button at least 64 px in both directions, with an accessible name. No text: a 64 px icon button."""
    b = QPushButton(text, parent)
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


def clear_layout(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        w = item.widget()
        if w is not None:
            w.hide()
            w.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


class CardButton(QPushButton):
    """The "Add to cart" button on a product card: painted directly (a grid shows twenty of them, and style sheet
    painting is the slow path), still a real, focusable, accessible push button."""

    def __init__(self, text: str, accessible: str, primary: bool, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.primary = primary
        self.setAccessibleName(accessible)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(64, 64)
        self.setFixedHeight(64)

    def paintEvent(self, event: QPaintEvent) -> None:
        t = themes.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        enabled = self.isEnabled()
        if self.primary and enabled:
            fill, fg = QColor(t.text if self.isDown() else t.accent), QColor(t.accent_text)
        else:
            fill, fg = QColor(t.surface_alt), QColor(t.muted if not enabled else t.text)
        if self.hasFocus():
            p.setPen(QPen(QColor(t.focus), 3))
        else:
            p.setPen(QPen(QColor(t.accent if self.primary and enabled else t.border), t.border_width))
        p.setBrush(fill)
        p.drawRoundedRect(rect, 16, 16)
        font = t.font(19, QFont.Weight.DemiBold)
        p.setFont(font)
        fm = QFontMetrics(font)
        text_w = fm.horizontalAdvance(self.text())
        icon_w = 30 if self.primary and enabled else 0
        x = (self.width() - text_w - icon_w) / 2
        if icon_w:
            icon("plus", fg.name()).paint(p, int(x), (self.height() - 26) // 2, 26, 26)
        p.setPen(fg)
        p.drawText(QRectF(x + icon_w, 0, text_w + 2, self.height()), Qt.AlignmentFlag.AlignVCenter, self.text())
        p.end()


class ProductCard(QWidget):
    """One product in a grid or strip: painted image, brand, name, price and stock, plus an "Add to cart" button.

    The whole card is a button (tap, Enter or Space) that asks for the product's details."""

    activated = Signal(str, str)  # product id, display name
    add_requested = Signal(str, str)

    def __init__(self, product: dict[str, Any], images: ImageProvider, compact: bool = False,
                 show_add: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.product = product
        self.product_id = str(product.get("id", ""))
        self.display_name = f"{product.get('brand', '')} {product.get('name', '')}".strip()
        self._images = images
        self._compact = compact
        self._pressed = False
        self._scaled: QPixmap | None = None
        self._scaled_key: tuple[int, int, int] | None = None
        self._render: QPixmap | None = None
        self._render_key: tuple[Any, ...] | None = None
        self._wanted_scale: tuple[QPixmap, QSize, tuple[int, int, int]] | None = None
        self._scale_queued = False
        self.setObjectName("ProductCard")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)
        price = money(float(product.get("price", 0)))
        self.setAccessibleName(f"Details: {self.display_name}, {price}")
        self.setAccessibleDescription(str(product.get("short_description", "")))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        t = themes.current()
        layout.setContentsMargins(t.px(14), 0, t.px(14), t.px(14))
        layout.addStretch(1)
        self.add_button: CardButton | None = None
        if show_add:
            in_stock = bool(product.get("in_stock", (product.get("stock", 0) or 0) > 0))
            self.add_button = CardButton("Add to cart" if in_stock else "Out of stock",
                                         f"Add to cart: {self.display_name}", in_stock)
            self.add_button.setProperty("shape", "painted")
            self.add_button.setEnabled(in_stock)
            self.add_button.clicked.connect(lambda: self.add_requested.emit(self.product_id, self.display_name))
            layout.addWidget(self.add_button)
        images.ready.connect(self._image_ready)
        images.request([self.product_id])

    def set_product(self, product: dict[str, Any]) -> None:
        self.product = product
        self.product_id = str(product.get("id", ""))
        self.display_name = f"{product.get('brand', '')} {product.get('name', '')}".strip()
        self.setAccessibleName(f"Details: {self.display_name}, {money(float(product.get('price', 0)))}")
        self.setAccessibleDescription(str(product.get("short_description", "")))
        self._images.request([self.product_id])
        self._render_key = None
        self.update()

    # -- geometry --------------------------------------------------------------------------------------------------
    def _image_height(self, width: int) -> int:
        return round((width - 18) * 0.75) + 8

    def _text_height(self) -> int:
        t = themes.current()
        return t.px(15) + 2 * t.px(19) + t.px(26) + t.px(46)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        extra = 64 + themes.current().px(14) if self.add_button is not None else themes.current().px(8)
        return self._image_height(width) + self._text_height() + extra

    def sizeHint(self) -> QSize:
        w = 300 if not self._compact else 250
        return QSize(w, self.heightForWidth(w))

    def resizeEvent(self, event: Any) -> None:
        self.setFixedHeight(self.heightForWidth(self.width()))
        super().resizeEvent(event)

    # -- input -----------------------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = True
            self.update()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        was = self._pressed
        self._pressed = False
        self.update()
        if was and event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.activate()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Select):
            self.activate()
            return
        super().keyPressEvent(event)

    def activate(self) -> None:
        self.activated.emit(self.product_id, self.display_name)

    def _image_ready(self, product_id: str) -> None:
        if product_id == self.product_id:
            self._render_key = None
            self.update()

    def _scaled_image(self, size: QSize) -> QPixmap | None:
        """The product image smoothly scaled to cover `size`, cached per card. Scaling costs about a millisecond, so
        it is queued as deferred work (a grid of new cards never scales twenty images inside one paint); until it
        is done the card shows its placeholder."""
        pix = self._images.pixmap(self.product_id)
        if pix is None:
            return None
        key = (pix.cacheKey(), size.width(), size.height())
        if self._scaled_key == key:
            return self._scaled
        self._wanted_scale = (pix, size, key)
        if not self._scale_queued:
            self._scale_queued = True
            from ui.work import later

            later(self._scale_step)
        return None

    def _scale_step(self) -> bool:
        self._scale_queued = False
        wanted, self._wanted_scale = self._wanted_scale, None
        if wanted is not None and self.isVisible():
            pix, size, key = wanted
            self._scaled = pix.scaled(size, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                                      Qt.TransformationMode.SmoothTransformation)
            self._scaled_key = key
            self.update()
        return False

    # -- painting --------------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        """Blit a cached rendering; re-render only when the size, the image, the focus, the pressed state or the
        theme changed. The cache is dropped when the card is hidden (a page in the back stack)."""
        t = themes.current()
        key = (self.product_id, self.width(), self.height(), self.hasFocus(), self._pressed, self._scaled_key, id(t))
        if self._render_key != key or self._render is None:
            self._render = QPixmap(self.size())
            self._render.fill(Qt.GlobalColor.transparent)
            painter = QPainter(self._render)
            self._paint_card(painter, t)
            painter.end()
            self._render_key = key
        p = QPainter(self)
        p.drawPixmap(0, 0, self._render)
        p.end()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._render = None
        self._render_key = None
        self._scaled = None
        self._scaled_key = None

    def _paint_card(self, p: QPainter, t: themes.Theme) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        radius = 16.0
        border = QColor(t.focus) if self.hasFocus() else QColor(t.border)
        p.setPen(QPen(border, 3 if self.hasFocus() else t.border_width))
        p.setBrush(QColor(t.accent_soft) if self._pressed else QColor(t.surface))
        p.drawRoundedRect(rect, radius, radius)
        # image
        img_h = self._image_height(self.width())
        img_rect = QRectF(rect.left() + 8, rect.top() + 8, rect.width() - 16, img_h - 8)
        clip = QPainterPath()
        clip.addRoundedRect(img_rect, 12, 12)
        p.save()
        p.setClipPath(clip)
        p.fillRect(img_rect, QColor(t.surface_alt))
        pix = self._scaled_image(img_rect.size().toSize())
        if pix is not None:
            p.drawPixmap(int(img_rect.center().x() - pix.width() / 2), int(img_rect.center().y() - pix.height() / 2),
                         pix)
        p.restore()
        # stock pill on the image
        tracked = self.product.get("stock", 0)  # None: the store does not track stock, so no badge
        stock = -1 if tracked is None else int(tracked)
        pill = "" if tracked is None else "Out of stock" if stock <= 0 else (f"Only {stock} left" if stock <= 3 else "")
        if pill:
            f = t.font(14, QFont.Weight.DemiBold)
            p.setFont(f)
            fm = QFontMetrics(f)
            pw, ph = fm.horizontalAdvance(pill) + 24, fm.height() + 10
            pr = QRectF(img_rect.left() + 10, img_rect.top() + 10, pw, ph)
            fill = QColor(t.danger if stock <= 0 else t.warning)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(fill)
            p.drawRoundedRect(pr, ph / 2, ph / 2)
            p.setPen(QColor("#000000" if fill.lightness() > 150 else "#FFFFFF"))
            p.drawText(pr, Qt.AlignmentFlag.AlignCenter, pill)
        # text
        x = int(rect.left() + t.px(14))
        w = int(rect.width() - 2 * t.px(14))
        y = int(img_rect.bottom() + t.px(12))
        brand = str(self.product.get("brand", "")).upper()
        f = t.font(14, QFont.Weight.DemiBold)
        f.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 1.0)
        p.setFont(f)
        p.setPen(QColor(t.muted))
        fm = QFontMetrics(f)
        elided = fm.elidedText(brand, Qt.TextElideMode.ElideRight, w)
        p.drawText(QRect(x, y, w, fm.height()), Qt.AlignmentFlag.AlignLeft, elided)
        y += fm.height() + 2
        f = t.font(19, QFont.Weight.DemiBold)
        p.setFont(f)
        p.setPen(QColor(t.text))
        fm = QFontMetrics(f)
        name = str(self.product.get("name", ""))
        lines = _wrap(name, fm, w, 2)
        for line in lines:
            p.drawText(QRect(x, y, w, fm.height()), Qt.AlignmentFlag.AlignLeft, line)
            y += fm.height()
        y += (2 - len(lines)) * fm.height() + t.px(6)
        f = t.font(24, QFont.Weight.Bold)
        p.setFont(f)
        fm = QFontMetrics(f)
        p.setPen(QColor(t.text))
        p.drawText(QRect(x, y, w, fm.height()), Qt.AlignmentFlag.AlignLeft, money(float(self.product.get("price", 0))))
        if stock > 3:
            f2 = t.font(15)
            p.setFont(f2)
            p.setPen(QColor(t.success))
            p.drawText(QRect(x, y, w, fm.height()), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       "In stock")


def _wrap(text: str, fm: QFontMetrics, width: int, max_lines: int) -> list[str]:
    words = text.split()
    lines: list[str] = []
    current = ""
    for i, word in enumerate(words):
        trial = f"{current} {word}".strip()
        if fm.horizontalAdvance(trial) <= width or not current:
            current = trial
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines - 1:
            current = " ".join(words[i:])
            break
    if current:
        lines.append(fm.elidedText(current, Qt.TextElideMode.ElideRight, width))
    return lines[:max_lines]


STATUS_TEXT = {
    "idle": "Ready",
    "listening": "Listening…",
    "thinking": "Thinking…",
    "speaking": "Speaking…",
    "unavailable": "Voice unavailable · type or tap",
    "starting": "Starting…",
}


class StatusIndicator(QWidget):
    """What Aisle is doing: a coloured dot (pulsing while active) and a word."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = "idle"
        self._phase = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self._tick)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(48)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.set_state("idle")

    def set_state(self, state: str) -> None:
        self.state = state if state in STATUS_TEXT else "idle"
        self.setAccessibleName(f"Aisle status: {self.text}")
        if self.state in ("listening", "thinking", "speaking", "starting"):
            self._timer.start()
        else:
            self._timer.stop()
            self._phase = 0.0
        self.updateGeometry()
        self.update()

    @property
    def text(self) -> str:
        return STATUS_TEXT[self.state]

    def _tick(self) -> None:
        self._phase = (self._phase + 0.35) % (2 * math.pi)
        self.update(0, 0, 48, self.height())  # only the dot moves

    def sizeHint(self) -> QSize:
        t = themes.current()
        fm = QFontMetrics(t.font(18, QFont.Weight.DemiBold))
        return QSize(fm.horizontalAdvance(self.text) + 72, max(48, fm.height() + 20))

    def paintEvent(self, event: QPaintEvent) -> None:
        t = themes.current()
        colors = {"idle": t.success, "listening": t.focus, "thinking": t.warning, "speaking": t.accent,
                  "unavailable": t.muted, "starting": t.muted}
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = self.height()
        rect = QRectF(0.5, 0.5, self.width() - 1, h - 1)
        p.setPen(QPen(QColor(t.border), t.border_width))
        p.setBrush(QColor(t.surface_alt))
        p.drawRoundedRect(rect, h / 2, h / 2)
        color = QColor(colors[self.state])
        cx, cy = 26.0, h / 2
        if self._timer.isActive():
            halo = QColor(color)
            halo.setAlphaF(0.25 + 0.2 * math.sin(self._phase))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(halo)
            r = 11 + 3 * (1 + math.sin(self._phase))
            p.drawEllipse(QRectF(cx - r, cy - r, 2 * r, 2 * r))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(QRectF(cx - 7, cy - 7, 14, 14))
        p.setPen(QColor(t.text))
        p.setFont(t.font(18, QFont.Weight.DemiBold))
        p.drawText(QRectF(46, 0, self.width() - 56, h), Qt.AlignmentFlag.AlignVCenter, self.text)
        p.end()


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
    """A short confirmation floating over the bottom of its parent; disappears by itself."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setProperty("role", "toast")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
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
        parent = self.parentWidget()
        width = min(720, parent.width() - 48)
        self.text.setFixedWidth(width - 56)
        self.adjustSize()
        self.move((parent.width() - self.width()) // 2, parent.height() - self.height() - 40)
        self.raise_()
        self.show()
        self._timer.start(ms)


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
        self.setProperty("role", "scrim")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, obj: Any, event: QEvent) -> bool:
        if obj is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def open(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
