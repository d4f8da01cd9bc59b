"""How the offline agent says things: short, warm store-assistant sentences built from tool results."""

from __future__ import annotations

from typing import Any

SPEC_PHRASES: dict[str, list[tuple[str, str]]] = {
    "tents": [("capacity_persons", "sleeps {}"), ("weight_kg", "{} kg"), ("seasons", "{}-season")],
    "sleeping-bags": [("comfort_rating_c", "comfortable down to {}°C"), ("fill", "{} fill"), ("weight_kg", "{} kg")],
    "backpacks": [("capacity_l", "{} litres"), ("weight_kg", "{} kg")],
    "hiking-boots": [("cut", "{} cut"), ("weight_g_pair", "{} g a pair")],
    "rain-jackets": [("waterproof_rating_mm", "{} mm waterproof rating"), ("weight_g", "{} g")],
    "camp-stoves": [("fuel", "runs on {}"), ("boil_time_min", "boils a litre in about {} min")],
    "headlamps": [("lumens", "{} lumens"), ("battery", "{} battery"), ("runtime_h", "up to {} h")],
    "water-bottles-filters": [("capacity_l", "{} litres"), ("filter_type", "{} filter")],
    "camp-chairs": [("max_load_kg", "holds {} kg"), ("weight_kg", "{} kg")],
    "trekking-poles": [("material", "{}"), ("weight_g_pair", "{} g a pair"), ("locking", "{} locks")],
}


def money(value: float) -> str:
    return f"${value:,.2f}".replace(".00", "")


def name_of(product: dict[str, Any]) -> str:
    return f"{product.get('brand', '')} {product['name']}".strip()


def spec_highlights(product: dict[str, Any], limit: int = 2) -> str:
    specs = product.get("specs") or {}
    parts = []
    for key, phrase in SPEC_PHRASES.get(product.get("category", ""), []):
        value = specs.get(key)
        if value in (None, "", "none", False):
            continue
        if key == "filter_type" and value == "none":
            continue
        parts.append(phrase.format(value))
        if len(parts) >= limit:
            break
    if specs.get("waterproof") is True and len(parts) < limit + 1:
        parts.append("waterproof")
    return ", ".join(parts)


def stock_phrase(product: dict[str, Any]) -> str:
    stock = int(product.get("stock", 0))
    if stock <= 0:
        return "it's out of stock right now"
    if stock <= 3:
        return f"only {stock} left"
    return f"{stock} in stock"


def ordinal_word(index: int) -> str:
    words = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
    return words[index] if 0 <= index < len(words) else f"number {index + 1}"


def describe_search(count: int, label: str, qualifier: str, products: list[dict[str, Any]], turn: int) -> str:
    if count == 0:
        return (f"I couldn't find any {label}{qualifier}. Want me to widen the search, maybe a higher budget or "
                "another category?")
    top = products[0]
    in_stock = [p for p in products if p["in_stock"]]
    opener = ["I found", "Here are", "Good news, I've got"][turn % 3]
    noun = label if count != 1 else label.rstrip("s")
    text = f"{opener} {count} {noun}{qualifier}. "
    if len(products) > 1:
        cheapest = min(products, key=lambda p: p["price"])
        text += f"The first is the {name_of(top)} at {money(top['price'])}"
        if cheapest is not top:
            text += f", and the lowest price is the {name_of(cheapest)} at {money(cheapest['price'])}"
        text += ". "
    else:
        text += f"It's the {name_of(top)} at {money(top['price'])}. "
    if len(in_stock) < len(products):
        text += f"{len(products) - len(in_stock)} of them are out of stock at the moment. "
    text += ["Want details on one of them?", "Tap one, or say 'tell me more about the second one'.",
             "Shall I tell you more about any of these?"][turn % 3]
    return text


def describe_details(product: dict[str, Any], recommendations: list[dict[str, Any]]) -> str:
    highlights = spec_highlights(product, 3)
    text = f"The {name_of(product)} is {money(product['price'])}"
    text += f", {stock_phrase(product)}. " if product["stock"] > 0 else f", but {stock_phrase(product)}. "
    text += product.get("short_description", "").rstrip(".") + ". "
    if highlights:
        text += f"Highlights: {highlights}. "
    if product["stock"] > 0:
        text += "Shall I add it to your cart?"
    elif recommendations:
        text += f"A good alternative might be the {name_of(recommendations[0])}."
    return text


def describe_cart(cart: dict[str, Any], warnings: list[str]) -> str:
    items = cart["items"]
    if not items:
        return "Your cart is empty. Tell me what you're looking for and I'll find it."
    lines = [f"{i['quantity']} × {i['brand']} {i['name']} ({money(i['line_total'])})".replace("  ", " ")
             for i in items]
    text = "In your cart: " + "; ".join(lines) + f". That's {money(cart['total'])} in total."
    if warnings:
        text += " Heads up: " + " ".join(warnings)
    return text


HELP = ("I can find gear for you: just say what you need, like 'a two person tent under 300 dollars' or "
        "'a warm sleeping bag'. I can tell you more about a product, suggest what goes with it, add it to your cart, "
        "and check you out. You can also tap anything on the screen.")
NOT_UNDERSTOOD = ("Sorry, I didn't quite catch that. I can search for tents, sleeping bags, backpacks, boots, rain "
                  "jackets, stoves, headlamps, bottles and filters, chairs and trekking poles, and handle your cart. "
                  "What are you looking for?")
