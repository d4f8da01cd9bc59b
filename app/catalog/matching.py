"""How what a shopper said is matched to products outside SQL: the meaningful words of a query (for the full-text
index), and typo-tolerant matching against product ids and names (rapidfuzz).

`Catalog.search` asks for the words; `Catalog.suggest` and `Catalog.match_name` read the names from SQLite and rank
them here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz, process, utils

TOKEN = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an and any are as at be can do does for from have i in is it its me my of on or please show some that the "
    "them these this those to want need looking look find with you your get buy everything anything products "
    "product items stuff".split()
)
_LOOKS_LIKE_ID = re.compile(r"[A-Za-z]+-?\w*\d\w*")


def fts_terms(query: str) -> list[str]:
    """The meaningful lowercase words of a shopper's query."""
    return [t for t in TOKEN.findall(query.lower()) if t not in _STOPWORDS]


def rank_by_name(text: str, names: Sequence[tuple[str, str]], limit: int) -> list[str]:
    """The ids of the `limit` products (of `names`, (id, "brand name") pairs) closest to `text`, best first."""
    choices = {pid: f"{pid} {name}" for pid, name in names}
    found = process.extract(text, choices, scorer=fuzz.WRatio, processor=utils.default_process,
                            limit=max(limit * 5, 15), score_cutoff=40)
    # rerank the candidates by how well each word said matches a word of the name ("nightowel" ~ "Nightowl")
    said = utils.default_process(text).split()

    def coverage(choice: str) -> float:
        words = utils.default_process(choice).split()
        return sum(max(fuzz.ratio(w, n) for n in words) for w in said) / len(said) if said and words else 0.0

    # a mistyped id ("TNT-1O01") is closest to an id by plain edit distance
    by_id = process.extract(text.upper(), {pid: pid for pid, _ in names}, scorer=fuzz.ratio, limit=limit,
                            score_cutoff=75)
    looks_like_id = _LOOKS_LIKE_ID.fullmatch(text) is not None
    ranked = [key for _, _, key in by_id] if looks_like_id else []
    ranked += [key for _, _, key in sorted(((coverage(choices[key]), score, key) for _, score, key in found),
                                           reverse=True)]
    return list(dict.fromkeys(ranked))[:limit]


def best_name_match(text: str, choices: Mapping[str, str], cutoff: float) -> tuple[str, float] | None:
    """The id whose name (`choices`: id → "brand name") best matches a phrase the shopper said, with its score."""
    best = process.extractOne(text, choices, scorer=fuzz.partial_token_set_ratio, processor=utils.default_process,
                              score_cutoff=cutoff)
    return (best[2], float(best[1])) if best else None
