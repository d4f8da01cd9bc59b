"""What a question asks about, read from a normalised message: its topic (colour, size, waterproof, weight...), the
feature asked of a product ("is it waterproof?" -> "waterproof"; never the product's own kind), whether it names one
of the catalog's specs, and the word that says which kind within a category ("the u-locks", "the dome tents")."""

from __future__ import annotations

import re

from agent.offline.facts import GENERIC_SPEC_WORDS
from agent.offline.lexicon import Lexicon
from agent.offline.looks import colours_in
from agent.offline.patterns import FEATURE_ASKED, FILLER, MEASURE_WORDS, ORDINALS, QUESTION_TOPICS
from agent.offline.slots import Slots


def asked_feature(text: str, lexicon: Lexicon) -> str | None:
    """"Is it waterproof?" -> "waterproof"; None for words that are not a feature ("in stock", the product's kind)."""
    m = FEATURE_ASKED.search(text)
    if m is None:
        return None
    word = (m.group(1) or m.group(2) or "").strip()
    if word in lexicon.category_words:
        return None  # "what's the warranty on the stove?": the product's kind is not a feature
    if word in ("good", "any good", "in stock", "available", "it", "that", "on sale", "new", "ok", "okay", "of", "from",
                "with", "in", "for", "made", "made of", "made from"):
        return None
    return word or None


def kind_words(text: str, phrase: str, slots: Slots, category_name: str) -> list[str]:
    """"just the u-locks", "only the dome tents": the word before the category's name that says which kind."""
    if not phrase:
        return []
    *head, last = phrase.split()
    named = {w.rstrip("s") for w in category_name.lower().split()}
    specific = [w for w in head if w.rstrip("s") not in named and w not in FILLER]
    if specific:  # "dome tents": a kind the lexicon knows by name
        return specific
    compound = re.search(rf"\b([a-z]+)-{re.escape(last)}\b", text)
    if compound:
        return [f"{compound.group(1)}-{last.removesuffix('s')}"]
    before = re.search(rf"\b([a-z]{{3,}}) {re.escape(phrase)}\b", text)
    word = before.group(1) if before else ""
    if not word or word in FILLER or word in MEASURE_WORDS or word in ORDINALS or word in slots.features \
            or word in slots.phrase_words:
        return []
    return [word]


def asks_a_spec(intent: str, text: str, lexicon: Lexicon) -> bool:
    """A question read as a request for details or a search that asks for one of the catalog's specs: "what pressure
    does the first one go up to?", "what's the boil time on the basecamp?"."""
    asking = (intent == "details" and re.match(r"(what'?s?|how|which)\b", text)) or (
        intent == "search" and re.match(r"(what'?s|what is) the ([a-z]+ ){1,2}(of|on|for) ", text))
    return bool(asking) and names_a_spec(text, lexicon)


def names_a_spec(text: str, lexicon: Lexicon) -> bool:
    """Whether the message says the name of one of the catalog's specs ("pressure" of max_pressure)."""
    words = set(text.split())
    return any(part in words for name in lexicon.spec_names for part in name.split("_")
               if len(part) >= 4 and part not in GENERIC_SPEC_WORDS)


def question_topic(text: str, slots: Slots) -> str | None:
    """What a question is about: its colour or size when it names one, else the first topic its words name."""
    if colours_in(slots.features):
        return "colour"
    if slots.size is not None:
        return "size"
    return next((name for name, pattern in QUESTION_TOPICS.items() if re.search(pattern, text)), None)


def asks_of_a_named_product(intent: str, text: str, slots: Slots, terms: list[str]) -> bool:
    """"Do you have the Aero Road Helmet in red?", "does the Ridgeline come in a 12?": a product named by its own
    words, asked about in a colour or size (a question about it, not a search)."""
    looks = colours_in(slots.features) or slots.size is not None
    return intent == "search" and looks and bool(terms) and bool(
        re.match(r"(do|does|is|are|have|has|can|could)\b.*\bin (a |an )?(size )?[a-z0-9]+", text))


PART_ASKED = re.compile(r"\b(?:is|are) (?:the|its|it'?s) ([a-z]{3,}) (?:of|on|in)\b|\b(?:is|are) its ([a-z]{3,}) \w+")


def part_word(text: str) -> str | None:
    """"Is the floor of the Fernhill waterproof?" -> "floor": the part of a product a question is about, if said."""
    m = PART_ASKED.search(text)
    return (m.group(1) or m.group(2)) if m else None
