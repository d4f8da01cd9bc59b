"""How well each category of the loaded catalog serves a need, judged from the catalog's own text.

Built once per catalog (with the lexicon): for every category, the words of its name and synonyms, and for each word
(and pair of words) how many of its products have it in their name, tags or feature specs ("title") and how many in
their descriptions ("body"). A kind of product serves a category when the category is named after it ("Bike
Lights" is a kind of light, "Sleeping bags" a kind of bag), or when many of its products are ("Insulated Bottle").
Coverage, not mere mention, decides: one tent whose copy says "room for your stove" does not make tents a place to
cook, while every stove saying "stove" does.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from agent.offline.need_purposes import NeedReading, Purpose
from app.catalog.filters import SearchFilters
from app.catalog.schema import Product
from app.catalog.store import Catalog

_WORD = re.compile(r"[a-z0-9]+")
KIND_NEEDED = 0.4  # the least a category must serve a purpose's kinds to be offered for it
QUALITY_SHARE = 0.2  # how much a purpose's quality words weigh against its kinds
CONTEXT_SHARE = 0.25  # how much the shopper's other words may weigh, all together
RARE_NAME = 3  # a word in this few products' names is a name ("stormguard"), not a need
SAMPLE = 2000  # products read to judge a big catalog's categories (built with the lexicon, off the event loop)
SMALL_CATEGORY = 50  # a category with fewer sampled products than this is read whole (up to this many)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English singular: "lights" -> "light", "batteries" -> "battery", "boxes" -> "box"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words_of(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower().replace("&", " and "))]


def _with_pairs(words: list[str]) -> set[str]:
    return set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}


@dataclass
class CategoryText:
    """One category's words: how shoppers name it, and how many of its products say each word."""

    slug: str
    size: int = 0
    names: list[tuple[str, ...]] = field(default_factory=list)  # its name, slug and synonyms, as stemmed words
    title: Counter[str] = field(default_factory=Counter)
    body: Counter[str] = field(default_factory=Counter)
    _title_keys: list[str] = field(default_factory=list)
    _body_keys: list[str] = field(default_factory=list)

    def add(self, product: Product) -> None:
        specs = [k.replace("_", " ") for k, v in product.specs.items() if v is True]
        specs += [str(v) for v in product.specs.values() if isinstance(v, str) and not re.search(r"\d", v)]
        brand = re.compile(re.escape(product.brand), re.IGNORECASE) if product.brand else None

        def unbranded(text: str) -> str:  # "Kettle Hill" makes pumps no kind of kettle
            return brand.sub(" ", text) if brand else text

        self.title.update(_with_pairs(words_of(unbranded(" ".join([product.name, *product.tags, *specs])))))
        self.body.update(_with_pairs(words_of(unbranded(f"{product.short_description} {product.description}"))))
        self.size += 1

    def seal(self) -> None:
        self._title_keys = sorted(self.title)
        self._body_keys = sorted(self.body)

    def named_after(self, kind: tuple[str, ...]) -> bool:
        """Whether the category is named as a kind of this ("bike light" is a light; "bike" is not)."""
        return any(len(name) >= len(kind) and name[-len(kind):] == kind for name in self.names)

    def share(self, words: tuple[str, ...], where: str) -> float:
        """The share of its products whose title (or body) has these words together."""
        counts = self.title if where == "title" else self.body
        if not self.size or not words:
            return 0.0
        pairs = [f"{a} {b}" for a, b in itertools.pairwise(words)] or [words[0]]
        return min(counts.get(p, 0) for p in pairs) / self.size

    def prefix_share(self, start: str, where: str) -> tuple[float, str]:
        """The share of its products with a word that starts so ("insulat": insulated, insulation), and the
        commonest such word."""
        counts, keys = (self.title, self._title_keys) if where == "title" else (self.body, self._body_keys)
        best, word = 0, ""
        for key in keys[bisect.bisect_left(keys, start):]:
            if not key.startswith(start):
                break
            if " " not in key and counts[key] > best:
                best, word = counts[key], key
        return (best / self.size if self.size else 0.0), word


def _rare_name_words(names: Iterable[str]) -> dict[str, list[frozenset[str]]]:
    """Each word that few product names have ("stormguard"), with the words of those names."""
    named: dict[str, list[frozenset[str]]] = {}
    for name in names:
        name_words = frozenset(_WORD.findall(name.lower()))
        for word in name_words:
            if len(named.setdefault(word, [])) <= RARE_NAME:
                named[word].append(name_words)
    return {w: found for w, found in named.items() if len(found) <= RARE_NAME}


@dataclass(frozen=True)
class Served:
    """A category that serves the need, how well, and the kind of product it serves it as."""

    slug: str
    score: float
    kind: str


@dataclass
class NeedProfile:
    categories: dict[str, CategoryText] = field(default_factory=dict)
    rare_names: dict[str, list[frozenset[str]]] = field(default_factory=dict)  # a word of few names -> their words

    def names_a_product(self, words: list[str], need_words: Iterable[str]) -> bool:
        """Whether these words are all words of one product's name, one of them (not a word of the need) a word few
        names have ("the rapid boil", "the sunspot shelter"): a product asked for by name."""
        said = set(words)
        return any(said <= name for word in said - set(need_words) for name in self.rare_names.get(word, ()))

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> NeedProfile:
        profile = cls()
        for category in catalog.categories():
            text = CategoryText(category.slug)
            for phrase in [category.name, category.slug.replace("-", " "), *category.synonyms]:
                for part in re.split(r"\band\b|&|,", phrase.lower()):  # "Panniers & Bags": a pannier, a bag
                    if words := tuple(words_of(part)):
                        text.names.append(words)
            profile.categories[category.slug] = text
        profile.rare_names = _rare_name_words(catalog.product_names())
        ids = catalog.product_ids()
        sample = ids[::max(1, len(ids) // SAMPLE)]  # shares, not counts, matter: a big catalog is sampled evenly
        added: set[str] = set()
        for start in range(0, len(sample), 500):
            profile._add(catalog.get_many(sample[start:start + 500]), added)
        for slug, text in profile.categories.items():  # a small category of a big catalog is read whole
            if text.size < SMALL_CATEGORY:
                profile._add(catalog.search("", SearchFilters(category=slug), limit=SMALL_CATEGORY), added)
        for text in profile.categories.values():
            text.seal()
        return profile

    def _add(self, products: Iterable[Product], added: set[str]) -> None:
        for product in products:
            if product.category in self.categories and product.id not in added:
                added.add(product.id)
                self.categories[product.category].add(product)

    def kind_served(self, text: CategoryText, purpose: Purpose) -> tuple[float, str]:
        """How well the category's products are of a kind that serves the purpose (0..1), and that kind."""
        best, as_kind = 0.0, ""
        for rank, kind in enumerate(purpose.kinds):
            weight = max(0.4, 1.0 - 0.08 * rank)  # the most typical kinds first
            words = tuple(words_of(kind))
            strength = 1.0 if text.named_after(words) else min(
                1.0, 0.9 * text.share(words, "title") + 0.3 * text.share(words, "body"))
            if weight * strength > best:
                best, as_kind = weight * strength, kind
        return best, as_kind

    @staticmethod
    def quality(text: CategoryText, purpose: Purpose) -> float:
        shares = [min(1.0, text.prefix_share(q, "title")[0] + 0.5 * text.prefix_share(q, "body")[0])
                  for q in purpose.qualities]
        return max(shares, default=0.0)

    def rank(self, reading: NeedReading, context: Iterable[str] = ()) -> list[Served]:
        """The categories that serve the need, best first (none when no category sells a kind that serves it)."""
        words = [stem(w) for w in context]
        served: list[Served] = []
        for slug, text in self.categories.items():
            total, strongest, as_kind = 0.0, 0.0, ""
            for purpose in reading.purposes:
                kind, named = self.kind_served(text, purpose)
                if kind > strongest:
                    strongest, as_kind = kind, named
                total += kind + QUALITY_SHARE * self.quality(text, purpose) if kind else 0.0
            if strongest < KIND_NEEDED:
                continue
            said = sum(min(1.0, text.share((w,), "title") + 0.3 * text.share((w,), "body")) for w in words)
            total += CONTEXT_SHARE * said / max(1, len(words))
            served.append(Served(slug, round(total, 4), as_kind))
        return sorted(served, key=lambda s: -s.score)

    def narrowing(self, slug: str, reading: NeedReading, context: Iterable[str] = ()) -> list[str]:
        """Words that pick, among the category's products, those that serve the need best: a word the shopper said,
        or else a quality of the need, that some (at least two) but not all of them have; best first."""
        text = self.categories.get(slug)
        if text is None or text.size < 3:
            return []
        scored: dict[str, float] = {}
        for order, purpose in enumerate(reading.purposes):
            first = 1.0 if order == 0 else 0.4  # the purpose said first (the most specific) leads
            for rank, start in enumerate(purpose.qualities):
                for where, weight in (("title", 1.0), ("body", 0.6)):
                    share, word = text.prefix_share(start, where)
                    if word and 2 <= share * text.size < text.size:
                        scored[word] = max(scored.get(word, 0.0), first * weight * share * (1.0 - 0.05 * rank))
        for said in context:  # the shopper's own words ("kids", "family", "touring") lead
            share = text.share((stem(said),), "title")
            if 2 <= share * text.size < text.size:
                scored[said] = 1.0 + share
        return sorted(scored, key=lambda w: -scored[w])
