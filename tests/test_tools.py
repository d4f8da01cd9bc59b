"""The shopping tools through `ToolBox.call`, the one way in for every brain and for touch: invalid ids, malformed
arguments, checkout gating. Every failure is a structured result, published as a `function_call` event; the cart
never changes on a failure."""

from __future__ import annotations

from typing import Any

import pytest

from app.events import Event, EventKind
from app.runtime import Runtime
from app.session import ShopperSession
from app.tools.schemas import TOOL_SCHEMAS


async def _session(runtime: Runtime) -> ShopperSession:
    return await runtime.conversation.start_session()


def _events(runtime: Runtime) -> list[Event]:
    events: list[Event] = []
    runtime.bus.subscribe(events.append)
    return events


async def _shown_tent(runtime: Runtime, session: ShopperSession) -> dict[str, Any]:
    result = await runtime.tools.call(session, "search_products", {"query": "tent", "category": "tents",
                                                                   "max_price": 300})
    assert result["ok"] and result["count"] > 0
    return next(p for p in result["products"] if p["in_stock"])


async def test_made_up_id_is_a_structured_error_with_suggestions(runtime: Runtime) -> None:
    session = await _session(runtime)
    tent = await _shown_tent(runtime, session)
    events = _events(runtime)
    result = await runtime.tools.call(session, "add_to_cart", {"product_id": "TNT-9999", "quantity": 1})
    assert result["ok"] is False
    assert result["error"]["code"] == "unknown_product"
    suggestions = result["error"]["suggestions"]
    assert suggestions and all({"id", "name", "price"} <= set(s) for s in suggestions)
    assert any(s["id"].startswith("TNT-") for s in suggestions)
    assert session.cart.lines == []
    call = next(e for e in events if e.kind is EventKind.FUNCTION_CALL)
    assert call.data["name"] == "add_to_cart" and call.data["result"] == result
    assert not [e for e in events if e.kind is EventKind.CONTEXT], "a failed call does not change the context"
    assert tent["id"] != "TNT-9999"


async def test_id_not_shown_is_rejected_with_the_closest_shown_products(runtime: Runtime) -> None:
    session = await _session(runtime)
    await _shown_tent(runtime, session)
    # a real product the shopper was never shown
    result = await runtime.tools.call(session, "add_to_cart", {"product_id": "BOT-1001"})
    assert result["ok"] is False
    assert result["error"]["code"] == "not_shown"
    assert "has not been shown" in result["error"]["message"]
    assert result["error"]["suggestions"], "suggestions come from what was shown"
    assert all(s["id"] in session.context.shown_ids() for s in result["error"]["suggestions"])
    assert session.cart.lines == []
    details = await runtime.tools.call(session, "show_product_details", {"product_id": "BOT-1001"})
    assert details["error"]["code"] == "not_shown"


async def test_shown_id_in_lower_case_works(runtime: Runtime) -> None:
    session = await _session(runtime)
    tent = await _shown_tent(runtime, session)
    result = await runtime.tools.call(session, "add_to_cart", {"product_id": tent["id"].lower()})
    assert result["ok"], result
    assert session.cart.quantity_of(tent["id"]) == 1


@pytest.mark.parametrize(("arguments", "fragment"), [
    ('{"product_id": "TNT-1001", ', "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ({"product_id": "TNT-1001", "quantity": "lots"}, "'quantity' must be a integer"),
    ({"product_id": "TNT-1001", "quantity": 1.5}, "'quantity' must be a integer"),
    ({"product_id": "TNT-1001", "quantity": True}, "'quantity' must be a integer"),
    ({"product_id": "TNT-1001", "quantity": 0}, "at least 1"),
    ({"product_id": "TNT-1001", "quantity": 21}, "at most 20"),
    ({"product_id": {"id": "TNT-1001"}}, "'product_id' must be a string"),
    ({"product_id": "TNT-1001", "colour": "red"}, "does not take colour"),
    ({}, "needs 'product_id'"),
    (None, "needs 'product_id'"),
])
async def test_malformed_arguments_are_structured_errors(runtime: Runtime, arguments: Any, fragment: str) -> None:
    session = await _session(runtime)
    await _shown_tent(runtime, session)
    events = _events(runtime)
    result = await runtime.tools.call(session, "add_to_cart", arguments)
    assert result["ok"] is False
    assert result["error"]["code"] == "invalid_arguments"
    assert fragment in result["error"]["message"]
    assert session.cart.lines == []
    assert [e.data["name"] for e in events if e.kind is EventKind.FUNCTION_CALL] == ["add_to_cart"]


async def test_string_numbers_are_coerced(runtime: Runtime) -> None:
    session = await _session(runtime)
    result = await runtime.tools.call(session, "search_products", '{"query": "tent", "max_price": "$300", '
                                                                   '"limit": "3"}')
    assert result["ok"], result
    assert result["filters"]["max_price"] == 300.0
    assert 0 < result["count"] <= 3
    assert all(p["price"] <= 300 for p in result["products"])


async def test_unknown_tool_and_unknown_category(runtime: Runtime) -> None:
    session = await _session(runtime)
    result = await runtime.tools.call(session, "teleport", {})
    assert result["error"]["code"] == "unknown_tool"
    result = await runtime.tools.call(session, "search_products", {"query": "x", "category": "kayaks"})
    assert result["error"]["code"] == "unknown_category"
    assert "tents" in result["error"]["categories"]
    typo = await runtime.tools.call(session, "search_products", {"query": "", "category": "Sleping bags"})
    assert typo["ok"] is False  # an empty query is not allowed
    typo = await runtime.tools.call(session, "search_products", {"query": "bag", "category": "Sleping bags"})
    assert typo["ok"] and typo["filters"]["category"] == "sleeping-bags"


async def test_out_of_stock_and_short_stock_leave_the_cart_unchanged(runtime: Runtime) -> None:
    session = await _session(runtime)
    result = await runtime.tools.call(session, "search_products", {"query": "stormguard expedition tent"})
    assert "TNT-1007" in [p["id"] for p in result["products"]]
    out = await runtime.tools.call(session, "add_to_cart", {"product_id": "TNT-1007"})
    assert out["error"]["code"] == "out_of_stock"
    await runtime.tools.call(session, "search_products", {"query": "moorland 60 trekking pack"})
    short = await runtime.tools.call(session, "add_to_cart", {"product_id": "BPK-1016", "quantity": 5})
    assert short["error"]["code"] == "insufficient_stock"
    assert short["error"]["available"] == 2 and short["error"]["requested"] == 5
    assert session.cart.lines == []


async def test_update_cart_item_rules(runtime: Runtime) -> None:
    session = await _session(runtime)
    tent = await _shown_tent(runtime, session)
    missing = await runtime.tools.call(session, "update_cart_item", {"product_id": tent["id"], "quantity": 2})
    assert missing["error"]["code"] == "not_in_cart"
    await runtime.tools.call(session, "add_to_cart", {"product_id": tent["id"]})
    updated = await runtime.tools.call(session, "update_cart_item", {"product_id": tent["id"], "quantity": 2})
    assert updated["ok"] and updated["cart_change"] == {"product_id": tent["id"], "before": 1, "after": 2}
    too_many = await runtime.tools.call(session, "update_cart_item", {"product_id": tent["id"],
                                                                      "quantity": tent["stock"] + 1})
    assert too_many["ok"] is False and session.cart.quantity_of(tent["id"]) == 2
    removed = await runtime.tools.call(session, "update_cart_item", {"product_id": tent["id"], "quantity": 0})
    assert removed["ok"] and removed["cart"]["items"] == []


async def test_checkout_needs_a_read_back_and_a_later_confirmation(runtime: Runtime) -> None:
    session = await _session(runtime)
    empty = await runtime.tools.call(session, "checkout", {})
    assert empty["error"]["code"] == "empty_cart"
    tent = await _shown_tent(runtime, session)
    await runtime.tools.call(session, "add_to_cart", {"product_id": tent["id"]})
    refused = await runtime.tools.call(session, "checkout", None)
    assert refused["error"]["code"] == "confirmation_required"
    read_back = await runtime.tools.call(session, "view_cart", {})
    assert read_back["ok"] and read_back["cart"]["item_count"] == 1
    same_turn = await runtime.tools.call(session, "checkout", {})
    assert same_turn["error"]["code"] == "confirmation_required", "the shopper has not answered yet"
    session.add_turn("shopper", "yes")
    placed = await runtime.tools.call(session, "checkout", {})
    assert placed["ok"], placed
    assert placed["order_number"].startswith("A")
    assert placed["qr_payload"].startswith(f"AISLE-ORDER:{placed['order_number']}:")
    assert placed["order"]["items"][0]["product_id"] == tent["id"]
    assert session.cart.lines == []


async def test_checkout_again_after_the_cart_changed(runtime: Runtime) -> None:
    session = await _session(runtime)
    tent = await _shown_tent(runtime, session)
    await runtime.tools.call(session, "add_to_cart", {"product_id": tent["id"]})
    await runtime.tools.call(session, "view_cart", {})
    session.add_turn("shopper", "add another")
    await runtime.tools.call(session, "add_to_cart", {"product_id": tent["id"]})
    session.add_turn("shopper", "yes")
    refused = await runtime.tools.call(session, "checkout", {})
    assert refused["error"]["code"] == "confirmation_required", "the read-back no longer matches the cart"


async def test_recommendations_for_a_product_and_a_category(runtime: Runtime) -> None:
    session = await _session(runtime)
    tent = await _shown_tent(runtime, session)
    for_product = await runtime.tools.call(session, "get_recommendations", {"based_on": tent["id"]})
    assert for_product["ok"] and for_product["based_on"]["product_id"] == tent["id"]
    assert all(p["id"] != tent["id"] and p["in_stock"] for p in for_product["products"])
    for_category = await runtime.tools.call(session, "get_recommendations", {"based_on": "Headlamps",
                                                                             "max_results": 3})
    assert for_category["ok"] and for_category["based_on"] == {"category": "headlamps"}
    assert len(for_category["products"]) == 3 and all(p["category"] == "headlamps" for p in for_category["products"])
    # recommended products count as shown
    pick = for_category["products"][0]["id"]
    assert (await runtime.tools.call(session, "add_to_cart", {"product_id": pick}))["ok"]
    nonsense = await runtime.tools.call(session, "get_recommendations", {"based_on": "zzz-nothing"})
    assert nonsense["error"]["code"] == "unknown_reference" and nonsense["error"]["categories"]


async def test_successful_changes_publish_a_context_event(runtime: Runtime) -> None:
    session = await _session(runtime)
    events = _events(runtime)
    tent = await _shown_tent(runtime, session)
    await runtime.tools.call(session, "add_to_cart", {"product_id": tent["id"], "quantity": 2})
    contexts = [e for e in events if e.kind is EventKind.CONTEXT]
    assert len(contexts) == 2
    cart = contexts[-1].data["cart"]
    assert cart["items"][0]["quantity"] == 2 and cart["total"] == round(tent["price"] * 2, 2)
    assert tent["id"] in contexts[-1].data["shown_ids"]
    calls = [e for e in events if e.kind is EventKind.FUNCTION_CALL]
    assert all(c.data["duration_ms"] >= 0 and c.data["source"] == "assistant" for c in calls)


def test_schemas_are_strict_json_schemas() -> None:
    names = [t["name"] for t in TOOL_SCHEMAS]
    assert names == ["search_products", "show_product_details", "get_product_info", "add_to_cart",
                     "get_recommendations",
                     "update_cart_item", "view_cart", "checkout"]
    for tool in TOOL_SCHEMAS:
        params = tool["parameters"]
        assert params["type"] == "object" and params["additionalProperties"] is False
        assert set(params["required"]) <= set(params["properties"])
        assert tool["description"]
