"""Words for products and their specs, derived from the data itself: a product's name (never its brand twice), a
spec's label and value with its unit (read from the key name, "weight_kg", or the value, "1.2 kg"), counts, money.

Nothing here knows the demo store: an imported catalog with other spec keys is spoken about the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.catalog.units import SPOKEN, number_in, say_value, spec_key

SMALL_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                 "twelve"]
_LABELS = {"ip": "IP", "mm": "", "cm": "", "kg": "", "g": "", "c": "", "l": "", "m": "", "h": "", "w": "",
           "min": "", "pair": "", "persons": "", "lumens": "brightness", "m2": ""}


def money(value: float) -> str:
    return f"${value:,.2f}".replace(".00", "")


def number(value: int) -> str:
    """Small counts as words ("three tents"), larger ones as digits."""
    return SMALL_NUMBERS[value] if 0 <= value < len(SMALL_NUMBERS) else str(value)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return singular if count == 1 else (plural_form or singular + "s")


def name_of(product: Mapping[str, Any]) -> str:
    """"Brand Name", unless the name already starts with the brand ("TrekReady Boots", not "TrekReady TrekReady")."""
    brand = str(product.get("brand") or "").strip()
    name = str(product.get("name") or "").strip()
    if not brand or name.lower().startswith(brand.lower()):
        return name
    return f"{brand} {name}"


def join_words(items: list[str], last: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return items[0] if items else ""
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def spec_label(key: str) -> str:
    """A spec key as words, without its unit: "weight_g_pair" -> "weight", "comfort_rating_c" -> "comfort rating"."""
    words = [_LABELS.get(w, w) for w in key.lower().split("_")]
    label = " ".join(w for w in words if w)
    return label or key.replace("_", " ")


def say_spec(key: str, value: Any) -> str:
    """A spec's value with its unit: ("weight_g_pair", 1180) -> "1180 g a pair", ("lumens", 300) -> "300 lumens"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    info = spec_key(key, value)
    amount = number_in(value)
    if amount is None or (isinstance(value, str) and not re.fullmatch(r"\s*-?[\d.]+\s*", value)
                          and info.unit is None):
        return str(value)
    text = say_value(amount, info.unit) if info.unit else str(value)
    if key.lower().endswith("_pair"):
        text += " a pair"
    return text


def spec_highlights(product: Mapping[str, Any], limit: int = 3) -> str:
    """The product's first specs that carry a unit or a yes, spoken ("1.2 kg, sleeps 2, waterproof")."""
    specs = product.get("specs") or {}
    parts: list[str] = []
    for key, value in specs.items():
        if len(parts) >= limit:
            break
        if value in (None, "", "none") or value is False:
            continue
        info = spec_key(key, value)
        if value is True:
            parts.append(spec_label(key))
        elif info.unit == "persons":
            parts.append(f"sleeps {say_value(number_in(value) or 0, None)}")
        elif info.unit in SPOKEN and number_in(value) is not None:
            label = spec_label(key)
            said = say_spec(key, value)
            parts.append(said if label in ("brightness", "capacity", "") else f"{label} {said}")
    return ", ".join(parts)


def stock_phrase(product: Mapping[str, Any]) -> str:
    """How many are left, or nothing when the catalog does not know its stock."""
    stock = product.get("stock")
    if stock is None:
        return ""
    if stock <= 0:
        return "it's out of stock right now"
    if stock <= 3:
        return f"only {number(int(stock))} left"
    return f"{stock} in stock"


def sentences(*parts: str) -> str:
    """Join sentence parts, dropping empty ones (never ". ." or a doubled space)."""
    kept = [p.strip() for p in parts if p and p.strip(" .")]
    text = " ".join(kept)
    text = re.sub(r"\s+([.,?!])", r"\1", text)
    text = re.sub(r"\.(\s*\.)+", ".", text)
    return re.sub(r"\s{2,}", " ", text).strip()
