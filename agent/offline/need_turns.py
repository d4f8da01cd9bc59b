"""A need said in plain words ("something to boil water on", "so my bike doesn't get nicked", "I ride home in the
dark"): the purposes it states (need_purposes), the category of the loaded catalog that serves them best judged from
the catalog's own text (need_profile), and, inside that category, the products whose own text says they serve the
need best. Everything shown comes from `search_products`, like any other search."""

from __future__ import annotations

import re
from typing import Any

from agent.offline import replies
from agent.offline.need_profile import NeedProfile, Served
from agent.offline.need_purposes import NeedReading, Purpose, read_needs
from agent.offline.needs import spoken_count
from agent.offline.search_turns import constraints, show
from agent.offline.turn import Turn, trouble
from app.catalog.units import kind_of

# "my tyres", "on the bike": a kind the shopper has, not one they want ("the roughneck rain jacket" is wanted)
POSSESSED = r"\b(my|our|his|her|their|your|(?:on|in|for|to|with|from|at|off|onto|into|inside) (?:the|this|that))" \
            r"( [\w']+)? {}\b"
# "I want a tent ...": a thing asked for by name, which this store may not know (then it is not sold here)
ASKED_BY_NAME = re.compile(r"\b(?:want|need|looking for|after|buy|get|sell|have you got|do you have) (?:a|an|some|any) "
                           r"(?:new )?([a-z]+)(?: ([a-z]+))?")
# "somewhere to sit that's light": light as in weight, not a lamp
LIGHT_WEIGHT = re.compile(r"\b(that'?s|thats|is|are|and|but|very|really|super|quite|pretty|something|ultra) light\b|"
                          r"\blight(er)? (enough|weight|to carry|one|ones)\b")
GENERIC_NOUNS = {"way", "place", "spot", "something", "thing", "bit", "lot", "cup", "pair", "good", "better", "few",
                 "little", "couple", "kind", "sort", "type", "idea", "suggestion", "help", "hand", "solution"}
RUNNER_UP = 0.75  # a second category this close to the best is mentioned too


def _asks_for_a_kind(turn: Turn, reading: NeedReading) -> bool:
    """Whether the sentence names a kind of product the shopper wants ("he needs a helmet"), rather than one they
    have ("my tyres are always soft", "on the bike") or one the need is about ("anything for flat tyres")."""
    request = turn.request
    if any(not (only_possessed(turn, slug) or _only_in_the_need(turn, slug, reading))
           for slug in request.other_categories):
        return True
    phrase = request.category_phrase
    if not request.category or not phrase:
        return False
    if set(phrase.split()) <= reading.cue_words:
        return False
    if phrase in ("light", "lights") and LIGHT_WEIGHT.search(request.text):
        return False
    return not possessed(request.text, phrase)


def possessed(text: str, phrase: str) -> bool:
    """Whether a kind is named as something the shopper has ("my tyres", "on the bike")."""
    return bool(re.search(POSSESSED.format(re.escape(phrase)), text))


def only_possessed(turn: Turn, slug: str) -> bool:
    """"a light for my bike": the bike is the shopper's, not a second thing to find."""
    text = turn.request.text
    said = [p for p, s in turn.lexicon.category_words.items() if s == slug and re.search(rf"\b{re.escape(p)}\b", text)]
    return bool(said) and all(possessed(text, p) for p in said)


def _only_in_the_need(turn: Turn, slug: str, reading: NeedReading) -> bool:
    """"carry a water bottle and my lunch": every name of the kind said is part of the need (a thing carried)."""
    said = [p for p, s in turn.lexicon.category_words.items() if s == slug
            and re.search(rf"\b{re.escape(p)}\b", turn.request.text)]
    return bool(said) and all(set(p.split()) <= reading.cue_words for p in said)


def the_others_too(turn: Turn) -> str:
    """The other kinds named, to ask about next; not a kind the shopper only has ("a light for my bike")."""
    others = [c for c in turn.request.other_categories if not only_possessed(turn, c)]
    if not others:
        return ""
    return f" When you're ready, ask me about the {' and '.join(turn.lexicon.category_label(c) for c in others)} too."


def _unknown_thing_asked(turn: Turn) -> bool:
    """"I want a tent I can pitch in the dark" in a shop without tents: the shopper named the thing."""
    m = ASKED_BY_NAME.search(turn.request.text)
    if m is None:
        return False
    named = [w for w in m.groups() if w]  # "a dry place": the place is what is asked for, "dry" describes it
    return not any(w in GENERIC_NOUNS or turn.lexicon.knows(w) or turn.lexicon.correct(w) for w in named)


def _context_words(turn: Turn, reading: NeedReading) -> list[str]:
    """The shopper's other words the catalog knows ("family", "touring"), without kinds they only have."""
    lexicon = turn.lexicon
    return [w for w in turn.request.terms if w not in reading.cue_words and len(w) > 2 and lexicon.knows(w)
            and lexicon.category_words.get(w) is None and w not in turn.request.category_phrase.split()]


def _search_args(turn: Turn, reading: NeedReading, slug: str) -> dict[str, Any]:
    """The request's own limits (price, specs, in stock), without feature words that were part of the need
    ("down" in "on the way down hills" is not a filling); "that's light" puts the lightest first."""
    args = constraints(turn.request)
    if LIGHT_WEIGHT.search(turn.request.text) and "mass" in turn.lexicon.category_kinds.get(slug, set()):
        args.setdefault("sort", "weight_asc")
    kept = [f for f in args.get("features", []) if not set(f.split()) & reading.cue_words]
    if kept:
        args["features"] = kept
    else:
        args.pop("features", None)
    return args


async def _narrowed(turn: Turn, profile: NeedProfile, best: Served, reading: NeedReading, context: list[str],
                    args: dict[str, Any]) -> dict[str, Any]:
    """The category's products whose own text says they serve the need best, or all of them."""
    label = turn.lexicon.category_label(best.slug)
    for word in profile.narrowing(best.slug, reading, context)[:1]:
        result = await turn.tool("search_products", query=word, category=best.slug, **args)
        if not result.get("ok") or result["count"] >= 2:
            if result.get("ok"):
                turn.state.remember_search({"query": word, "category": best.slug, **args},
                                           [p["id"] for p in result["products"]])
            return result
    return await show(turn, {"query": label, "category": best.slug, **args})


def _purpose_of(profile: NeedProfile, reading: NeedReading, slug: str) -> Purpose:
    text = profile.categories[slug]
    return max(reading.purposes, key=lambda p: profile.kind_served(text, p)[0])


def _nothing_serves(turn: Turn, reading: NeedReading) -> str:
    """No category of this store serves the need: say so, and what the store does sell (its own words only)."""
    return (f"I don't think this store sells anything for {reading.purposes[0].name}. "
            f"I have {turn.categories_spoken()}. Would one of those help?")


async def plain_need(turn: Turn) -> str | None:
    """Show what serves a need said in plain words; None when the sentence states no need or names the kind of
    product wanted (the ordinary search handles those)."""
    profile = turn.lexicon.needs
    request = turn.request
    if profile is None or request.about_list or _unknown_thing_asked(turn):
        return None
    reading = read_needs(request.text)
    if not reading.purposes or _asks_for_a_kind(turn, reading) \
            or profile.names_a_product(request.terms, reading.cue_words):
        return None
    context = _context_words(turn, reading)
    served = profile.rank(reading, context)
    measured = {kind_of(s.unit) for s in request.slots.specs} - {None}  # "for 4 people": a kind that seats 4
    served = [s for s in served if measured <= turn.lexicon.category_kinds.get(s.slug, set())] or served
    if not served:
        return _nothing_serves(turn, reading)
    best = served[0]
    first = _purpose_of(profile, reading, best.slug)
    second = _second_need(turn, profile, reading, first, best, context)
    own = reading.only(first) if second else reading
    result = await _narrowed(turn, profile, best, own, context, _search_args(turn, own, best.slug))
    if not result.get("ok"):
        return trouble(result)
    if not result["count"]:
        return replies.describe_list(result, turn.state.turn)
    if second is not None:
        return await _both_needs(turn, reading, (first, best, result), second, context)
    reply = f"For {first.name}, I'd look at {_label(turn, best.slug)}. "
    reply += replies.describe_list(result, turn.state.turn)
    if len(served) > 1 and served[1].score >= RUNNER_UP * best.score:
        reply += f" {_label(turn, served[1].slug).capitalize()} could help too."
    return reply


def _label(turn: Turn, slug: str) -> str:
    return turn.lexicon.category_label(slug).replace("&", "and")


def _second_need(turn: Turn, profile: NeedProfile, reading: NeedReading, first: Purpose, best: Served,
                 context: list[str]) -> tuple[Purpose, Served] | None:
    """A second need said apart from the first ("see at night and stay warm") that another category serves."""
    for purpose in reading.purposes:
        if purpose is first or not reading.apart(first, purpose, turn.request.text):
            continue
        served = profile.rank(reading.only(purpose), context)
        if served and served[0].slug != best.slug:
            return purpose, served[0]
    return None


async def _both_needs(turn: Turn, reading: NeedReading, shown: tuple[Purpose, Served, dict[str, Any]],
                      second: tuple[Purpose, Served], context: list[str]) -> str:
    """Both lists on screen, one after the other, and a reply that says which serves which need."""
    first, best, result = shown
    purpose, other = second
    profile = turn.lexicon.needs
    assert profile is not None
    alone = reading.only(purpose)
    again = await _narrowed(turn, profile, other, alone, context, _search_args(turn, reading, other.slug))
    one = f"For {first.name}, I'd look at {_label(turn, best.slug)}"
    if not again.get("ok") or not again["count"]:
        return f"{one}. " + replies.describe_list(result, turn.state.turn)
    turn.state.listed = [p["id"] for p in result["products"]] + [p["id"] for p in again["products"]]
    counts = replies.join_words([spoken_count(str(r["heading"])) for r in (result, again)])
    return (f"{one}, and for {purpose.name}, at {_label(turn, other.slug)}. I found {counts}. "
            "Tap one, or ask me about any of them.")
