"""How the offline agent says things: short, warm store-assistant sentences built from tool results."""

from __future__ import annotations

from typing import Any

from agent.offline.wording import (
    join_words,
    money,
    name_of,
    number,
    plural,
    sentences,
    spec_highlights,
    stock_phrase,
)
from app.tools.search_terms import heading_label

__all__ = ["join_words", "money", "name_of", "number", "plural", "sentences", "spec_highlights", "stock_phrase"]

def categories_spoken(names: list[str], limit: int = 8) -> str:
    """The store's categories as words ("tents, sleeping bags and camp stoves"), from the loaded catalog."""
    shown = [n.lower().replace("&", "and") for n in names[:limit]]
    if len(names) > limit:
        return ", ".join(shown) + " and more"
    return join_words(shown)


def describe_list(result: dict[str, Any], turn: int, superlative: str | None = None) -> str:
    """A search result spoken so that it agrees with its heading ("I found four tents under $80, in stock")."""
    heading = str(result.get("heading") or "")
    label = heading_label(heading)
    if result["count"] == 0:
        return (f"I couldn't find any {label}. Want me to widen the search, maybe a higher budget or another "
                "category?")
    text = describe_search(result["count"], label, "", result["products"], turn, superlative, singular=False)
    untracked = all(p.get("stock") is None for p in result["products"])
    if (result.get("filters") or {}).get("in_stock_only") and untracked:
        text += " I can't see how many of these are on hand here; a staff member can check."
    return text


def describe_search(count: int, label: str, qualifier: str, products: list[dict[str, Any]], turn: int,
                    superlative: str | None = None, singular: bool = True) -> str:
    if count == 0:
        return (f"I couldn't find any {label}{qualifier}. Want me to widen the search, maybe a higher budget or "
                "another category?")
    top = products[0]
    out = [p for p in products if not p["in_stock"]]
    noun = label if count != 1 or not singular else singular_label(label)
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
    stock = stock_phrase(product)
    out = product.get("stock") is not None and not product.get("in_stock", True)
    first = f"The {name_of(product)} is {money(product['price'])}" + (
        f", but {stock}." if out else (f", {stock}." if stock else "."))
    if in_cart:
        close = "You have " + (f"{number(in_cart)} of them" if in_cart > 1 else "it") + " in your cart already."
    elif not out:
        close = "Shall I add it to your cart?"
    elif recommendations:
        close = (f"It goes well with the {name_of(recommendations[0])}, if that helps. Want me to find a similar "
                 "one that's in stock?")
    else:
        close = "Want me to find a similar one that's in stock?"
    blurb = str(product.get("short_description") or "").strip().rstrip(".")
    return sentences(first, f"{blurb}." if blurb else "", f"Highlights: {highlights}." if highlights else "", close)


def cart_lines(cart: dict[str, Any]) -> str:
    lines = [(f"{number(i['quantity'])} of the " if i["quantity"] > 1 else "the ")
             + f"{name_of(i)} ({money(i['line_total'])})" for i in cart["items"]]
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


def help_text(example: str) -> str:
    """What the assistant can do, with an example from the loaded catalog ("a tent under 300 dollars")."""
    return (f"I can find products for you: just say what you need and your budget, like '{example}'. I can tell "
            "you more about a product, suggest what goes with it, add it to your cart, and check you out. You can "
            "also tap anything on the screen.")


def not_understood(categories: str) -> str:
    return (f"Sorry, I didn't quite catch that. I can help you find {categories}, tell you about them, and look "
            "after your cart and checkout. What are you looking for?")
