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
            "specs": {
                "type": "array",
                "description": "Optional spec limits, each a number with its unit, e.g. 'at least 300 lumens' is "
                               "{key: 'lumens', op: '>=', value: 300}, 'under 2 kg' is {key: 'weight', op: '<', "
                               "value: 2, unit: 'kg'}, 'warm to -5 C' is {key: 'temperature', op: '<=', value: -5, "
                               "unit: 'c'}, 'sleeps 4' is {key: 'persons', op: '>=', value: 4}. 'key' is a spec "
                               "key from product details or what it measures (weight, capacity, temperature, "
                               "lumens, persons); units: kg g lb oz c f l ml lm persons cm mm m h min w.",
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string"},
                        "op": {"type": "string", "enum": ["<", "<=", ">", ">=", "="]},
                        "value": {"type": "number"},
                        "unit": {"type": "string"},
                    },
                    "required": ["key", "op", "value"],
                    "additionalProperties": False,
                },
            },
            "features": {
                "type": "array", "items": {"type": "string"},
                "description": "Optional features, materials or spec values every result must have, e.g. "
                               "['waterproof'], ['down', 'hooded'], ['folding'], ['roll-top'], ['green']. A colour "
                               "matches the product's colour spec or its name only.",
            },
            "sort": {
                "type": "string",
                "description": "Optional order: by default the best matches, those in stock first; 'relevance' "
                               "(best match first, in stock or not), 'price_asc', 'price_desc', or a spec with "
                               "_asc/_desc, e.g. 'weight_asc', 'lumens_desc'.",
            },
            "in_stock_only": {"type": "boolean", "description": "Only products in stock (default false)."},
            "size": {"type": "string",
                     "description": "Optional size the products must come in, as the shopper said it: a shoe or "
                                    "clothing number ('10'), a letter size ('M', 'medium') or a frame size ('54'). "
                                    "Only products whose listed sizes include it are returned."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 20, "default": 10},
            "offset": {"type": "integer", "minimum": 0, "maximum": 40,
                       "description": "Skip this many results: 'show me more' is the same search with offset 10."},
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
        "get_product_info",
        "Answer a shopper's question about one product from the store's own words: returns its specs and the "
        "passages of its description (and manual, when the store has one) that best answer the question. Only for "
        "products the shopper has been shown. Answer only from what it returns; if nothing answers, say so.",
        {
            "product_id": {"type": "string", "description": "The product id (SKU) from a search result."},
            "question": {"type": "string", "description": "The shopper's question, e.g. 'what's the warranty?'."},
        },
        ["product_id", "question"],
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
