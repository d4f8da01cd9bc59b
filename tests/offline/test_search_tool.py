"""`search_products` with spec limits in units, features, sort and in-stock-only, on the real demo catalog through
`ToolBox.call`; the result's heading says what the list is; `get_product_info` answers from the product's own words."""

from __future__ import annotations

from typing import Any

from app.catalog.store import Catalog
from app.runtime import Runtime


async def _search(runtime: Runtime, **args: Any) -> dict[str, Any]:
    session = await runtime.conversation.start_session()
    return await runtime.tools.call(session, "search_products", args)


def _details(runtime: Runtime, result: dict[str, Any]) -> list[Any]:
    catalog: Catalog = runtime.catalog
    return catalog.get_many(p["id"] for p in result["products"])


async def test_lumens_at_least_300(runtime: Runtime) -> None:
    result = await _search(runtime, query="headlamp", category="headlamps",
                           specs=[{"key": "lumens", "op": ">=", "value": 300}])
    assert result["ok"] and result["count"] >= 2
    assert all(p.specs["lumens"] >= 300 for p in _details(runtime, result))
    assert result["heading"].startswith(f"{result['count']} headlamps") and "at least 300 lumens" in result["heading"]


async def test_weight_in_pounds_compares_with_specs_in_kg_and_g(runtime: Runtime) -> None:
    result = await _search(runtime, query="tent", category="tents",
                           specs=[{"key": "weight", "op": "<", "value": 4, "unit": "lb"}])
    assert result["ok"] and result["count"] > 0
    assert all(p.specs["weight_kg"] < 4 * 0.4536 for p in _details(runtime, result))
    jackets = await _search(runtime, query="jacket", specs=[{"key": "weight", "op": "<", "value": 0.5, "unit": "lb"}])
    assert jackets["count"] > 0 and all(p.specs["weight_g"] < 227 for p in _details(runtime, jackets))


async def test_fahrenheit_rating_is_the_comfort_rating_in_celsius(runtime: Runtime) -> None:
    result = await _search(runtime, query="sleeping bag", category="sleeping-bags",
                           specs=[{"key": "temperature", "op": "<=", "value": 20, "unit": "f"}])
    assert result["ok"] and result["count"] > 0
    assert all(p.specs["comfort_rating_c"] <= -6.6 for p in _details(runtime, result))


async def test_features_sort_and_in_stock_only(runtime: Runtime) -> None:
    result = await _search(runtime, query="jacket", features=["hooded"], sort="price_asc", in_stock_only=True)
    products = _details(runtime, result)
    assert products and all(p.specs.get("hood") is not False and p.stock > 0 for p in products)
    prices = [p.price for p in products]
    assert prices == sorted(prices)
    assert result["heading"].endswith("in stock, lowest price first")
    lightest = await _search(runtime, query="tent", category="tents", sort="weight_asc")
    weights = [p.specs["weight_kg"] for p in _details(runtime, lightest)]
    assert weights == sorted(weights)


async def test_heading_counts_and_price(runtime: Runtime) -> None:
    result = await _search(runtime, query="tent", category="tents", max_price=200, in_stock_only=True)
    assert result["heading"] == f"{result['count']} tents under $200, in stock"


async def test_bad_spec_arguments_are_clear_errors(runtime: Runtime) -> None:
    bad_unit = await _search(runtime, query="tent", specs=[{"key": "weight", "op": "<", "value": 2, "unit": "parsec"}])
    assert bad_unit["error"]["code"] == "invalid_filter" and "Unknown unit" in bad_unit["error"]["message"]
    no_key = await _search(runtime, query="tent", specs=[{"key": "horsepower", "op": ">", "value": 2}])
    assert no_key["error"]["code"] == "invalid_filter" and "lumens" in no_key["error"]["message"]
    bad_op = await _search(runtime, query="tent", specs=[{"key": "lumens", "op": "~", "value": 2}])
    assert bad_op["error"]["code"] == "invalid_arguments"
    bad_sort = await _search(runtime, query="tent", sort="sideways")
    assert bad_sort["error"]["code"] == "invalid_filter"


async def test_product_info_quotes_the_description(runtime: Runtime) -> None:
    session = await runtime.conversation.start_session()
    shown = await runtime.tools.call(session, "search_products",
                                     {"query": "waterproof boot", "category": "hiking-boots"})
    pid = shown["products"][0]["id"]
    info = await runtime.tools.call(session, "get_product_info", {"product_id": pid, "question": "is it waterproof?"})
    assert info["ok"] and info["product_id"] == pid and info["specs"]
    assert info["passages"] and all(p["source"] in ("specs", "description") for p in info["passages"])
    unseen = await runtime.tools.call(session, "get_product_info", {"product_id": "TNT-1001", "question": "warm?"})
    assert unseen["ok"] is False and unseen["error"]["code"] == "not_shown"
