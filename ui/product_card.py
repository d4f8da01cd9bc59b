"""The product card (grids, strips, the welcome screen): a painted image, brand, name, price and stock, with its own
painted "Add to cart" button placed at the card's bottom edge."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
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
from PySide6.QtWidgets import QPushButton, QSizePolicy, QWidget

from ui import theme as themes
from ui.icons import icon
from ui.images import ImageProvider
from ui.widgets import money


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
        self.add_button: CardButton | None = None
        if show_add:
            in_stock = bool(product.get("in_stock", (product.get("stock", 0) or 0) > 0))
            self.add_button = CardButton("Add to cart" if in_stock else "Out of stock",
                                         f"Add to cart: {self.display_name}", in_stock)
            self.add_button.setProperty("shape", "painted")
            self.add_button.setEnabled(in_stock)
            self.add_button.clicked.connect(lambda: self.add_requested.emit(self.product_id, self.display_name))
            self.add_button.setParent(self)
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
        height = self.heightForWidth(self.width())
        if self.height() != height:
            self.setFixedHeight(height)
        super().resizeEvent(event)
        self._place_button()

    def _place_button(self) -> None:
        """The button sits on the card's bottom edge, placed by hand: a layout inside a card whose height follows its
        width could keep an older, shorter geometry and leave the button over the picture."""
        if self.add_button is None:
            return
        margin = themes.current().px(14)
        self.add_button.setGeometry(margin, self.height() - margin - 64, max(64, self.width() - 2 * margin), 64)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._place_button()

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
            event.accept()  # handled here: the welcome screen behind must not also start a session
            self.activate()
            return
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
        self._paint_stock_pill(p, t, img_rect)
        self._paint_text(p, t, rect, img_rect)

    def _paint_stock_pill(self, p: QPainter, t: themes.Theme, img_rect: QRectF) -> None:
        tracked = self.product.get("stock", 0)  # None: the store does not track stock, so no badge
        stock = -1 if tracked is None else int(tracked)
        pill = "" if tracked is None else "Out of stock" if stock <= 0 else (f"Only {stock} left" if stock <= 3 else "")
        if pill:
            f = t.font(14, QFont.Weight.DemiBold)
            p.setFont(f)
            fm = QFontMetrics(f)
            pw, ph = fm.horizontalAdvance(pill) + 24, fm.height() + 10
            pr = QRectF(img_rect.right() - 10 - pw, img_rect.top() + 10, pw, ph)  # clear of the brand badge
            fill = QColor(t.danger if stock <= 0 else t.warning)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(fill)
            p.drawRoundedRect(pr, ph / 2, ph / 2)
            p.setPen(QColor("#000000" if fill.lightness() > 150 else "#FFFFFF"))
            p.drawText(pr, Qt.AlignmentFlag.AlignCenter, pill)

    def _paint_text(self, p: QPainter, t: themes.Theme, rect: QRectF, img_rect: QRectF) -> None:
        tracked = self.product.get("stock", 0)
        stock = -1 if tracked is None else int(tracked)  # stock not tracked: no "In stock" line either
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
