"""The HTTP API serves a store's photos (the web view's cards use them; the drawn picture stays the fallback), and
a catalog with an unusable price never turns a search into a 500."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from store_export import make_export

from app.catalog.importer import import_catalog
from app.settings import Settings


@pytest.fixture
def settings(settings: Settings, catalog_copy: Path, tmp_path: Path) -> Settings:
    import_catalog(make_export(tmp_path / "export", with_pdf=False).json_file, catalog_copy)
    conn = sqlite3.connect(catalog_copy)
    conn.execute("update products set price = null where id = 'TNT-1001'")
    conn.execute("update products set price = 1e999 where id = 'TNT-1002'")
    conn.commit()
    conn.close()
    return settings.replace(catalog=catalog_copy)


def _jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.convert("RGB")


async def test_store_photos_are_served(live) -> None:
    card = await live.client.get("api/products/RS-TENT-4/image")
    assert card.status_code == 200 and card.headers["content-type"] == "image/jpeg"
    r, g, _ = _jpeg(card.content).getpixel((200, 150))
    assert r > 150 and g < 90, "the card image is the store's (red) photo"
    detail = (await live.client.get("api/products/RS-TENT-4")).json()
    assert detail["photo_urls"] == ["/api/products/RS-TENT-4/photos/0", "/api/products/RS-TENT-4/photos/1"]
    second = await live.client.get(detail["photo_urls"][1])
    assert second.status_code == 200 and _jpeg(second.content).size == (1024, 768)
    assert _jpeg(second.content).getpixel((512, 384))[2] > 150, "the second photo is blue"
    thumb = await live.client.get("api/products/RS-TENT-4/photos/1", params={"size": "thumb"})
    assert _jpeg(thumb.content).size == (400, 300)
    missing = await live.client.get("api/products/RS-TENT-4/photos/7")
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_photo"
    drawn = await live.client.get("api/products/RS-MAT-2/image")
    assert drawn.status_code == 200 and drawn.headers["content-type"].startswith("image/svg+xml")
    assert (await live.client.get("api/products/RS-MAT-2")).json()["photo_urls"] == []


async def test_a_catalog_with_unusable_prices_still_searches(live) -> None:
    found = await live.client.get("api/products", params={"q": "tent", "limit": 50})
    assert found.status_code == 200
    ids = [p["id"] for p in found.json()["products"]]
    assert ids and "TNT-1001" not in ids and "TNT-1002" not in ids
    assert (await live.client.get("api/products/TNT-1001")).status_code == 404
    listed = await live.client.get("api/products", params={"category": "tents", "limit": 50})
    assert listed.status_code == 200 and all(p["price"] >= 0 for p in listed.json()["products"])
