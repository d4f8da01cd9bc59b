"""The details screen's photo gallery: the store's photos of a product, one at a time, swiped (or tapped with the
arrows, or the arrow keys) from one to the next, with a dot per photo. A product without store photos shows the
drawn picture it is given as `fallback`.

The large photos are decoded on a worker thread (`StorePhotos.load_large`); this widget only scales and paints them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPixmap
from PySide6.QtWidgets import QSizePolicy, QStackedLayout, QToolButton, QWidget

from ui import theme as themes
from ui.images import ImageProvider

log = logging.getLogger("aisle.ui.gallery")

SWIPE_PX = 48  # a drag further than this moves to the next or previous photo


class _PhotoView(QWidget):
    """Paints the current photo (following a finger while it is dragged) and the dots."""

    def __init__(self, gallery: PhotoGallery) -> None:
        super().__init__(gallery)
        self._gallery = gallery
        self._scaled: dict[tuple[int, int, int], QPixmap] = {}

    def pixmap_for(self, index: int, size: QSize) -> QPixmap:
        key = (index, size.width(), size.height())
        if key not in self._scaled:
            self._scaled = {k: v for k, v in self._scaled.items() if k[1:] == key[1:]}
            image = self._gallery.images_loaded[index]
            self._scaled[key] = QPixmap.fromImage(image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                               Qt.TransformationMode.SmoothTransformation))
        return self._scaled[key]

    def paintEvent(self, event: QPaintEvent) -> None:
        gallery = self._gallery
        t = themes.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = self.width()
        h = min(self.height(), round(w * 0.75))
        rect = QRectF(0, 0, w, h)
        clip = QPainterPath()
        clip.addRoundedRect(rect, 20, 20)
        p.setClipPath(clip)
        p.fillRect(rect, QColor(t.surface_alt))
        size = QSize(w, h)
        for offset in (-1, 0, 1):
            index = gallery.index + offset
            if not 0 <= index < gallery.count or (offset and not gallery.drag):
                continue
            pix = self.pixmap_for(index, size)
            x = (w - pix.width()) / 2 + offset * w + gallery.drag
            p.drawPixmap(QPointF(x, (h - pix.height()) / 2), pix)
        if gallery.count > 1:
            radius, gap = 6.0, 18.0
            left = (w - gap * (gallery.count - 1)) / 2
            for i in range(gallery.count):
                p.setPen(QColor(0, 0, 0, 90))
                p.setBrush(QColor("#FFFFFF") if i == gallery.index else QColor(255, 255, 255, 110))
                p.drawEllipse(QPointF(left + i * gap, h - 20), radius, radius)
        p.end()


class PhotoGallery(QWidget):
    def __init__(self, product_id: str, images: ImageProvider, fallback: QWidget,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PhotoGallery")
        self.product_id = product_id
        self.index = 0
        self.drag = 0.0
        self.images_loaded: list[QImage] = []
        self._press_x: float | None = None
        self._images = images
        self._task: asyncio.Task[None] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(240, 180)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Product photos")
        self._stack = QStackedLayout(self)
        self._stack.addWidget(fallback)
        self.view = _PhotoView(self)
        self._stack.addWidget(self.view)
        self.previous_button = self._arrow("‹", "Previous photo", self.previous)
        self.next_button = self._arrow("›", "Next photo", self.next)
        images.ready.connect(self._ready)
        self._ready(product_id)
        self.destroyed.connect(lambda *_: self._cancel())

    def _arrow(self, text: str, name: str, slot: Any) -> QToolButton:
        arrow = QToolButton(self)
        arrow.setText(text)
        arrow.setAccessibleName(name)
        arrow.setFixedSize(56, 56)
        arrow.setStyleSheet("QToolButton { border-radius: 28px; background: rgba(0,0,0,110); color: white; "
                            "font-size: 30px; }")
        arrow.clicked.connect(slot)
        arrow.hide()
        return arrow

    @property
    def count(self) -> int:
        return len(self.images_loaded)

    @property
    def showing_photos(self) -> bool:
        return self._stack.currentWidget() is self.view

    # -- loading --------------------------------------------------------------------------------------------------
    def _ready(self, pid: str) -> None:
        if pid != self.product_id or self._task is not None:
            return
        photos = self._images.store_photos(pid)
        if photos is None:
            return
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._load(photos.load_large))

    async def _load(self, load: Any) -> None:
        try:
            loaded = [image for image in await load() if not image.isNull()]
        except Exception:
            log.exception("loading the photos of %s failed; the drawn picture stays", self.product_id)
            return
        if loaded:
            self.images_loaded = loaded
            self._stack.setCurrentWidget(self.view)
            self._place_arrows()
            self.view.update()

    def _cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    # -- moving between photos --------------------------------------------------------------------------------------
    def show_photo(self, index: int) -> None:
        if self.count:
            self.index = max(0, min(self.count - 1, index))
            self.setAccessibleDescription(f"Photo {self.index + 1} of {self.count}")
            self._place_arrows()
            self.view.update()

    def next(self) -> None:
        self.show_photo(self.index + 1)

    def previous(self) -> None:
        self.show_photo(self.index - 1)

    def _place_arrows(self) -> None:
        several = self.count > 1
        h = min(self.height(), round(self.width() * 0.75))
        y = (h - 56) // 2
        self.previous_button.move(12, y)
        self.next_button.move(self.width() - 68, y)
        self.previous_button.setVisible(several and self.index > 0)
        self.next_button.setVisible(several and self.index < self.count - 1)
        self.previous_button.raise_()
        self.next_button.raise_()

    # -- swipe and keys ---------------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press_x = event.position().x() if self.showing_photos else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press_x is not None and self.count > 1:
            self.drag = event.position().x() - self._press_x
            self.view.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press_x is not None:
            moved = event.position().x() - self._press_x
            self._press_x, self.drag = None, 0.0
            if moved <= -SWIPE_PX:
                self.next()
            elif moved >= SWIPE_PX:
                self.previous()
            self.view.update()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Right:
            self.next()
        elif event.key() == Qt.Key.Key_Left:
            self.previous()
        else:
            super().keyPressEvent(event)

    # -- size -----------------------------------------------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._place_arrows()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return round(width * 0.75)

    def sizeHint(self) -> QSize:
        return QSize(480, 360)
