"""Figures with units as shoppers, replies and product data write them: "300 lumens", "-5 °C", "1.2 kg", "a hundred
twenty dollars", and their conversion within a kind (kg/g/lb/oz, °C/°F, l/ml, mm/cm/m/inch, h/min, ...).

The suite keeps its own units table, independent of `app.catalog.units`, so a conversion mistake in Aisle is not
repeated by the check that should catch it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# -- units --------------------------------------------------------------------------------------------------------
# unit word -> (kind, factor to the kind's base unit); temperatures are converted separately
UNITS: dict[str, tuple[str, float]] = {}
for _kind, _factor, _words in (
    ("mass", 1.0, "g gram grams gr"), ("mass", 1000.0, "kg kgs kilo kilos kilogram kilograms"),
    ("mass", 453.59237, "lb lbs pound pounds"), ("mass", 28.349523, "oz ounce ounces"),
    ("temp_c", 1.0, "°c ºc celsius c"), ("temp_f", 1.0, "°f ºf fahrenheit f"), ("temp", 1.0, "degrees degree °"),
    ("volume", 1.0, "l litre litres liter liters ltr"), ("volume", 0.001, "ml millilitre millilitres milliliters"),
    ("light", 1.0, "lumens lumen lm"),
    ("length", 1.0, "mm millimetres millimeters"), ("length", 10.0, "cm centimetres centimeters"),
    ("length", 1000.0, "m metre metres meter meters"), ("length", 25.4, "inch inches"),
    ("distance", 1.0, "km kilometres kilometers"), ("distance", 1.609344, "miles mile"),
    ("time", 60.0, "h hr hrs hour hours"), ("time", 1.0, "min mins minute minutes"),
    ("power", 1.0, "w watt watts"), ("energy", 1.0, "wh"), ("charge", 1.0, "mah"),
    ("pressure", 1.0, "psi"), ("pressure", 14.5038, "bar"),
    ("breathability", 1.0, "g/m2 g/m² g/m²/24h g/m2/24h"),
    ("persons", 1.0, "person persons people"), ("seasons", 1.0, "season seasons"),
    ("speeds", 1.0, "speed speeds gears"),
):
    for _word in _words.split():
        UNITS[_word] = (_kind, _factor)

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a couple": 2, "a dozen": 12,
}
_NUM = r"(?:minus |-|−)?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?:minus |-|−)?\d+(?:\.\d+)?"
WORD_NUM = "|".join(sorted((w for w in NUMBER_WORDS if " " not in w), key=len, reverse=True))
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
QUANTITY = re.compile(
    rf"(?<![\w.$])({_NUM})\s?(?:-\s?)?({_UNIT_ALT})(?![\w²])", re.I)
WORD_QUANTITY = re.compile(rf"\b({WORD_NUM})[ -](person|persons|people|season|seasons|speed)\b", re.I)
def to_float(text: str) -> float:
    text = text.strip().lower().replace(",", "").replace("−", "-")
    if text.startswith("minus "):
        return -float(text[6:])
    return float(text)


def decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def spoken_numbers(text: str) -> set[float]:
    """Every number a shopper said: digits ("80", "1,249") and words ("eighty", "a hundred twenty", "minus five")."""
    found = {to_float(m.group(0)) for m in re.finditer(_NUM, text)}
    words = re.findall(r"[a-z]+", text.lower())
    value: float | None = None
    negative = False
    for i, word in enumerate(words):
        if word == "minus":
            negative = True
            continue
        if word in NUMBER_WORDS:
            value = (value or 0) + NUMBER_WORDS[word]
        elif word == "hundred":
            value = (value or 1) * 100
        elif word == "thousand":
            value = (value or 1) * 1000
        elif word in ("and", "a") and i + 1 < len(words) and (
                (value is not None and words[i + 1] in NUMBER_WORDS) or words[i + 1] in ("hundred", "thousand")):
            continue  # "a hundred", "one hundred and twenty"
        else:
            if value is not None:
                found.add(-value if negative else value)
            value, negative = None, False
            continue
    if value is not None:
        found.add(-value if negative else value)
    return found


@dataclass(frozen=True)
class Quantity:
    value: float
    kind: str
    factor: float = 1.0

    def base(self) -> float:
        return self.value * self.factor


def key_unit(key: str) -> tuple[str, float] | None:
    """The unit a spec key names ("weight_g_pair" -> g, "comfort_rating_c" -> °C, "lumens" -> lumens)."""
    parts = key.lower().split("_")
    if "_".join(parts[-2:]) == "g_m2":
        return UNITS["g/m2"]
    if parts[-1] == "in":
        return UNITS["inch"]
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        if (i == 0 and len(parts) > 1) or part in ("degree", "degrees", "°"):
            continue  # the first word names the spec ("min_temp"), it is not its unit
        if part in ("c", "f"):
            return ("temp_c", 1.0) if part == "c" else ("temp_f", 1.0)
        if part in UNITS:
            return UNITS[part]
    return None


def key_quantities(key: str, value: Any) -> list[Quantity]:
    """The figures one spec states: a number (unit from the key), "1.2 kg", a range "105-135" or "45 x 14"."""
    unit = key_unit(key)
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [Quantity(float(value), *unit)] if unit else []
    if not isinstance(value, str):
        return []
    found = [Quantity(to_float(number), *UNITS[word.lower()]) for number, word in QUANTITY.findall(value)]
    if unit and not found:
        found = [Quantity(float(number), *unit) for number in re.findall(r"-?\d+(?:\.\d+)?", value)]
    return found


def parse_quantity(text: str) -> Quantity | None:
    """A figure with its unit as written in a dialogue ("300 lumens", "-5 °C", "2 kg"), or None."""
    m = QUANTITY.search(text) or WORD_QUANTITY.search(text)
    if m is None:
        return None
    number = m.group(1)
    value = NUMBER_WORDS[number.lower()] if number.lower() in NUMBER_WORDS else to_float(number)
    return Quantity(value, *UNITS[m.group(2).lower()])


def stated_quantities(text: str) -> list[Quantity]:
    """Every figure with a unit in a text."""
    found = [Quantity(to_float(n), *UNITS[u.lower()]) for n, u in QUANTITY.findall(text)]
    return found + [Quantity(NUMBER_WORDS[n.lower()], *UNITS[u.lower()]) for n, u in WORD_QUANTITY.findall(text)]


def in_base_unit(quantity: Quantity) -> tuple[float, str]:
    """The quantity in its kind's base unit (grams, mm, °C, litres...), and the kind (°C and °F are one kind)."""
    if quantity.kind == "temp_f":
        return (quantity.value - 32) * 5 / 9, "temp"
    if quantity.kind in ("temp", "temp_c"):
        return quantity.value, "temp"
    return quantity.value * quantity.factor, quantity.kind


def same_quantity(stated: Quantity, places: int, known: Quantity) -> bool:
    """Whether a figure as stated (with its precision) is the known figure, in any unit of the same kind."""
    if stated.kind.startswith("temp") and known.kind.startswith("temp"):
        known_c = known.value if known.kind != "temp_f" else (known.value - 32) * 5 / 9
        for kind in (("temp_c", "temp_f") if stated.kind == "temp" else (stated.kind,)):
            target = known_c if kind == "temp_c" else known_c * 9 / 5 + 32
            if abs(stated.value - target) <= max(0.5 * 10 ** -places, 0.05) + 1e-9:
                return True
        return False
    if stated.kind != known.kind:
        return False
    target = known.base() / stated.factor  # the known figure in the stated unit
    tolerance = max(0.5 * 10 ** -places, abs(target) * 0.015) + 1e-9
    return abs(stated.value - target) <= tolerance


