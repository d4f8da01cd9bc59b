"""Spoken numbers in recogniser output to digits, and integers to words for building grammars.

``words_to_digits("show me tents under one hundred fifty dollars")`` gives ``"show me tents under 150 dollars"``.
Handled: units, teens, tens ("twenty five", "twenty-five"), "hundred" and "thousand" groups with an optional "and"
("one hundred and fifty"), "a hundred", "zero", decimals with "point" ("two point five").
A lone "one" used as a pronoun ("the second one", "this one", "which one") stays a word. Ordinals stay words.
"""

from __future__ import annotations

import re

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10,
}

_ONES_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEEN_WORDS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
               "nineteen"]
_TENS_WORDS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

# Words after which a lone "one" is a pronoun ("the second one"), not a number.
_PRONOUN_ONE_BEFORE = {
    "the", "this", "that", "which", "another", "each", "every", "any", "other", "last", "next", "no", "same",
    "cheaper", "cheapest", "bigger", "biggest", "smaller", "smallest", "better", "best", "red", "blue", "black",
    "white", "green", "new", "big", "small", "little", "good", "nice", "warmer", "warmest", "lighter", "lightest",
    "only", "right", "left", "middle", "top", "bottom", "first", "one's", "favorite",
}
_PRONOUN_ONE_BEFORE.update(ORDINALS)

_TOKEN = re.compile(r"[A-Za-z']+|\d+(?:\.\d+)?|[^\sA-Za-z\d]+|\s+")


def number_to_words(n: int) -> str:
    """Non-negative integer below one billion as English words without "and" ("one hundred fifty")."""
    if n < 0:
        return "minus " + number_to_words(-n)
    if n < 10:
        return _ONES_WORDS[n]
    if n < 20:
        return _TEEN_WORDS[n - 10]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS_WORDS[tens] + (" " + _ONES_WORDS[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES_WORDS[hundreds] + " hundred" + (" " + number_to_words(rest) if rest else "")
    for scale_value, scale_word in ((1_000_000, "million"), (1000, "thousand")):
        if n >= scale_value:
            high, rest = divmod(n, scale_value)
            return number_to_words(high) + " " + scale_word + (" " + number_to_words(rest) if rest else "")
    raise AssertionError("unreachable")


def _is_number_word(word: str) -> bool:
    return word in UNITS or word in TEENS or word in TENS or word in SCALES


def _joins_with_and(words: list[str], i: int) -> bool:
    """"one hundred and fifty": the "and" at ``i`` joins only a number below 100 that is not itself scaled."""
    following = [*words[i + 1:i + 3], "", ""]
    return (following[0] in UNITS or following[0] in TEENS or following[0] in TENS) and following[1] not in SCALES


def _below_hundred(word: str, seen_any: bool, last_kind: str) -> tuple[int, str] | None:
    """The value and kind of a unit, teen or tens word that can follow a word of ``last_kind``; None when ``word``
    ends the number instead."""
    if word in UNITS:
        if (word == "zero" and seen_any) or last_kind in ("unit", "teen"):
            return None
        return UNITS[word], "unit"
    for table, kind in ((TEENS, "teen"), (TENS, "tens")):
        if word in table:
            return None if last_kind in ("unit", "teen", "tens") else (table[word], kind)
    return None


def parse_number(words: list[str]) -> tuple[int, int] | None:
    """Parse the longest number at the start of ``words`` (lower-case tokens).

    Returns ``(value, tokens_used)`` or None when ``words`` does not start with a number.
    """
    total = 0  # completed thousands/millions
    current = 0  # the group below one thousand being built
    used = 0
    seen_any = False
    last_kind = ""  # "unit", "teen", "tens", "hundred", "scale"
    i = 0
    while i < len(words):
        w = words[i]
        if w == "a" and not seen_any and i + 1 < len(words) and words[i + 1] in ("hundred", "thousand"):
            current, seen_any, last_kind = 1, True, "unit"
            i += 1
            used = i
            continue
        if w == "and" and seen_any and last_kind in ("hundred", "scale"):
            if not _joins_with_and(words, i):
                break
            i += 1
            continue
        if w == "hundred":
            if last_kind == "hundred" or (current % 100 == 0 and current):
                break
            current = (current or 1) * 100
            last_kind = "hundred"
        elif w in ("thousand", "million"):
            if last_kind == "scale" and current == 0:
                break
            total += (current or 1) * SCALES[w]
            current = 0
            last_kind = "scale"
        else:
            step = _below_hundred(w, seen_any, last_kind)
            if step is None:
                break
            current += step[0]
            last_kind = step[1]
        seen_any = True
        i += 1
        used = i
    if not seen_any:
        return None
    return total + current, used


def words_to_digits(text: str) -> str:
    """Replace spoken numbers in ``text`` with digits; everything else is kept as it was."""
    parts = _TOKEN.findall(text)
    words = [(idx, p.lower()) for idx, p in enumerate(parts) if re.fullmatch(r"[A-Za-z']+", p)]
    # Also split "twenty-five": treat "-" between two number words as a space.
    out = list(parts)
    k = 0
    while k < len(words):
        idx, w = words[k]
        if not (_is_number_word(w) or (w == "a" and k + 1 < len(words) and words[k + 1][1] in ("hundred", "thousand"))):
            k += 1
            continue
        # Collect consecutive word tokens separated only by whitespace or hyphens.
        run = [w]
        run_idx = [idx]
        j = k + 1
        while j < len(words) and len(run) < 16:
            prev_idx = run_idx[-1]
            between = "".join(parts[prev_idx + 1:words[j][0]])
            if between.strip() not in ("", "-"):
                break
            run.append(words[j][1])
            run_idx.append(words[j][0])
            j += 1
        parsed = parse_number(run)
        if parsed is None:
            k += 1
            continue
        value, used = parsed
        if used == 1 and run[0] in ("a",):
            k += 1
            continue
        if used == 1 and run[0] == "one" and _is_pronoun_one(words, k):
            k += 1
            continue
        text_value = str(value)
        # Decimal: "two point five" -> 2.5
        consumed_to = k + used
        if consumed_to + 1 < len(words) and words[consumed_to][1] == "point":
            digits = []
            m = consumed_to + 1
            while m < len(words) and words[m][1] in UNITS:
                digits.append(str(UNITS[words[m][1]]))
                m += 1
            if digits:
                text_value += "." + "".join(digits)
                used = m - k
        first_idx = words[k][0]
        last_idx = words[k + used - 1][0]
        out[first_idx] = text_value
        for t in range(first_idx + 1, last_idx + 1):
            out[t] = ""
        k += used
    return "".join(out)


def _is_pronoun_one(words: list[tuple[int, str]], k: int) -> bool:
    prev = words[k - 1][1] if k > 0 else ""
    if prev in _PRONOUN_ONE_BEFORE:
        return True
    return prev.endswith("est") or (prev.endswith("er") and prev not in ("under", "over", "order"))
