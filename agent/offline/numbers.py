"""Number words to digits ("two hundred and fifty" → "250", "a couple" → "2"), for typed and spoken requests.

Only runs of number words are rewritten; everything else (apostrophes, hyphens, punctuation) is left as it was, so
"I'll", "don't" and "what's" survive. A lone "one" that names a thing rather than a count ("that one", "the second
one", "the cheapest one") stays a word.
"""

from __future__ import annotations

import re

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000}
NUMBER_WORDS = set(UNITS) | set(TENS) | set(SCALES)
# words after which "one" means "that item", not the number 1
ONE_AS_NOUN_AFTER = set(
    "the that this which each every any another other a an no some those these my your its his her their "
    "first second third fourth fifth sixth seventh eighth ninth tenth last next previous cheapest cheaper priciest "
    "expensive pricey lighter lightest heavier heaviest warmer warmest bigger biggest smaller smallest big small "
    "large red blue green black orange yellow grey gray white brown purple pink same right left new good best nice "
    "better top bottom middle kids kid's women's men's".split()
)
_WORD = re.compile(r"[a-z][a-z'’]*")


def _value(words: list[str]) -> int:
    total, current = 0, 0
    for word in words:
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
    return total + current


def _run_value(run: list[str]) -> int:
    # "one fifty" (a price said the short way) means 150
    if len(run) == 2 and run[0] in UNITS and run[1] in TENS and UNITS[run[0]] > 0:
        return UNITS[run[0]] * 100 + TENS[run[1]]
    return _value(run)


def words_to_digits(text: str) -> str:
    """Replace runs of number words with digits (lowercasing the text); leaves everything else as it is."""
    text = text.lower()
    tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    pieces: list[str] = []
    position = 0
    i = 0
    while i < len(tokens):
        start, end, word = tokens[i]
        is_a_scale = word == "a" and i + 1 < len(tokens) and tokens[i + 1][2] in SCALES \
            and text[end:tokens[i + 1][0]].strip() == ""
        if word not in NUMBER_WORDS and not is_a_scale:
            i += 1
            continue
        run = ["one" if is_a_scale else word]
        run_end = end
        j = i + 1
        while j < len(tokens):
            gap = text[run_end:tokens[j][0]]
            nxt = tokens[j][2]
            if nxt in NUMBER_WORDS and gap.strip(" -") == "":
                run.append(nxt)
                run_end = tokens[j][1]
                j += 1
            elif nxt == "and" and run[-1] in SCALES and gap.strip() == "" and j + 1 < len(tokens) \
                    and tokens[j + 1][2] in NUMBER_WORDS and text[tokens[j][1]:tokens[j + 1][0]].strip() == "":
                run_end = tokens[j][1]
                j += 1
            else:
                break
        previous = tokens[i - 1][2] if i > 0 else ""
        if run == ["one"] and previous in ONE_AS_NOUN_AFTER:
            i = j
            continue
        pieces.append(text[position:start])
        pieces.append(str(_run_value(run)))
        position = run_end
        i = j
    pieces.append(text[position:])
    text = "".join(pieces)
    text = re.sub(r"\b(\d+) and (a|one) half\b", r"\1.5", text)
    text = re.sub(r"\b(\d+) and a quarter\b", r"\1.25", text)
    text = re.sub(r"\ba couple\b", "2", text)
    text = re.sub(r"\ba pair\b(?= of)", "2", text) if "pair of poles" not in text else text
    return text
