"""Which product the shopper means: an ordinal, "the cheapest", a name, a brand or category, "it", "the other
one", "the one I added". When several fit equally, it says so (and the agent asks) rather than guess: a wrong item
must never go into the cart."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.offline import replies
from agent.offline.asking import part_word
from agent.offline.lexicon import typo_of
from agent.offline.turn import Turn

# words that describe what the shopper asks about, not which product they mean
TOPIC_WORDS = {"waterproof", "water", "proof", "rain", "wet", "heavy", "weigh", "weight", "light", "warm", "cold",
               "temperature", "rating", "rated", "sleep", "fit", "hold", "capacity", "big", "bright", "lumens",
               "left", "cost", "long", "good", "any", "hood", "warranty", "fabric", "material", "shell", "lighter",
               "heavier", "brighter", "warmer", "bigger", "difference", "last", "lasts", "charge", "battery",
               "runtime", "range", "far", "inside", "fits", "made", "use", "uses", "set", "setup", "work", "works",
               "clean", "wash", "pack", "packed", "guarantee", "size", "sizes", "power", "powerful", "fuel", "fast",
               "quickly", "quick", "colour", "color", "colours", "colors"}
ADDED = re.compile(r"\b(the one|the thing|what) i (just )?(added|put in|picked|chose|got)\b|\bthe one in my (cart|"
                   r"basket)\b")
COMPARATIVE_ONE = re.compile(r"\b(cheaper|pricier|more expensive|lighter|heavier|brighter|warmer|bigger|smaller) "
                             r"one\b")
TWO = re.compile(r"\b(of|between) (the|those|these) (2|two)\b|\bof both\b")
OTHER = re.compile(r"\b(the other( one)?|the other \w+)\b")


@dataclass
class Resolution:
    product_id: str | None = None
    ambiguous: list[str] = field(default_factory=list)  # several fit: ask which


def name_score(terms: list[str], product: dict[str, Any]) -> int:
    words = re.findall(r"[a-z0-9]+", replies.name_of(product).lower())
    return sum(1 for term in terms
               if any(w == term or (len(term) >= 3 and w.startswith(term)) or (len(term) >= 4 and typo_of(term, w))
                      for w in words))


def _best_named(terms: list[str], candidates: list[str], known: dict[str, dict[str, Any]],
                focus: str | None) -> Resolution:
    """The product whose name has the words said. Every word said must be in it (one may be a typo'd miss when
    three or more were said); numbers alone never pick a product ("zephyr 7" is not "Frostline -7")."""
    words = [t for t in terms if t.isalpha()]
    needed = len(words) if len(words) < 3 else len(words) - 1
    scored = sorted(((name_score(terms, known[pid]), pid == focus, -i, pid) for i, pid in enumerate(candidates)
                     if pid in known and words and name_score(words, known[pid]) >= max(1, needed)), reverse=True)
    if not scored:
        return Resolution()
    best = scored[0]
    ties = [s[3] for s in scored if s[0] == best[0]]
    if len(ties) > 1 and not best[1]:
        return Resolution(ambiguous=ties)
    return Resolution(best[3])


def _by_position(turn: Turn, listed: list[str], known: dict[str, dict[str, Any]]) -> Resolution | None:
    request = turn.request
    if request.ordinal is not None:
        index = request.ordinal
        return Resolution(listed[index] if listed and -len(listed) <= index < len(listed) else None)
    if request.superlative and listed:
        priced = [(known[p]["price"], p) for p in listed if p in known]
        if request.category:
            priced = [(price, p) for price, p in priced if known[p].get("category") == request.category] or priced
        if priced:
            return Resolution((min(priced) if request.superlative == "cheapest" else max(priced))[1])
    return None


def _by_kind(turn: Turn, candidates: list[str], listed: list[str], focus: str | None,
             among: list[str] | None) -> Resolution:
    """"the tent", "the Redfern one": the one of that kind being talked about, or the only one; else ask."""
    state = turn.state
    if focus in candidates and (among is None or len(candidates) == 1):
        return Resolution(focus)
    if state.last_added in candidates and (among is None or len(candidates) == 1):
        return Resolution(state.last_added)
    in_cart = [pid for pid in turn.cart_ids() if pid in candidates]
    if len(in_cart) == 1 and among is None:  # "the jacket" when there is one in the cart
        return Resolution(in_cart[0])
    if among is not None and len(candidates) > 1 and not turn.request.pronoun:
        return Resolution(ambiguous=candidates[:4])  # "remove the tent" with two tents in the cart: ask
    in_list = [p for p in listed if p in candidates] or candidates
    if len(in_list) == 1:
        return Resolution(in_list[0])
    return Resolution(ambiguous=in_list[:4]) if in_list else Resolution()


def naming_terms(turn: Turn) -> list[str]:
    """A question's words that name a product: not what it asks about ("waterproof", or "boil" of a boil time)."""
    asked = {part for name in turn.lexicon.spec_names for part in name.split("_") if len(part) >= 4}
    terms = [t for t in turn.request.terms if t not in TOPIC_WORDS and t != part_word(turn.request.text)]
    naming = [t for t in terms if t not in asked]
    return naming if naming or turn.request.pronoun else terms


def resolve(turn: Turn, among: list[str] | None = None) -> Resolution:
    """The product meant, among `among` (the cart lines, for cart changes) or everything shown recently."""
    request, state, session = turn.request, turn.state, turn.session
    known = turn.known()
    listed = among if among is not None else turn.listed()
    pool = among if among is not None else list(dict.fromkeys(
        [*listed, *session.context.shown_ids(), *turn.cart_ids()]))
    if not pool:
        return Resolution()
    focus = state.subject if state.subject in pool else None
    if ADDED.search(request.text) and state.last_added in pool:
        return Resolution(state.last_added)
    if OTHER.search(request.text) and focus is not None:
        two = state.pair if len(state.pair) == 2 and focus in state.pair else listed if len(listed) == 2 else pool[:2]
        others = [p for p in two if p != focus]
        if len(others) == 1:
            return Resolution(others[0])
    if (TWO.search(request.text) or COMPARATIVE_ONE.search(request.text)) and len(state.pair) == 2 and among is None:
        listed = list(state.pair)  # "the cheaper one of the two"
    positioned = _by_position(turn, listed, known)
    if positioned is not None:
        return positioned
    terms = naming_terms(turn) if request.intent in ("question", "compare") else request.terms
    candidates = pool
    if request.category:
        candidates = [p for p in pool if known.get(p, {}).get("category") == request.category]
    if request.brand:
        candidates = [p for p in candidates if known.get(p, {}).get("brand", "").lower() == request.brand.lower()]
    if terms:
        named = _best_named(terms, candidates, known, focus)
        if named.product_id or named.ambiguous:
            return named
        if (not request.pronoun or request.category or request.brand) and among is None:
            return Resolution()  # they named something not shown: the caller looks it up
    if request.indefinite and among is None and not request.pronoun:
        return Resolution()  # "a headlamp": any headlamp, not one on screen
    if request.category or request.brand:
        return _by_kind(turn, candidates, listed, focus, among)
    if focus is not None:
        return Resolution(focus)
    if among is not None:  # a cart change: the line added last, or the only line
        if state.last_added in among:
            return Resolution(state.last_added)
        return Resolution(among[0]) if len(among) == 1 else Resolution(ambiguous=among[:4])
    if len(listed) == 1:
        return Resolution(listed[0])
    return Resolution()


def which_of(turn: Turn, ids: list[str]) -> str:
    """A question that names the candidates: "Which one do you mean: the A or the B?"."""
    known = turn.known()
    names = [f"the {replies.name_of(known[p])}" for p in ids if p in known]
    if not names:
        return "Which one do you mean? Say 'the first one', or tap it on the screen."
    return f"Which one do you mean: {replies.join_words(names, 'or')}?"
