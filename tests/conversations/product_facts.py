"""What a product's own data says: its figures (specs and copy), its main figure of a kind, and whether it has a
feature (yes, no, or silent)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from tests.conversations.quantities import (
    NUMBER_WORDS,
    QUANTITY,
    UNITS,
    WORD_QUANTITY,
    Quantity,
    in_base_unit,
    key_quantities,
    to_float,
)


class ProductData(Protocol):
    """What the checks read of a product (app.catalog.schema.Product has it)."""

    id: str
    name: str
    brand: str
    price: float
    stock: int | None
    short_description: str
    description: str
    specs: dict[str, Any]
    tags: list[str]


def spec_quantities(product: ProductData, include_copy: bool = True) -> list[Quantity]:
    """Every figure with a unit the product's data states: its specs, and (`include_copy`) figures in its own copy."""
    found = [q for key, value in product.specs.items() for q in key_quantities(key, value)]
    for text in (product.short_description, product.description, product.name) if include_copy else ():
        for number, word in QUANTITY.findall(text or ""):
            found.append(Quantity(to_float(number), *UNITS[word.lower()]))
        for word, unit_word in WORD_QUANTITY.findall(text or ""):
            found.append(Quantity(NUMBER_WORDS[word.lower()], *UNITS[unit_word.lower()]))
    return found


PREFERRED_KEY = {"mass": "weight", "temp": "comfort"}


def figure(product: ProductData, kind: str) -> float | None:
    """The product's main figure of a kind, in the kind's base unit: its price, its weight (not its maximum load),
    its comfort rating, its brightness..."""
    if kind == "price":
        return product.price
    preferred = PREFERRED_KEY.get(kind, "")
    candidates: list[tuple[bool, float]] = []
    for key, value in product.specs.items():
        for q in key_quantities(key, value):
            base, k = in_base_unit(q)
            if k == kind:
                candidates.append((preferred not in key.lower(), base))
    return min(candidates)[1] if candidates else None


_NEGATION = re.compile(r"\b(?:not|isn't|aren't|no|non|without|doesn't|don't|never|lacks?)\b[\s-]+(?:\w+[\s-]+)?$")


def _stem(feature: str) -> str:
    word = feature.lower().replace("-", " ").replace("_", " ").strip()
    return {"hooded": "hood", "foldable": "fold", "folding": "fold", "folds": "fold", "waterproofed": "waterproof",
            "water resistant": "water resistant", "insulation": "insulat", "insulated": "insulat",
            "rechargeable": "recharg", "usb rechargeable": "recharg", "reflective": "reflect",
            "lightweight": "lightweight", "packable": "packab", "padded": "pad"}.get(word, word)


def _ip_digit(product: ProductData) -> int | None:
    for value in [*product.specs.values(), product.description, product.short_description]:
        if isinstance(value, str):
            m = re.search(r"\bIP[X\d](\d)\b", value, re.I)
            if m:
                return int(m.group(1))
    return None


def text_of(product: ProductData) -> str:
    text = " ".join([product.name, product.short_description or "", product.description or ""])
    return text.lower().replace("-", " ")


def feature_support(product: ProductData, feature: str,
                    choices: Mapping[str, set[str]] | None = None) -> bool | None:
    """True when the data says the product has the feature, False when it says it does not, None when it is silent.

    `choices` maps a spec value word to the spec keys it is a value of in this catalog ("down" -> {"fill"}): a product
    whose `fill` is "synthetic" is then known not to be "down"."""
    stem = _stem(feature)
    key_stem = stem.replace(" ", "_")
    says_yes = says_no = False
    for key, value in product.specs.items():
        key_l = key.lower()
        if isinstance(value, bool) and (key_stem in key_l or key_l.startswith(key_stem.rstrip("s"))):
            says_yes |= value
            says_no |= not value
        elif isinstance(value, str) and stem in value.lower().replace("-", " "):
            says_yes = True
        elif isinstance(value, str) and choices and key in choices.get(stem, set()):
            says_no = True  # the key holds another of its values
    if stem in ("waterproof", "water resistant", "water resistance"):
        ip = _ip_digit(product)
        rating = next((v for k, v in product.specs.items() if "waterproof_rating" in k.lower()), None)
        if (ip is not None and ip >= 7) or (isinstance(rating, int | float) and rating > 0 and stem == "waterproof"):
            says_yes = True
        if stem != "waterproof" and ip is not None and ip >= 4:
            says_yes = True
        if stem == "waterproof" and ip is not None and ip <= 4 and not says_yes:
            says_no = True
    if any(stem in tag.lower().replace("-", " ") for tag in product.tags):
        says_yes = True
    text = text_of(product)
    for m in re.finditer(rf"\b{re.escape(stem)}\w*", text):
        before = text[max(0, m.start() - 24):m.start()]
        if _NEGATION.search(before) or m.group(0).endswith("less"):  # "not waterproof", "hoodless"
            says_no = True
        else:
            says_yes = True
    if says_yes and says_no:
        return None  # the data contradicts itself; no claim either way is safe
    return True if says_yes else False if says_no else None


def display(product: ProductData) -> str:
    if not product.brand or product.name.lower().startswith(product.brand.lower() + " "):
        return product.name
    return f"{product.brand} {product.name}"


