"""Every bad value in a store's export gets a clear error naming its row and field, and changes nothing; text
encodings, multi-line fields and category spellings are understood the way a person would expect."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.catalog.build import dump_rows
from app.catalog.importer import ImportFailed, import_catalog
from app.catalog.store import Catalog

HEADER = "id,name,brand,category,price,stock,description\n"


def _csv(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    source = tmp_path / "export.csv"
    source.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return source


def _refused(source: Path, catalog: Path) -> list[str]:
    before = dump_rows(catalog)
    with pytest.raises(ImportFailed) as failed:
        import_catalog(source, catalog)
    assert "Nothing was changed" in str(failed.value)
    assert dump_rows(catalog) == before, "a refused file changes nothing"
    return failed.value.problems


@pytest.mark.parametrize(("cells", "expected"), [
    ("nan,3", "row 3, price: 'nan' is not a finite number"),
    ("inf,3", "row 3, price: 'inf' is not a finite number"),
    ("1e999,3", "row 3, price: '1e999' is not a finite number"),
    ("-inf,3", "row 3, price: '-inf' is not a finite number"),
    ("-0.01,3", "row 3, price: -0.01 is negative"),
    ("ten,3", "row 3, price: 'ten' is not a number"),
    ("5,nan", "row 3, stock: 'nan' is not a finite number"),
    ("5,inf", "row 3, stock: 'inf' is not a finite number"),
    ("5,-1", "row 3, stock: -1 is negative"),
    ("5,1.5", "row 3, stock: 1.5 is not a whole number"),
    ("5,1e30", "row 3, stock: 1e30 is over"),
])
def test_bad_numbers_are_refused_with_row_and_field(catalog_copy: Path, tmp_path: Path, cells: str,
                                                    expected: str) -> None:
    source = _csv(tmp_path, "OK-1,Good Mug,Skyfold,camp-stoves,5,3,fine",
                  f"BAD-1,Bad Mug,Skyfold,camp-stoves,{cells},x")
    problems = _refused(source, catalog_copy)
    assert any(p.startswith(expected) for p in problems), problems
    assert len(problems) == 1, problems


def test_json_nan_and_infinity_are_refused(catalog_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_text('[{"id": "J-1", "name": "Mug", "category": "camp-stoves", "price": NaN},'
                      ' {"id": "J-2", "name": "Cup", "category": "camp-stoves", "price": "12", "stock": Infinity}]')
    problems = _refused(source, catalog_copy)
    assert any(p.startswith("product 1, price: 'nan' is not a finite number") for p in problems), problems
    assert any(p.startswith("product 2, stock: 'inf' is not a finite number") for p in problems), problems


@pytest.mark.parametrize("bad_id", ["AB 12", "TENTE-É1", "TNT/1001", "-LEADING", "X" * 65])
def test_ids_the_api_cannot_serve_are_refused(catalog_copy: Path, tmp_path: Path, bad_id: str) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps([{"id": bad_id, "name": "Mug", "category": "camp-stoves", "price": 3}]))
    problems = _refused(source, catalog_copy)
    assert problems and problems[0].startswith("product 1, id:") and "cannot be used" in problems[0], problems


def test_a_category_without_letters_is_refused(catalog_copy: Path, tmp_path: Path) -> None:
    problems = _refused(_csv(tmp_path, "C-1,Mug,Skyfold,!!!,5,1,x"), catalog_copy)
    assert problems == ["row 2, category: '!!!' has no letters or digits to name it by"]


def test_an_oversized_field_is_refused_without_a_traceback(catalog_copy: Path, tmp_path: Path) -> None:
    huge = "word " * 30_000  # 150,000 characters, over the csv module's own 128 KB limit
    source = _csv(tmp_path, "OK-1,Mug,Skyfold,camp-stoves,5,1,x", f'BIG-1,Mug,Skyfold,camp-stoves,5,1,"{huge}"')
    problems = _refused(source, catalog_copy)
    assert problems == ["row 3, description: 150,000 characters is over the limit of 100,000"]


def test_unknown_columns_are_reported_on_failure_too(catalog_copy: Path, tmp_path: Path) -> None:
    source = _csv(tmp_path, "U-1,Mug,camp-stoves,,internal", header="id,name,category,price,supplier\n")
    with pytest.raises(ImportFailed, match=r"Unknown columns \(ignored\): supplier") as failed:
        import_catalog(source, catalog_copy)
    assert failed.value.problems == ["row 2, price: missing (required)"]


def test_multi_line_fields_are_kept_and_rows_are_numbered_as_a_spreadsheet_shows(catalog_copy: Path,
                                                                                   tmp_path: Path) -> None:
    source = _csv(tmp_path, 'ML-1,Dome Tent,Skyfold,tents,99,2,"Roomy\ntent\n\nfor four"',
                  "ML-2,Camp Cup,Skyfold,camp-stoves,abc,1,x")
    problems = _refused(source, catalog_copy)
    assert problems == ["row 3 (line 6), price: 'abc' is not a number"]
    fixed = _csv(tmp_path, 'ML-1,Dome Tent,Skyfold,tents,99,2,"Roomy\ntent\n\nfor four"')
    import_catalog(fixed, catalog_copy)
    tent = Catalog(catalog_copy).get("ML-1")
    assert tent is not None and tent.description == "Roomy\ntent\n\nfor four"


@pytest.mark.parametrize(("encoding", "warned"), [
    ("utf-8", False), ("utf-8-sig", False), ("utf-16", False), ("utf-16-le", False), ("latin-1", True),
])
def test_text_encodings_are_detected(catalog_copy: Path, tmp_path: Path, encoding: str, warned: bool) -> None:
    source = tmp_path / "export.csv"
    source.write_bytes((HEADER + "ENC-1,Tente dôme Été,Crêpe & Co,tents,129.50,4,Légère\n").encode(encoding))
    report = import_catalog(source, catalog_copy)
    tent = Catalog(catalog_copy).get("ENC-1")
    assert tent is not None and (tent.name, tent.brand, tent.description) == ("Tente dôme Été", "Crêpe & Co", "Légère")
    assert any("Latin-1" in w for w in report.warnings) is warned


def test_category_spellings_match_existing_categories(catalog_copy: Path, tmp_path: Path) -> None:
    source = _csv(tmp_path, "CAT-1,Mummy Bag,Skyfold,Sleeping bag,99,1,x", "CAT-2,Quilt,Skyfold,SLEEPING-BAGS!,89,1,x",
                  "CAT-3,Lamp,Skyfold,headlamp,19,1,x", "CAT-4,Stool,Skyfold,Camp chair,15,1,x",
                  "CAT-5,Pot,Skyfold,Cook pots,25,1,x", "CAT-6,Pan,Skyfold,cook-pot,22,1,x",
                  "CAT-7,Sock,Skyfold,Hiking boot socks,9,1,x")
    report = import_catalog(source, catalog_copy)
    catalog = Catalog(catalog_copy)
    slugs = {pid: (catalog.get(pid) or pytest.fail(pid)).category for pid in
             ("CAT-1", "CAT-2", "CAT-3", "CAT-4", "CAT-5", "CAT-6")}
    assert slugs == {"CAT-1": "sleeping-bags", "CAT-2": "sleeping-bags", "CAT-3": "headlamps",
                     "CAT-4": "camp-chairs", "CAT-5": "cook-pots", "CAT-6": "cook-pots"}
    assert report.new_categories == ["cook-pots", "hiking-boot-socks"]
    assert "Category 'Sleeping bag' was taken as the category 'Sleeping bags'." in report.warnings
    assert "Category 'cook-pot' was taken as the category 'Cook pots'." in report.warnings
    assert not any(w.startswith("New category 'Hiking boot socks'") for w in report.warnings)
    names = {c.slug: c.name for c in catalog.categories()}
    assert names["cook-pots"] == "Cook pots", "a new category keeps the store's own words"


def test_a_near_duplicate_new_category_is_a_warning(catalog_copy: Path, tmp_path: Path) -> None:
    report = import_catalog(_csv(tmp_path, "ND-1,Lamp,Skyfold,Headlammps,19,1,x"), catalog_copy)
    assert report.new_categories == ["headlammps"]
    assert any(w.startswith("New category 'Headlammps' looks like the existing 'Headlamps'") for w in report.warnings)


def test_a_bad_price_already_in_a_catalog_never_breaks_a_search(catalog_copy: Path) -> None:
    conn = sqlite3.connect(catalog_copy)
    conn.execute("update products set price = null where id = 'TNT-1001'")
    conn.execute("update products set price = 1e999 where id = 'TNT-1002'")
    conn.execute("update products set stock = 1e999 where id = 'TNT-1003'")
    conn.commit()
    conn.close()
    catalog = Catalog(catalog_copy)
    found = [p.id for p in catalog.search("tent", limit=50)]
    assert found and not {"TNT-1001", "TNT-1002", "TNT-1003"} & set(found)
    assert catalog.get("TNT-1001") is None and catalog.get_many(["TNT-1002", "TNT-1004"])[0].id == "TNT-1004"
    assert all(p.price >= 0 for p in catalog.featured(40))
    assert catalog.recommend("tents")
