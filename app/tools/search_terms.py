"""Turns `search_products`' spec, feature and sort arguments into catalog filters, and says what a list is.

A spec argument names a catalog spec key ("lumens", "weight_kg") or what it measures ("weight", "temperature",
"capacity"), a comparison and a value with an optional unit; it is matched against the loaded catalog's own spec
keys and converted into each key's unit. The heading ("4 tents under $80, in stock") is built from the same
arguments, so the screen and the spoken reply say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.catalog.store import SPEC_OPS, FeatureCondition, SpecCondition, SpecOrder
from app.catalog.units import UNITS, SpecKey, convert, kind_of, say_value, spec_key, suffixes, unit_of

# what a shopper (or a model) may call a measure that the key names differently
MEASURE_WORDS = {
    "temperature": "temperature", "warmth": "temperature", "rating": "temperature", "comfort": "temperature",
    "brightness": "light", "light": "light", "lumens": "light", "people": "persons", "persons": "persons",
    "sleeps": "persons", "volume": "volume", "mass": "mass",
}
# colour words: matched against colour specs (and names) only, never prose ("a red mode" is not a red headlamp)
COLOURS = frozenset("red orange yellow green blue purple pink black white grey gray brown navy olive tan beige "
                    "teal khaki silver gold".split())
OP_WORDS = {"<": "under", "<=": "at most", ">": "over", ">=": "at least", "=": ""}


class SpecArgumentError(ValueError):
    """A spec, feature or sort argument that does not fit the catalog; the message lists what does."""


@dataclass(frozen=True)
class ResolvedSpec:
    """One spec argument, understood: the condition for the catalog and how to say it."""

    condition: SpecCondition
    name: str
    op: str
    value: float
    unit: str | None


def catalog_keys(samples: Mapping[str, Any]) -> list[SpecKey]:
    return [spec_key(key, value) for key, value in samples.items()]


def _stem(word: str) -> str:
    word = word.lower().strip().replace(" ", "_").replace("-", "_")
    for suffix in ("ed", "ing", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def matching_keys(keys: list[SpecKey], name: str, unit: str | None) -> list[SpecKey]:
    """The spec keys `name` refers to (an exact key, a key's measure name, or a kind of measure), of `unit`'s kind."""
    wanted = name.strip().lower().replace(" ", "_").replace("-", "_")
    exact = [k for k in keys if k.key.lower() == wanted]
    if exact:
        return exact
    kind = kind_of(unit)
    found = [k for k in keys if k.unit is not None and (k.name == wanted or wanted in k.name.split("_")
                                                        or _stem(k.name) == _stem(wanted))]
    if not found and (measure := MEASURE_WORDS.get(wanted)) is not None:
        found = [k for k in keys if k.kind == measure]
        kind = kind or measure
    if kind is not None:
        found = [k for k in found if k.kind == kind] or [k for k in keys if k.kind == kind and not found]
    if kind == "temperature" and any("comfort" in k.name for k in found):
        found = [k for k in found if "comfort" in k.name]  # "rated to -5" is the comfort rating, not the limit
    return found


def resolve_spec(keys: list[SpecKey], raw: Mapping[str, Any], samples: Mapping[str, Any] | None = None) -> ResolvedSpec:
    name = str(raw.get("key", "")).strip()
    op = str(raw.get("op", "")).strip()
    if op not in SPEC_OPS:
        raise SpecArgumentError(f"A spec's 'op' must be one of {', '.join(SPEC_OPS)}, not {op!r}.")
    try:
        value = float(raw.get("value"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise SpecArgumentError(f"A spec's 'value' must be a number, not {raw.get('value')!r}.") from exc
    said_unit = raw.get("unit")
    unit = unit_of(str(said_unit)) if said_unit else None
    if said_unit and unit is None:
        raise SpecArgumentError(f"Unknown unit {said_unit!r}. Units: {', '.join(sorted(UNITS))}.")
    found = matching_keys(keys, name, unit)
    if not found:
        known = ", ".join(sorted(k.key for k in keys if k.unit is not None or name == k.key))
        raise SpecArgumentError(f"No spec '{name}'{f' in {unit}' if unit else ''} in this catalog. Specs: {known}.")
    alternatives = tuple((k.key, round(convert(value, unit or k.unit, k.unit), 4)) for k in found)
    spoken_unit = unit or found[0].unit
    texts = [k for k in found if isinstance((samples or {}).get(k.key), str) and k.unit in UNITS]
    endings = suffixes(texts[0].kind) if texts else ()
    owns = tuple(UNITS[k.unit][1] if k.unit in UNITS else 1.0 for k in found) if texts else ()
    condition = SpecCondition(op, alternatives, endings, owns)
    return ResolvedSpec(condition, found[0].words, op, value, spoken_unit)


def resolve_feature(keys: list[SpecKey], samples: Mapping[str, Any], word: str,
                    values: Mapping[str, set[str]] | None = None) -> FeatureCondition:
    """A feature word with the boolean spec keys that state it ("hooded" -> "hood"), or the text specs it is a value
    of ("down" -> "fill")."""
    clean = " ".join(word.lower().split())
    if not clean:
        raise SpecArgumentError("A feature must be a word, like 'waterproof'.")
    stem = _stem(clean)
    flags = tuple(k.key for k in keys if isinstance(samples.get(k.key), bool)
                  and _stem(k.key.replace("_", " ")) == stem)
    valued = tuple(key for key, options in (values or {}).items() if clean in options and len(options) > 1)
    if flags or valued:
        return FeatureCondition(clean, flags, () if flags else valued)
    parts = tuple(key for key, options in (values or {}).items()
                  if len(options) > 1 and any(clean in option.replace("-", " ").split() for option in options))
    if parts or clean in COLOURS:  # "green" of "forest green"; a colour no spec gives is never read from prose
        return FeatureCondition(clean, part_keys=parts, name_only=not parts)
    return FeatureCondition(clean)


def kind_words(names: list[str], nouns: set[str]) -> set[str]:
    """The words that say which kind a product is within its category: the word just before the category's noun
    at the end of a name ("gravel" of "Rover Gravel Bike", "city" of "Quill City E-Bike", "kids" of "Kids Helmet")."""
    kinds: set[str] = set()
    for name in names:
        words = name.lower().split()
        if len(words) < 2 or words[-1].rsplit("-", 1)[-1].removesuffix("s") not in nouns:
            continue
        if words[-2].isalpha() and words[-2].removesuffix("s") not in nouns:
            kinds.add(words[-2])
    return kinds


def resolve_sort(keys: list[SpecKey], sort: str) -> tuple[str | None, SpecOrder | None]:
    """("asc"|"desc", None) for a price order, (None, SpecOrder) for a spec order, (None, None) for relevance."""
    text = sort.strip().lower().replace(" ", "_")
    if text in ("", "relevance"):
        return None, None
    base, _, direction = text.rpartition("_")
    if direction not in ("asc", "desc") or not base:
        raise SpecArgumentError("'sort' is 'relevance', 'price_asc', 'price_desc', or a spec with _asc or _desc "
                                "(e.g. 'weight_asc', 'lumens_desc').")
    if base == "price":
        return direction, None
    found = matching_keys(keys, base, None)
    if not found:
        raise SpecArgumentError(f"Cannot sort by '{base}': no such spec in this catalog.")
    usable = found  # one key per product in practice (a tent has people, a pack litres)
    order = tuple((k.key, UNITS[k.unit][1] if k.unit in UNITS else 1.0) for k in usable)
    return None, SpecOrder(order, descending=direction == "desc")


def spec_phrase(spec: ResolvedSpec) -> str:
    """"at least 300 lumens", "weight under 2 kg", "comfort rating at most -5°C"."""
    amount = say_value(spec.value, spec.unit)
    said_name = spec.name if spec.unit not in ("lm", "persons") or spec.name not in ("lumens", "capacity") else ""
    if spec.unit == "persons" and not said_name:
        return f"for {say_value(spec.value, None)} or more people" if spec.op in (">=", ">") else f"for {amount}"
    op_word = OP_WORDS[spec.op]
    return " ".join(part for part in (said_name or "with", op_word, amount) if part)


def _spec_phrases(specs: tuple[ResolvedSpec, ...]) -> list[str]:
    """Each spec limit in words; a lower and an upper limit on the same measure become one range."""
    phrases: list[str] = []
    done: set[int] = set()
    for i, spec in enumerate(specs):
        if i in done:
            continue
        upper = next((j for j, o in enumerate(specs) if j > i and o.name == spec.name and o.unit == spec.unit
                      and spec.op.startswith(">") and o.op.startswith("<")), None)
        if upper is not None:
            done.add(upper)
            high = specs[upper]
            name = spec.name if spec.name not in ("lumens",) else ""
            phrases.append(f"with {name + ' ' if name else ''}between {say_value(spec.value, None)} and "
                           f"{say_value(high.value, high.unit)}")
        else:
            phrase = spec_phrase(spec)
            phrases.append(phrase if phrase.startswith(("with", "for")) else f"with {phrase}")
    return phrases


def money(value: float) -> str:
    return f"${value:,.2f}".replace(".00", "")


def singular(noun: str) -> str:
    words = noun.split()
    if not words:
        return noun
    if '"' in noun:  # 'results for "x"': the first word is the noun
        return singular(words[0]) + noun[len(words[0]):]
    last = words[-1]
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith(("ches", "shes", "sses", "xes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return " ".join([*words[:-1], last])


def heading(count: int, noun: str, *, brand: str | None = None, features: tuple[str, ...] = (),
            specs: tuple[ResolvedSpec, ...] = (), min_price: float | None = None, max_price: float | None = None,
            in_stock_only: bool = False, sort: str = "") -> str:
    """What a result list is, in a few words: "4 waterproof Northpeak tents under $80, in stock" ("No ..." for
    none)."""
    thing = noun if count != 1 else singular(noun)
    if brand and brand.lower() not in thing.lower():
        thing = f"{brand} {thing}"
    *rest, last = thing.split() if thing else [""]
    kinds = [f for f in features if "-" in f and f.lower().rsplit("-", 1)[1] == singular(last.lower())]
    if kinds:  # "u-lock" of "locks": "2 u-locks", not "2 u-lock locks"
        thing = " ".join([*rest, kinds[0].lower() + ("s" if last.lower() != singular(last.lower()) else "")])
    adjectives = [f for f in features if f.lower() not in thing.lower()]
    words = [str(count) if count else "No", *adjectives, thing]
    parts = [" ".join(words)]
    qualifiers = _spec_phrases(specs)
    if min_price is not None and max_price is not None:
        qualifiers.append(f"between {money(min_price)} and {money(max_price)}")
    elif max_price is not None:
        qualifiers.append(f"under {money(max_price)}")
    elif min_price is not None:
        qualifiers.append(f"over {money(min_price)}")
    text = parts[0] + (" " + ", ".join(qualifiers) if qualifiers else "")
    extras = []
    if in_stock_only:
        extras.append("in stock")
    if sort:
        extras.append(sort)
    return text + "".join(f", {e}" for e in extras)


def heading_label(heading: str) -> str:
    """A heading without its count: "4 tents under $80" / "No tents under $80" -> "tents under $80"."""
    count, _, rest = heading.partition(" ")
    return rest if rest and (count.isdigit() or count == "No") else heading


def sort_phrase(price_order: str | None, spec_order: SpecOrder | None, keys: list[SpecKey]) -> str:
    if price_order == "asc":
        return "lowest price first"
    if price_order == "desc":
        return "highest price first"
    if spec_order is not None and spec_order.keys:
        first = next((k for k in keys if k.key == spec_order.keys[0][0]), None)
        name = first.words if first else spec_order.keys[0][0]
        return f"{'highest' if spec_order.descending else 'lowest'} {name} first"
    return ""
