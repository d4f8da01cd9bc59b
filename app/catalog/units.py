"""Units of product specs, read from the spec's key name ("weight_kg", "comfort_rating_c", "lumens") or its value
("1.2 kg"), and conversion between units of one kind (kg/g/lb/oz, °C/°F, L/mL, lumens, people, cm/mm/m, h/min).

A spec filter said in one unit ("under 2 pounds") is compared with specs stored in another ("weight_g_pair": 1180)
by converting the shopper's value into each spec's own unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# unit -> (kind, factor to the kind's base unit); temperature is converted separately (affine)
UNITS: dict[str, tuple[str, float]] = {
    "kg": ("mass", 1.0), "g": ("mass", 0.001), "lb": ("mass", 0.45359237), "oz": ("mass", 0.028349523),
    "c": ("temperature", 1.0), "f": ("temperature", 1.0),
    "l": ("volume", 1.0), "ml": ("volume", 0.001),
    "lm": ("light", 1.0),
    "persons": ("persons", 1.0),
    "m": ("length", 1.0), "cm": ("length", 0.01), "mm": ("length", 0.001), "in": ("length", 0.0254),
    "h": ("time", 60.0), "min": ("time", 1.0),
    "w": ("power", 1.0),
    "psi": ("pressure", 1.0), "bar": ("pressure", 14.5038), "km": ("length", 1000.0),
}
# how units are written in key names and values, and how shoppers (or models) name them
ALIASES: dict[str, str] = {
    "kg": "kg", "kgs": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg",
    "g": "g", "gram": "g", "grams": "g", "gr": "g",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb",
    "oz": "oz", "ounce": "oz", "ounces": "oz",
    "c": "c", "°c": "c", "celsius": "c", "degc": "c", "f": "f", "°f": "f", "fahrenheit": "f", "degf": "f",
    "l": "l", "liter": "l", "liters": "l", "litre": "l", "litres": "l", "ltr": "l",
    "ml": "ml", "milliliter": "ml", "milliliters": "ml", "millilitre": "ml", "millilitres": "ml",
    "lm": "lm", "lumen": "lm", "lumens": "lm",
    "persons": "persons", "person": "persons", "people": "persons", "p": "persons",
    "m": "m", "meter": "m", "meters": "m", "metre": "m", "metres": "m", "cm": "cm", "mm": "mm",
    "in": "in", "inch": "in", "inches": "in",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "min": "min", "mins": "min", "minutes": "min",
    "w": "w", "watt": "w", "watts": "w",
    "psi": "psi", "bar": "bar", "km": "km", "kilometres": "km", "kilometers": "km", "miles": "km",
}
SPOKEN = {"kg": "kg", "g": "g", "lb": "lb", "oz": "oz", "c": "°C", "f": "°F", "l": "litres", "ml": "ml",
          "lm": "lumens", "persons": "people", "m": "m", "cm": "cm", "mm": "mm", "in": "in", "h": "h", "min": "min",
          "w": "W"}
_VALUE_UNIT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([a-z°]+)\b", re.I)


def suffixes(kind: str | None) -> tuple[tuple[str, float], ...]:
    """How values of a kind may end ("kg", "g", ...) with each unit's factor, longest first (for text specs)."""
    if kind is None or kind == "temperature":
        return ()
    ends = [(alias, UNITS[unit][1]) for alias, unit in ALIASES.items() if UNITS.get(unit, ("", 0))[0] == kind
            and alias.isalpha()]
    return tuple(sorted(ends, key=lambda e: len(e[0]), reverse=True))


def unit_of(word: str) -> str | None:
    """The canonical unit for a written unit ("Kilos" -> "kg"), or None."""
    return ALIASES.get(word.strip().lower())


def kind_of(unit: str | None) -> str | None:
    return UNITS[unit][0] if unit in UNITS else None


@dataclass(frozen=True)
class SpecKey:
    """A spec key of the catalog: its name without the unit ("weight", "comfort_rating") and its unit."""

    key: str
    name: str
    unit: str | None

    @property
    def kind(self) -> str | None:
        return kind_of(self.unit)

    @property
    def words(self) -> str:
        return self.name.replace("_", " ")


def spec_key(key: str, sample: Any = None) -> SpecKey:
    """Read a key's unit from its name ("weight_g_pair" -> g, "lumens" -> lm) or else from a value ("1.2 kg")."""
    parts = key.lower().split("_")
    for i, part in enumerate(parts):
        unit = ALIASES.get(part)
        rest = parts[i + 1:]
        if unit is not None and rest not in ([], ["pair"]):
            continue  # "breathability_g_m2": a compound unit this table does not know
        if unit is not None and (i > 0 or len(parts) == 1 or unit in ("lm", "persons")):
            name = "_".join(p for j, p in enumerate(parts) if j != i) or key.lower()
            if unit == "persons" and name == key.lower():
                name = "capacity"
            return SpecKey(key, name, unit)
    if isinstance(sample, str):
        m = _VALUE_UNIT.match(sample)
        if m and (unit := ALIASES.get(m.group(2).lower())) is not None:
            return SpecKey(key, key.lower(), unit)
    return SpecKey(key, key.lower(), None)


def convert(value: float, from_unit: str | None, to_unit: str | None) -> float:
    """`value` in `from_unit` expressed in `to_unit` (the same value when either is unknown or they differ in kind)."""
    if not from_unit or not to_unit or from_unit == to_unit or kind_of(from_unit) != kind_of(to_unit):
        return value
    if from_unit == "f" and to_unit == "c":
        return (value - 32) * 5 / 9
    if from_unit == "c" and to_unit == "f":
        return value * 9 / 5 + 32
    return value * UNITS[from_unit][1] / UNITS[to_unit][1]


def number_in(value: Any) -> float | None:
    """The number a spec value states (3, 1.2, "1.2 kg", "-5 °C"); None for text, booleans and ranges."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[a-z°/ ]*", value.lower())
        return float(m.group(1)) if m else None
    return None


def say_value(value: float, unit: str | None) -> str:
    """A number and its unit as spoken ("1.2 kg", "-5°C", "300 lumens")."""
    text = f"{value:.1f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))
    if unit is None:
        return text
    spoken = SPOKEN.get(unit, unit)
    return f"{text}{spoken}" if spoken.startswith("°") else f"{text} {spoken}"
