"""Catalog queries on the real demo catalog file: BM25 ranking, filters and limits inside SQLite, typo-tolerant
suggestions, recommendations, and clear errors for files that are not catalogs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.catalog.importer import import_catalog
from app.catalog.store import MAX_CANDIDATES, Catalog, CatalogError, SearchFilters, fts_terms


@pytest.fixture(scope="module")
def catalog(demo_catalog_path: Path) -> Catalog:
    return Catalog(demo_catalog_path)


def test_name_hits_rank_first(catalog: Catalog) -> None:
    results = catalog.search("waterproof", limit=20)
    in_name = [p for p in results if "waterproof" in p.name.lower()]
    assert len(in_name) >= 3
    first = results[:len(in_name)]
    assert all("waterproof" in p.name.lower() for p in first), [p.name for p in first]
    ridgeline = catalog.search("ridgeline")
    assert ridgeline and all("Ridgeline" in p.name for p in ridgeline[:3])


def test_every_word_must_match_before_any_word_does(catalog: Catalog) -> None:
    both = catalog.search("ridgeline tent")
    assert [p.id for p in both] == ["TNT-1001"]
    # nothing has both words: fall back to products with either
    either = catalog.search("ridgeline zzzunknown")
    assert either and all("ridgeline" in (p.name + p.description).lower() for p in either)
    assert catalog.search("zzzunknown") == []


def test_stemming_and_prefixes(catalog: Catalog) -> None:
    assert {p.id for p in catalog.search("tents", SearchFilters(category="tents"), limit=50)} == \
        {p.id for p in catalog.search("tent", SearchFilters(category="tents"), limit=50)}
    assert "HLP-1003" in [p.id for p in catalog.search("recharg")]
    assert fts_terms("I need a Tent for 2 people, please!") == ["tent", "2", "people"]


def test_filters(catalog: Catalog) -> None:
    tents = catalog.search("tent", SearchFilters(category="tents"), limit=50)
    assert tents and all(p.category == "tents" for p in tents)
    kestrel = catalog.search("", SearchFilters(brand="kestrel"), limit=50)
    assert kestrel and all(p.brand == "Kestrel" for p in kestrel)
    priced = catalog.search("headlamp", SearchFilters(min_price=50, max_price=100), limit=50)
    assert priced and all(50 <= p.price <= 100 for p in priced)
    everything = catalog.search("tent", SearchFilters(category="tents"), limit=50)
    in_stock = catalog.search("tent", SearchFilters(category="tents", in_stock=True), limit=50)
    assert any(not p.in_stock for p in everything)
    assert in_stock and all(p.in_stock for p in in_stock)
    assert {p.id for p in in_stock} == {p.id for p in everything if p.in_stock}
    combined = catalog.search("2 person", SearchFilters(category="tents", max_price=300, in_stock=True))
    assert combined and all(p.category == "tents" and p.price <= 300 and p.in_stock for p in combined)
    assert catalog.search("tent", SearchFilters(category="tents", max_price=1)) == []


def test_no_words_lists_in_stock_cheapest_first(catalog: Catalog) -> None:
    listed = catalog.search("the", SearchFilters(category="camp-chairs"), limit=50)
    assert len(listed) == 17
    in_stock = [p for p in listed if p.in_stock]
    assert listed[:len(in_stock)] == in_stock
    assert [p.price for p in in_stock] == sorted(p.price for p in in_stock)


def test_limit_is_applied_inside_sqlite(demo_catalog_path: Path) -> None:
    catalog = Catalog(demo_catalog_path)
    statements: list[str] = []
    catalog._conn().set_trace_callback(statements.append)
    assert len(catalog.search("tent", limit=3)) == 3
    assert any("limit 3" in s.lower() and "bm25(products_fts" in s for s in statements), statements
    assert len(catalog.search("a", limit=500)) == 50, "the limit is capped"
    assert len(catalog.search("tent", limit=0)) == 1, "at least one"
    catalog.close()


def test_typo_suggestions(catalog: Catalog) -> None:
    assert catalog.suggest("Ridgline Ultralite Tnet")[0].id == "TNT-1001"
    assert catalog.suggest("nightowel headlamp")[0].id == "HLP-1003"
    assert catalog.suggest("TNT-1O01")[0].id == "TNT-1001"
    among = catalog.suggest("tent", among=["HLP-1001", "TNT-1003"])
    assert among and among[0].id == "TNT-1003" and {p.id for p in among} <= {"HLP-1001", "TNT-1003"}
    assert catalog.suggest("   ") == []
    assert catalog.match_name("the trailhead tent", ["TNT-1003", "TNT-1001"]) == ("TNT-1003", pytest.approx(100))
    assert catalog.match_name("kayak", ["TNT-1003"]) is None


def test_recommendations_for_a_product(catalog: Catalog) -> None:
    tent = catalog.get("TNT-1001")
    assert tent is not None
    picks = catalog.recommend("TNT-1001", 5)
    assert 0 < len(picks) <= 5
    assert all(p.id != "TNT-1001" and p.in_stock for p in picks)
    in_stock_related = [pid for pid in tent.related if (catalog.get(pid) or tent).in_stock]
    assert [p.id for p in picks[:len(in_stock_related)]] == in_stock_related[:5], "related items come first"
    excluded = catalog.recommend("TNT-1001", 5, exclude=[picks[0].id])
    assert picks[0].id not in [p.id for p in excluded]
    assert len({p.id for p in picks}) == len(picks)


def test_recommendations_for_a_category(catalog: Catalog) -> None:
    picks = catalog.recommend("sleeping-bags", 4)
    assert len(picks) == 4 and all(p.category == "sleeping-bags" and p.in_stock for p in picks)
    assert catalog.recommend("no-such-category") == []


def test_featured_is_varied_and_in_stock(catalog: Catalog) -> None:
    featured = catalog.featured(12)
    assert len(featured) == 12 and all(p.in_stock for p in featured)
    assert len({p.category for p in featured}) == 10


def test_details_and_lookups(catalog: Catalog) -> None:
    product = catalog.get("BOT-1001")
    assert product is not None and product.display_name == "Northpeak Ridgeline Mid Waterproof Boot"
    assert product.details()["specs"]["waterproof"] is True
    assert catalog.get("NOPE-1") is None
    assert [p.id for p in catalog.get_many(["TNT-1002", "NOPE", "TNT-1001", "TNT-1002"])] == ["TNT-1002", "TNT-1001"]
    assert catalog.get_many([]) == []
    assert "Northpeak" in catalog.brands() and len(catalog.categories()) == 10
    assert {"ridgeline", "northpeak", "waterproof"} <= catalog.vocabulary()


def test_a_very_common_word_still_ranks_name_hits_first(catalog_copy: Path, tmp_path: Path) -> None:
    """Past MAX_CANDIDATES matches BM25 is not computed for every row; the best name hits must still come first."""
    source = tmp_path / "common.csv"
    rows = [f"CMN-{i:04d},Plain Item {i},Skyfold,camp-chairs,{10 + i % 50},5,A sturdy plain item.,Everyday common gear."
            for i in range(MAX_CANDIDATES + 100)]
    rows.append("CMN-9999,Common Lantern,Skyfold,headlamps,25,5,A lantern.,A lantern for the tent.")
    source.write_text("id,name,brand,category,price,stock,short_description,description\n" + "\n".join(rows) + "\n")
    import_catalog(source, catalog_copy)
    catalog = Catalog(catalog_copy)
    results = catalog.search("common")
    assert len(results) == 10 and results[0].id == "CMN-9999"
    assert all(p.id.startswith("CMN-") for p in results)
    filtered = catalog.search("common", SearchFilters(category="camp-chairs", max_price=20))
    assert filtered and all(p.category == "camp-chairs" and p.price <= 20 for p in filtered)


def test_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(CatalogError, match=r"No catalog file .*`aisle catalog build --out .*missing.db`"):
        Catalog(missing)


def test_a_broken_file_gives_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(CatalogError, match=r"cannot be read .* damaged or not a catalog"):
        Catalog(broken)
    text = tmp_path / "notes.db"
    text.write_text("just some notes, not a database\n" * 50)
    with pytest.raises(CatalogError, match=r"`aisle catalog import FILE --replace --catalog .*notes.db`"):
        Catalog(text)


def test_a_database_that_is_not_a_catalog(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("create table customers (id integer primary key, name text)")
    conn.commit()
    conn.close()
    with pytest.raises(CatalogError, match=r"not an Aisle catalog \(missing tables: categories, products, "):
        Catalog(other)


def test_a_catalog_damaged_after_opening(catalog_copy: Path) -> None:
    catalog = Catalog(catalog_copy)
    assert catalog.search("tent")
    catalog.close()
    data = bytearray(catalog_copy.read_bytes())
    data[4096:] = b"\x00" * (len(data) - 4096)  # wipe every page after the first
    catalog_copy.write_bytes(bytes(data))
    with pytest.raises(CatalogError, match="damaged"):
        Catalog(catalog_copy).search("tent")


def test_a_word_the_copy_denies_does_not_match_unless_the_shopper_denies_it_too(catalog: Catalog) -> None:
    boots = SearchFilters(category="hiking-boots")
    assert "Canyon Vent Mid Boot" not in [p.name for p in catalog.search("waterproof", boots, 50)]  # "non-waterproof"
    assert "Canyon Vent Mid Boot" in [p.name for p in catalog.search("non-waterproof", boots, 50)]
