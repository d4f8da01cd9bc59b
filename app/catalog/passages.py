"""The passages of one product's own data that answer a shopper's question, best first.

A product's specs (one passage each), description sentences and manual sections are indexed with FTS5 in the
catalog (`passages_fts`, written at import). A question is reduced to the words that carry its meaning ("what is the
capacity of the Basecamp 4?" -> capacity, plus the words a store writes for it: persons, people, sleeps), and ranked
with bm25 restricted to the product; on a near tie a spec outranks the manual, and the manual the description. A
catalog from before the passage index is ranked the same way in memory, from the product's specs and description.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from app.catalog.knowledge import product_passages
from app.catalog.store import Catalog

__all__ = ["Passage", "find_passages", "question_terms"]


@dataclass(frozen=True)
class Passage:
    product_id: str
    source: str  # "specs" | "description" | "manual"
    section: str  # a manual's section heading; "" otherwise
    text: str
    score: float  # higher is more relevant


_QUESTION_WORDS = frozenset(
    "a an and any are as at be been but by can could did do does for from had has have how i if in into is it its "
    "itll me my of on or our please say says so tell than that the their them then there these they this those to "
    "too us was we what whats when where which who why will with would you your yours much many about get got "
    "know let lets want need one ones product item thing really also just go goes use used using".split()
)
# what a shopper says -> words a store writes for it (porter stemming does the rest)
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "capacity": ("persons", "people", "sleeps", "litres", "volume"),
    "fit": ("capacity", "persons", "people", "sleeps"),
    "people": ("capacity", "persons", "sleeps"),
    "person": ("capacity", "persons", "sleeps"),
    "sleep": ("capacity", "persons"),
    "big": ("capacity", "size", "dimensions"),
    "season": ("seasons", "winter", "summer"),
    "winter": ("season", "seasons", "snow", "cold"),
    "january": ("winter", "season", "snow", "cold"),
    "february": ("winter", "season", "snow", "cold"),
    "december": ("winter", "season", "snow", "cold"),
    "snow": ("winter", "season"),
    "cold": ("winter", "comfort", "temperature", "rating"),
    "warm": ("comfort", "temperature", "rating", "insulation"),
    "warranty": ("guarantee", "guaranteed", "defects"),
    "guarantee": ("warranty",),
    "setup": ("setting", "set", "pitch", "pitching", "assemble", "assembly", "install"),
    "set": ("setting", "setup", "pitch", "pitching", "assemble"),
    "pitch": ("setting", "setup", "pitching"),
    "assemble": ("assembly", "setting", "setup", "install"),
    "install": ("installation", "setting", "setup", "assemble"),
    "material": ("fabric", "made", "shell", "materials"),
    "made": ("material",),
    "fabric": ("material", "shell", "polyester", "nylon"),
    "weight": ("weighs", "weigh", "kg", "heavy", "packed"),
    "weigh": ("weight", "kg"),
    "heavy": ("weight", "kg"),
    "light": ("weight", "kg"),
    "waterproof": ("water", "rain", "hydrostatic", "mm", "coating"),
    "rain": ("waterproof", "water"),
    "battery": ("runtime", "hours", "charge", "batteries"),
    "last": ("runtime", "hours", "battery", "durability"),
    "long": ("length", "runtime", "hours"),
    "clean": ("care", "wash", "cleaning"),
    "wash": ("care", "clean", "washing"),
    "size": ("dimensions", "length", "width", "height", "sizes"),
    "fuel": ("gas", "cartridge", "butane", "propane"),
    "safe": ("safety", "warning"),
    "power": ("output", "watts", "w"),
    "powerful": ("output", "watts", "w"),
    "boil": ("boil", "time", "minutes"),
}
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FILLER = frozenset("product sheet manual owner owners user guide data thank thanks choosing s".split())
_QUANTITY = re.compile(r"\bhow (much|many|long|fast|big|heavy|powerful|warm|thick|tall|wide|bright|far|hot|"
                       r"quick|loud|strong|large|small)\b|\b(capacity|weight|output|size|dimensions)\b")
SOURCE_WEIGHT = {"specs": 1.25, "manual": 1.1, "description": 1.0}


# "light" as in a lamp's output, not as in weight: "how much light does it give", "the light output"
_LIGHT_AS_OUTPUT = re.compile(r"\b(how much light|light output|amount of light|(give|gives|put|puts|throw|throws|"
                              r"make|makes|produce|produces) (out )?(much |more |enough |a lot of )?light)\b")
_LIGHT_OUTPUT_WORDS = ("lumens", "brightness", "beam", "bright")


def question_terms(question: str, product_words: AbstractSet[str] = frozenset()) -> tuple[list[str], list[str]]:
    """The question's own meaningful words, and the related words a store's text uses for them."""
    text = question.lower().replace("set up", "setup").replace("made of", "made material")
    lamp = bool(_LIGHT_AS_OUTPUT.search(text))
    parts = [p for token in _TOKEN.findall(text) for p in (token.split("-") if not token[0].isdigit() else [token])]
    asked = [part for part in parts if part and part not in _QUESTION_WORDS]
    # the product's own name words only say which product is meant ("the basecamp 4"), unless they are all that is
    # asked ("is the Waterproof Boot waterproof?")
    words = list(dict.fromkeys(w for w in asked if w not in product_words)) or list(dict.fromkeys(asked))
    related: list[str] = []
    for word in words:
        base = word[:-1] if word.endswith("s") and word[:-1] in _SYNONYMS else word
        for extra in (_LIGHT_OUTPUT_WORDS if lamp and base == "light" else _SYNONYMS.get(base, ())):
            if extra not in words and extra not in related:
                related.append(extra)
    return words, related


def _expression(words: list[str], related: list[str]) -> str:
    def phrase(term: str) -> str:  # exact words after porter stemming: a prefix would match the brand's name
        return '"' + term.replace('"', '""') + '"'

    return " OR ".join(phrase(t) for t in [*words, *related])


def _rank_in_memory(rows: list[tuple[str, str, str]], expression: str, limit: int) -> list[sqlite3.Row]:
    """The same bm25 ranking for a catalog that has no passage index yet."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("create virtual table p using fts5(source unindexed, section, text, tokenize='porter')")
        conn.executemany("insert into p (source, section, text) values (?, ?, ?)", rows)
        return conn.execute("select source, section, text, bm25(p, 0.0, 2.0, 1.0) as score from p where p match ? "
                            "order by score limit ?", (expression, limit)).fetchall()
    finally:
        conn.close()


def find_passages(catalog: Catalog, product_id: str, question: str, limit: int = 3) -> list[Passage]:
    """Up to `limit` passages of the product's specs, manual and description that answer `question`, best first;
    [] when the product is unknown or nothing in its data matches."""
    product = catalog.get(product_id)
    if product is None:
        return []
    own = set(_TOKEN.findall(f"{product.brand} {product.name}".lower()))
    words, related = question_terms(question, own)
    if not words:
        return []
    expression = _expression(words, related)
    wanted = max(limit * 4, 12)
    rows = catalog.ranked_passages(product_id, expression, wanted)
    if rows is None:
        record = {"specs": product.specs, "description": product.description}
        rows = _rank_in_memory(list(product_passages(record)), expression, wanted)
    measure = _QUANTITY.search(question.lower())
    quantity = measure is not None
    # in "how powerful is it?" the adjective asks for a figure: a sentence that just says "powerful" is no answer
    counted = [w for w in words if not (measure and measure.group(1) and w == measure.group(1))]
    found = []
    for row in rows:
        text = str(row["text"])
        if len(set(_TOKEN.findall(text.lower())) - own - _QUESTION_WORDS - _FILLER) < 2:
            continue  # a manual's title line: it only repeats the product's name
        tokens = set(_TOKEN.findall(f"{row['section']} {text}".lower())) - own
        hits = sum(1 for w in counted if any(t.startswith(w[:5]) for t in tokens))
        relevance = -float(row["score"]) * (1.0 + 2.0 * hits) * SOURCE_WEIGHT.get(row["source"], 1.0)
        if quantity and re.search(r"\d", text):
            relevance *= 1.6  # "how heavy/powerful/many…" is answered by a figure
        found.append(Passage(product_id, str(row["source"]), str(row["section"] or ""), text, round(relevance, 4)))
    found.sort(key=lambda p: p.score, reverse=True)
    return found[:limit]
