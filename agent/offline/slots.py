"""Numbers with units, features, order and availability in a shopper's words, as search constraints.

"at least 300 lumens", "rated to minus 5", "warm down to 20 F", "a 50 litre pack", "under 2 kilos", "room for a
family of five", "waterproof", "hooded", "lowest price at the top", "just what you have on the shelf". A number
with a unit is a spec, never a price. Text arrives normalised (lowercase, number words as digits).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.catalog.units import ALIASES, kind_of
from app.tools.search_terms import COLOURS

# general retail language for features and materials (each used only when the catalog's own words contain it)
FEATURE_ADJECTIVES = frozenset(
    "waterproof water-resistant windproof insulated ultralight lightweight hooded folding foldable packable "
    "rechargeable breathable padded collapsible down synthetic merino leather titanium carbon aluminium aluminum "
    "stainless canvas cotton wool fleece nylon polyester reflective".split()
)
_NUM = r"(-?\d+(?:\.\d+)?)"
UNIT_WORDS = "|".join(sorted((re.escape(a) for a in ALIASES if len(a) > 1 or a in ("l", "g", "c", "f")),
                              key=len, reverse=True))
_LESS = r"(?:under|below|less than|lighter than|no more than|at most|max(?:imum)?|up to|not over|within)"
_MORE = r"(?:over|above|more than|at least|min(?:imum)?|no less than|upwards of|bigger than|brighter than)"
_FIRST = r"( ones?| options?)? (first|at the top|on top|up top)"
SORTS = [
    (rf"\b(lowest|cheapest|least expensive|lower)( price[ds]?)?{_FIRST}|\bprices? (from )?low to high|\bsort(ed)? "
     r"by price|\border(ed)? by price", "price_asc"),
    (rf"\b(highest|most expensive|priciest|pricier|dearest)( price[ds]?)?{_FIRST}|\bprices? (from )?high to low",
     "price_desc"),
    (rf"\b(lightest|lighter){_FIRST}|\bsort(ed)? by weight", "weight_asc"),
    (rf"\b(heaviest|heavier){_FIRST}", "weight_desc"),
    (rf"\b(brightest|brighter){_FIRST}|\bsort(ed)? by (brightness|lumens)", "lumens_desc"),
    (rf"\b(warmest|warmer){_FIRST}", "temperature_asc"),
    (rf"\b(biggest|bigger|largest|roomiest){_FIRST}", "capacity_desc"),
]
_LETTER_SIZES = r"xxs|xs|s|m|l|xl|xxl|extra small|small|medium|extra large|large"
SIZE_SAID = re.compile(rf"\bsize (\d+(?:\.5)?|{_LETTER_SIZES})\b|\bin (?:a |an )?(extra small|small|medium|extra large|"
                       r"large|xs|xl|xxl)\b")
IN_STOCK = re.compile(r"\b(in stock|on the shelf|on the shelves|available (now|today)|you (actually )?have (now|"
                      r"today|right now|in the store)|what you have|can take home|not sold out|in store now)\b")


@dataclass(frozen=True)
class SpecSlot:
    """One spec constraint: what it measures ("weight", "temperature", "lumens", "persons", "capacity"), a
    comparison and a value in `unit`."""

    key: str
    op: str
    value: float
    unit: str | None = None

    def as_argument(self) -> dict[str, object]:
        arg: dict[str, object] = {"key": self.key, "op": self.op, "value": self.value}
        if self.unit:
            arg["unit"] = self.unit
        return arg


@dataclass
class Slots:
    specs: list[SpecSlot] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    sort: str | None = None
    in_stock_only: bool = False
    consumed: set[str] = field(default_factory=set)  # numbers and words that were part of a spec, not a price
    phrase_words: set[str] = field(default_factory=set)  # words that said a feature ("packs down small")
    size: str | None = None  # "size 10", "in a medium": a shoe, clothing or frame size, as said
    lighter_half: bool = False  # "only the lightweight ones": the lighter half of the list on screen

    @property
    def any(self) -> bool:
        return bool(self.specs or self.features or self.sort or self.in_stock_only or self.size is not None)


def _measure(unit: str) -> str:
    return {"mass": "weight", "temperature": "temperature", "light": "lumens", "persons": "persons",
            "volume": "capacity", "length": "length", "time": "runtime", "power": "power",
            "pressure": "pressure"}.get(kind_of(unit) or "",
                                                                                                 unit)


def _op_before(text: str, start: int, default: str) -> str:
    before = text[max(0, start - 24):start]
    if re.search(_LESS + r"\s*$", before):
        return "<"
    if re.search(_MORE + r"\s*$", before):
        return ">="
    return default


ADJECTIVE_SPECS = {"wide": "width", "long": "length", "tall": "height", "high": "height", "deep": "depth"}


def _named_after(text: str, end: int, names: set[str]) -> str | None:
    """"35 mm wide" -> "width", "90 km of range" -> "range": the spec a number is said to be."""
    m = re.match(r"\s+(?:of\s+)?([a-z]+)", text[end:])
    if m is None:
        return None
    word = m.group(1)
    if word in ADJECTIVE_SPECS:
        return ADJECTIVE_SPECS[word]
    return word if word in names else None


def _of_kind(name: str | None, kind: str | None, names: Mapping[str, str | None]) -> str | None:
    """The spec `name` refers to with a number of this kind: itself, or "frame" -> "frame_size" (58 cm)."""
    if name is None:
        return None
    if names.get(name, kind) == kind:
        return name
    return next((n for n, k in names.items() if k == kind and n.startswith(name + "_")), None)


def _named_in(text: str, kind: str | None, names: Mapping[str, str | None]) -> str | None:
    """"boils in under 3 minutes": the one spec of that kind whose name the shopper used ("boil_time")."""
    said = [n for n, k in names.items() if k == kind and any(
        len(part) >= 4 and re.search(rf"\b{re.escape(part[:4])}", text) for part in n.split("_"))]
    return said[0] if len(said) == 1 else None


def _unit_specs(text: str, slots: Slots, names: Mapping[str, str | None]) -> None:
    for m in re.finditer(rf"{_NUM}\s?({UNIT_WORDS})\b(?:\+)?", text):
        unit = ALIASES[m.group(2)]
        named = _of_kind(_named_after(text, m.end(), set(names)), kind_of(unit), names) \
            or _named_in(text, kind_of(unit), names)
        value = float(m.group(1))
        kind = kind_of(unit)
        if kind == "persons":
            continue  # people counts are read below, with their own phrasings
        if kind == "temperature":
            continue
        if kind == "light":
            op = _op_before(text, m.start(), ">=")
        elif kind == "volume":
            op = _op_before(text, m.start(), "~")
        elif kind == "mass":
            op = _op_before(text, m.start(), "<=")
        else:
            op = _op_before(text, m.start(), ">=")
        measure = named or _measure(unit)
        if op == "~":  # "a 50 litre pack": about that size
            slots.specs += [SpecSlot(measure, ">=", round(value * 0.85, 2), unit),
                            SpecSlot(measure, "<=", round(value * 1.15, 2), unit)]
        else:
            slots.specs.append(SpecSlot(measure, op, value, unit))
        slots.consumed.add(m.group(1))


def _temperature(text: str, slots: Slots) -> None:
    m = re.search(rf"\b(?:rated (?:to|for|at|down to)|warm (?:down )?to|comfortable (?:down )?to|comfort(?: rating)? "
                  rf"(?:of|to)|good (?:down )?to|down to|for)\s(minus |-)?{_NUM}\s?(?:°|degrees?|deg)?\s?"
                  rf"(c|f|celsius|fahrenheit)?\b", text)
    if m is None:
        m = re.search(rf"\b(minus |-)?{_NUM}\s?(?:°|degrees?|deg)\s?(c|f|celsius|fahrenheit)?\b", text)
    if m is None:
        return
    said_unit = m.group(3)
    if m.group(0).startswith("for") and not (said_unit or "degree" in m.group(0) or m.group(1)):
        return  # "for 2" is people or dollars
    value = float(m.group(2))
    if m.group(1) and value > 0:
        value = -value
    unit = ALIASES.get(said_unit or "c", "c")
    slots.specs.append(SpecSlot("temperature", "<=", value, unit))
    slots.consumed.add(m.group(2))


def _persons(text: str, slots: Slots) -> None:
    m = re.search(r"\b(?:family of|room for|sleeps?|fits?|for a group of|group of|for)\s(\d+)\s?(?:people|persons?|"
                  r"of us|adults|kids)?\b(?!\s*(?:dollars|bucks|\$|usd|k\b))", text) \
        or re.search(r"\b(\d+)[ -]?(?:person|people|persons|man|p)\b", text)
    if m is None:
        return
    count = int(m.group(1))
    explicit = re.search(r"family|room|sleep|fit|group|people|person|persons|of us|adults|kids|man\b", m.group(0))
    if 1 <= count <= 12 and (explicit or re.search(r"\btents?\b", text)):
        slots.specs.append(SpecSlot("persons", ">=", float(count), "persons"))
        slots.consumed.add(m.group(1))


# everyday phrasings of a feature -> the feature word (used when the catalog's own words have that feature)
PHRASED = [
    (r"\bpacks? (down |away )?(small|tiny|into)\b|\bpacks? away\b", "packable"),
    (r"\bfolds? (up|flat|down)\b", "folding"),
    (r"\bkeeps? (you |me )?dry\b|\brain ?proof\b", "waterproof"),
    (r"\b(with|has|have) a hood\b", "hood"),
]
NOT_A_FEATURE = re.compile(r"\bdown to\b|\b(packs?|folds?|rolls?|zips?|comes?) down\b|\bdown (small|low|to)\b|"
                           # a colour of what it does, not of the product: "a red mode", "white gas", "green light"
                           rf"\b({'|'.join(sorted(COLOURS))}) (modes?|light|lights|led|leds|beam|setting|gas|flame)\b")


def _features(text: str, feature_words: set[str], slots: Slots, flag_words: set[str], value_words: set[str]) -> None:
    stems = _stems(feature_words)
    for pattern, feature in PHRASED:
        m = re.search(pattern, text)
        if m and _stem(feature) in stems and feature not in slots.features:
            slots.features.append(feature)
            slots.phrase_words |= set(m.group(0).split())
    for flag in sorted(flag_words, key=len, reverse=True):  # yes/no specs named in words: "a rain cover"
        if re.search(rf"\b{re.escape(flag)}s?\b", text) and flag not in slots.features:
            slots.features.append(flag)
            slots.phrase_words |= set(flag.split())
    for word in re.findall(r"[a-z][a-z-]+", NOT_A_FEATURE.sub(" ", text)):
        if word in COLOURS or word in value_words or word in FEATURE_ADJECTIVES:
            if word not in slots.features:
                slots.features.append(word)
    if re.search(r"\b(non-?waterproof|not waterproof)\b", text) and "waterproof" in slots.features:
        slots.features.remove("waterproof")


_VALUE_PATTERNS: dict[int, tuple[Mapping[str, set[str]], list[tuple[str, re.Pattern[str]]]]] = {}


def _value_patterns(spec_values: Mapping[str, set[str]]) -> list[tuple[str, re.Pattern[str]]]:
    """Each varying text value of a spec, with the pattern of it said in words (built once per catalog)."""
    cached = _VALUE_PATTERNS.get(id(spec_values))
    if cached is not None and cached[0] is spec_values:
        return cached[1]
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for key, values in spec_values.items():
        if len(values) < 2:
            continue
        name = re.escape(key.lower().replace("_", " "))
        for value in sorted(values, key=len, reverse=True):
            parts = re.findall(r"[a-z]+", value)
            if not parts or re.search(r"\d", value):
                continue
            said = r"[ -]?".join(re.escape(p) for p in parts)
            if len(parts) > 1 and all(len(p) >= 3 for p in parts):
                patterns.append((value, re.compile(rf"\b{said}\b")))
            else:  # a short value counts next to its spec's name: "a zip closure", "closure: zip"
                patterns.append((value, re.compile(rf"\b{said} {name}\b|\b{name}:? (?:is )?(?:an? )?{said}\b")))
    if len(_VALUE_PATTERNS) >= 4:  # a few catalogs at a time (a reloaded catalog has new values)
        _VALUE_PATTERNS.clear()
    _VALUE_PATTERNS[id(spec_values)] = (spec_values, patterns)
    return patterns


def _values_said(text: str, spec_values: Mapping[str, set[str]], slots: Slots) -> None:
    """A spec's text value said in words: "a roll top bag" (closure "roll-top"), "forest green", or a short value
    next to its spec's name ("a zip closure", "closure: zip")."""
    for value, pattern in _value_patterns(spec_values):
        if value in slots.features:
            continue
        m = pattern.search(text)
        if m:
            slots.features.append(value)
            slots.phrase_words |= set(m.group(0).replace("-", " ").split())


_STEMS: dict[int, tuple[set[str], set[str]]] = {}


def _stems(feature_words: set[str]) -> set[str]:
    """The stems of a catalog's feature words (built once per catalog's word set)."""
    cached = _STEMS.get(id(feature_words))
    if cached is not None and cached[0] is feature_words:
        return cached[1]
    if len(_STEMS) >= 4:
        _STEMS.clear()
    stems = {_stem(w) for w in feature_words}
    _STEMS[id(feature_words)] = (feature_words, stems)
    return stems


def _stem(word: str) -> str:
    word = word.replace("-", "").replace(" ", "")
    for suffix in ("ed", "ing", "able", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _counted(text: str, count_names: set[str], slots: Slots) -> None:
    """"a 4 season tent": a number before a spec's name (a spec without a unit) is that spec."""
    for m in re.finditer(r"\b(\d+)[ -]?([a-z]+)\b", text):
        name = m.group(2)
        key = next((k for k in count_names if k in (name, name + "s", name.rstrip("s"))), None)
        if key is not None:
            slots.specs.append(SpecSlot(key, "=", float(m.group(1))))
            slots.consumed.add(m.group(1))
            slots.phrase_words.add(name)


def read_slots(text: str, feature_words: set[str], spec_kinds: set[str], flag_words: set[str] | None = None,
               count_names: set[str] | None = None, spec_names: Mapping[str, str | None] | None = None,
               value_words: set[str] | None = None, spec_values: Mapping[str, set[str]] | None = None) -> Slots:
    """Spec constraints, features, sort and in-stock-only in normalised `text`, limited to what the catalog has."""
    slots = Slots()
    _counted(text, count_names or set(), slots)
    _unit_specs(text, slots, spec_names or {})
    _temperature(text, slots)
    _persons(text, slots)
    slots.specs = [s for s in slots.specs if kind_of(s.unit) in spec_kinds or s.unit is None]
    load = re.search(r"\b(for|holds?|supports?|carries|carry|takes?|up to|rated for)\s(a |someone |at least |up to )?"
                     r"(\d+(?:\.\d+)?)\s?"
                     r"(kg|kgs|kilos?|kilograms?|lbs?|pounds?)\b", text)
    if load and "mass" in spec_kinds:  # "a chair for 150 kilos" is what it holds, not what it weighs
        slots.specs = [s for s in slots.specs if not (kind_of(s.unit) == "mass" and s.value == float(load.group(3)))]
        slots.specs.append(SpecSlot("load", ">=", float(load.group(3)), ALIASES[load.group(4)]))
    if "lumens" not in {s.key for s in slots.specs} and "light" in spec_kinds:
        m = re.search(rf"\b{_NUM}\s?(?:lumens?|lm)\b", text)
        if m:
            slots.specs.append(SpecSlot("lumens", ">=", float(m.group(1))))
    _values_said(text, spec_values or {}, slots)
    _features(text, feature_words, slots, flag_words or set(), value_words or set())
    size = SIZE_SAID.search(text)
    if size:
        slots.size = size.group(1) or size.group(2)
        slots.consumed.add(slots.size)
        slots.phrase_words |= set(size.group(0).split())
    for pattern, sort in SORTS:
        if re.search(pattern, text):
            slots.sort = sort
            break
    if re.search(r"\b(only|just) (the )?(light|lightweight|lighter)( ones?)?\b|\blightest ones\b", text):
        slots.sort = "weight_asc"
        slots.lighter_half = True
        if "lightweight" in slots.features:
            slots.features.remove("lightweight")
    slots.in_stock_only = bool(IN_STOCK.search(text))
    return slots
