"""Sensible defaults for a real export: the brand is said once, a missing short description comes from the
description, feature bullets join the description, and a reply never says ". ." for a missing line."""

from __future__ import annotations

import json
from pathlib import Path

from agent.offline import replies
from app.catalog.defaults import name_without_brand, short_from
from app.catalog.importer import import_catalog
from app.catalog.passages import find_passages
from app.catalog.schema import Product
from app.catalog.store import Catalog


def test_a_name_that_starts_with_its_brand_is_stored_without_it(catalog_copy: Path, tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps([
        {"id": "DF-1", "name": "PowerBurner Camping Stove", "brand": "PowerBurner", "category": "camp-stoves",
         "price": "59", "description": "A powerful single-burner gas stove. It boils a litre in 3.5 minutes."},
        {"id": "DF-2", "name": "Wildway", "brand": "Wildway", "category": "camp-stoves", "price": "5"},
        {"id": "DF-3", "name": "Mug", "brand": "Wildway", "category": "camp-stoves", "price": "5",
         "short_description": "An enamel mug.", "features": "Holds 350 ml\nDishwasher safe, stackable"},
    ]))
    report = import_catalog(source, catalog_copy)
    assert "1 name(s) started with the brand" in report.summary()
    assert "1 short description(s) taken from the description's first sentence." in report.summary()
    catalog = Catalog(catalog_copy)
    stove = catalog.get("DF-1")
    assert stove is not None and stove.name == "Camping Stove" and stove.display_name == "PowerBurner Camping Stove"
    assert stove.short_description == "A powerful single-burner gas stove."
    assert replies.name_of(stove.summary()) == "PowerBurner Camping Stove"
    lone = catalog.get("DF-2")
    assert lone is not None and lone.name == "Wildway" and lone.display_name == "Wildway"
    mug = catalog.get("DF-3")
    assert mug is not None and mug.description == "• Holds 350 ml\n• Dishwasher safe, stackable"
    assert find_passages(catalog, "DF-3", "is it dishwasher safe?")[0].text == "• Dishwasher safe, stackable"


def test_display_name_of_an_older_catalog_row_says_the_brand_once() -> None:
    product = Product("X-1", "PowerBurner Camping Stove", "PowerBurner", "camp-stoves", 59.0, None, "")
    assert product.display_name == "PowerBurner Camping Stove"
    assert name_without_brand("PowerBurner - Camping Stove", "powerburner") == "Camping Stove"
    assert name_without_brand("PowerBurnerX Stove", "PowerBurner") == "PowerBurnerX Stove"


def test_a_long_first_sentence_is_cut_at_a_word() -> None:
    text = "A " + "very " * 40 + "long sentence. Second."
    short = short_from(text)
    assert short.endswith("…") and len(short) <= 141 and " ver…" not in short


def test_a_reply_about_a_product_without_a_short_description_has_no_empty_sentence() -> None:
    product = {"id": "X", "name": "Camping Stove", "brand": "PowerBurner", "price": 59.0, "stock": None,
               "in_stock": True, "short_description": "", "specs": {}}
    text = replies.describe_details(product, [])
    assert ". ." not in text and "  " not in text
    assert text.startswith("The PowerBurner Camping Stove is $59. Shall I add it")  # unknown stock: nothing said
