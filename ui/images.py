"""Product images: the store's photo thumbnail (JPEG) or the drawn SVG, fetched from the catalog off the UI thread,
decoded or rendered on it (time-sliced), cached. A product with store photos also carries a `StorePhotos`, whose
`load_large()` decodes the large photos on a worker thread for the details screen's gallery.

Widgets ask for `pixmap(product_id, size)`; when it is not ready yet they get None, paint a placeholder, and repaint
on `ready(product_id)`. Fetches are batched (one worker round trip for a whole results grid) and rendering is
time-sliced so that a grid of twenty new products never blocks the loop for a whole frame.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ui.work import later

log = logging.getLogger("aisle.ui.images")



@dataclass(frozen=True)
class StorePhotos:
    """A product's store photos: the card thumbnail (JPEG bytes), how many there are, and a loader for the large
    ones (decoded off the UI thread)."""

    thumb: bytes
    count: int
    load_large: Callable[[], Awaitable[list[QImage]]]
    thumb_image: QImage | None = None  # the thumbnail already decoded (on the worker thread that fetched it)


Fetcher = Callable[[list[str]], Awaitable[dict[str, str | StorePhotos | None]]]
RENDER_WIDTH = 400  # every product image is rendered once at this size (4:3, ~470 KB) and scaled when drawn
RENDER_HEIGHT = 300
JPEG_MAGIC = b"\xff\xd8"
SLICE_S = 0.002  # render for at most this long per loop turn (within the deferred-work budget)


class ImageProvider(QObject):
    ready = Signal(str)

    def __init__(self, fetch: Fetcher | None = None, max_svgs: int = 600, max_pixmaps: int = 96,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._svgs: OrderedDict[str, bytes | None] = OrderedDict()  # SVG text, or a photo's JPEG thumbnail
        self._photos: dict[str, StorePhotos] = {}
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._max_svgs = max_svgs
        self._max_pixmaps = max_pixmaps
        self._wanted: list[str] = []
        self._in_flight: set[str] = set()
        self._render_queue: OrderedDict[str, None] = OrderedDict()
        self._fetch_task: asyncio.Task[None] | None = None
        self._render_scheduled = False

    def set_fetcher(self, fetch: Fetcher | None) -> None:
        self._fetch = fetch
        if fetch is not None and self._wanted:
            self._schedule_fetch()

    def clear(self) -> None:
        """Forget everything (a catalog import changed the images)."""
        self._svgs.clear()
        self._photos.clear()
        self._pixmaps.clear()
        self._render_queue.clear()

    @property
    def cached(self) -> int:
        return len(self._pixmaps)

    def pixmap(self, product_id: str) -> QPixmap | None:
        pix = self._pixmaps.get(product_id)
        if pix is not None:
            self._pixmaps.move_to_end(product_id)
            return pix
        self.request([product_id])
        return None

    def svg(self, product_id: str) -> bytes | None:
        """The SVG source, when fetched (for widgets that render it large themselves); None for a store photo."""
        data = self._svgs.get(product_id)
        return None if data is None or data.startswith(JPEG_MAGIC) else data

    def store_photos(self, product_id: str) -> StorePhotos | None:
        """The product's store photos, once fetched; None when it has none (or is not fetched yet)."""
        return self._photos.get(product_id)

    def request(self, product_ids: Iterable[str]) -> None:
        for pid in product_ids:
            if pid in self._pixmaps or pid in self._render_queue or pid in self._in_flight:
                continue
            if pid in self._svgs:
                self._render_queue[pid] = None
                self._schedule_render()
            elif pid not in self._wanted:
                self._wanted.append(pid)
        if self._wanted:
            self._schedule_fetch()

    def _schedule_fetch(self) -> None:
        if self._fetch is None or (self._fetch_task is not None and not self._fetch_task.done()):
            return
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return
        self._fetch_task = loop.create_task(self._fetch_all())

    async def _fetch_all(self) -> None:
        while self._wanted and self._fetch is not None:
            batch, self._wanted = self._wanted[:40], self._wanted[40:]
            self._in_flight.update(batch)
            try:
                found = await self._fetch(batch)
            except Exception:
                log.exception("fetching %d product images failed", len(batch))
                found = {}
            finally:
                self._in_flight.difference_update(batch)
            for pid in batch:
                svg = found.get(pid)
                if isinstance(svg, StorePhotos):
                    self._photos[pid] = svg
                    self._svgs[pid] = svg.thumb
                else:
                    self._svgs[pid] = svg.encode("utf-8") if svg else None
                self._svgs.move_to_end(pid)
                self._render_queue[pid] = None
            while len(self._svgs) > self._max_svgs:
                gone, _ = self._svgs.popitem(last=False)
                self._photos.pop(gone, None)
            self._schedule_render()

    def _schedule_render(self) -> None:
        if not self._render_scheduled:
            self._render_scheduled = True
            later(self._render_some)

    def _render_some(self) -> bool:
        started = time.perf_counter()
        while self._render_queue and time.perf_counter() - started < SLICE_S:
            pid, _ = self._render_queue.popitem(last=False)
            svg = self._svgs.get(pid)
            if not svg:
                continue
            if svg.startswith(JPEG_MAGIC):  # a store photo's thumbnail, already the card's size
                photos = self._photos.get(pid)
                decoded = photos.thumb_image if photos is not None and photos.thumb_image is not None else None
                self._pixmaps[pid] = QPixmap.fromImage(decoded if decoded is not None else QImage.fromData(svg))
            else:
                self._pixmaps[pid] = render_svg(svg, QSize(RENDER_WIDTH, RENDER_HEIGHT))
            while len(self._pixmaps) > self._max_pixmaps:
                self._pixmaps.popitem(last=False)
            self.ready.emit(pid)
        self._render_scheduled = bool(self._render_queue)
        return self._render_scheduled


def render_svg(svg: bytes, size: QSize) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg))
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if renderer.isValid():
        view = renderer.viewBoxF()
        if view.width() > 0 and view.height() > 0:
            scale = min(size.width() / view.width(), size.height() / view.height())
            w, h = view.width() * scale, view.height() * scale
            renderer.render(painter, QRectF((size.width() - w) / 2, (size.height() - h) / 2, w, h))
        else:
            renderer.render(painter)
    painter.end()
    return QPixmap.fromImage(image)
