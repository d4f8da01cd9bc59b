"""The offline agent's vocabulary, read from the catalog: categories and their synonyms, brands, product words."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from agent.offline.need_profile import NeedProfile
from app.catalog.store import Catalog
from app.catalog.units import spec_key

EXTRA_SYNONYMS = {
    "sleeping-bags": ["sleepingbag", "sleeping bags"],
    "water-bottles-filters": ["water filters", "bottles", "water bottle", "hydration"],
    "hiking-boots": ["hikers", "hiking shoe"],
    "trekking-poles": ["walking poles", "hiking sticks"],
    "rain-jackets": ["rainjacket", "rain gear"],
    "camp-stoves": ["cooking stove", "camping stoves"],
}


def typo_of(said: str, word: str) -> bool:
    """Whether `said` is plausibly a typo of `word`. Short words allow only a swap, a missing or an extra letter
    ("tnet", "stov", "bootss"), so real words one letter away ("went", "nights") are not taken for "tent", "lights"."""
    if said == word:
        return True
    if min(len(said), len(word)) >= 6 and max(len(said), len(word)) >= 7:
        return OSA.normalized_similarity(said, word) >= 0.75
    if OSA.distance(said, word) != 1:
        return False
    return len(said) != len(word) or sorted(said) == sorted(word)


def _typos_of(said: str, phrase: str) -> bool:
    """Whether every word of `said` is (a typo of) the same word of `phrase`."""
    a, b = said.split(), phrase.split()
    return len(a) == len(b) and all(typo_of(x, y) for x, y in zip(a, b, strict=True))


@dataclass
class Lexicon:
    category_words: dict[str, str] = field(default_factory=dict)  # word or phrase -> slug
    category_names: dict[str, str] = field(default_factory=dict)  # slug -> display name
    brands: dict[str, str] = field(default_factory=dict)  # lowercase -> brand
    words: list[str] = field(default_factory=list)  # sorted product vocabulary (names, brands, tags, keywords)
    _word_set: set[str] = field(default_factory=set)
    _category_parts: dict[str, set[str]] = field(default_factory=dict)
    spec_values: dict[str, set[str]] = field(default_factory=dict)  # text values each spec key takes
    spec_kinds: set[str] = field(default_factory=set)  # kinds of measure the specs carry (mass, light, persons...)
    feature_words: set[str] = field(default_factory=set)  # yes/no specs, one-word spec values and tags
    category_order: list[str] = field(default_factory=list)  # category names, most products first
    category_kinds: dict[str, set[str]] = field(default_factory=dict)  # slug -> kinds of measure its specs carry
    category_flags: dict[str, set[str]] = field(default_factory=dict)  # slug -> its yes/no specs in words
    flag_words: set[str] = field(default_factory=set)  # yes/no spec names in words ("rain cover", "waterproof")
    count_names: set[str] = field(default_factory=set)  # numeric specs without a unit ("seasons")
    spec_names: dict[str, str | None] = field(default_factory=dict)  # spec name without unit -> its kind
    value_words: set[str] = field(default_factory=set)  # one-word values of text specs that vary ("mummy", "down")
    needs: NeedProfile | None = None  # how well each category serves a need, from the catalog's own text

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Lexicon:
        lex = cls()
        for category in catalog.categories():
            lex.category_names[category.slug] = category.name
            words = [category.slug.replace("-", " "), category.name.lower(), *category.synonyms,
                     *EXTRA_SYNONYMS.get(category.slug, [])]
            for word in words:
                phrase = word.lower().replace("&", "and")
                lex.category_words.setdefault(phrase, category.slug)
                if phrase.endswith("s") and not phrase.endswith("ss") and len(phrase) > 4:
                    lex.category_words.setdefault(phrase[:-1], category.slug)  # "lock" for "Locks"
        for brand in catalog.brands():
            lex.brands[brand.lower()] = brand
        lex.category_order = [c.name for c in catalog.categories()]
        samples = catalog.spec_keys()
        lex.spec_values = catalog.spec_text_values()
        lex.spec_kinds = {k for k in (spec_key(key, value).kind for key, value in samples.items()) if k}
        for slug, keys in catalog.spec_keys_by_category().items():
            lex.category_kinds[slug] = {k for k in (spec_key(key, samples.get(key)).kind for key in keys) if k}
            lex.category_flags[slug] = {k.lower().replace("_", " ") for k in keys if isinstance(samples.get(k), bool)}
        lex.spec_names = {spec_key(key, value).name: spec_key(key, value).kind for key, value in samples.items()}
        lex.flag_words = {key.lower().replace("_", " ") for key, value in samples.items() if isinstance(value, bool)}
        lex.feature_words = set(lex.flag_words)
        lex.count_names = {key.lower() for key, value in samples.items()
                           if key.isalpha() and not isinstance(value, bool) and isinstance(value, int | float)
                           and spec_key(key, value).unit is None}
        lex.feature_words |= {v for values in lex.spec_values.values() for v in values
                              if v.isalpha() and v not in ("none", "yes", "no")}
        lex.feature_words |= {t.lower() for t in catalog.tags() if t.replace("-", "").isalpha()}
        vocabulary = catalog.vocabulary() | {w for phrase in lex.category_words for w in phrase.split()}
        lex.words = sorted(vocabulary)
        lex._word_set = set(vocabulary)
        lex.value_words = {v for values in lex.spec_values.values() if len(values) > 1 for v in values
                           if v.isalpha() and len(v) >= 4 and v not in lex.category_words and v != "none"}
        last_words: dict[str, list[str]] = {}
        for category in catalog.categories():  # "Bike lights": "light" names it too, when no other kind ends so
            words = category.name.lower().replace("&", "and").split()
            if len(words) > 1:
                last_words.setdefault(words[-1], []).append(category.slug)
        all_words: dict[str, set[str]] = {}
        for category in catalog.categories():  # "Panniers bags": "pannier" names it, unless another kind says it
            for word in category.name.lower().replace("&", " ").split():
                if word.endswith("s"):  # a plural noun of the name ("panniers"), not a describing word ("water")
                    all_words.setdefault(word.rstrip("s"), set()).add(category.slug)
        for word, owners in all_words.items():
            if len(owners) == 1 and len(word) >= 5 and word not in lex.category_words:
                lex.category_words.setdefault(word, next(iter(owners)))
                lex.category_words.setdefault(word + "s", next(iter(owners)))
        for word, slugs in last_words.items():
            if len(slugs) == 1:
                for form in (word, word[:-1] if word.endswith("s") else word + "s"):
                    lex.category_words.setdefault(form, slugs[0])
        for phrase, slug in lex.category_words.items():
            lex._category_parts.setdefault(slug, set()).update(w for w in phrase.split() if len(w) >= 3)
        lex.needs = NeedProfile.from_catalog(catalog)
        return lex

    # -- categories ----------------------------------------------------------------------------------------------
    def find_categories(self, text: str, common: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, str]]:
        """Every category named in `text`, in the order they are mentioned, with the words that named each.

        Words in `common` (ordinary words like "sell") are never taken for a misspelled category ("shell")."""
        words = [w for w in text.split() if w.strip("?")]
        hits: list[tuple[int, str, str]] = []  # (position, slug, phrase)
        taken: set[int] = set()
        longest_first = sorted(self.category_words, key=len, reverse=True)
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                span = set(range(start, start + size))
                if span & taken:
                    continue
                cand = " ".join(words[start:start + size])
                slug = self.category_words.get(cand)
                if slug is None and len(cand) >= 4 and cand not in self._word_set \
                        and not any(w in common for w in cand.split()):
                    best = process.extractOne(cand, longest_first, scorer=OSA.normalized_similarity,
                                              score_cutoff=0.75)
                    if best and _typos_of(cand, str(best[0])):
                        slug = self.category_words[best[0]]
                if slug is not None:
                    hits.append((start, slug, cand))
                    taken |= span
        hits.sort()
        # "a light tent": a category word right before another one describes it ("light" is not headlamps here)
        kept = [hit for i, hit in enumerate(hits)
                if i + 1 == len(hits) or hits[i + 1][0] != hit[0] + len(hit[2].split())]
        seen: dict[str, str] = {}
        for _, slug, phrase in kept:
            if slug in seen:
                seen[slug] += " " + phrase
            else:
                seen[slug] = phrase
        return list(seen.items())

    def is_category_word(self, word: str, slug: str) -> bool:
        """Whether a single word is (a misspelling of) part of how shoppers name `slug`."""
        parts = self._category_parts.get(slug, set())
        return word in parts or word.rstrip("s") in parts or any(typo_of(word, part) for part in parts)

    def category_label(self, slug: str | None, plural: bool = True) -> str:
        if not slug:
            return "products" if plural else "product"
        name = self.category_names.get(slug, slug.replace("-", " ")).lower()
        if name.startswith("water bottles"):
            return "water bottles and filters" if plural else "bottle or filter"
        if plural:
            return name
        *head, last = name.split()
        return " ".join([*head, last.removesuffix("s")])

    def specific_synonym(self, phrase: str, slug: str | None) -> str:
        """The shopper's word for a category when it says more than the category's name ("daypack", "quilt")."""
        if not slug or not phrase or self.category_words.get(phrase) != slug:
            return ""
        name = self.category_names.get(slug, "").lower().replace("&", "and").split()
        joined = {i for i, w in enumerate(name) if w == "and"}
        generic = {w.rstrip("s") for i, w in enumerate(name) if w != "and" and not ({i - 1, i + 1} & joined)}
        if all(w.rstrip("s") in generic for w in phrase.split()):
            return ""
        return phrase

    # -- brands --------------------------------------------------------------------------------------------------
    def find_brand(self, text: str) -> tuple[str | None, str]:
        padded = f" {text} "
        for lower, brand in sorted(self.brands.items(), key=lambda kv: len(kv[0]), reverse=True):
            if f" {lower} " in padded or f" {lower}'s " in padded:
                return brand, lower
        words = [w for w in text.split() if len(w) >= 5 and w not in self._word_set]
        for word in words:
            found = process.extractOne(word, list(self.brands), scorer=fuzz.ratio, score_cutoff=85)
            if found:
                return self.brands[found[0]], word
        return None, ""

    # -- product words -------------------------------------------------------------------------------------------
    def category_for_kinds(self, kinds: set[str]) -> str | None:
        """The one category whose products carry specs of all these kinds ("lumens" -> headlamps), if just one."""
        found = [slug for slug, have in self.category_kinds.items() if kinds <= have]
        return found[0] if len(found) == 1 else None

    def knows(self, word: str) -> bool:
        """Whether a word (or a word it is the start of, or its singular, or its stem) occurs in the catalog."""
        if word in self._word_set or word.rstrip("s") in self._word_set:
            return True
        if len(word) > 5 and word.endswith(("ing", "ed")) and word.removesuffix("ing").removesuffix("ed") \
                in self._word_set:
            return True
        if len(word) < 3:
            return False
        index = bisect.bisect_left(self.words, word)
        return index < len(self.words) and self.words[index].startswith(word)

    def correct(self, word: str) -> str | None:
        """The catalog word closest to a misspelled one ("ridgline" → "ridgeline"), or None."""
        if len(word) < 4:
            return None
        found = process.extractOne(word, self.words, scorer=OSA.normalized_similarity, score_cutoff=0.75)
        gap = abs(len(str(found[0])) - len(word)) if found else 99
        if found is None or gap > 2 or (gap == 2 and str(found[0])[:2] != word[:2]):  # "seeing" is not "sleeping"
            return None
        return str(found[0]) if typo_of(word, str(found[0])) else None
