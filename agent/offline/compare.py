"""Comparisons and superlatives over the list on screen or named products: "which is lighter, the first or the
third?", "whichever throws the most light", "the least expensive of the packs you listed", "what's the difference
between these two?". The answer names the winner with the figures, read from each product's specs (through
`get_product_info`, which does not change the screen); a product whose data lacks the figure is said to lack it."""

from __future__ import annotations

import re
from typing import Any

from agent.offline import replies
from agent.offline.patterns import ORDINALS
from agent.offline.turn import Turn, trouble
from agent.offline.wording import say_spec, spec_label
from app.catalog.units import UNITS, convert, number_in, spec_key

# measure -> (the spec kind and name word that carry it, the word for "more of it", the word for "less of it")
MEASURES: dict[str, tuple[str, str, str, str]] = {
    "weight": ("mass", "weight", "heavier", "lighter"),
    "lumens": ("light", "", "brighter", "dimmer"),
    "temperature": ("temperature", "comfort", "rated colder", "warmer"),  # a lower rating is warmer
    "capacity": ("volume", "capacity", "bigger", "smaller"),
}
SUPERLATIVE = {"heavier": "the heaviest", "lighter": "the lightest", "brighter": "the brightest",
               "dimmer": "the dimmest", "warmer": "the warmest", "rated colder": "the least warm",
               "bigger": "the biggest", "smaller": "the smallest"}


def _figure(specs: dict[str, Any], measure: str) -> tuple[float, str, Any] | None:
    """(value in a common unit, spec key, raw value) for the measure, or None when the specs don't give it."""
    kind, word, _, _ = MEASURES[measure]
    for strict in (True, False):  # a key named for the measure first ("weight"), else any of its kind ("volume")
        for key, value in specs.items():
            info = spec_key(key, value)
            amount = number_in(value)
            if amount is None or info.kind != kind or (strict and word and word not in info.name):
                continue
            if not strict and kind == "mass" and "load" in info.name:
                continue
            base = next((u for u, (k, f) in UNITS.items() if k == kind and f == 1.0), info.unit)
            return convert(amount, info.unit, base), key, value
    if measure == "capacity":
        for key, value in specs.items():
            if spec_key(key, value).kind == "persons" and number_in(value) is not None:
                return float(number_in(value) or 0), key, value
    return None


def _candidates(turn: Turn) -> list[str]:
    text, listed = turn.request.text, turn.listed()
    said = sorted((m.start(), ORDINALS[m.group(1)]) for m in re.finditer(
        r"\b(" + "|".join(ORDINALS) + r")\b", text))
    picked = [listed[i] for _, i in said if listed and -len(listed) <= i < len(listed)]
    if len(picked) >= 2:
        return list(dict.fromkeys(picked))
    subject = turn.state.subject
    if len(picked) == 1 and subject and subject != picked[0]:  # "is it brighter than the first one?"
        return [subject, picked[0]]
    if re.search(r"\b(these|those|the) (2|two)\b|\bboth\b", text) and len(listed) >= 2:
        return listed[:2]
    if turn.request.category:
        known = turn.known()
        of_kind = [p for p in listed if known.get(p, {}).get("category") == turn.request.category]
        return of_kind or listed
    return listed


SORT_FOR = {("weight", False): "weight_asc", ("weight", True): "weight_desc", ("lumens", True): "lumens_desc",
            ("lumens", False): "lumens_asc", ("temperature", False): "temperature_asc",
            ("capacity", True): "capacity_desc", ("capacity", False): "capacity_asc"}


async def _best_of_kind(turn: Turn) -> list[str] | None:
    """"your brightest headlamp", "the lightest tent": when that kind is not the list on screen, search it by the
    measure, so the comparison runs over the whole kind (the top few by that spec)."""
    request = turn.request
    known = turn.known()
    listed = turn.listed()
    on_screen = {known.get(p, {}).get("category") for p in listed}
    if request.measure is None or not request.category or (request.category in on_screen and len(on_screen) == 1):
        return None
    args = {"query": turn.lexicon.category_label(request.category), "category": request.category,
            "sort": SORT_FOR.get(request.measure, "relevance")}
    result = await turn.tool("search_products", **args)
    if not result.get("ok"):
        return None
    turn.state.remember_search(args, [p["id"] for p in result["products"]])
    return [p["id"] for p in result["products"]][:5]


async def compare(turn: Turn) -> str:
    ids = await _best_of_kind(turn) or _candidates(turn)
    if len(ids) < 2:
        return "Which ones should I compare? Show me a list first, or say 'the first and the third'."
    infos = []
    for pid in ids[:10]:
        info = await turn.tool("get_product_info", product_id=pid, question=turn.request.text)
        if not info.get("ok"):
            return trouble(info)
        infos.append(info)
    known = turn.known()
    request = turn.request
    turn.state.pair = ids[:2] if len(ids) == 2 else []
    if request.measure is not None:
        winner, reply = _by_measure(infos, known, *request.measure)
        reply += _on_the_shelf(winner, _ranked(infos, *request.measure), known, *request.measure)
        turn.state.subject = winner or turn.state.subject
        return reply
    if request.superlative or re.search(r"\b(cheaper|less expensive|more expensive|pricier)\b", request.text):
        priciest = request.superlative == "priciest" or bool(re.search(r"\b(more expensive|pricier)\b",
                                                                        request.text))
        return _by_price(ids, known, priciest)
    return _differences(infos, known)


def _by_price(ids: list[str], known: dict[str, dict[str, Any]], priciest: bool) -> str:
    priced = sorted((known[p]["price"], p) for p in ids if p in known)
    if not priced:
        return "I can't see their prices right now; a staff member can help."
    price, winner = priced[-1] if priciest else priced[0]
    others = [f"the {replies.name_of(known[p])} at {replies.money(v)}" for v, p in priced if p != winner][:3]
    word = "most expensive" if priciest else "least expensive"
    return (f"The {word} is the {replies.name_of(known[winner])} at {replies.money(price)}, against "
            f"{replies.join_words(others)}.")


def _by_measure(infos: list[dict[str, Any]], known: dict[str, dict[str, Any]], measure: str,
                more: bool) -> tuple[str | None, str]:
    """(the winner's id, the reply naming it with the figures)."""
    figures = [(_figure(i["specs"], measure), i) for i in infos]
    have = [(f, i) for f, i in figures if f is not None]
    lacking = [i["name"] for f, i in figures if f is None]
    if not have:
        return None, (f"Their details don't give a {MEASURES[measure][1] or measure} I can compare; a staff member "
                      "can check.")
    ranked = sorted(have, key=lambda fi: fi[0][0], reverse=more)
    (_, key, raw), top = ranked[0]
    word = MEASURES[measure][2] if more else MEASURES[measure][3]
    if len(infos) > 2:
        word = SUPERLATIVE[word]
    others = [f"{say_spec(k, v)} for the {i['name']}" for (_, k, v), i in ranked[1:4]]
    text = f"The {top['name']} is {word}: {say_spec(key, raw)}"
    text += f", against {replies.join_words(others)}." if others else "."
    if lacking:
        text += f" The details of the {replies.join_words(lacking)} don't give a figure to compare."
    return str(top["product_id"]), text


def _ranked(infos: list[dict[str, Any]], measure: str, more: bool) -> list[dict[str, Any]]:
    """The products whose details give the measure, best first."""
    have = [(f, i) for f, i in ((_figure(i["specs"], measure), i) for i in infos) if f is not None]
    return [i for f, i in sorted(have, key=lambda fi: fi[0][0], reverse=more)]


def _on_the_shelf(winner: str | None, ranked: list[dict[str, Any]], known: dict[str, dict[str, Any]], measure: str,
                  more: bool) -> str:
    """The winner is known to be out of stock: say so, and name the best of the others known to be in stock."""
    if winner is None or (known.get(winner) or {}).get("stock") != 0:
        return ""
    shelf = next((i for i in ranked if i["product_id"] != winner and (known.get(i["product_id"]) or {}).get("stock")),
                 None)
    if shelf is None:
        return " It's out of stock at the moment."
    word = SUPERLATIVE.get(MEASURES[measure][2] if more else MEASURES[measure][3], "the best")
    figure = _figure(shelf["specs"], measure)
    said = f" ({say_spec(figure[1], figure[2])})" if figure else ""
    return f" It's out of stock at the moment. {word.capitalize()} on the shelf is the {shelf['name']}{said}."


def _differences(infos: list[dict[str, Any]], known: dict[str, dict[str, Any]]) -> str:
    first, second = infos[0], infos[1]
    parts = []
    for product in (first, second):
        summary = known.get(product["product_id"], {})
        if "price" in summary:
            parts.append(f"the {product['name']} is {replies.money(summary['price'])}")
    shared = [k for k in first["specs"] if k in second["specs"] and first["specs"][k] != second["specs"][k]]
    lines = [f"{spec_label(k)} {say_spec(k, first['specs'][k])} against {say_spec(k, second['specs'][k])}"
             for k in shared[:3]]
    joined = replies.join_words(parts)
    text = joined[:1].upper() + joined[1:] + "." if parts else ""
    if lines:
        text += f" Comparing the first with the second: {'; '.join(lines)}."
    return text.strip() or "Their details don't differ in anything I can see; a staff member can tell you more."
