"""Search filters and order as SQL over the products table: price, brand, category, stock, spec limits compared in
each spec's own unit (numbers, or text such as "2.3 kg"), features (a true spec, a text spec's value, or the word in
the product's text unless a spec says false), and an order by price or by a spec. Used by `store.Catalog.search`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SpecCondition:
    """A spec compared with a number: met when any of `alternatives` (spec key, value in that key's unit) holds."""

    op: str  # one of SPEC_OPS
    alternatives: tuple[tuple[str, float], ...]
    # text values with a unit ("2.3 kg" where the key's unit is g): (ending, factor) per unit of the kind, and the
    # factor of the key's own unit, so each value is compared in the key's unit
    endings: tuple[tuple[str, float], ...] = ()
    own_factors: tuple[float, ...] = ()  # per alternative: the factor of that key's unit


@dataclass(frozen=True)
class FeatureCondition:
    """A feature word ("waterproof", "hooded"): a true boolean spec, or the word in the product's text unless a
    boolean spec of that name says false."""

    word: str
    flag_keys: tuple[str, ...] = ()
    value_keys: tuple[str, ...] = ()  # text specs one of whose values is the word ("fill": "down"): only those count
    # text specs whose values hold the word among others ("colour": "forest green" for "green"), or the name or a tag
    # says it
    part_keys: tuple[str, ...] = ()
    name_only: bool = False  # a colour word with no colour spec: only a product whose name (or a tag) says it
    columns: tuple[str, ...] = ()  # full-text columns the word must be in (all of them when empty)


@dataclass(frozen=True)
class SpecOrder:
    """Order by a spec: each (key, factor to a common unit); products without it come last."""

    keys: tuple[tuple[str, float], ...]
    descending: bool = False


@dataclass(frozen=True)
class SearchFilters:
    category: str | None = None
    brand: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    in_stock: bool = False
    specs: tuple[SpecCondition, ...] = ()
    features: tuple[FeatureCondition, ...] = ()
    price_order: str | None = None  # "asc" | "desc" | "catalog" (the catalog's own order)
    spec_order: SpecOrder | None = None
    stock_first: bool = True  # with no order asked for, products in stock lead the best matches


SPEC_OPS = ("<", "<=", ">", ">=", "=")


# a spec's number: a JSON number, or text that starts with one ("1.2 kg"); $K is the key's JSON path
_NUMBER_SQL = ("(json_type(p.specs, $K) in ('integer', 'real') or (json_type(p.specs, $K) = 'text' and "
               "json_extract(p.specs, $K) glob '[0-9-]*')) and cast(json_extract(p.specs, $K) as real)")


def _scale_sql(endings: tuple[tuple[str, float], ...], own_factor: float) -> str:
    """A multiplier turning a text value's own unit into the key's unit ("* case when ... like '%kg' then ...")."""
    if not endings:
        return ""
    cases = " ".join(f"when lower(trim(json_extract(p.specs, ?))) like '%{end.replace(chr(39), '')}' "
                     f"then {factor / own_factor!r}" for end, factor in endings)
    return f" * (case when json_type(p.specs, ?) != 'text' then 1.0 {cases} else 1.0 end)"


def _json_path(key: str) -> str:
    return '$."' + key.replace('"', "") + '"'


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# words before a feature that deny it in the product's own text: "not waterproof", "isn't waterproof", "non-waterproof"
_DENIALS = ("not", "non", "t", "no", "without")


def _affirmed(word: str, prefix: bool = False) -> str:
    """An FTS5 query for a feature word in the text, leaving out products whose text only denies it."""
    said = phrase(word, prefix)
    denied = " OR ".join(phrase(f"{denial} {word}", False) for denial in _DENIALS)
    return f"{said} NOT ({denied})"


def query_phrases(terms: list[str], prefix: bool) -> list[str]:
    """FTS5 phrases for a query's words; a word the product's text denies ("Not insulated") does not match it,
    unless the shopper denied it too ("no fuel")."""
    return [phrase(t, prefix and len(t) > 2) if t in _DENIALS or (i and terms[i - 1] in _DENIALS)
            else f"({_affirmed(t, prefix and len(t) > 2)})" for i, t in enumerate(terms)]


def phrase(text: str, prefix: bool) -> str:
    """An FTS5 phrase for a word (or words), optionally as a prefix query."""
    return '"' + text.replace('"', '""') + '"' + ("*" if prefix else "")


# rows whose price cannot be shown honestly (NULL, NaN, infinite, negative) never reach a shopper
USABLE_PRICE = "p.price between 0 and 1e12"


def filter_sql(filters: SearchFilters) -> tuple[str, list[Any]]:
    clauses = [USABLE_PRICE]
    params: list[Any] = []
    if filters.category:
        clauses.append("p.category = ?")
        params.append(filters.category)
    if filters.brand:
        clauses.append("p.brand = ? collate nocase")
        params.append(filters.brand)
    if filters.min_price is not None:
        clauses.append("p.price >= ?")
        params.append(float(filters.min_price))
    if filters.max_price is not None:
        clauses.append("p.price <= ?")
        params.append(float(filters.max_price))
    if filters.in_stock:
        clauses.append("(p.stock is null or p.stock > 0)")
    for condition in filters.specs:
        if condition.op not in SPEC_OPS or not condition.alternatives:
            continue
        either = []
        for i, (key, value) in enumerate(condition.alternatives):
            own = condition.own_factors[i] if i < len(condition.own_factors) else 1.0
            scale = _scale_sql(condition.endings, own)
            either.append(f"({_NUMBER_SQL}{scale} {condition.op} ?)".replace("$K", "?"))
            params += [_json_path(key)] * (4 + scale.count("$K") + scale.count("?")) + [float(value)]
        clauses.append("(" + " or ".join(either) + ")")
    for feature in filters.features:
        if feature.value_keys:
            clauses.append("(" + " or ".join("lower(json_extract(p.specs, ?)) = ?" for _ in feature.value_keys)
                           + ")")
            for key in feature.value_keys:
                params += [_json_path(key), feature.word.lower()]
            continue
        if feature.part_keys or feature.name_only:
            word = f"% {feature.word.lower()} %"
            parts = ["(' ' || replace(lower(json_extract(p.specs, ?)), '-', ' ') || ' ') like ?"
                     for _ in feature.part_keys]
            named = "(' ' || replace(lower(p.name), '-', ' ') || ' ') like ?"
            tagged = "exists (select 1 from json_each(p.tags) t where lower(t.value) = ?)"
            clauses.append("(" + " or ".join([*parts, named, tagged]) + ")")
            for key in feature.part_keys:
                params += [_json_path(key), word]
            params += [word, feature.word.lower()]
            continue
        flags = ["json_extract(p.specs, ?) = 1" for _ in feature.flag_keys]
        denied = " and ".join("coalesce(json_extract(p.specs, ?), -1) != 0" for _ in feature.flag_keys)
        text = ("p.rowid in (select rowid from products_fts where products_fts match ?)"
                + (f" and {denied}" if denied else ""))
        clauses.append("(" + " or ".join([*flags, f"({text})"]) + ")")
        params += [_json_path(k) for k in feature.flag_keys]
        said = _affirmed(feature.word)
        params.append("{" + " ".join(feature.columns) + "} : (" + said + ")" if feature.columns else said)
        params += [_json_path(k) for k in feature.flag_keys]
    return " and ".join(clauses), params


def order_sql(filters: SearchFilters) -> str:
    """An ORDER BY term ("expression asc|desc") for a price or spec order; keys are quoted literals."""
    if filters.spec_order and filters.spec_order.keys:
        parts = [f"cast(json_extract(p.specs, {_sql_literal(_json_path(k))}) as real) * {float(f)!r}"
                 for k, f in filters.spec_order.keys]
        missing = "-1e18" if filters.spec_order.descending else "1e18"  # products without the spec come last
        direction = "desc" if filters.spec_order.descending else "asc"
        return f"coalesce({', '.join(parts)}, {missing}) {direction}"
    if filters.price_order in ("asc", "desc"):
        return f"p.price {filters.price_order}"
    if filters.price_order == "catalog":  # the catalog's own order, products in stock (or not tracked) first
        return "(coalesce(p.stock, 1) = 0) * 1000000000 + p.rowid asc"
    return ""
