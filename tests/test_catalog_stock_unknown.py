"""A store export without a stock column: stock is unknown and every product is sellable (not out of stock)."""

from __future__ import annotations

from pathlib import Path

from app.catalog.importer import import_catalog
from app.catalog.store import Catalog, SearchFilters
from app.runtime import build_runtime
from app.settings import load_settings


def _export(tmp_path: Path) -> Path:
    source = tmp_path / "export.csv"
    source.write_text(
        "id,name,brand,category,price\n"
        "UNK-1,Trail Mug,Skyfold,camp-stoves,12.50\n"
        "UNK-2,Trail Spoon,Skyfold,camp-stoves,4.00\n"
    )
    return source


def test_no_stock_column_means_unknown_and_sellable(catalog_copy: Path, tmp_path: Path) -> None:
    report = import_catalog(_export(tmp_path), catalog_copy)
    assert report.summary().count("No stock column: stock is unknown and products are sellable") == 1
    catalog = Catalog(catalog_copy)
    mug = catalog.get("UNK-1")
    assert mug is not None and mug.stock is None and mug.in_stock
    assert mug.summary()["stock"] is None and mug.summary()["in_stock"] is True
    in_stock_only = [p.id for p in catalog.search("trail mug", SearchFilters(in_stock=True))]
    assert "UNK-1" in in_stock_only, "an untracked product passes the in-stock filter"


def test_a_catalog_with_a_stock_column_reports_nothing_about_it(catalog_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "with_stock.csv"
    source.write_text("id,name,category,price,stock\nSTK-1,Camp Cup,camp-stoves,3,0\n")
    report = import_catalog(source, catalog_copy)
    assert "No stock column" not in report.summary()
    cup = Catalog(catalog_copy).get("STK-1")
    assert cup is not None and cup.stock == 0 and not cup.in_stock


async def test_untracked_products_go_into_the_cart_and_through_checkout(catalog_copy: Path, tmp_path: Path) -> None:
    import_catalog(_export(tmp_path), catalog_copy)
    runtime = build_runtime(load_settings({"data_dir": tmp_path / "data", "catalog": catalog_copy}, environ={}))
    try:
        session = await runtime.conversation.start_session()
        found = await runtime.tools.call(session, "search_products", {"query": "trail mug"})
        assert found["ok"] and found["products"][0]["id"] == "UNK-1"
        assert found["products"][0]["stock"] is None and found["products"][0]["in_stock"] is True
        added = await runtime.tools.call(session, "add_to_cart", {"product_id": "UNK-1", "quantity": 5})
        assert added["ok"], added
        line = added["cart"]["items"][0]
        assert line["quantity"] == 5 and line["stock"] is None and line["in_stock"] is True
        read_back = await runtime.tools.call(session, "view_cart", {})
        assert read_back["ok"] and not read_back.get("warnings")
        session.add_turn("shopper", "yes")
        placed = await runtime.tools.call(session, "checkout", {})
        assert placed["ok"], placed
    finally:
        await runtime.close()
