"""A product's colour and sizes, answered from its data only: a colour spec (or the colour in its name), a sizes
spec ("US 7-14", "S-M", "54 cm"). When the data does not give them, the answer says so; it never guesses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agent.offline.facts import STAFF
from agent.offline.wording import name_of, spec_label
from app.catalog.sizes import comes_in, normal_size, size_keys
from app.tools.search_terms import COLOURS


def colours_in(words: list[str]) -> list[str]:
    """The colour words among features ("green", "forest green")."""
    return [w for w in words if any(part in COLOURS for part in w.split())]


def colour_of(product: Mapping[str, Any]) -> str | None:
    """The product's colour as its data gives it: a colour spec, or a colour word in its name or tags."""
    specs = product.get("specs") or {}
    for key, value in specs.items():
        if re.fullmatch(r"colou?rs?|colou?r_?\w*", key.lower()) and isinstance(value, str) and value.strip():
            return value.strip()
    named = [w for w in re.findall(r"[a-z]+", str(product.get("name", "")).lower()) if w in COLOURS]
    tagged = [str(t).lower() for t in product.get("tags") or [] if str(t).lower() in COLOURS]
    return " ".join(named or tagged) or None


def colour_answer(product: Mapping[str, Any], asked: list[str]) -> str:
    """"What colour is it?", "do you have it in blue?": the colour its data gives, or that it gives none."""
    name = name_of(product)
    colour = colour_of(product)
    if colour is None:
        return f"The {name}'s details don't list its colour; {STAFF}."
    wanted = [c for c in asked if c not in colour.lower()]
    if not asked or not wanted:
        return f"Yes, the {name} is {colour}." if asked else f"The {name} is {colour}."
    return f"The {name} is listed in {colour}; its details don't list it in {' or '.join(wanted)}."


def size_answer(product: Mapping[str, Any], said: str | None) -> str:
    """"Does it come in a 10?", "what sizes?": the sizes its data lists, and whether the size said is among them."""
    name = name_of(product)
    specs = product.get("specs") or {}
    keys = size_keys(specs)
    if not keys:
        return f"The {name}'s details don't list sizes; {STAFF}."
    listed = "; ".join(f"{spec_label(k)} {specs[k]}" for k in keys)
    if said is None:
        return f"The {name} is listed with {listed}."
    shown = said.upper() if normal_size(said) in ("xs", "s", "m", "l", "xl", "xxl") and len(said) <= 3 else said
    verdict = comes_in(specs, said)
    if verdict is True:
        return f"Yes, the {name} is listed with {listed}, which includes size {shown}."
    if verdict is False:
        return f"The {name} is listed with {listed}, so size {shown} isn't among them."
    return f"The {name} is listed with {listed}; its details don't say more about size {shown}, so {STAFF}."
