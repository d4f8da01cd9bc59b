"""Reads one shopper message into a `Request`: what they want done, and the details that matter.

Rules, not a model: ordinary phrasings of the shopping requests the offline agent serves, tolerant of number words,
typos in category and brand names, and references to what is on screen ("the second one", "it", "the tent").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from agent.offline.asking import asked_feature, asks_a_spec, asks_of_a_named_product, kind_words, question_topic
from agent.offline.lexicon import Lexicon
from agent.offline.looks import colours_in
from agent.offline.numbers import words_to_digits
from agent.offline.patterns import (
    DROP_PRICE,
    FILLER,
    MEASURE_WORDS,
    MEASURES,
    ORDINALS,
    PATTERNS,
    PRONOUN,
    SIMILAR,
    SPEC_PHRASE,
)
from agent.offline.slots import Slots, read_slots
from app.catalog.units import kind_of

# "light" said of weight ("how light is it") or of output ("how much light does it give"), not naming lamps
LIGHT_AS_WORD = re.compile(r"\bhow (much )?light\b|\blight output\b|\b(give|gives|put|puts|throw|throws) (out )?"
                           r"(much |more |enough |a lot of )?light\b")


# "roll-top", "quick-dry": a describing word in two parts (not "u-lock", a kind's name)
DESCRIBING_COMPOUND = re.compile(r"[a-z]{3,}-[a-z]{2,}")


@dataclass
class Request:
    intent: str
    text: str
    category: str | None = None
    category_phrase: str = ""
    other_categories: list[str] = field(default_factory=list)  # further categories named in the same message
    brand: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    quantity: int | None = None
    ordinal: int | None = None
    superlative: str | None = None  # cheapest | priciest
    pronoun: bool = False
    persons: int | None = None
    topic: str | None = None  # what a question is about: waterproof | weight | warmth | capacity | stock | price
    pairing: bool = False  # "what goes with it" (vs "recommend a sleeping bag")
    indefinite: bool = False  # "a headlamp", "some poles": any product of the kind, not one on screen
    terms: list[str] = field(default_factory=list)
    slots: Slots = field(default_factory=Slots)  # spec limits with units, features, sort, in-stock-only
    asked_feature: str | None = None  # "is it waterproof?" -> "waterproof"
    about_list: bool = False  # "which of these", "just the ...", "only ..." : a refinement of the list on screen
    drop_price: bool = False  # "never mind the price"
    measure: tuple[str, bool] | None = None  # "the lightest" -> ("weight", False); "brightest" -> ("lumens", True)
    kind_words: list[str] = field(default_factory=list)  # "the u-locks", "the dome tents": a kind within the category
    need_context: str = ""  # "for my bike commute": what the thing is for ("bike commute"), not what to search for

    @property
    def has_product_words(self) -> bool:
        return bool(self.category or self.brand or self.terms or self.persons)


def _amount(number: str, k: str) -> float:
    return float(number) * (1000 if k else 1)


def _prices(text: str) -> tuple[float | None, float | None]:
    num = r"\$?\s?(\d+(?:\.\d+)?)(k?)"
    m = re.search(rf"\bbetween {num} and {num}", text) or re.search(rf"\bfrom {num} to {num}", text) \
        or re.search(rf"{num}\s?(?:-|to)\s?{num}\s?(?:dollars|bucks|\$|usd)", text)
    if m:
        lo, hi = _amount(m.group(1), m.group(2)), _amount(m.group(3), m.group(4))
        return min(lo, hi), max(lo, hi)
    m = re.search(rf"\b(?:under|below|less than|cheaper than|at most|up to|no more than|max(?:imum)?|within|"
                  rf"not more than|budget of|budget is|no higher than|not over|for less than)\s{num}", text) \
        or re.search(rf"{num}\s?(?:dollars|bucks|usd)?\s(?:or less|or under|max(?:imum)?|tops|or cheaper)\b", text)
    if m:
        return None, _amount(m.group(1), m.group(2))
    m = re.search(rf"\b(?:over|above|more than|at least|minimum|starting at|upwards of)\s{num}", text) \
        or re.search(rf"{num}\s?(?:dollars|bucks|usd)?\s(?:or more|and up|plus|or above)\b", text)
    if m:
        return _amount(m.group(1), m.group(2)), None
    m = re.search(rf"\b(around|about|roughly|approximately|close to|near|somewhere around)\s{num}", text)
    if m:
        value = _amount(m.group(2), m.group(3))
        return round(value * 0.8, 2), round(value * 1.2, 2)
    m = re.search(r"\$\s?(\d+(?:\.\d+)?)(k?)", text) or re.search(r"\b(\d+(?:\.\d+)?)(k?)\s?(?:dollars|bucks|usd)\b",
                                                                    text)
    if m:
        return None, _amount(m.group(1), m.group(2))
    return None, None


def _quantity(text: str) -> int | None:
    m = re.search(r"\b(\d+)\s*(x\b|of (those|these|them|it|that|this|the|each)|more\b|units?|pieces?|pairs?|sets?|"
                  r"items?)", text) \
        or re.search(r"\b(add|take|buy|want|get|need|have|make (it|that|them|this|those)|to|only|grab|put|reduce|"
                     r"increase|change|remove|delete|drop)( it| that| them)?\s(\d+)\b(?!\s*(dollars|bucks|"
                     r"\$|k\b|person|people))", text) \
        or re.search(r"(?:^|\b(?:add|buy|get|want|need|take|order|and|grab|have|me|us|with)\s)(\d+)\s([a-z]+ )?"
                     r"([a-z]{3,}s|of the)\b(?<!persons)(?<!people)", text)
    if m:
        digits = next((g for g in m.groups() if g and g.isdigit()), None)
        if digits is not None and 0 <= int(digits) <= 999:
            return int(digits)
    if re.search(r"\b(another|1 more|one more)\b", text):
        return 1
    return None


def _reference(text: str) -> tuple[int | None, str | None]:
    for word, index in ORDINALS.items():
        if word == "last" and not re.search(r"\bthe (very )?last\b", text):
            continue  # "how long does it last" is not "the last one"
        if re.search(rf"\b{word}\b", text) and not re.search(
                rf"\b{word} (\w+ )?(time|night|trip|week|weekend|month|year|summer|winter|season|outing|hike|aid)\b|"
                r"\bat last\b", text):
            return index, None
    m = re.search(r"\b(?:number|item|option|#)\s?(\d+)\b", text)
    if m and 0 < int(m.group(1)) <= 50:
        return int(m.group(1)) - 1, None
    if re.search(r"\b(cheapest|least expensive|lowest price|lowest priced|most affordable|cheaper one)\b", text):
        return None, "cheapest"
    if re.search(r"\b(most expensive|priciest|top of the line|premium one|fanciest)\b", text):
        return None, "priciest"
    return None, None


def _persons(text: str, category: str | None) -> int | None:
    m = re.search(r"\bfor (\d+)( people| persons?| of us| adults| kids)?\b(?!\s*(dollars|bucks|\$|usd|k\b))", text) \
        or re.search(r"\b(\d+)[ -]?(person|man|people|persons|p)\b", text)
    if m:
        value = int(m.group(1))
        if 1 <= value <= 12 and (category in (None, "tents") or (m.group(2) or "").strip()):
            return value
        return None
    if re.search(r"\b(solo|for me alone|just me|by myself|for 1)\b", text):
        return 1
    return None


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("&", " and ")
    text = words_to_digits(text)
    text = re.sub(r"\b(undr|unde|udner)\b", "under", text)
    text = re.sub(r"\b(ovr|ovet)\b", "over", text)
    text = re.sub(r"\b(pls|plz|plse)\b", "please", text)
    text = re.sub(r"\b(stok|stck|sotck)\b", "stock", text)
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)
    text = re.sub(r"[^\w$'.\-? ]+", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)
    text = re.sub(r"\s*\?+", " ?", text)
    return " ".join(text.split())


def _terms(text: str, lexicon: Lexicon, consumed: set[str], categories: list[str], numbers_used: set[str]) -> list[str]:
    terms: list[str] = []
    previous_kept = False
    for word in text.split():
        word = word.strip("-'")
        if previous_kept and re.fullmatch(r"\d{1,4}", word) and word not in numbers_used:
            terms.append(word)  # part of a product name: "Spark 250", "Ridgeline 55"
            continue
        previous_kept = False
        if (word in FILLER or word in consumed or word in ORDINALS or len(word) < 2 or word == "?"
                or re.fullmatch(r"\$?[\d.]+k?|#\d+|\d+(st|nd|rd|th)|\d+p", word)):
            continue
        if any(lexicon.is_category_word(word, slug) for slug in categories):
            continue
        terms.append(word)
        previous_kept = True
    return terms


def _session_intent(text: str, has: Callable[[str], bool], category: str | None, brand: str | None) -> str | None:
    """Requests that outrank product words: starting over, the cart as a whole, checkout, a swap, the store itself,
    and things this kiosk does not do."""
    if has("start_over"):
        return "start_over"
    if has("clear_cart"):
        return "clear_cart"
    if has("remove"):
        return "remove"
    if has("checkout") and not re.search(r"\b(add|put)\b", text):
        return "checkout"
    if re.search(r"\b(swap|switch|exchange|replace|trade)\b.*\b(for|with)\b", text):
        return "swap"
    if re.search(r"\bwhat (brands?|makes|labels|categories|kinds|types|sorts)\b|\bwhich (brands?|categories)\b|"
                 r"\bwhat (else )?do you (sell|carry|stock)\b", text) and not category:
        return "store_info"
    if has("smalltalk") and not has("add") and (not (category or brand) or re.search(
            r"\b(park|loyalty|price ?match|membership|refund|return policy|opening hours|store hours|fix|repair|"
            r"service|tune ?up|test ride)\b", text)):
        return "smalltalk"
    return None


def _intent(text: str, has: Callable[[str], bool], category: str | None, brand: str | None, ordinal: int | None,
            superlative: str | None, has_reference: bool, max_price: float | None, min_price: float | None,
            words: int) -> str:
    """What the shopper wants done, before taking a pending question ("Shall I ...?") into account."""
    first = _session_intent(text, has, category, brand)
    if first is not None:
        return first
    if has("set_quantity") and not re.search(r"\b(add|put|buy)\b", text) \
            and not ((max_price is not None or min_price is not None) and re.search(r"\b(under|over|below|above|"
                                                                                  r"less than|more than)\b", text)) \
            and re.search(r"\b(it|that|them|quantity|the|those|this|these|only|instead)\b", text):
        return "set_quantity"
    if has("add") and not (has("question") and not re.search(r"\b(add|put(?! out)|buy)\b", text)):
        return "add"
    if has("pairing") or (has("suggest") and not has("details")):
        return "recommend"
    if has("view_cart") and not (has_reference and re.search(r"\bhow much\b", text)
                                 and not re.search(r"\b(cart|basket|total|everything|all)\b", text)):
        return "view_cart"
    if has("compare"):
        return "compare"
    if has("question"):
        return "question"
    if has("feature_question") or has("info_question") or (has("info_topic") and (
            not (category and words > 5) or re.match(r"(what'?s?|which|how|is|are|does|do)\b", text))):
        return "question"
    if has("details"):
        return "details"
    if has("more"):
        return "more"
    if has("back") and category:
        return "back"
    if has("cheaper") and max_price is None:
        return "cheaper"
    if has("help"):
        return "help"
    if (ordinal is not None or superlative is not None) and re.search(r"\b\d+ (of )?(the|those|these|them)\b", text):
        return "add"
    if ordinal is not None or superlative is not None:
        return "details" if not (category or brand or max_price or min_price) else "search"
    return _social_intent(has, bool(category or brand), words) or "search"


def _social_intent(has: Callable[[str], bool], names_products: bool, words: int) -> str | None:
    """Greetings, thanks, goodbyes and a short yes or no, when the message names no products."""
    if has("greet") and words <= 4 and not names_products:
        return "greet"
    if has("thanks") and not names_products:
        return "thanks"
    if has("goodbye") and not names_products:
        return "goodbye"
    if has("yes") and words <= 3 and not names_products:
        return "affirm"
    if has("no") and words <= 3:
        return "negate"
    return None


def _where_needed(text: str) -> str:
    """"cold in my tent", "so my bike doesn't get stolen": the kind named is where the need is, not what is wanted."""
    context = re.search(r"\b(?:in|inside|for|with|on|to|so|keep) (?:my|our|the) (\w+(?: \w+)?)", text)
    if context and re.search(r"\b(cold|wet|warm|need|get|gets|carry|keep|stolen|safe|always|dark)\b", text):
        return context.group(1)
    # "can I use it inside my tent?": asked about "it", the tent is where, not which product
    inside = re.search(r"\b(?:in|inside|into) (?:my|our|a|the) (\w+)", text)
    return inside.group(1) if inside and re.search(r"\b(use|using|it)\b", text) else ""


def _kinds_named(text: str, lexicon: Lexicon, slots: Slots, measure: tuple[str, bool] | None,
                 where_needed: str) -> list[tuple[str, str]]:
    """The categories the shopper asks for, with the words that named them, in order."""
    return [hit for hit in lexicon.find_categories(re.sub(r"(?<=\w)-(?=\w)", " ", text), FILLER | MEASURE_WORDS)
            if not (where_needed and hit[1] in where_needed)
            and not set(hit[1].split()) <= slots.phrase_words
            and not (hit[1] in ("light", "lights") and (measure or slots.sort or LIGHT_AS_WORD.search(text)))]


def _adjusted(intent: str, text: str, has: Callable[[str], bool], slots: Slots, ordinal: int | None,
              names_products: bool, expecting_answer: bool) -> str:
    """The intent, given the order, similarity, colour and refusal words around it."""
    if slots.sort and intent in ("add", "details", "question", "recommend", "compare") and ordinal is None:
        return "search"  # "put the most expensive first" orders the list
    if DROP_PRICE.search(text) and intent in ("search", "view_cart", "details"):
        return "search"
    if SIMILAR.search(text) and intent in ("search", "details", "recommend"):
        return "similar"
    if intent == "search" and (colours_in(slots.features) or slots.size) and not names_products \
            and re.search(r"\b(it|that|this)( one)? in\b", text):
        return "question"  # "do you have it in blue?", "do you have it in a size large?": about the one in focus
    if intent == "search" and colours_in(slots.features) and not names_products:
        if re.search(r"\bthe ([a-z]+ ){1,3}(one|1)$|\bthe ([a-z]+ ){1,3}(one|1) (please|\?)", text):
            return "details"  # "the navy one": a product on screen, picked by its colour
    if expecting_answer and has("no") and not names_products \
            and intent in ("search", "negate", "thanks", "checkout", "goodbye"):
        return "decline"
    return intent


def understand(raw: str, lexicon: Lexicon, expecting_answer: bool = False) -> Request:
    text = normalise(raw)
    where_needed = _where_needed(text)
    slots = read_slots(text, lexicon.feature_words, lexicon.spec_kinds, lexicon.flag_words, lexicon.count_names,
                       lexicon.spec_names, lexicon.value_words, lexicon.spec_values)
    measure = next((m for pattern, m in MEASURES if re.search(pattern, text)), None)
    found = _kinds_named(text, lexicon, slots, measure, where_needed)
    category, category_phrase = found[0] if found else (None, "")
    brand, brand_phrase = lexicon.find_brand(text)
    min_price, max_price = _prices(SPEC_PHRASE.sub(" ", text))
    ordinal, superlative = _reference(text)
    if slots.sort:  # "lowest price at the top", "most expensive first" order the list; they pick no product
        superlative = None
        ordinal = None if ordinal in (0, -1) else ordinal
    persons = _persons(text, category)
    words = len(text.replace("?", "").split())

    def has(name: str) -> bool:
        return bool(PATTERNS[name].search(text))

    has_reference = ordinal is not None or superlative is not None or bool(PRONOUN.search(text))
    intent = _intent(text, has, category, brand, ordinal, superlative, has_reference, max_price, min_price, words)
    intent = _adjusted(intent, text, has, slots, ordinal, bool(category or brand), expecting_answer)
    if asks_a_spec(intent, text, lexicon):
        intent = "question"  # "what pressure does the first one go up to?", "what's the boil time on ...?"
    if expecting_answer and has("yes") and not has("no"):
        if intent in ("search", "affirm", "thanks", "checkout") and not (ordinal is not None or brand
                                                                         or (category and words > 3)):
            intent = "confirm"
    topic = question_topic(text, slots) if intent == "question" else None
    consumed = {w for _, phrase in found for w in phrase.split()} | set(brand_phrase.split())
    quantity = _quantity(text)
    numbers_used = {_plain(v) for v in (min_price, max_price, quantity, persons) if v is not None} | slots.consumed
    consumed |= {w for f in slots.features for w in f.split()} | slots.phrase_words
    if where_needed:  # "in my tent": the tent is where the need is, not what to search for
        consumed |= set(where_needed.split())
    terms = _terms(SPEC_PHRASE.sub(" ", text), lexicon, consumed, [slug for slug, _ in found], numbers_used)
    for term in [t for t in terms if DESCRIBING_COMPOUND.fullmatch(t) and not lexicon.knows(t)]:
        terms.remove(term)  # "a roll-top one": a describing word the products' own text may say, kept as said
        slots.features.append(term)
    if asks_of_a_named_product(intent, text, slots, terms):
        intent, topic = "question", question_topic(text, slots)
    if category is None and slots.specs and not terms:  # "at least 300 lumens": the category whose specs say so
        category = lexicon.category_for_kinds({kind_of(s.unit) or "" for s in slots.specs} - {""})
    if any(s.unit == "persons" for s in slots.specs):
        persons = None  # a person count is a spec limit now
    return Request(
        intent=intent, text=text, category=category, category_phrase=category_phrase,
        other_categories=[slug for slug, _ in found[1:]], brand=brand, min_price=min_price, max_price=max_price,
        quantity=quantity, ordinal=ordinal, superlative=superlative, pronoun=bool(PRONOUN.search(text)),
        persons=persons, topic=topic, pairing=has("pairing"), terms=terms, slots=slots, need_context=where_needed,
        asked_feature=asked_feature(text, lexicon) if intent == "question" else None, measure=measure,
        drop_price=bool(DROP_PRICE.search(text)), kind_words=kind_words(
            text, category_phrase, slots, lexicon.category_names.get(category or "", "")),
        about_list=bool(re.search(r"\b(of (these|those|them)|these|those|just (the|what)|only (the|what)|"
                                  r"which ones|(just|only) [a-z]+-[a-z]+s)\b", text)),
        indefinite=bool(category_phrase) and bool(re.search(
            rf"\b(a|an|some|any|another|new)( \w+)? {re.escape(category_phrase.split()[0])}\b", text)),
    )
