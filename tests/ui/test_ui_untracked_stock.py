"""A product whose stock the store does not track: its card and details offer "Add to cart" and show no stock badge."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from app.catalog.importer import import_catalog
from app.settings import Settings
from ui.components.details import DetailsView
from ui.components.results import ResultsView


@pytest.fixture
def kiosk_settings(settings: Settings, catalog_copy: Path, tmp_path: Path) -> Settings:
    source = tmp_path / "export.csv"
    source.write_text("id,name,brand,category,price\nUNK-1,Trail Mug,Skyfold,camp-stoves,12.50\n")
    import_catalog(source, catalog_copy)
    return settings.replace(catalog=catalog_copy)


def test_untracked_stock_is_sellable_without_a_badge(kiosk, qtbot):
    kiosk.start()
    kiosk.window.controller.submit_text("do you have a trail mug")
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, (ResultsView, DetailsView)), what="cards")
    kiosk.wait(lambda: not kiosk.window.busy, what="the reply")
    shown = kiosk.window.shopping.products.current
    if isinstance(shown, ResultsView):
        card = next(c for c in shown.cards if c.product_id == "UNK-1")
        assert card.add_button is not None and card.add_button.isEnabled() and card.add_button.text() == "Add to cart"
    kiosk.window.controller.show_details("UNK-1", "Skyfold Trail Mug")
    kiosk.wait(lambda: isinstance(kiosk.window.shopping.products.current, DetailsView)
               and kiosk.window.shopping.products.current.product["id"] == "UNK-1", what="details")
    details = kiosk.window.shopping.products.current
    assert details.product["stock"] is None
    assert details.add_button.isEnabled()
    texts = [w.text() for w in details.findChildren(QLabel)]
    assert not any("stock" in t.lower() for t in texts), texts
