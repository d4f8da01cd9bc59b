"""Tests for the deterministic catalog SVG renderer in app.catalog.images."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from app.catalog.images import brand_initials, render_category_svg, render_product_svg

CATALOG_DIR = Path(__file__).resolve().parents[1] / "resources" / "catalog"
SVG_NS = "{http://www.w3.org/2000/svg}"
MAX_BYTES = 3 * 1024


def _load(name: str) -> list[dict[str, Any]]:
    data = json.loads((CATALOG_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


PRODUCTS = _load("products.json")
CATEGORIES = _load("categories.json")


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("width") == "320"
    assert root.get("height") == "240"
    assert root.get("viewBox") == "0 0 320 240"
    return root


@pytest.mark.parametrize("product", PRODUCTS, ids=[p["id"] for p in PRODUCTS])
def test_every_product_renders_valid_small_deterministic_svg(product: dict[str, Any]) -> None:
    svg = render_product_svg(product)
    root = _parse(svg)
    assert len(svg.encode("utf-8")) < MAX_BYTES
    assert render_product_svg(dict(product)) == svg
    assert root.find(f"{SVG_NS}defs/{SVG_NS}linearGradient") is not None
    texts = [el.text for el in root.iter(f"{SVG_NS}text")]
    assert texts == [brand_initials(product["brand"])]
    title = root.find(f"{SVG_NS}title")
    assert title is not None and product["name"] in (title.text or "")


def test_product_images_differ_by_category_and_colour() -> None:
    rendered = {render_product_svg(p) for p in PRODUCTS}
    assert len(rendered) == len(PRODUCTS)


@pytest.mark.parametrize("slug", [c["slug"] for c in CATEGORIES])
def test_every_category_glyph_renders(slug: str) -> None:
    svg = render_category_svg(slug, "#3B7EA1")
    root = _parse(svg)
    assert len(svg.encode("utf-8")) < MAX_BYTES
    assert render_category_svg(slug, "#3B7EA1") == svg
    group = root.find(f"{SVG_NS}g")
    assert group is not None and len(group) >= 2


def test_category_glyphs_are_distinct() -> None:
    glyphs = set()
    for category in CATEGORIES:
        group = ET.fromstring(render_category_svg(category["slug"], "#3B7EA1")).find(f"{SVG_NS}g")
        assert group is not None
        glyphs.add(ET.tostring(group))
    assert len(glyphs) == len(CATEGORIES)


def test_unknown_category_and_bad_colour_fall_back() -> None:
    svg = render_category_svg("kayaks", "not-a-colour")
    _parse(svg)
    product = {"id": "X&1", "name": 'Odd <"Name"> & Co', "brand": "Cedar & Stone", "category": "??", "color": "#abc"}
    root = _parse(render_product_svg(product))
    assert [el.text for el in root.iter(f"{SVG_NS}text")] == ["CS"]
    _parse(render_product_svg({}))


def test_brand_initials() -> None:
    assert brand_initials("Cedar & Stone") == "CS"
    assert brand_initials("Northpeak") == "N"
    assert brand_initials("") == ""


def _shape_only(svg: str) -> str:
    """The drawing without its colours, names, ids and brand badge: what is left is the picture's shapes."""
    import re

    svg = re.sub(r"#[0-9a-fA-F]{6}", "", svg)
    svg = re.sub(r'aria-label="[^"]*"|<title>.*?</title>|bg-[A-Za-z0-9_-]+', "", svg)
    return re.sub(r'<rect x="12" y="12".*?</text>', "", svg)


@pytest.mark.parametrize("slug", sorted({p["category"] for p in PRODUCTS}))
def test_products_of_a_category_are_different_drawings_not_one_recoloured(slug: str) -> None:
    products = [p for p in PRODUCTS if p["category"] == slug]
    shapes = [_shape_only(render_product_svg(p)) for p in products]
    assert len(set(shapes)) >= min(len(products), 8), f"{slug}: only {len(set(shapes))} different drawings"
    assert all(a != b for a, b in itertools.pairwise(shapes)), f"{slug}: neighbours look the same"
