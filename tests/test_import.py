"""Store catalog import (`aisle catalog import`): real files into real SQLite catalogs, all or nothing."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from app.catalog.build import dump_rows
from app.catalog.importer import ImportFailed, import_catalog
from app.catalog.store import Catalog, CatalogError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


def _ids(catalog: Catalog, query: str) -> list[str]:
    return [p.id for p in catalog.search(query, limit=50)]


def _png(path: Path) -> Path:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
                     + chunk(b"IEND", b""))
    return path


def test_valid_csv(catalog_copy: Path) -> None:
    before = Catalog(catalog_copy).count()
    report = import_catalog(FIXTURES / "import_valid.csv", catalog_copy)
    assert report.imported == 3 and report.unknown_columns == []
    assert report.new_categories == ["kayaks"]
    catalog = Catalog(catalog_copy)
    assert catalog.count() == before + 3
    tent = catalog.get("NEW-2001")
    assert tent is not None
    assert (tent.brand, tent.category, tent.price, tent.stock) == ("Skyfold", "tents", 349.0, 6)
    assert tent.specs == {"capacity_persons": 2, "weight_kg": 1.6, "seasons": 3}
    assert tent.tags == ["ultralight", "backpacking"] and tent.related == ["TNT-1001", "HLP-1001"]
    quilt = catalog.get("NEW-2002")
    assert quilt is not None and quilt.category == "sleeping-bags" and not quilt.in_stock
    assert "kayaks" in [c.slug for c in catalog.categories()]
    assert (catalog.image_svg("NEW-2003") or "").startswith("<svg")
    assert "Imported 3 products" in report.summary() and "kayaks" in report.summary()


def test_valid_json(catalog_copy: Path) -> None:
    report = import_catalog(FIXTURES / "import_valid.json", catalog_copy)
    assert report.imported == 2
    catalog = Catalog(catalog_copy)
    pack = catalog.get("JSN-3001")
    assert pack is not None and pack.specs == {"capacity_l": 30, "weight_kg": 0.9, "rain_cover": True}
    bottle = catalog.get("JSN-3002")
    assert bottle is not None
    assert (bottle.category, bottle.price, bottle.stock) == ("water-bottles-filters", 12.5, 40)
    assert bottle.tags == ["bottle", "bpa-free"]


def test_json_list_at_top_level(catalog_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "list.json"
    source.write_text(json.dumps([{"id": "L-1", "name": "List Lamp", "category": "headlamps", "price": 10}]))
    assert import_catalog(source, catalog_copy).imported == 1


def test_bad_rows_change_nothing_and_every_bad_row_is_reported(catalog_copy: Path) -> None:
    before = dump_rows(catalog_copy)
    with pytest.raises(ImportFailed) as failed:
        import_catalog(FIXTURES / "import_bad_rows.csv", catalog_copy)
    problems = failed.value.problems
    # rows as a spreadsheet numbers them: the header is row 1
    expected = [
        "row 3, price: missing",
        "row 4, id: missing",
        "row 5, price: -5 is negative",
        "row 6, stock: 2.5 is not a whole number",
        "row 7, color: 'blue'",
        "row 8, id: 'BAD-1' repeats row 2",
        "row 9, name: missing",
        "row 9, price: 'abc' is not a number",
        "row 10, specs:",
        "row 11, tags:",
    ]
    for fragment in expected:
        assert any(p.startswith(fragment) for p in problems), f"{fragment!r} not in {problems}"
    assert not any(p.startswith("row 2,") for p in problems), "the good row has no problem"
    assert "Nothing was changed" in str(failed.value)
    assert "row 3, price" in failed.value.report()
    assert dump_rows(catalog_copy) == before
    assert Catalog(catalog_copy).get("BAD-1") is None


def test_string_numbers_and_list_columns(catalog_copy: Path) -> None:
    report = import_catalog(FIXTURES / "import_string_numbers.csv", catalog_copy)
    assert report.imported == 3
    catalog = Catalog(catalog_copy)
    tent, stove, poles = catalog.get("STR-1"), catalog.get("STR-2"), catalog.get("STR-3")
    assert tent is not None and stove is not None and poles is not None
    assert tent.price == 1249.0 and tent.tags == ["family", "basecamp"] and tent.related == ["TNT-1005"]
    assert tent.specs == {"capacity_persons": 8, "weight_kg": 21.5}
    assert stove.price == 19.95 and stove.stock == 7
    assert stove.specs == {"fuel": "gas", "boil_time_min": 3.5, "folding": True}
    assert stove.tags == ["gas", "compact", "light"] and stove.related == ["STV-1001", "STV-1002"]
    assert poles.price == 2499.0
    # derived keywords are searchable: "8 person" comes from the specs
    assert "STR-1" in _ids(catalog, "8 person basecamp")


@pytest.mark.parametrize(("name", "fragment"), [
    ("import_empty.csv", "is empty"),
    ("import_header_only.csv", "no products"),
    ("import_not_catalog.csv", "does not look like a product catalog"),
    ("import_not_catalog.json", "must hold a list of product objects"),
])
def test_files_that_are_not_catalogs(catalog_copy: Path, name: str, fragment: str) -> None:
    before = dump_rows(catalog_copy)
    with pytest.raises(ImportFailed, match=fragment):
        import_catalog(FIXTURES / name, catalog_copy)
    assert dump_rows(catalog_copy) == before


def test_a_png_is_not_a_catalog(catalog_copy: Path, tmp_path: Path) -> None:
    before = dump_rows(catalog_copy)
    with pytest.raises(ImportFailed, match="not a text file"):
        import_catalog(_png(tmp_path / "photo.png"), catalog_copy)
    with pytest.raises(ImportFailed, match="does not exist"):
        import_catalog(tmp_path / "missing.csv", catalog_copy)
    broken = tmp_path / "broken.json"
    broken.write_text('{"products": [')
    with pytest.raises(ImportFailed, match="not valid JSON"):
        import_catalog(broken, catalog_copy)
    assert dump_rows(catalog_copy) == before


def test_unknown_columns_are_reported_and_ignored(catalog_copy: Path) -> None:
    report = import_catalog(FIXTURES / "import_unknown_columns.csv", catalog_copy)
    assert report.unknown_columns == ["supplier", "internal note"]
    assert "Ignored unknown columns: supplier, internal note" in report.summary()
    chair = Catalog(catalog_copy).get("UNK-1")
    assert chair is not None and chair.price == 45


def test_fts_stays_consistent(catalog_copy: Path, tmp_path: Path) -> None:
    catalog = Catalog(catalog_copy)
    assert "TNT-1001" in _ids(catalog, "ridgeline ultralight")
    assert _ids(catalog, "zephyrine") == []
    update = tmp_path / "update.csv"
    update.write_text(
        "id,name,brand,category,price,stock,short_description,description\n"
        "TNT-1001,Zephyrine Hyperlight 2,Northpeak,tents,429,9,A featherweight shelter.,Sil-nylon fly.\n"
        "NEW-9,Quokka Camp Mug,Skyfold,camp-stoves,9.5,20,An enamel mug.,Holds 350 ml.\n"
    )
    import_catalog(update, catalog_copy)
    catalog = Catalog(catalog_copy)  # a fresh reader, as the app opens after an import
    assert _ids(catalog, "zephyrine") == ["TNT-1001"]
    assert _ids(catalog, "quokka mug") == ["NEW-9"]
    assert "TNT-1001" not in _ids(catalog, "ridgeline ultralight"), "the old name is no longer searchable"
    tent = catalog.get("TNT-1001")
    assert tent is not None and tent.price == 429 and tent.stock == 9
    conn = sqlite3.connect(catalog_copy)
    try:
        # the FTS index agrees with the table (FTS5 raises on a mismatch)
        conn.execute("insert into products_fts(products_fts) values('integrity-check')")
        fts_rows = conn.execute("select count(*) from products_fts").fetchone()[0]
        assert fts_rows == conn.execute("select count(*) from products").fetchone()[0]
    finally:
        conn.close()


def test_replace_all(catalog_copy: Path) -> None:
    report = import_catalog(FIXTURES / "import_valid.csv", catalog_copy, replace_all=True)
    catalog = Catalog(catalog_copy)
    assert catalog.count() == report.imported == 3
    assert catalog.get("TNT-1001") is None and _ids(catalog, "ridgeline") == []


def test_a_damaged_catalog_is_moved_aside_not_lost(tmp_path: Path) -> None:
    target = tmp_path / "catalog.db"
    garbage = b"this is not sqlite at all" * 100
    target.write_bytes(garbage)
    with pytest.raises(CatalogError):
        Catalog(target)
    report = import_catalog(FIXTURES / "import_valid.csv", target)
    kept = Path(report.damaged_catalog_kept_as)
    assert kept.is_file() and kept.read_bytes() == garbage and kept.parent == tmp_path
    catalog = Catalog(target)
    assert catalog.count() == 3 and catalog.get("NEW-2001") is not None


def test_import_into_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "store.db"
    report = import_catalog(FIXTURES / "import_valid.json", target)
    assert report.imported == 2 and Catalog(target).count() == 2
    assert report.damaged_catalog_kept_as == ""


def test_progress_for_a_large_file(catalog_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "large.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "brand", "category", "price", "stock", "tags"])
        for i in range(3000):
            writer.writerow([f"BIG-{i:05d}", f"Bulk Item {i}", "Skyfold", "headlamps", f"{10 + i % 90}.99",
                             i % 7, "bulk;test"])
    progress: list[tuple[int, int]] = []
    report = import_catalog(source, catalog_copy, progress=lambda done, total: progress.append((done, total)))
    assert report.imported == 3000
    assert progress[-1] == (3000, 3000) and len(progress) >= 5
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert all(total == 3000 for _, total in progress)
    assert Catalog(catalog_copy).count() == 170 + 3000


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AISLE_NO_KEYRING": "1"}
    return subprocess.run([sys.executable, "-m", "app.compose.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=REPO, env=env)


def test_cli_import(catalog_copy: Path, tmp_path: Path) -> None:
    ok = _cli("catalog", "import", str(FIXTURES / "import_valid.csv"), "--catalog", str(catalog_copy),
              "--data-dir", str(tmp_path / "data"))
    assert ok.returncode == 0, ok.stderr
    assert "Imported 3 products" in ok.stdout and str(catalog_copy) in ok.stdout
    assert "3/3" in ok.stderr, "progress is shown"
    before = dump_rows(catalog_copy)
    bad = _cli("catalog", "import", str(FIXTURES / "import_bad_rows.csv"), "--catalog", str(catalog_copy),
               "--data-dir", str(tmp_path / "data"))
    assert bad.returncode == 2
    assert "row 3, price" in bad.stderr and "row 11, tags" in bad.stderr
    assert dump_rows(catalog_copy) == before
    png = _cli("catalog", "import", str(_png(tmp_path / "x.png")), "--catalog", str(catalog_copy),
               "--data-dir", str(tmp_path / "data"))
    assert png.returncode == 2 and "not a text file" in png.stderr
