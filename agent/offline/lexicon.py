"""The offline agent's vocabulary, read from the catalog: categories and their synonyms, brands, product names."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from app.catalog.store import Catalog

EXTRA_SYNONYMS = {
    "sleeping-bags": ["sleepingbag", "sleeping bags"],
    "water-bottles-filters": ["water filters", "bottles"],
}


@dataclass
class Lexicon:
    category_words: dict[str, str] = field(default_factory=dict)  # word or phrase -> slug
    category_names: dict[str, str] = field(default_factory=dict)  # slug -> display name
    brands: dict[str, str] = field(default_factory=dict)  # lowercase -> brand

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Lexicon:
        lex = cls()
        for category in catalog.categories():
            lex.category_names[category.slug] = category.name
            words = [category.slug.replace("-", " "), category.name.lower(), *category.synonyms,
                     *EXTRA_SYNONYMS.get(category.slug, [])]
            for word in words:
                lex.category_words.setdefault(word.lower().replace("&", "and"), category.slug)
        for brand in catalog.brands():
            lex.brands[brand.lower()] = brand
        return lex

    def find_category(self, text: str) -> tuple[str | None, str]:
        """The category named in `text`, and the words that named it; typo tolerant ("sleping bag", "tnet")."""
        padded = f" {text} "
        exact = next((p for p in sorted(self.category_words, key=len, reverse=True) if f" {p} " in padded), "")
        words = [w for w in text.split() if len(w) >= 4 or w in self.category_words]
        candidates = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)] + words
        best: tuple[str | None, str, float] = (None, "", 0.0)
        for cand in candidates:
            if len(cand) <= len(exact):
                continue
            found = process.extractOne(cand, list(self.category_words), scorer=OSA.normalized_similarity,
                                       score_cutoff=0.75)
            if found and found[1] > best[2] and abs(len(found[0]) - len(cand)) <= 2:
                best = (self.category_words[found[0]], cand, float(found[1]))
        if best[0] is not None:
            return best[0], best[1]
        return (self.category_words[exact], exact) if exact else (None, "")

    def is_category_word(self, word: str, slug: str) -> bool:
        """Whether a single word is (a misspelling of) part of how shoppers name `slug`."""
        parts = {w for phrase, s in self.category_words.items() if s == slug for w in phrase.split()}
        return any(OSA.normalized_similarity(word, part) >= 0.75 for part in parts if len(part) >= 3)

    def find_brand(self, text: str) -> tuple[str | None, str]:
        padded = f" {text} "
        for lower, brand in sorted(self.brands.items(), key=lambda kv: len(kv[0]), reverse=True):
            if f" {lower} " in padded:
                return brand, lower
        words = [w for w in text.split() if len(w) >= 5]
        for word in words:
            found = process.extractOne(word, list(self.brands), scorer=fuzz.ratio, score_cutoff=85)
            if found:
                return self.brands[found[0]], word
        return None, ""

    def category_label(self, slug: str | None, plural: bool = True) -> str:
        if not slug:
            return "products" if plural else "product"
        name = self.category_names.get(slug, slug.replace("-", " ")).lower()
        if name.startswith("water bottles"):
            return "water bottles and filters" if plural else "bottle or filter"
        return name if plural else name.rstrip("s")
