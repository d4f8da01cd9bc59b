"""Honest answers about one product, from its data only: a spec, a tag, its name, or a quoted description phrase.

A yes/no about a feature says "yes" or "no" only when a spec states it (a true/false spec, a rating, a value of the
same attribute); otherwise it quotes the description, or says the details don't say and offers a staff member.
It never turns silence into a "no".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agent.offline.wording import name_of, number, plural, say_spec, spec_label
from app.catalog.units import kind_of, number_in, spec_key

STAFF = "a staff member can check"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_NEGATION = re.compile(r"\b(not|no|isn'?t|without|non)\b")
# a question's topic -> the kinds (or key words) of specs that answer it
TOPIC_SPECS: dict[str, tuple[str, ...]] = {
    "weight": ("mass:weight",), "warmth": ("temperature:",), "brightness": ("light:",),
    "capacity": ("persons:", "volume:capacity", "volume:", "mass:load"),
    "runtime": ("time:run", "time:"), "range": ("length:range",),
}


def _stem(word: str) -> str:
    word = word.lower().replace("-", "").replace(" ", "")
    for suffix in ("ed", "ing", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _mentions(text: str, word: str) -> bool:
    stem = _stem(word)
    return any(_stem(w).startswith(stem) for w in re.findall(r"[a-z0-9-]+", text.lower()))


def _quote(product: Mapping[str, Any], word: str) -> str | None:
    """The first description sentence that mentions `word`, as said by the store."""
    text = " ".join(str(product.get(k) or "") for k in ("short_description", "description")).strip()
    for sentence in _SENTENCE.split(text):
        if sentence and _mentions(sentence, word):
            return sentence.strip().rstrip(".")
    return None


def _ip_answer(name: str, rating: str) -> str:
    digit = rating[-1:] if rating[-1:].isdigit() else ""
    if digit and int(digit) >= 7:
        return f"Yes, the {name} is rated {rating}, which means waterproof (it survives being submerged)."
    if digit:
        return (f"The {name} is rated {rating}, which means splash-resistant; its details don't say it's fully "
                f"waterproof, so {STAFF} if that matters.")
    return f"The {name} is rated {rating}."


def _spec_answer(name: str, feature: str, specs: Mapping[str, Any],
                 values: Mapping[str, set[str]]) -> str | None:
    stem = _stem(feature)
    for key, value in specs.items():
        if isinstance(value, bool) and _stem(key) == stem:
            label = spec_label(key)
            return f"Yes, the {name} is {label}." if value else f"No, its specs say the {name} isn't {label}."
    for key, value in specs.items():
        if stem in _stem(key) and not isinstance(value, bool) and number_in(value) is not None and value:
            return f"Yes, the {name} has a {spec_label(key)} of {say_spec(key, value)}."
        if isinstance(value, str) and re.fullmatch(r"ipx?\d{1,2}", value.strip().lower()) \
                and feature.startswith("waterproof"):
            return _ip_answer(name, value.strip().upper())
    for key, value in specs.items():
        if isinstance(value, str) and value.strip():
            if _mentions(value, feature):
                return f"Yes, its {spec_label(key)} is {value}."
            if _stem(feature) in {_stem(v) for v in values.get(key, set())}:
                return f"No, the {name}'s {spec_label(key)} is {value}."
    return None


def feature_answer(product: Mapping[str, Any], feature: str, values: Mapping[str, set[str]]) -> str:
    """Whether the product has `feature` ("waterproof", "down", "hood"), from its data, or that the data is silent.

    `values` holds the text values each spec key takes across the catalog (so "down" is known to be a "fill")."""
    name = name_of(product)
    specs = product.get("specs") or {}
    answer = _spec_answer(name, feature, specs, values)
    if answer is not None:
        return answer
    if any(_stem(tag) == _stem(feature) for tag in product.get("tags") or []):
        return f"Yes, the {name} is listed as {feature}."
    if _mentions(str(product.get("name", "")), feature):
        return f"Yes, it's sold as the {name}."
    quote = _quote(product, feature)
    if quote is not None:
        lead = "The description says" if not _NEGATION.search(quote.lower()) else "Its description says"
        return f'{lead}: "{quote}."'
    return f"The {name}'s details don't say whether it's {feature}; {STAFF}."


def part_answer(product: Mapping[str, Any], part: str, feature: str, whole: str) -> str:
    """"Is the floor waterproof?": a description sentence about that part and feature, or what the data says of the
    whole product, said as that and not as an answer about the part."""
    text = " ".join(str(product.get(k) or "") for k in ("short_description", "description")).strip()
    for sentence in _SENTENCE.split(text):
        if _mentions(sentence, part) and _mentions(sentence, feature):
            return f'The description says: "{sentence.strip().rstrip(".")}."'
    name = name_of(product)
    silent = f"The {name}'s details don't say whether its {part} is {feature} specifically"
    if whole.startswith("Yes, "):
        said = whole.removeprefix("Yes, ").rstrip(".")
        return f"{silent}. What they do say: {said}; {STAFF}."
    return f"{silent}; {STAFF}."


def _matches(key: str, value: Any, want: str) -> bool:
    kind, _, word = want.partition(":")
    info = spec_key(key, value)
    return kind_of(info.unit) == kind and (not word or word in info.name)


def topic_answer(product: Mapping[str, Any], topic: str) -> str | None:
    """A measured fact (weight, warmth, brightness, capacity) from the specs, or None when no spec gives it."""
    wants = TOPIC_SPECS.get(topic)
    if not wants:
        return None
    specs = product.get("specs") or {}
    name = name_of(product)
    found = [(k, v) for want in wants for k, v in specs.items() if _matches(k, v, want) and number_in(v) is not None]
    if not found:
        return None
    key, value = found[0]
    if topic == "weight":
        return f"The {name} weighs {say_spec(key, value)}."
    if topic == "warmth":
        others = [f"{spec_label(k)} {say_spec(k, v)}" for k, v in found[1:]]
        return f"The {name} has a {spec_label(key)} of {say_spec(key, value)}" + (
            f" ({', '.join(others)})." if others else ".")
    if topic == "brightness":
        return f"The {name} puts out {say_spec(key, value)}."
    if topic == "runtime":
        return f"The {name}'s {spec_label(key)} is {say_spec(key, value)}."
    if spec_key(key).unit == "persons":
        people = int(number_in(value) or 0)
        return f"The {name} sleeps {number(people)} {plural(people, 'person', 'people')}."
    return f"The {name} has a {spec_label(key)} of {say_spec(key, value)}."


GENERIC_SPEC_WORDS = frozenset("time rating size level type max min total".split())


def named_spec_answer(product: Mapping[str, Any], question: str) -> str | None:
    """"How fast does it boil water?" -> its boil time: a spec whose name the question says, or None."""
    said = {_stem(w) for w in re.findall(r"[a-z]+", question.lower()) if len(w) >= 4}
    for key, value in (product.get("specs") or {}).items():
        parts = [p for p in spec_key(key, value).name.lower().split("_") if len(p) >= 4 and p not in GENERIC_SPEC_WORDS]
        if isinstance(value, bool) or not any(_stem(p) in said for p in parts):
            continue
        return f"The {name_of(product)}'s {spec_label(key)} is {say_spec(key, value)}."
    return None


def stock_answer(product: Mapping[str, Any]) -> str:
    name = name_of(product)
    stock = product.get("stock")
    if stock is None:
        return f"I can't see stock for the {name} here; {STAFF}."
    if stock <= 0:
        return f"Sorry, the {name} is out of stock right now."
    if stock <= 3:
        return f"Yes, the {name} is in stock, but only {'one is' if stock == 1 else f'{number(stock)} are'} left."
    return f"Yes, we have {stock} of the {name} in stock."


def passage_answer(name: str, passages: list[Mapping[str, Any]], question: str) -> str:
    """An answer quoted from `get_product_info` passages, or an honest "I don't know"."""
    for passage in passages:
        text = str(passage.get("text", "")).strip().rstrip(".")
        if not text:
            continue
        if passage.get("source") == "specs":
            key, _, value = text.partition(":")
            return f"The {name}'s {key.strip()} is {value.strip()}."
        where = "the manual" + (f" ({passage['section']})" if passage.get("section") else "") \
            if passage.get("source") == "manual" else "the description"
        return f'For the {name}, {where} says: "{text}."'
    return f"I don't know that from the {name}'s details; {STAFF}."
