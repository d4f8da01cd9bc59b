"""What the offline recogniser should expect to hear, read from the catalog: its own names, brands and categories.

Rebuilt whenever the catalog changes (an import), so the grammar always knows the store's products.
"""

from __future__ import annotations

import re

from app.catalog.store import Catalog
from audio.recognizer import ShoppingVocabulary

_SPOKEN = re.compile(r"[^a-z0-9' ]+")


def _speakable(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("-", " minus " if text.strip().startswith("-") else " ")
    text = re.sub(r"(?<![a-z0-9])-(\d)", r"minus \1", text)
    return " ".join(_SPOKEN.sub(" ", text).split())


def vocabulary_from_catalog(catalog: Catalog) -> ShoppingVocabulary:
    categories: list[str] = []
    for category in catalog.categories():
        categories += [_speakable(category.name), *(_speakable(s) for s in category.synonyms)]
    brands = [_speakable(b) for b in catalog.brands()]
    names = sorted({_speakable(name) for name in catalog.product_names()})
    return ShoppingVocabulary(
        categories=sorted(set(filter(None, categories))),
        brands=sorted(set(filter(None, brands))),
        product_names=[n for n in names if n],
    )
