"""The shopping tools' JSON schemas: exactly what every brain (offline or cloud) is given.

The descriptions are prompts: they tell a model when to call each tool and what the arguments mean.
"""

from __future__ import annotations

from typing import Any

ToolSchema = dict[str, Any]


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> ToolSchema:
    return {
        "type": "function",
        "name": name,
        "description": description,
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        },
    }


TOOL_SCHEMAS: list[ToolSchema] = [
    _tool(
        "search_products",
        "Search the store's catalog. Use for any request to find or browse products. Results appear on the screen.",
        {
            "query": {"type": "string", "description": "What the shopper wants, in a few words ('2 person tent')."},
            "category": {"type": "string", "description": "Optional category slug, e.g. 'tents', 'sleeping-bags'."},
            "max_price": {"type": "number", "minimum": 0, "description": "Optional highest price in USD."},
            "min_price": {"type": "number", "minimum": 0, "description": "Optional lowest price in USD."},
            "brand": {"type": "string", "description": "Optional brand name."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 20, "default": 10},
        },
        ["query"],
    ),
    _tool(
        "show_product_details",
        "Show one product's details card (specs, stock, price). Only for products the shopper has been shown.",
        {
            "product_id": {"type": "string", "description": "The product id (SKU) from a search result."},
            "include_recommendations": {"type": "boolean", "default": True},
        },
        ["product_id"],
    ),
    _tool(
        "add_to_cart",
        "Add a product the shopper has been shown to their cart.",
        {
            "product_id": {"type": "string"},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 20, "default": 1},
        },
        ["product_id"],
    ),
    _tool(
        "get_recommendations",
        "Products that go well with a product (give its id) or good picks in a category (give the category slug).",
        {
            "based_on": {"type": "string", "description": "A product id or a category slug."},
            "max_results": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5},
        },
        ["based_on"],
    ),
    _tool(
        "update_cart_item",
        "Change the quantity of a product already in the cart; quantity 0 removes it.",
        {"product_id": {"type": "string"}, "quantity": {"type": "integer", "minimum": 0, "maximum": 20}},
        ["product_id", "quantity"],
    ),
    _tool("view_cart", "Show and read back the cart: items, quantities and total.", {}, []),
    _tool(
        "checkout",
        "Place the order. Only after reading the order back with view_cart and the shopper confirming it.",
        {},
        [],
    ),
]

TOOLS_BY_NAME: dict[str, ToolSchema] = {tool["name"]: tool for tool in TOOL_SCHEMAS}
