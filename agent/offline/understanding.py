"""Reads one shopper message into a `Request`: what they want done, and the details that matter.

Rules, not a model: ordinary phrasings of the shopping requests the offline agent serves, tolerant of number words,
typos in category and brand names, and references to what is on screen ("the second one", "it", "the tent").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.offline.lexicon import Lexicon
from agent.offline.numbers import words_to_digits

ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4, "5th": 4,
    "sixth": 5, "6th": 5, "seventh": 6, "eighth": 7, "ninth": 8, "tenth": 9, "last": -1,
}
_P = {
    "start_over": r"\b(start (over|again)|reset|clear everything|begin again|new shopper|forget (it|everything))\b",
    "help": r"\b(help|what can you do|how does this work|what do you (do|sell)|what can i (ask|say))\b",
    "checkout": r"\b(check ?out|pay( now)?|place (the |my |an )?order|that'?s all|that is all|i'?m done|i am done|"
                r"ready to (buy|pay|order)|complete (the |my )?(order|purchase)|finish( up)?)\b",
    "yes": r"^(yes|yeah|yep|yup|sure|correct|confirm(ed)?|ok(ay)?|that'?s right|right|go ahead|please do|do it|"
           r"place it|sounds good|perfect)\b",
    "no": r"^(no|nope|not yet|wait|cancel|hold on|stop|nah)\b",
    "remove": r"\b(remove|delete|take (it |that |them |those )?(out|off)|drop|get rid of|don'?t want|"
              r"no longer want)\b",
    "set_quantity": r"\b(change|make (it|that|them)|set|update)\b.*\b(\d+)\b|\bonly (want |need )?(\d+)\b",
    "add": r"\b(add|put|i'?ll take|i will take|i'?ll have|buy|get me|grab|throw in|i want (it|that|this|those|them)|"
           r"take (it|that|this|those|them))\b",
    "view_cart": r"\b(cart|basket|my order)\b",
    "recommend": r"\b(goes? (well )?with|go together|recommend|suggest|accessor(y|ies)|what else|pair(s)? with|"
                 r"need with|complement|to go with)\b",
    "details": r"\b(tell me (more|about)|more about|details?|describe|specs|specifications|more info|info(rmation)? "
               r"(on|about)|how (heavy|warm|light|big|long|bright|much does)|is it (waterproof|warm|heavy|light)|"
               r"what about)\b",
    "cheaper": r"\b(cheaper|less expensive|lower price|more affordable|too expensive|cheapest ones?)\b",
    "greet": r"^(hi|hello|hey|good (morning|afternoon|evening)|hiya|howdy)\b",
    "thanks": r"\b(thanks|thank you|cheers|that'?s helpful)\b",
    "in_stock": r"\b(in stock|available|have (it|any|them) in stock)\b",
}
PATTERNS = {name: re.compile(pattern) for name, pattern in _P.items()}
PRONOUN = re.compile(r"\b(it|that|this|those|them|these|that one|this one)\b")
FILLER = set(
    "i im i'm need want would like looking for a an the some me show find get please can you do have any got is are "
    "for to with under below over above than less more between and or of in my cart one ones something thing things "
    "what whats what's which that this it those them these there here about around dollars dollar bucks usd price "
    "priced cost costs costing max maximum most least at up no budget tell see let lets let's also too just really "
    "good great nice best new cheap cheapest cheaper expensive priciest pricey affordable of on by from our your we us will ill i'll could should go much many how".split()
)


@dataclass
class Request:
    intent: str
    text: str
    category: str | None = None
    category_phrase: str = ""
    brand: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    quantity: int | None = None
    ordinal: int | None = None
    superlative: str | None = None  # cheapest | priciest
    pronoun: bool = False
    persons: int | None = None
    terms: list[str] = field(default_factory=list)

    @property
    def has_product_words(self) -> bool:
        return bool(self.category or self.brand or self.terms or self.persons)


def _prices(text: str) -> tuple[float | None, float | None]:
    num = r"\$?\s?(\d+(?:\.\d+)?)k?"
    m = re.search(rf"\bbetween {num} and {num}", text) or re.search(rf"\bfrom {num} to {num}", text) \
        or re.search(rf"{num}\s?(?:-|to)\s?{num}\s?(?:dollars|bucks|\$)", text)
    if m:
        lo, hi = float(m.group(1)), float(m.group(2))
        return min(lo, hi), max(lo, hi)
    m = re.search(rf"\b(under|below|less than|cheaper than|at most|up to|no more than|max(?:imum)?|within|"
                  rf"not more than|budget of|budget is)\s{num}", text)
    if m:
        return None, float(m.group(2))
    m = re.search(rf"\b(over|above|more than|at least|minimum|from)\s{num}", text)
    if m:
        return float(m.group(2)), None
    m = re.search(rf"\b(around|about|roughly|approximately)\s{num}", text)
    if m:
        value = float(m.group(2))
        return round(value * 0.8, 2), round(value * 1.2, 2)
    m = re.search(r"\$\s?(\d+(?:\.\d+)?)", text)
    if m:
        return None, float(m.group(1))
    return None, None


def _quantity(text: str) -> int | None:
    m = re.search(r"\b(\d+)\s*(x\b|of (those|these|them|it|that|the)|more\b|units?|pieces?|items?)", text) \
        or re.search(r"\b(add|take|buy|want|get|need|make (it|that|them)|to|only)\s(\d+)\b(?!\s*(dollars|bucks|\$))", text)
    if m:
        digits = next(g for g in m.groups() if g and g.isdigit())
        return int(digits)
    if re.search(r"\b(another|one more)\b", text):
        return 1
    return None


def _reference(text: str) -> tuple[int | None, str | None]:
    for word, index in ORDINALS.items():
        if re.search(rf"\b(the )?{word}\b( one)?", text):
            return index, None
    m = re.search(r"\bnumber (\d+)\b|\bitem (\d+)\b|\boption (\d+)\b", text)
    if m:
        return int(next(g for g in m.groups() if g)) - 1, None
    if re.search(r"\b(cheapest|least expensive|lowest price)\b", text):
        return None, "cheapest"
    if re.search(r"\b(most expensive|priciest|best one|top of the line|premium one)\b", text):
        return None, "priciest"
    return None, None


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("&", " and ")
    text = words_to_digits(text)
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)
    text = re.sub(r"[^\w$'.\- ]+", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    return " ".join(text.split())


def understand(raw: str, lexicon: Lexicon, awaiting_confirmation: bool = False) -> Request:
    text = normalise(raw)
    category, category_phrase = lexicon.find_category(text)
    brand, brand_phrase = lexicon.find_brand(text)
    min_price, max_price = _prices(text)
    ordinal, superlative = _reference(text)
    persons = None
    m = re.search(r"\bfor (\d+)( people| persons?| of us)?\b|\b(\d+)[ -]?(person|man|people)\b", text)
    if m:
        persons = int(m.group(1) or m.group(3))
    elif re.search(r"\b(solo|for me alone|just me)\b", text):
        persons = 1
    elif re.search(r"\bfamily\b", text) and category == "tents":
        persons = 4

    def has(name: str) -> bool:
        return bool(PATTERNS[name].search(text))

    intent = "search"
    if awaiting_confirmation and has("yes"):
        intent = "confirm"
    elif awaiting_confirmation and has("no"):
        intent = "decline"
    elif has("start_over"):
        intent = "start_over"
    elif has("remove"):
        intent = "remove"
    elif has("checkout") and not has("add"):
        intent = "checkout"
    elif has("set_quantity") and not has("add") and re.search(r"\b(it|that|them|quantity|the|those)\b", text):
        intent = "set_quantity"
    elif has("add"):
        intent = "add"
    elif has("recommend"):
        intent = "recommend"
    elif has("view_cart") or re.search(r"\b(how much (is|do i owe)|what'?s the total|my total)\b", text):
        intent = "view_cart"
    elif has("details"):
        intent = "details"
    elif has("cheaper") and not (category or max_price):
        intent = "cheaper"
    elif has("help"):
        intent = "help"
    elif ordinal is not None or superlative is not None:
        intent = "details" if not (category or brand or max_price) else "search"
    elif has("greet") and len(text.split()) <= 4 and not category:
        intent = "greet"
    elif has("thanks") and not category:
        intent = "thanks"

    consumed = set(category_phrase.split()) | set(brand_phrase.split())
    terms = [
        w for w in text.split()
        if w not in FILLER and w not in consumed and w not in ORDINALS and not re.fullmatch(r"\$?[\d.]+k?", w)
        and w not in {"person", "people", "persons", "x"} and len(w) > 1
        and not (category and lexicon.is_category_word(w, category))
    ]
    quantity = _quantity(text)
    if intent in ("add", "set_quantity") and quantity is None and re.search(r"\b(2|two) of (them|those)\b", text):
        quantity = 2
    return Request(
        intent=intent, text=text, category=category, category_phrase=category_phrase, brand=brand,
        min_price=min_price, max_price=max_price, quantity=quantity, ordinal=ordinal, superlative=superlative,
        pronoun=bool(PRONOUN.search(text)), persons=persons, terms=terms,
    )
