"""Whether a product comes in a size, from the size specs a catalog holds ("sizes": "US 7-14", "S-M", "One size";
"frame_size": "54 cm"). A size is a shoe or clothing number ("10", "9.5"), a letter size ("M", "XL", "medium") or a
frame size ("54"). The answer is True or False only when the listed value settles it; a listing that cannot be read
(a kids' range that wraps, "Kids 11-4") gives None, and the product is not claimed either way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

LETTERS = ["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"]
LETTER_WORDS = {"extra small": "xs", "small": "s", "medium": "m", "large": "l", "extra large": "xl"}
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def size_keys(specs: Mapping[str, Any]) -> list[str]:
    """The spec keys that list sizes ("sizes", "size", "frame_size", "shoe_size")."""
    return [k for k in specs if re.search(r"(^|_)sizes?($|_)", k.lower()) and not k.lower().startswith("packed")]


def normal_size(said: str) -> str:
    """"Medium" -> "m", "10" -> "10", "XL" -> "xl": the size as compared."""
    text = " ".join(said.lower().split())
    return LETTER_WORDS.get(text, text)


def _letters_cover(listed: str, wanted: str) -> bool | None:
    text = listed.lower()
    if "one size" in text:
        return None  # one size fits most: not a claim about this shopper's size
    found = [t for t in re.split(r"[^a-z]+", text) if t in LETTERS]
    if not found:
        return None
    if len(found) == 2 and re.search(rf"\b{found[0]}\s*(?:-|–|to)\s*{found[1]}\b", text):
        lo, hi = LETTERS.index(found[0]), LETTERS.index(found[1])
        return lo <= LETTERS.index(wanted) <= hi if lo <= hi else None
    return wanted in found


def _numbers_cover(listed: str, wanted: float) -> bool | None:
    ranges = [(float(a), float(b)) for a, b in _RANGE.findall(listed)]
    if ranges:
        if any(lo > hi for lo, hi in ranges):
            return None  # "Kids 11-4" runs from kids' to youth sizes: not a plain range
        return any(lo <= wanted <= hi for lo, hi in ranges)
    numbers = [float(n) for n in _NUMBER.findall(listed)]
    return wanted in numbers if numbers else None


def covers(listed: Any, said: str) -> bool | None:
    """Whether a listed size value includes the size said; None when the listing cannot tell."""
    if isinstance(listed, int | float) and not isinstance(listed, bool):
        listed = str(listed)
    if not isinstance(listed, str) or not listed.strip():
        return None
    wanted = normal_size(said)
    if wanted in LETTERS:
        return _letters_cover(listed, wanted)
    try:
        number = float(wanted)
    except ValueError:
        return None
    return _numbers_cover(listed, number)


def comes_in(specs: Mapping[str, Any], said: str) -> bool | None:
    """Whether a product with these specs comes in the size said: True, False, or None (no size listed, or unclear)."""
    verdicts = [covers(specs[k], said) for k in size_keys(specs)]
    if any(v is True for v in verdicts):
        return True
    if verdicts and all(v is False for v in verdicts):
        return False
    return None


def size_phrase(size: str | None) -> str:
    """", in size M" / ", in size 10" for a list's heading; "" without a size."""
    if not size:
        return ""
    shown = size.upper() if normal_size(size) in LETTERS and len(size) <= 4 else size
    return f", in size {shown}"
