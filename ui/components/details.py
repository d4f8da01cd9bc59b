"""`show_product_details` → a detail card: image, price, stock, description, specs, and a recommendation strip."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPixmap
from PySide6.QtWidgets import QBoxLayout, QFrame, QGridLayout, QSizePolicy, QVBoxLayout, QWidget

from ui import theme as themes
from ui.components.common import CardStrip, ScrollPage
from ui.components.gallery import PhotoGallery
from ui.components.registry import ComponentContext, register
from ui.images import ImageProvider
from ui.widgets import button, frame, label, money


class ProductImage(QWidget):
    def __init__(self, product_id: str, images: ImageProvider, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.product_id = product_id
        self._images = images
        self._pix: QPixmap | None = None
        self._pix_size = QSize()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(240, 180)
        images.ready.connect(self._ready)
        images.request([product_id])

    def _ready(self, pid: str) -> None:
        if pid == self.product_id:
            self.update()

    def _large(self, size: QSize) -> QPixmap | None:
        """The image rendered from its SVG at this widget's size (sharp, not an upscaled thumbnail)."""
        if self._pix is not None and self._pix_size == size:
            return self._pix
        svg = self._images.svg(self.product_id)
        if svg is None:
            return self._images.pixmap(self.product_id)
        from ui.images import render_svg

        view = render_svg(svg, QSize(size.width(), round(size.width() * 0.75)))
        self._pix = view.scaled(size, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                                Qt.TransformationMode.SmoothTransformation)
        self._pix_size = size
        return self._pix

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return round(width * 0.75)

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def paintEvent(self, event: QPaintEvent) -> None:
        t = themes.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        w = self.width()
        h = min(self.height(), round(w * 0.75))
        rect = QRectF(0, 0, w, h)
        clip = QPainterPath()
        clip.addRoundedRect(rect, 20, 20)
        p.setClipPath(clip)
        p.fillRect(rect, QColor(t.surface_alt))
        pix = self._large(QSize(w, h))
        if pix is not None:
            p.drawPixmap((w - pix.width()) // 2, (h - pix.height()) // 2, pix)
        p.end()


# key suffix → (unit after the value, words after the name); longest suffixes first
SPEC_UNITS: tuple[tuple[str, str, str], ...] = (
    ("_g_m2", "g/m²", ""),
    ("_g_pair", "g", " per pair"),
    ("_persons", "persons", ""),
    ("_min", "min", ""),
    ("_kg", "kg", ""),
    ("_mm", "mm", ""),
    ("_cm", "cm", ""),
    ("_c", "°C", ""),
    ("_g", "g", ""),
    ("_l", "L", ""),
    ("_m", "m", ""),
    ("_h", "h", ""),
    ("_w", "W", ""),
)
SPEC_NAMES = {"lumens": ("Brightness", "lumens")}  # whole keys that name their own unit
SPEC_WORDS = {"ip": "IP", "uv": "UV", "usb": "USB", "led": "LED"}


def _number(value: float) -> str:
    """3 → "3", 2.50 → "2.5", 28000 → "28,000" (four-digit numbers stay without a separator, "3000")."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").rstrip(".")
    whole = int(value)
    return f"{whole:,}" if abs(whole) >= 10000 else str(whole)


def format_spec(key: str, value: Any) -> tuple[str, str]:
    """One product spec as (name, value) for people: ("comfort_rating_c", 9) → ("Comfort rating", "9 °C"),
    ("capacity_persons", 2) → ("Capacity", "2 persons"), booleans as Yes/No, lists joined with commas."""
    key = key.strip()
    unit, after = "", ""
    if key.lower() in SPEC_NAMES:
        key, unit = SPEC_NAMES[key.lower()]
    else:
        for suffix, unit_text, name_after in SPEC_UNITS:
            if key.lower().endswith(suffix) and len(key) > len(suffix):
                key, unit, after = key[: -len(suffix)], unit_text, name_after
                break
    words = [SPEC_WORDS.get(w.lower(), w) for w in key.replace("_", " ").split()]
    name = " ".join(words) + after
    name = name[:1].upper() + name[1:]
    if isinstance(value, bool):
        return name, "Yes" if value else "No"
    if isinstance(value, int | float):
        text = _number(value)
        if unit == "persons" and value == 1:
            unit = "person"
    elif isinstance(value, list | tuple):
        text = ", ".join(_number(v) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)
                         for v in value)
    else:
        text = str(value).strip()
        text = re.sub(r"(?<=\d) ?x ?(?=\d)", " × ", text)  # "64 x 24" → "64 × 24"
        text = re.sub(r"(?<=\d)-(?=\d)", "–", text)  # "95-130" → "95–130"
        if text[:1].islower():
            text = text[:1].upper() + text[1:]  # "hollow fiber" → "Hollow fiber"
    if unit and any(ch.isdigit() for ch in text):
        text = f"{text} {unit}"
    return name, text


class DetailsView(QWidget):
    def __init__(self, ctx: ComponentContext, product: dict[str, Any], recs: list[dict[str, Any]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DetailsView")
        self.product = product
        t = themes.current()
        pid = str(product.get("id", ""))
        name = f"{product.get('brand', '')} {product.get('name', '')}".strip()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        page = ScrollPage()
        outer.addWidget(page)
        top = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        top.setSpacing(t.px(28))
        self._top = top
        self.image = PhotoGallery(pid, ctx.images, fallback=ProductImage(pid, ctx.images))  # store photos, else drawn
        top.addWidget(self.image, 5, Qt.AlignmentFlag.AlignTop)
        top.addLayout(self._build_info(ctx, product, pid, name, t), 6)
        page.content.addLayout(top)
        description = str(product.get("description", ""))
        if description:
            page.content.addWidget(label(description, wrap=True))
        specs = product.get("specs") or {}
        if specs:
            page.content.addWidget(_spec_grid(specs, t))
        self.strip: CardStrip | None = None
        if recs:
            page.content.addWidget(label("Goes well with it", "h3"))
            self.strip = CardStrip(ctx, recs)
            page.content.addWidget(self.strip)
        page.content.addStretch(1)

    def _build_info(self, ctx: ComponentContext, product: dict[str, Any], pid: str, name: str,
                    t: themes.Theme) -> QVBoxLayout:
        """Brand, name, summary, price, stock and "Add to cart", beside the picture."""
        info = QVBoxLayout()
        info.setSpacing(t.px(10))
        brand = label(str(product.get("brand", "")).upper(), "small")
        info.addWidget(brand)
        info.addWidget(label(str(product.get("name", "")), "h2", wrap=True))
        info.addWidget(label(str(product.get("short_description", "")), "muted", wrap=True))
        info.addWidget(label(money(float(product.get("price", 0))), "price"))
        tracked = product.get("stock", 0)  # None: the store does not track stock: sellable, no badge
        stock = 0 if tracked is None else int(tracked)
        if tracked is not None:
            stock_text = "Out of stock" if stock <= 0 else (
                f"Only {stock} left" if stock <= 3 else f"In stock · {stock}")
            info.addWidget(label(stock_text, "warning" if stock <= 3 else "muted"))
        self.add_button = button("Add to cart", f"Add to cart: {name}", role="primary", icon_name="plus")
        self.add_button.setEnabled(tracked is None or stock > 0)
        self.add_button.clicked.connect(lambda _=False, n=name: ctx.add_to_cart(pid, n))
        self.add_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        info.addSpacing(t.px(6))
        info.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        info.addStretch(1)
        return info

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        narrow = self.width() < 460  # side by side down to laptop widths: "Add to cart" stays above the fold
        direction = QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        if self._top.direction() != direction:
            self._top.setDirection(direction)
            # stacked, a full-width picture would push the price and "Add to cart" off the screen
            self.image.setMaximumHeight(260 if narrow else 16777215)


def _spec_grid(specs: dict[str, Any], t: themes.Theme) -> QFrame:
    """Up to 16 specs, two name/value pairs a row."""
    box = frame("soft")
    grid = QGridLayout(box)
    grid.setContentsMargins(t.px(20), t.px(16), t.px(20), t.px(16))
    grid.setHorizontalSpacing(t.px(24))
    grid.setVerticalSpacing(t.px(8))
    for i, (key, value) in enumerate(list(specs.items())[:16]):
        row, col = divmod(i, 2)
        spec_name, text = format_spec(str(key), value)
        grid.addWidget(label(spec_name, "small"), row, col * 2)
        grid.addWidget(label(text, wrap=True), row, col * 2 + 1)
    grid.setColumnStretch(1, 1)
    grid.setColumnStretch(3, 1)
    return box


@register("show_product_details")
def details(ctx: ComponentContext, call: dict[str, Any]) -> QWidget:
    result = call["result"]
    return DetailsView(ctx, dict(result["product"]), list(result.get("recommendations") or []))
