"""Passages of a product's own text that answer a shopper's question ("what's the shell fabric?").

This version ranks the product's spec lines and description sentences by how many of the question's content words
(lightly stemmed) they contain. The interface (`Passage`, `find_passages`) is shared with the manuals index that
replaces this body; callers rely only on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.catalog.store import Catalog

_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
_QUESTION_WORDS = frozenset(
    "a an and any are as at be been by can could do does did for from had has have how i if in into is it its "
    "me my of on or so that the their them there these they this those to was we were what whats when where which "
    "who why will with would you your about tell much many kind sort type there's it's does doesn't".split()
)
_SYNONYMS = {
    "people": ("person", "persons", "sleeps"), "fit": ("person", "persons", "sleeps", "capacity"),
    "warranty": ("guarantee", "guaranteed"), "fabric": ("material", "nylon", "polyester", "shell"),
    "heavy": ("weight", "weighs"), "weigh": ("weight",), "warm": ("comfort", "rating", "temperature"),
    "battery": ("batteries", "rechargeable", "charge", "usb"), "waterproof": ("water", "rain", "ipx"),
}


@dataclass(frozen=True)
class Passage:
    product_id: str
    source: str  # "specs" | "description" | "manual"
    section: str  # a manual's section heading; "" otherwise
    text: str
    score: float  # higher is more relevant


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """The question's meaningful words, stemmed, with a few near-synonyms."""
    words = {w for w in _WORD.findall(text.lower()) if w not in _QUESTION_WORDS and len(w) > 1}
    for word in list(words):
        words.update(_SYNONYMS.get(word, ()))
    return {stem(w) for w in words}


def _score(wanted: set[str], text: str) -> float:
    found = {stem(w) for w in _WORD.findall(text.lower().replace("_", " "))}
    return float(len(wanted & found))


def find_passages(catalog: Catalog, product_id: str, question: str, limit: int = 3) -> list[Passage]:
    """The product's spec lines and description sentences that best answer `question`, best first."""
    product = catalog.get(product_id)
    if product is None:
        return []
    wanted = content_words(question)
    if not wanted:
        return []
    candidates: list[Passage] = []
    for key, value in product.specs.items():
        line = f"{key.replace('_', ' ')}: {value}"
        candidates.append(Passage(product.id, "specs", "", line, _score(wanted, line)))
    text = " ".join(part for part in (product.short_description, product.description) if part)
    for sentence in _SENTENCE.split(text):
        sentence = sentence.strip()
        if sentence:
            candidates.append(Passage(product.id, "description", "", sentence, _score(wanted, sentence)))
    ranked = sorted((p for p in candidates if p.score > 0), key=lambda p: (-p.score, p.source != "specs"))
    unique = list({p.text: p for p in reversed(ranked)}.values())[::-1]
    return unique[: max(0, limit)]
