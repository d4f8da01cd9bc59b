"""Pronunciations for the offline recogniser: the pocketsphinx en-us dictionary, and phones for words it lacks.

A word the dictionary does not know is derived, in order, from known pieces (a possessive or plural of a known
word, a compound of two known words, a short vowel-less token spelled out as letters) and, failing that, from
espeak-ng's own pronunciation mapped onto the recogniser's phone set (:mod:`audio.pronounce`), so invented brand and
model names ("alpenglow", "bivy", "kestrel") can be said too.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Protocol

from audio.numbers import number_to_words
from audio.pronounce import espeak_phones


class Lexicon(Protocol):
    """Pronunciation lookup: phones for a word, or None when it is unknown."""

    def lookup(self, word: str) -> str | None: ...


class DictionaryLexicon:
    """The pocketsphinx en-us dictionary read from its file (no decoder needed)."""

    _cache: dict[str, dict[str, str]] = {}

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(path or default_dictionary_path())
        if self.path not in self._cache:
            entries: dict[str, str] = {}
            with open(self.path, encoding="utf-8") as fh:
                for line in fh:
                    word, _, phones = line.strip().partition(" ")
                    if word and "(" not in word:
                        entries.setdefault(word, phones.strip())
            self._cache[self.path] = entries
        self._entries = self._cache[self.path]
        self.extra: dict[str, str] = {}

    def lookup(self, word: str) -> str | None:
        return self.extra.get(word) or self._entries.get(word)


class DecoderLexicon:
    """Lookups through a live decoder's dictionary (``Decoder.lookup_word``)."""

    def __init__(self, decoder: Any) -> None:
        self._decoder = decoder

    def lookup(self, word: str) -> str | None:
        try:
            phones = self._decoder.lookup_word(word)
        except (KeyError, RuntimeError, ValueError):
            return None
        return str(phones) if phones else None


def model_dir() -> Path:
    import pocketsphinx

    return Path(pocketsphinx.get_model_path())


def default_dictionary_path() -> Path:
    return model_dir() / "en-us" / "cmudict-en-us.dict"


_SPLIT = re.compile(r"[^a-z0-9'.]+")


def normalize_words(text: str) -> list[str]:
    """Lower-case words as the dictionary spells them; digits become words ("20" -> "twenty")."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ").replace("+", " plus ").replace("%", " percent ").replace("’", "'")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 1,000 -> 1000
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)  # x100 -> x 100
    words: list[str] = []
    for raw in _SPLIT.split(text):
        token = raw.strip("'.")
        if not token:
            continue
        if re.fullmatch(r"\d+(\.\d+)?", token):
            whole, _, frac = token.partition(".")
            words.extend(number_to_words(int(whole)).split())
            if frac:
                words.append("point")
                words.extend(number_to_words(int(d)) for d in frac)
            continue
        for part in token.split("."):
            part = part.strip("'")
            if part:
                words.append(part)
    return words


NUMBER_WORDS = set(number_to_words(n) for n in range(20)) | {
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "point",
}
_VOICELESS = {"P", "T", "K", "F", "TH"}
_SIBILANT = {"S", "Z", "SH", "ZH", "CH", "JH"}


_LETTERS = {"a": "EY"}  # the dictionary's "a" is the article (AH); spelled out it is EY


def _inflect(word: str, lexicon: Lexicon) -> str | None:
    """Phones for a known word or a possessive/plural of one ("patagonia's", "sporks")."""
    phones = lexicon.lookup(word)
    if phones:
        return phones
    for suffix in ("'s", "s'", "s", "es"):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            base = lexicon.lookup(word[: -len(suffix)])
            if base:
                last = base.split()[-1]
                if last in _SIBILANT:
                    return base + " IH Z"
                if last in _VOICELESS:
                    return base + " S"
                return base + " Z"
    return None


def _derive(word: str, lexicon: Lexicon) -> str | None:
    """Phones for an unknown word built from known pieces, else None.

    Tried in order: possessive/plural of a known word; a compound of two known words ("pocketrocket",
    "headlamps"); a short vowel-less token spelled out as letters ("msr").
    """
    phones = _inflect(word, lexicon)
    if phones:
        return phones
    if len(word) >= 6 and "'" not in word:
        best: tuple[int, str] | None = None
        for cut in range(3, len(word) - 2):
            left, right = lexicon.lookup(word[:cut]), _inflect(word[cut:], lexicon)
            if left and right:
                score = min(cut, len(word) - cut)
                if best is None or score > best[0]:
                    best = (score, left + " " + right)
        if best is not None:
            return best[1]
    if len(word) <= 5 and word.isalpha() and not re.search(r"[aeiouy]", word):
        letters = [_LETTERS.get(ch) or lexicon.lookup(ch) for ch in word]
        if all(letters):
            return " ".join(str(p) for p in letters)
    return None


def pronounce(word: str, lexicon: Lexicon) -> str | None:
    """Phones for ``word``: the dictionary's, derived from known words, or espeak-ng's; None when none works."""
    return _derive(word, lexicon) or espeak_phones(word)
