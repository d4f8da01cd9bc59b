"""A store's export imported through the staff panel, then searched and shown: the card and the details screen
show the store's photos (several, swiped on the details screen), checked on offscreen screenshots; a product without
photos keeps its drawn picture."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from store_export import make_export

from app.settings import Settings
from ui.components.details import DetailsView
from ui.components.gallery import PhotoGallery
from ui.components.results import ResultsView


@pytest.fixture
def kiosk_settings(settings: Settings, catalog_copy: Path) -> Settings:
    return settings.replace(catalog=catalog_copy)


def _centre(image: QImage, widget_rect: tuple[int, int, int, int]) -> QColor:
    x, y, w, h = widget_rect
    return image.pixelColor(x + w // 2, y + min(h, round(w * 0.75)) // 2)


def _details(kiosk, pid: str, name: str) -> DetailsView:
    kiosk.window.controller.show_details(pid, name)
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, DetailsView)
               and kiosk.window.shopping.products.current.product["id"] == pid, what="details")
    return kiosk.window.shopping.products.current


def test_store_photos_on_cards_and_a_swipeable_details_gallery(kiosk, qtbot, tmp_path):
    export = make_export(tmp_path / "export")
    w = kiosk.window
    w._open_staff_panel()
    panel = w.staff_panel
    panel.import_path.setText(str(export.json_file))
    panel.import_button.click()
    kiosk.wait(lambda: panel.import_button.isEnabled(), limit_s=30, what="the import report")
    assert "Imported 3 products. Photos: 3." in panel.report.text(), panel.report.text()
    panel.hide()

    kiosk.start()
    w.controller.submit_text("show me family tents")
    kiosk.wait(lambda: isinstance(w.shopping.products.current, ResultsView), what="results")
    kiosk.wait(lambda: not w.busy, what="the reply")
    results = w.shopping.products.current
    kiosk.wait(lambda: results.grid.complete, what="all the cards")
    card = next(c for c in results.cards if c.product_id == "RS-TENT-4")
    kiosk.wait(lambda: w.images.pixmap("RS-TENT-4") is not None, what="the card's photo")
    assert w.images.store_photos("RS-TENT-4") is not None and w.images.svg("RS-TENT-4") is None
    thumb = w.images.pixmap("RS-TENT-4").toImage()
    middle = thumb.pixelColor(thumb.width() // 2, thumb.height() // 2)
    assert middle.red() > 150 and middle.green() < 90, "the card shows the store's (red) photo"
    assert card.add_button is not None and card.add_button.isEnabled(), "no stock column: sellable"

    details = _details(kiosk, "RS-TENT-4", "Wildway Basecamp 4 Family Tent")
    gallery = details.image
    assert isinstance(gallery, PhotoGallery)
    kiosk.wait(lambda: gallery.showing_photos, what="the large photos")
    assert gallery.count == 2 and gallery.index == 0
    kiosk.settle()
    shot = w.grab().toImage()
    top_left = gallery.mapTo(w, QPoint(0, 0))
    rect = (top_left.x(), top_left.y(), gallery.width(), gallery.height())
    red = _centre(shot, rect)
    assert red.red() > 150 and red.green() < 90 and red.blue() < 90, red.name()
    path = tmp_path / "details-store-photo.png"
    assert w.grab().save(str(path))
    if os.environ.get("AISLE_TEST_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["AISLE_TEST_SCREENSHOTS"]) / path.name)

    # swipe left: the second (blue) photo
    start = QPoint(gallery.width() * 3 // 4, gallery.height() // 2)
    qtbot.mousePress(gallery, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(gallery, QPoint(start.x() - 80, start.y()))
    qtbot.mouseMove(gallery, QPoint(start.x() - 160, start.y()))
    qtbot.mouseRelease(gallery, Qt.MouseButton.LeftButton, pos=QPoint(start.x() - 160, start.y()))
    assert gallery.index == 1 and gallery.previous_button.isVisible() and not gallery.next_button.isVisible()
    kiosk.settle()
    blue = _centre(w.grab().toImage(), rect)
    assert blue.blue() > 150 and blue.red() < 90, blue.name()
    qtbot.keyClick(gallery, Qt.Key.Key_Left)
    assert gallery.index == 0

    # a product without photos keeps its drawn picture
    plain = _details(kiosk, "RS-MAT-2", "Wildway Cloud Sleeping Mat")
    kiosk.wait(lambda: w.images.svg("RS-MAT-2") is not None, what="the drawn picture")
    assert isinstance(plain.image, PhotoGallery) and not plain.image.showing_photos
