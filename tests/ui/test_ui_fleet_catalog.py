"""When a new catalog goes live under the kiosk window (a fleet update between shoppers), the attract screen's
featured products are reloaded from it: no card keeps showing a price the catalog no longer has."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from app.settings import Settings
from tests.ui.kiosk_harness import Kiosk


@pytest.fixture
def kiosk_settings(settings: Settings, demo_catalog_path: Path, tmp_path: Path) -> Settings:
    live = tmp_path / "live-catalog.db"
    shutil.copyfile(demo_catalog_path, live)
    return settings.replace(catalog=live)


def test_featured_products_follow_a_swapped_catalog(kiosk: Kiosk, tmp_path: Path) -> None:
    window = kiosk.window
    first = window.featured[0]["id"]
    new = tmp_path / "new-catalog.db"
    shutil.copyfile(kiosk.runtime.catalog.path, new)
    conn = sqlite3.connect(new)
    conn.execute("update products set price = 1.25 where id = ?", (first,))
    conn.commit()
    conn.close()
    os.replace(new, kiosk.runtime.catalog.path)  # what the fleet service does between shoppers
    kiosk.runtime.catalog.invalidate()
    kiosk.run(kiosk.runtime.catalog_changed())
    kiosk.wait(lambda: any(p["id"] == first and p["price"] == 1.25 for p in window.featured),
               what="the featured products to come from the new catalog")
