"""A real store's export with its photos and manuals, imported through the CLI: photos stored kiosk-ready (resized
once), manuals split into sections and indexed, URLs fetched from a real HTTP server, and every missing asset a
per-row warning that does not stop the import."""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from store_export import make_export, photo

from app.catalog.importer import import_catalog
from app.catalog.photos import LARGE_SIZE, THUMB_SIZE
from app.catalog.store import Catalog

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "AISLE_NO_KEYRING": "1", "PYTHONPATH": str(REPO)}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.compose.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=REPO, env=ENV)


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a folder, like a store's web shop serving its photos."""
    folder = tmp_path / "web"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


def _picture(data: bytes | None) -> Image.Image:
    assert data is not None
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.convert("RGB")


def test_a_store_export_with_photos_and_manuals_through_the_cli(catalog_copy: Path, tmp_path: Path) -> None:
    export = make_export(tmp_path / "export")
    done = _cli("catalog", "import", str(export.json_file), "--catalog", str(catalog_copy),
                "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    assert "Imported 3 products." in done.stdout and "Photos: 3. Products with a manual: 2." in done.stdout
    assert done.stdout.count("No stock column: stock is unknown and products are sellable.") == 1
    assert "photos   [" in done.stderr and "3/3" in done.stderr, "a progress bar for the photos"
    assert "Ignored unknown columns" not in done.stdout
    # the originals are not needed afterwards
    for original in (export.folder / "photos").iterdir():
        original.unlink()
    catalog = Catalog(catalog_copy)
    assert catalog.photo_counts(["RS-TENT-4", "RS-STOVE-1", "RS-MAT-2"]) == {"RS-TENT-4": 2, "RS-STOVE-1": 1}
    thumb, large = _picture(catalog.photo("RS-TENT-4")), _picture(catalog.photo("RS-TENT-4", large=True))
    assert thumb.width <= THUMB_SIZE[0] and thumb.height <= THUMB_SIZE[1] and thumb.size == (400, 300)
    assert large.size == LARGE_SIZE
    r, g, b = thumb.getpixel((thumb.width // 2, thumb.height // 2))  # the red disc in the middle of the photo
    assert r > 150 and g < 90 and b < 90, (r, g, b)
    assert _picture(catalog.photo("RS-TENT-4", 1)).getpixel((200, 150))[2] > 150, "the second photo is blue"
    tent = catalog.get("RS-TENT-4")
    assert tent is not None and tent.price == 349.0 and tent.stock is None and tent.category == "tents"
    stove = catalog.get("RS-STOVE-1")
    assert stove is not None and stove.price == 59.95 and stove.category == "camp-stoves"
    sections = {row["section"] for row in catalog.passages_of("RS-TENT-4") if row["source"] == "manual"}
    assert {"Specifications", "Setting up", "Use in winter", "Warranty"} <= sections
    pdf = [row["text"] for row in catalog.passages_of("RS-STOVE-1") if row["source"] == "manual"]
    assert any("2-year warranty" in text for text in pdf), pdf
    assert [p.id for p in catalog.search("basecamp family tent")][:1] == ["RS-TENT-4"]


def test_a_csv_export_keeps_multi_line_fields_and_finds_photos_under_assets(catalog_copy: Path,
                                                                           tmp_path: Path) -> None:
    export = make_export(tmp_path / "export", with_pdf=False)
    moved = tmp_path / "elsewhere" / "products.csv"
    moved.parent.mkdir()
    export.csv_file.rename(moved)
    report = import_catalog(moved, catalog_copy, assets_dir=export.folder)
    catalog = Catalog(catalog_copy)
    bag = catalog.get("RS-BAG-1")
    assert bag is not None and bag.description == "Roomy\nwarm bag\n\nfor winter" and bag.category == "sleeping-bags"
    assert catalog.photo_counts(["RS-BAG-1"]) == {"RS-BAG-1": 1}
    assert report.photos == 1 and report.warnings == ["Category 'Sleeping bag' was taken as the category "
                                                      "'Sleeping bags'."]


def test_urls_are_fetched_and_what_cannot_be_found_is_a_warning_per_row(
        catalog_copy: Path, tmp_path: Path, http_folder: tuple[str, Path]) -> None:
    base, web = http_folder
    photo(web / "lamp.jpg", (1200, 900), (20, 200, 40))
    (web / "lamp.md").write_text("# Lamp\n\n## Battery\n\nRuns 40 hours on the low setting.\n")
    closed = "http://127.0.0.1:9/nothing.jpg"  # the discard port: nothing listens there
    rows = [
        {"id": "URL-1", "name": "Glow Lamp", "category": "headlamps", "price": "19.99",
         "image_url": f"{base}/lamp.jpg", "manual_url": f"{base}/lamp.md"},
        {"id": "URL-2", "name": "Dark Lamp", "category": "headlamps", "price": "9", "image_url": closed},
        {"id": "URL-3", "name": "Lost Lamp", "category": "headlamps", "price": "9", "image": "photos/none.png",
         "manual": "../../etc/passwd"},
        {"id": "URL-4", "name": "Gone Lamp", "category": "headlamps", "price": "9", "image": f"{base}/missing.jpg"},
    ]
    source = tmp_path / "export.json"
    source.write_text(json.dumps(rows))
    report = import_catalog(source, catalog_copy)
    catalog = Catalog(catalog_copy)
    assert catalog.count() == 174, "every product is imported"
    assert catalog.photo_counts(["URL-1", "URL-2", "URL-3", "URL-4"]) == {"URL-1": 1}
    assert _picture(catalog.photo("URL-1")).getpixel((200, 150))[1] > 150
    assert any("40 hours" in row["text"] for row in catalog.passages_of("URL-1"))
    warnings = "\n".join(report.warnings)
    assert f"product 2, image: {closed} could not be downloaded (connect error: is the network available?); " \
           "the drawn picture is used" in warnings
    assert "product 3, image: 'photos/none.png' was not found in" in warnings
    assert "product 3, manual: '../../etc/passwd' points outside the assets folder" in warnings
    assert f"product 4, image: {base}/missing.jpg could not be downloaded (the server answered 404)" in warnings


def test_a_file_that_is_not_a_photo_is_a_warning(catalog_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "fake.png").write_text("not a picture")
    source = tmp_path / "export.csv"
    source.write_text("id,name,category,price,image\nNP-1,Lamp,headlamps,5,fake.png\n")
    report = import_catalog(source, catalog_copy)
    assert report.imported == 1 and report.photos == 0
    assert report.warnings == ["row 2, image: 'fake.png' is not a picture Aisle can read (UnidentifiedImageError); "
                               "the drawn picture is used"]


def test_a_product_keeps_its_photos_when_new_ones_cannot_be_had(catalog_copy: Path, tmp_path: Path) -> None:
    export = make_export(tmp_path / "export", with_pdf=False)
    import_catalog(export.json_file, catalog_copy)
    for original in (export.folder / "photos").iterdir():
        original.unlink()
    report = import_catalog(export.json_file, catalog_copy)
    assert report.photos == 0 and report.warnings
    assert Catalog(catalog_copy).photo_counts(["RS-TENT-4"]) == {"RS-TENT-4": 2}
