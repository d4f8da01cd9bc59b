"""The honesty checker: every product fact in one of Aisle's replies (and list headings) must be supported by the
product data.

It reads a reply sentence by sentence. For each sentence it works out which products the sentence talks about: the
products it names; else those the previous sentence named ("It's $89.99"); else the products the dialogue last looked
at (details, cart changes: "it"); else, and always for "them/these/those/all", the list on screen and the cart. Then:

- a price ("$89.99", "$1,249", "89 dollars") must be the price of one of those products, a cart total or line, a sum
  of named products ("together they come to"), a difference of two ("$20 cheaper"), N times a price the shopper
  asked for ("two of those would be"), or, after "under/over/between/your...", a budget the shopper or a tool set;
- a stock level ("only 3 left", "12 in stock", "two of them are out of stock") must equal the data; "out of stock"
  needs stock 0; "in stock" needs a known stock above 0 (for every product on screen when the sentence names none);
  nothing may be said about the stock of a product whose stock is unknown;
- a figure with a unit ("1.2 kg", "-7 °C", "300 lumens", "50 litres", "4-person", "IPX7") must match a spec of one of
  those products (converting kg/g/lb/oz, °C/°F, l/ml, mm/cm/m/inch, h/min) or a figure in its own description, unless
  it echoes a constraint the shopper set ("at least 300 lumens");
- a yes/no about a feature or material ("it's waterproof", "isn't hooded", "a down bag", "No, ... has no rain cover")
  must be supported: a yes by a true spec, a spec value, a tag or the product's own text; a no by a false spec, a
  rating that rules it out (IPX4 is not waterproof), another value of the same spec (fill: synthetic is not down)
  or the product's text saying so ("not waterproof", "hoodless"). Silence never supports a no. "N waterproof tents"
  claims it of every product on the list;
- a comparison ("X is lighter than Y", "the most expensive is X, against Y") must name the product that wins on its
  own figures.

Quoted examples ('a tent under 300 dollars') are not claims; sentences that only ask ("Shall I add it?") make no
stock or feature claims, but prices and figures in them still count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from tests.conversations.product_facts import ProductData, display, feature_support, figure, spec_quantities, text_of
from tests.conversations.quantities import (
    NUMBER_WORDS,
    QUANTITY,
    UNITS,
    WORD_NUM,
    WORD_QUANTITY,
    Quantity,
    decimals,
    same_quantity,
    to_float,
)


@dataclass
class Facts:
    """What the data says at the end of one turn."""

    shown: Sequence[str] = ()  # the list on screen after the turn
    focus: Sequence[str] = ()  # products the turn looked at or changed (details, cart edits), most recent last
    cart_lines: Sequence[tuple[str, int, float]] = ()  # (product id, quantity, unit price) after the turn
    cart_totals: Iterable[float] = ()  # cart totals before and after the turn
    budgets: Iterable[float] = ()  # numbers the shopper said or tool calls used (echoes of constraints)
    extra_prices: Iterable[float] = field(default_factory=list)  # e.g. line totals before the turn



_PRICE = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?|\b(\d+(?:\.\d{1,2})?) (?:dollars|bucks)\b", re.I)
_IP = re.compile(r"\bIP[X\d]\d\b", re.I)
_CONSTRAINT_BEFORE = re.compile(
    r"(under|below|over|above|less than|more than|at least|at most|up to|no more than|no less than|between|and|"
    r"to|within|budget(?: of)?|max(?:imum)?|min(?:imum)?|from|or|rated to|down to|for|of|your|"
    r"lighter than|heavier than|brighter than|cheaper than|warmer than|colder than)\s*$", re.I)
_CONSTRAINT_AFTER = re.compile(
    r"^\s*(?:or (?:more|less|under|over|lower|higher|colder|warmer|lighter|heavier|brighter|better|bigger|below|"
    r"above|fewer|cheaper)|and (?:up|under|over|below|above)|max|min|budget|each|or so)\b", re.I)



# -- the checker --------------------------------------------------------------------------------------------------
COMMON_FEATURES = (
    "waterproof", "water-resistant", "water resistant", "hooded", "hood", "insulated", "rechargeable", "folding",
    "foldable", "packable", "breathable", "reflective", "ultralight", "freestanding", "tubeless", "windproof",
    "padded", "rain cover", "adjustable", "mips",
)
_UNSURE = re.compile(
    r"\b(?:whether|if)\b[^.,;]*|\b(?:don't|do not|doesn't|does not|can't|cannot) (?:say|list|mention|tell|know)"
    r"[^.;]*|\bnot sure\b[^.;]*|\bno (?:information|details?|data)\b[^.;]*", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(]?[A-Z0-9$])|\n+")
_STOCK_NUMBER = re.compile(
    rf"\b(?:only |just )?(\d+|{WORD_NUM})(?: of (?:them|those|it|these|the #+|#+))? (?:left|in stock|available|"
    rf"on the shelf|"
    rf"remaining|on hand)\b", re.I)
_IN_STOCK = re.compile(r"(?<!out of )(?<!not )\b(?:in stock|on the shelf|available now|available today)\b", re.I)
_OUT_OF_STOCK = re.compile(r"\b(?:out of stock|sold out|none left|not in stock|unavailable|no stock)\b", re.I)


_QUOTED = re.compile(r"(?<!\w)'[^']{3,}'(?!\w)|\"[^\"]{3,}\"|‘[^’]+’|“[^”]+”")  # examples of what to say
_PLURAL = re.compile(r"\b(?:of them|of these|of those|they|these|those|them|all|both|none|each)\b", re.I)
_COUNTED_OUT = re.compile(rf"\b(\d+|{WORD_NUM}|all|none) of (?:them|these|those)\b[^.]*?(?:out of stock|sold out)",
                          re.I)


COMPARATIVES: dict[str, tuple[str, Any]] = {
    "lighter": ("mass", min), "lightest": ("mass", min), "heavier": ("mass", max), "heaviest": ("mass", max),
    "cheaper": ("price", min), "cheapest": ("price", min), "least expensive": ("price", min),
    "less expensive": ("price", min), "more expensive": ("price", max), "most expensive": ("price", max),
    "pricier": ("price", max), "priciest": ("price", max), "brighter": ("light", max), "brightest": ("light", max),
    "warmer": ("temp", min), "warmest": ("temp", min), "roomier": ("persons", max), "roomiest": ("persons", max),
}
_COMPARISON = re.compile(r"\b(" + "|".join(sorted(COMPARATIVES, key=len, reverse=True)) + r")\b", re.I)


@dataclass(frozen=True)
class Claim:
    sentence: str
    problem: str

    def __str__(self) -> str:
        return f"{self.problem} — in: {self.sentence!r}"


class HonestyChecker:
    """Checks replies against one catalog. Build once per catalog; `check()` per reply."""

    def __init__(self, products: Mapping[str, ProductData]) -> None:
        self.products = products
        names: list[tuple[str, str]] = []
        for product in products.values():
            variants = {product.name.lower(), f"{product.brand} {product.name}".strip().lower()}
            if product.brand and product.name.lower().startswith(product.brand.lower() + " "):
                variants.add(product.name[len(product.brand) + 1:].lower())
            names += [(variant, product.id) for variant in variants if len(variant) > 3]
        self._names = sorted(names, key=lambda n: len(n[0]), reverse=True)
        features = set(COMMON_FEATURES)
        self.choices: dict[str, set[str]] = {}  # a one-word spec value -> the keys it is a value of ("down": fill)
        for product in products.values():
            features |= {k.lower().replace("_", " ") for k, v in product.specs.items() if isinstance(v, bool)}
            for key, value in product.specs.items():
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z-]{2,}", value.lower()) and value != "none":
                    self.choices.setdefault(value.lower(), set()).add(key)
        features |= set(self.choices)
        self._feature = re.compile(
            r"\b(" + "|".join(re.escape(f) for f in sorted(features, key=len, reverse=True)) + r")\b(?!\s+to\b)", re.I)

    # -- sentences and who they are about -------------------------------------------------------------------------
    def named_in(self, sentence: str) -> tuple[list[str], str]:
        """Products named in the sentence, in order, and the sentence with those names blanked out."""
        lowered = sentence.lower()
        found: list[tuple[int, str]] = []
        for name, pid in self._names:
            start = lowered.find(name)
            while start >= 0:
                end = start + len(name)
                if (start == 0 or not lowered[start - 1].isalnum()) and (end >= len(lowered)
                                                                         or not lowered[end].isalnum()):
                    found.append((start, pid))
                    lowered = lowered[:start] + "\x00" * len(name) + lowered[end:]
                start = lowered.find(name, start + 1)
        blanked = "".join("#" if c == "\x00" else sentence[i] for i, c in enumerate(lowered))
        return list(dict.fromkeys(pid for _, pid in sorted(found))), blanked  # in the order they are said

    def check(self, reply: str, facts: Facts) -> list[Claim]:
        problems: list[Claim] = []
        previous: list[str] = []
        for sentence in (s.strip() for s in _SENTENCE.split(reply)):
            if not sentence:
                continue
            named, blanked = self.named_in(_QUOTED.sub(" ", sentence))
            about = named or previous or [p for p in facts.focus if p in self.products][-1:]
            if not named and _PLURAL.search(blanked):
                about = []  # "Two of them are out of stock": the list, not the product named before
            fallback = not about
            if fallback:
                about = [p for p in list(facts.shown) + [line[0] for line in facts.cart_lines] if p in self.products]
            question = sentence.rstrip().endswith("?")
            problems += [Claim(sentence, p) for p in self._prices(blanked, named, about, facts)]
            problems += [Claim(sentence, p) for p in self._specs(blanked, about, facts)]
            problems += [Claim(sentence, p) for p in self._winner(blanked, named)]
            if not question:
                problems += [Claim(sentence, p) for p in self._stock(blanked, named, about, fallback, facts)]
                problems += [Claim(sentence, p) for p in self._features(blanked, about, fallback, facts)]
            previous = named or previous
        return problems

    # -- prices ----------------------------------------------------------------------------------------------------
    def _prices(self, text: str, named: list[str], about: list[str], facts: Facts) -> list[str]:
        prices = [self.products[p].price for p in about]
        allowed = set(prices) | set(facts.cart_totals) | set(facts.extra_prices)
        allowed |= {q * u for _, q, u in facts.cart_lines} | {u for _, _, u in facts.cart_lines}
        named_prices = [self.products[p].price for p in named][:6]
        for size in range(2, len(named_prices) + 1):  # "together they come to $X"
            allowed |= {round(sum(c), 2) for c in combinations(named_prices, size)}
        allowed |= {abs(a - b) for a, b in combinations(named_prices, 2)}  # "$20 cheaper"
        counts = {n for n in facts.budgets if n == int(n) and 2 <= n <= 20}  # "two of those would be $X"
        allowed |= {round(n * p, 2) for n in counts for p in prices}
        budgets = set(facts.budgets)
        problems = []
        for m in _PRICE.finditer(text):
            if m.group(3):
                value = float(m.group(3))
            else:
                value = to_float(m.group(1)) + (float("0." + m.group(2)) if m.group(2) else 0.0)
            if any(abs(value - a) < 0.006 for a in allowed):
                continue
            before, after = text[:m.start()], text[m.end():]
            if _CONSTRAINT_BEFORE.search(before) or _CONSTRAINT_AFTER.search(after):
                if any(abs(value - b) < 0.011 for b in budgets):  # "under $169" for max_price 168.99
                    continue
            if re.search(r"\b(?:about|around|roughly|nearly|almost|just under|just over)\s*$", before, re.I) and \
                    any(abs(value - a) <= max(1.0, 0.03 * a) for a in allowed):
                continue
            whose = ", ".join(f"{self.products[p].name} ${self.products[p].price:,.2f}" for p in about[:4])
            problems.append(f"price {m.group(0).strip()} is not in the data (about: {whose or 'nothing'})")
        return problems

    # -- stock -----------------------------------------------------------------------------------------------------
    def _stock(self, text: str, named: list[str], about: list[str], fallback: bool, facts: Facts) -> list[str]:
        problems = []
        stocks = [self.products[p].stock for p in about]
        for m in _STOCK_NUMBER.finditer(text):
            word = m.group(1).lower()
            number = NUMBER_WORDS.get(word) if not word.isdigit() else int(word)
            if number is None or number not in [s for s in stocks if s is not None]:
                problems.append(f"stock '{m.group(0)}' is not the stock of {self._who(about)} "
                                f"(data: {[s for s in stocks]})")
        counted = _COUNTED_OUT.search(text)
        if counted and fallback:
            shown = [self.products[p].stock for p in facts.shown if p in self.products]
            word = counted.group(1).lower()
            said = len(shown) if word == "all" else 0 if word == "none" else (
                int(word) if word.isdigit() else NUMBER_WORDS.get(word))
            if said != sum(1 for s in shown if s == 0):
                problems.append(f"'{counted.group(0)}': of the {len(shown)} on screen, "
                                f"{sum(1 for s in shown if s == 0)} have stock 0 ({shown})")
        elif _OUT_OF_STOCK.search(text) and not any(s == 0 for s in stocks):
            problems.append(f"'out of stock' said of {self._who(about)}, whose stock is {stocks}")
        in_stock = _IN_STOCK.search(text)
        if in_stock and not re.search(r"\b(?:not|no|n't)\b[^.]{0,20}$", text[:in_stock.start()]):
            targets = [p for p in facts.shown if p in self.products] if fallback else about
            if fallback:
                bad = [p for p in targets if not (self.products[p].stock or 0) > 0]
            else:
                bad = [] if any((self.products[p].stock or 0) > 0 for p in targets) else targets
            if bad:
                problems.append(f"'in stock' said of {self._who(bad)}, whose stock is "
                                f"{[self.products[p].stock for p in bad]}")
        return problems

    # -- specs -----------------------------------------------------------------------------------------------------
    def _specs(self, text: str, about: list[str], facts: Facts) -> list[str]:
        problems = []
        stated: list[tuple[re.Match[str], Quantity, int]] = []
        for m in QUANTITY.finditer(text):
            kind, factor = UNITS[m.group(2).lower()]
            if m.group(2).lower() in ("c", "f"):
                continue  # a bare "5C" is an order number's tail or a size, not a temperature ("5°C" is)
            stated.append((m, Quantity(to_float(m.group(1)), kind, factor), decimals(m.group(1))))
        for m in WORD_QUANTITY.finditer(text):
            kind, factor = UNITS[m.group(2).lower()]
            stated.append((m, Quantity(NUMBER_WORDS[m.group(1).lower()], kind, factor), 0))
        known = [q for p in about for q in spec_quantities(self.products[p])]
        budgets = set(facts.budgets)
        for m, quantity, places in stated:
            if any(same_quantity(quantity, places, k) for k in known):
                continue
            before, after = text[:m.start()], text[m.end():]
            echo = _CONSTRAINT_BEFORE.search(before) or _CONSTRAINT_AFTER.search(after)
            if echo and (quantity.value in budgets or abs(quantity.value) in budgets):
                continue
            problems.append(f"'{m.group(0)}' matches no spec of {self._who(about)}")
        for m in _IP.finditer(text):
            ratings = [str(v).upper() for p in about for v in self.products[p].specs.values() if isinstance(v, str)]
            copy = " ".join(text_of(self.products[p]) for p in about).upper()
            if m.group(0).upper() not in ratings and m.group(0).upper() not in copy:
                problems.append(f"rating {m.group(0)} is not the rating of {self._who(about)}")
        return problems

    # -- comparisons -----------------------------------------------------------------------------------------------
    def _winner(self, text: str, named: list[str]) -> list[str]:
        """"The X is lighter than the Y", "the most expensive is the X, against the Y": the product named first must
        win on that figure among the products the sentence names."""
        if len(named) < 2:
            return []
        m = _COMPARISON.search(text)
        if not m:
            return []
        kind, best = COMPARATIVES[m.group(1).lower()]
        figures = {p: figure(self.products[p], kind) for p in named}
        known = {p: f for p, f in figures.items() if f is not None}
        winner = named[0]
        if winner not in known or len(known) < 2:
            return []
        if known[winner] != best(known.values()):
            said = ", ".join(f"{display(self.products[p])} {f:g}" for p, f in known.items())
            return [f"says {display(self.products[winner])} is {m.group(1)}, but the {kind} figures are {said}"]
        return []

    # -- features --------------------------------------------------------------------------------------------------
    def _features(self, text: str, about: list[str], fallback: bool, facts: Facts) -> list[str]:
        if not about:
            return []
        clean = _UNSURE.sub(" ", text)
        problems = []
        starts_no = bool(re.match(r"\s*no\b", clean, re.I))
        starts_yes = bool(re.match(r"\s*(?:yes|yep|it is|they are)\b", clean, re.I))
        for m in self._feature.finditer(clean):
            feature = m.group(1)
            before = clean[max(0, m.start() - 40):m.start()].lower()
            negative = bool(re.search(
                r"(?:\bnot|n't|\bno|\bnon|\bwithout|\blacks?|\bnor)[\s-]+(?:\w+[\s-]+){0,3}$", before))
            positive = bool(re.search(
                r"(?:\bis|\bare|'s|\bhas|\bhave|\bwith|\bcomes with|\bfully|\bboth|\balso|\ball)\s+"
                r"(?:\w+\s+){0,2}$", before))
            if fallback and not negative and re.search(
                    rf"\b(?:\d+|{WORD_NUM}|these|those|all|some|the)\s+(?:\w+\s+)?$", before):
                lacking = [p for p in facts.shown if p in self.products
                           and feature_support(self.products[p], feature, self.choices) is not True]
                if lacking:
                    problems.append(f"calls the list '{feature}', but the data does not say so for "
                                    f"{self._who(lacking)}")
                continue
            if not negative and starts_no and not positive:
                negative = True
            if not negative and not positive and starts_yes:
                positive = True
            if not (negative or positive):
                continue
            verdicts = [feature_support(self.products[p], feature, self.choices) for p in about]
            if negative and False not in verdicts:
                problems.append(f"says {self._who(about)} is not/has no '{feature}', but the data does not say so "
                                f"(data: {verdicts})")
            elif positive and not negative and True not in verdicts:
                problems.append(f"says {self._who(about)} is/has '{feature}', but the data does not say so "
                                f"(data: {verdicts})")
        return problems

    def _who(self, ids: Sequence[str]) -> str:
        if not ids:
            return "no product"
        names = [display(self.products[p]) for p in ids[:3]]
        return ", ".join(names) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
