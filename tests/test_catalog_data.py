"""Consistency checks for the demo catalog source data in resources/catalog/."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

CATALOG_DIR = Path(__file__).resolve().parents[1] / "resources" / "catalog"

EXPECTED_CATEGORIES = {
    "tents": "Tents",
    "sleeping-bags": "Sleeping bags",
    "backpacks": "Backpacks",
    "hiking-boots": "Hiking boots",
    "rain-jackets": "Rain jackets",
    "camp-stoves": "Camp stoves",
    "headlamps": "Headlamps",
    "water-bottles-filters": "Water bottles & filters",
    "camp-chairs": "Camp chairs",
    "trekking-poles": "Trekking poles",
}
PREFIXES = {
    "tents": "TNT",
    "sleeping-bags": "SLB",
    "backpacks": "BPK",
    "hiking-boots": "BOT",
    "rain-jackets": "RJK",
    "camp-stoves": "STV",
    "headlamps": "HLP",
    "water-bottles-filters": "WTR",
    "camp-chairs": "CHR",
    "trekking-poles": "TRK",
}
PRICE_RANGES = {
    "tents": (79, 699),
    "sleeping-bags": (39, 549),
    "backpacks": (29, 389),
    "hiking-boots": (69, 329),
    "rain-jackets": (39, 449),
    "camp-stoves": (24, 229),
    "headlamps": (12, 139),
    "water-bottles-filters": (9, 129),
    "camp-chairs": (19, 219),
    "trekking-poles": (24, 199),
}
PRODUCT_KEYS = {
    "id",
    "name",
    "brand",
    "category",
    "price",
    "stock",
    "short_description",
    "description",
    "specs",
    "tags",
    "color",
    "related",
}

NUM = "number"
BOOL = "bool"
STR = "str"
# category -> spec key -> NUM | BOOL | STR | tuple of allowed values
SPEC_SCHEMA: dict[str, dict[str, Any]] = {
    "tents": {
        "capacity_persons": NUM,
        "weight_kg": NUM,
        "seasons": (3, 4),
        "waterproof_rating_mm": NUM,
        "packed_size_cm": STR,
    },
    "sleeping-bags": {
        "comfort_rating_c": NUM,
        "limit_rating_c": NUM,
        "weight_kg": NUM,
        "fill": ("down", "synthetic"),
        "shape": ("mummy", "rectangular", "semi-rectangular"),
    },
    "backpacks": {"capacity_l": NUM, "weight_kg": NUM, "rain_cover": BOOL, "frame": ("internal", "frameless")},
    "hiking-boots": {"waterproof": BOOL, "weight_g_pair": NUM, "cut": ("low", "mid", "high"), "sizes": STR},
    "rain-jackets": {
        "waterproof_rating_mm": NUM,
        "breathability_g_m2": NUM,
        "weight_g": NUM,
        "packable": BOOL,
        "hood": BOOL,
    },
    "camp-stoves": {
        "fuel": ("canister", "liquid", "wood", "alcohol"),
        "output_w": NUM,
        "boil_time_min": NUM,
        "weight_g": NUM,
    },
    "headlamps": {
        "lumens": NUM,
        "beam_distance_m": NUM,
        "battery": ("AAA", "rechargeable", "hybrid"),
        "runtime_h": NUM,
        "ip_rating": STR,
        "weight_g": NUM,
    },
    "water-bottles-filters": {
        "capacity_l": NUM,
        "filter_type": ("none", "hollow fiber", "carbon", "UV", "pump"),
        "filters_l": NUM,
        "weight_g": NUM,
    },
    "camp-chairs": {"weight_kg": NUM, "max_load_kg": NUM, "seat_height_cm": NUM, "packed_length_cm": NUM},
    "trekking-poles": {
        "material": ("aluminium", "carbon"),
        "weight_g_pair": NUM,
        "length_cm": STR,
        "locking": ("lever", "twist"),
        "folding": BOOL,
    },
}

ID_RE = re.compile(r"^(TNT|SLB|BPK|BOT|RJK|STV|HLP|WTR|CHR|TRK)-\d{4}$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9 -]*$")
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def _load(name: str) -> Any:
    return json.loads((CATALOG_DIR / name).read_text(encoding="utf-8"))


CATEGORIES: list[dict[str, Any]] = _load("categories.json")
PRODUCTS: list[dict[str, Any]] = _load("products.json")
BY_ID = {p["id"]: p for p in PRODUCTS}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- categories ------------------------------------------------------------------------------------------------


def test_exactly_the_ten_categories() -> None:
    assert [c["slug"] for c in CATEGORIES] == list(EXPECTED_CATEGORIES)
    for category in CATEGORIES:
        assert set(category) == {"slug", "name", "synonyms"}
        assert category["name"] == EXPECTED_CATEGORIES[category["slug"]]


def test_synonyms_lowercase_sized_and_unique_across_categories() -> None:
    seen: dict[str, str] = {}
    for category in CATEGORIES:
        synonyms = category["synonyms"]
        assert 6 <= len(synonyms) <= 10, category["slug"]
        for synonym in synonyms:
            assert synonym == synonym.lower().strip() and synonym, synonym
            assert synonym not in seen, f"{synonym!r} in both {seen.get(synonym)} and {category['slug']}"
            seen[synonym] = category["slug"]


# --- products: shape -------------------------------------------------------------------------------------------


def test_file_is_pretty_printed_and_sorted_by_id() -> None:
    text = (CATALOG_DIR / "products.json").read_text(encoding="utf-8")
    assert text.startswith('[\n  {\n    "id": ')
    ids = [p["id"] for p in PRODUCTS]
    assert ids == sorted(ids)


def test_counts_per_category() -> None:
    assert len(PRODUCTS) >= 160
    counts = Counter(p["category"] for p in PRODUCTS)
    assert set(counts) == set(EXPECTED_CATEGORIES)
    assert all(n >= 16 for n in counts.values()), counts


def test_ids_and_names_unique() -> None:
    ids = [p["id"] for p in PRODUCTS]
    assert len(set(ids)) == len(ids)
    names = [p["name"].lower() for p in PRODUCTS]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("product", PRODUCTS, ids=[p["id"] for p in PRODUCTS])
def test_product_fields(product: dict[str, Any]) -> None:
    assert set(product) == PRODUCT_KEYS
    category = product["category"]
    assert category in EXPECTED_CATEGORIES
    assert ID_RE.match(product["id"]) and product["id"].startswith(PREFIXES[category] + "-")

    name = product["name"]
    assert isinstance(name, str) and name.strip() == name and 1 <= len(name.split()) <= 6
    assert product["brand"] not in name

    price = product["price"]
    low, high = PRICE_RANGES[category]
    assert _is_number(price) and low <= price <= high, price
    assert round(price, 2) == price

    stock = product["stock"]
    assert isinstance(stock, int) and not isinstance(stock, bool) and 0 <= stock <= 60

    short = product["short_description"]
    assert isinstance(short, str) and 0 < len(short) <= 110
    description = product["description"]
    assert isinstance(description, str) and description != short
    assert 2 <= len(SENTENCE_RE.split(description)) <= 4, description

    tags = product["tags"]
    assert 3 <= len(tags) <= 6 and len(set(tags)) == len(tags)
    assert all(isinstance(t, str) and TAG_RE.match(t) for t in tags), tags

    assert COLOR_RE.match(product["color"])

    related = product["related"]
    assert 2 <= len(related) <= 4 and len(set(related)) == len(related)
    assert product["id"] not in related
    assert all(r in BY_ID for r in related), related


@pytest.mark.parametrize("product", PRODUCTS, ids=[p["id"] for p in PRODUCTS])
def test_specs_match_category_schema(product: dict[str, Any]) -> None:
    schema = SPEC_SCHEMA[product["category"]]
    specs = product["specs"]
    assert set(specs) == set(schema)
    for key, kind in schema.items():
        value = specs[key]
        if kind == NUM:
            assert _is_number(value), (key, value)
        elif kind == BOOL:
            assert isinstance(value, bool), (key, value)
        elif kind == STR:
            assert isinstance(value, str) and value, (key, value)
        else:
            assert value in kind and type(value) is type(kind[0]), (key, value)


# --- products: content rules -----------------------------------------------------------------------------------


def test_spec_value_formats() -> None:
    for p in PRODUCTS:
        s = p["specs"]
        if p["category"] == "tents":
            assert 1 <= s["capacity_persons"] <= 6 and isinstance(s["capacity_persons"], int)
            assert re.match(r"^\d+ x \d+$", s["packed_size_cm"])
        elif p["category"] == "sleeping-bags":
            assert s["limit_rating_c"] < s["comfort_rating_c"]
        elif p["category"] == "headlamps":
            assert re.match(r"^IP[X\d]\d$", s["ip_rating"])
        elif p["category"] == "water-bottles-filters":
            assert (s["filter_type"] == "none") == (s["filters_l"] == 0)
        elif p["category"] == "trekking-poles":
            low, high = (int(x) for x in s["length_cm"].split("-"))
            assert low < high


def test_prices_span_budget_to_premium() -> None:
    by_category: dict[str, list[float]] = defaultdict(list)
    for p in PRODUCTS:
        by_category[p["category"]].append(p["price"])
    for category, prices in by_category.items():
        low, high = PRICE_RANGES[category]
        span = high - low
        assert min(prices) <= low + span * 0.2, category
        assert max(prices) >= high - span * 0.35, category
        assert len(set(prices)) >= len(prices) - 2, category


def test_stock_levels_are_varied() -> None:
    out = [p for p in PRODUCTS if p["stock"] == 0]
    low = [p for p in PRODUCTS if 1 <= p["stock"] <= 3]
    assert 0.05 * len(PRODUCTS) <= len(out) <= 0.15 * len(PRODUCTS)
    assert len({p["category"] for p in out}) >= 5
    assert len(low) >= 5
    assert sum(4 <= p["stock"] <= 60 for p in PRODUCTS) > len(PRODUCTS) / 2


def test_brands() -> None:
    brands = Counter(p["brand"] for p in PRODUCTS)
    assert 8 <= len(brands) <= 16
    categories_per_brand: dict[str, set[str]] = defaultdict(set)
    brands_per_category: dict[str, set[str]] = defaultdict(set)
    for p in PRODUCTS:
        categories_per_brand[p["brand"]].add(p["category"])
        brands_per_category[p["category"]].add(p["brand"])
    assert all(len(c) >= 3 for c in categories_per_brand.values()), categories_per_brand
    assert all(len(b) >= 4 for b in brands_per_category.values()), brands_per_category


def test_related_items_are_mostly_cross_category() -> None:
    for p in PRODUCTS:
        assert any(BY_ID[r]["category"] != p["category"] for r in p["related"]), p["id"]


def test_typical_queries_have_answers() -> None:
    two_person_tents = [
        p for p in PRODUCTS if p["category"] == "tents" and p["specs"]["capacity_persons"] == 2 and p["price"] < 300
    ]
    assert len(two_person_tents) >= 4
    cold_bags = [
        p
        for p in PRODUCTS
        if p["category"] == "sleeping-bags" and p["specs"]["limit_rating_c"] <= -7 and p["price"] < 150
    ]
    assert len(cold_bags) >= 2
    dry_boots = [
        p for p in PRODUCTS if p["category"] == "hiking-boots" and p["specs"]["waterproof"] and p["price"] < 150
    ]
    assert len(dry_boots) >= 3
    kids_categories = {p["category"] for p in PRODUCTS if "kids" in p["tags"]}
    assert len(kids_categories) >= 5
    budget = [p for p in PRODUCTS if "budget" in p["tags"]]
    assert len({p["category"] for p in budget}) >= 8


def test_specs_correlate_with_price() -> None:
    """Within a category, pricier items should on average be lighter, warmer or brighter."""

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    def halves(category: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        items = sorted((p for p in PRODUCTS if p["category"] == category), key=lambda p: p["price"])
        mid = len(items) // 2
        return items[:mid], items[-mid:]

    cheap, dear = halves("headlamps")
    assert mean([p["specs"]["lumens"] for p in dear]) > mean([p["specs"]["lumens"] for p in cheap])
    cheap, dear = halves("sleeping-bags")
    assert mean([p["specs"]["limit_rating_c"] for p in dear]) < mean([p["specs"]["limit_rating_c"] for p in cheap])
    cheap, dear = halves("rain-jackets")
    key = "waterproof_rating_mm"
    assert mean([p["specs"][key] for p in dear]) > mean([p["specs"][key] for p in cheap])
    cheap, dear = halves("trekking-poles")
    assert mean([p["specs"]["weight_g_pair"] for p in dear]) < mean([p["specs"]["weight_g_pair"] for p in cheap])
