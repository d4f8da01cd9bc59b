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
SMALL_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve"]
CATEGORIES_SPOKEN = ("tents, sleeping bags, backpacks, hiking boots, rain jackets, camp stoves, headlamps, water "
                     "bottles and filters, camp chairs and trekking poles")


def money(value: float) -> str:
    return f"${value:,.2f}".replace(".00", "")


def number(value: int) -> str:
    """Small counts as words ("three tents"), larger ones as digits."""
    return SMALL_NUMBERS[value] if 0 <= value < len(SMALL_NUMBERS) else str(value)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return singular if count == 1 else (plural_form or singular + "s")


def name_of(product: dict[str, Any]) -> str:
    return f"{product.get('brand', '')} {product['name']}".strip()


def spec_highlights(product: dict[str, Any], limit: int = 2) -> str:
    specs = product.get("specs") or {}
    parts = []
    for key, phrase in SPEC_PHRASES.get(product.get("category", ""), []):
        value = specs.get(key)
        if value in (None, "", "none", False):
            continue
        parts.append(phrase.format(value))
        if len(parts) >= limit:
            break
    if specs.get("waterproof") is True and len(parts) < limit + 1:
        parts.append("waterproof")
    return ", ".join(parts)


def stock_phrase(product: dict[str, Any]) -> str:
    if product.get("stock", 0) is None:
        return "it's available"
    stock = int(product.get("stock", 0))
    if stock <= 0:
        return "it's out of stock right now"
    if stock <= 3:
        return f"only {number(stock)} left"
    return f"{stock} in stock"


def ordinal_word(index: int) -> str:
    words = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
    return words[index] if 0 <= index < len(words) else f"number {index + 1}"


def describe_search(count: int, label: str, qualifier: str, products: list[dict[str, Any]], turn: int,
                    superlative: str | None = None) -> str:
    if count == 0:
        return (f"I couldn't find any {label}{qualifier}. Want me to widen the search, maybe a higher budget or "
                "another category?")
    top = products[0]
    out = [p for p in products if not p["in_stock"]]
    noun = label if count != 1 else singular_label(label)
    if count == 1:
        text = f"I found one {noun}{qualifier}: the {name_of(top)} at {money(top['price'])}"
        text += ", but it's out of stock at the moment. " if out else ". "
        return text + ("Want to hear more about it?" if not out else "Shall I look for something similar?")
    opener = ["I found", "Here are", "Good news, I've got"][turn % 3]
    text = f"{opener} {number(count)} {noun}{qualifier}. "
    if superlative in ("cheapest", "priciest"):
        pick = (min if superlative == "cheapest" else max)(products, key=lambda p: p["price"])
        word = "cheapest" if superlative == "cheapest" else "most expensive"
        text += f"The {word} is the {name_of(pick)} at {money(pick['price'])}. "
    else:
        cheapest = min(products, key=lambda p: p["price"])
        text += f"The first is the {name_of(top)} at {money(top['price'])}"
        if not top["in_stock"]:
            text += ", though it's out of stock right now"
        if cheapest is not top:
            text += f", and the lowest price is the {name_of(cheapest)} at {money(cheapest['price'])}"
        text += ". "
    if len(out) == 1 and out[0] is not top:
        text += f"The {name_of(out[0])} is out of stock at the moment. "
    elif len(out) > 1:
        text += f"{number(len(out)).capitalize()} of them are out of stock at the moment. "
    text += ["Want details on one of them?", "Tap one, or say 'tell me more about the second one'.",
             "Shall I tell you more about any of these?"][turn % 3]
    return text


def singular_label(label: str) -> str:
    if label == "water bottles and filters":
        return "bottle or filter"
    if label.startswith("matches"):
        return "match" + label.removeprefix("matches")
    words = label.split()
    return " ".join([*words[:-1], words[-1].removesuffix("s")]) if words else label


def describe_details(product: dict[str, Any], recommendations: list[dict[str, Any]], in_cart: int = 0) -> str:
    highlights = spec_highlights(product, 3)
    text = f"The {name_of(product)} is {money(product['price'])}"
    text += f", {stock_phrase(product)}. " if product["in_stock"] else f", but {stock_phrase(product)}. "
    text += product.get("short_description", "").rstrip(".") + ". "
    if highlights:
        text += f"Highlights: {highlights}. "
    if in_cart:
        text += "You have " + (f"{number(in_cart)} of them" if in_cart > 1 else "it") + " in your cart already."
    elif product["in_stock"]:
        text += "Shall I add it to your cart?"
    elif recommendations:
        text += f"It goes well with the {name_of(recommendations[0])}, if that helps. Want me to find a similar one " \
                "that's in stock?"
    else:
        text += "Want me to find a similar one that's in stock?"
    return text


def cart_lines(cart: dict[str, Any]) -> str:
    lines = [(f"{number(i['quantity'])} of the " if i["quantity"] > 1 else "the ")
             + f"{i['brand']} {i['name']} ({money(i['line_total'])})".strip() for i in cart["items"]]
    if len(lines) > 1:
        return ", ".join(lines[:-1]) + " and " + lines[-1]
    return lines[0] if lines else ""


def describe_cart(cart: dict[str, Any], warnings: list[str]) -> str:
    if not cart["items"]:
        return "Your cart is empty. Tell me what you're looking for and I'll find it."
    count = cart["item_count"]
    text = f"You have {number(count)} {plural(count, 'item')} in your cart: {cart_lines(cart)}. "
    text += f"That comes to {money(cart['total'])}."
    if warnings:
        text += " Heads up: " + " ".join(warnings)
    return text


def read_back(cart: dict[str, Any], warnings: list[str]) -> str:
    text = f"Here's your order: {cart_lines(cart)}. The total is {money(cart['total'])}."
    if warnings:
        text += " Heads up: " + " ".join(warnings)
    return text + " Shall I place the order?"


HELP = ("I can find gear for you: just say what you need, like 'a two person tent under 300 dollars' or "
        "'a warm sleeping bag'. I can tell you more about a product, suggest what goes with it, add it to your cart, "
        "and check you out. You can also tap anything on the screen.")
NOT_UNDERSTOOD = ("Sorry, I didn't quite catch that. I can help you find " + CATEGORIES_SPOKEN + ", tell you "
                  "about them, and look after your cart and checkout. What are you looking for?")
