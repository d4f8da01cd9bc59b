"""Pronunciations from espeak-ng for words the recogniser's dictionary lacks, in the recogniser's phone set.

espeak-ng (the library bundled by ``espeakng-loader``, the same one that speaks Aisle's replies) has letter-to-sound
rules for any English-looking word. ``espeak_TextToPhonemes`` gives its ASCII phoneme mnemonics ("k'Estr@L" for
"kestrel"); :func:`to_cmu` maps them onto the CMU phones pocketsphinx's en-us model uses ("K EH S T R AH L").
Stress and length marks are dropped (the CMU set in the dictionary carries no stress). A phoneme with no mapping
makes the word fail (None) rather than guess.
"""

from __future__ import annotations

import ctypes
import logging
import re
from functools import lru_cache

from audio import synthesizer

log = logging.getLogger("aisle.audio.pronounce")

# espeak-ng's en / en-us phoneme mnemonics -> CMU phones. Longest mnemonic first when tokenising.
ESPEAK_TO_CMU: dict[str, str] = {
    # consonants
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V", "T": "TH", "D": "DH",
    "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "h": "HH", "m": "M", "n": "N", "N": "NG", "l": "L", "r": "R",
    "w": "W", "j": "Y", "tS": "CH", "dZ": "JH", "L": "L", "t#": "T", "d#": "D", "?": "T", "x": "K", "r-": "R",
    "n-": "AH N", "m-": "AH M", "l/": "L", "l#": "L", "W": "W",
    # vowels and diphthongs
    "@": "AH", "@2": "AH", "@5": "AH", "@L": "AH L", "@-": "AH", "3": "ER", "3:": "ER", "a": "AE", "a#": "AE",
    "aa": "AE", "a2": "AH", "A:": "AA", "A": "AA", "A@": "AA R", "A#": "AA", "E": "EH", "E2": "EH", "E#": "EH",
    "e@": "EH R", "eI": "EY", "I": "IH", "I2": "IH", "I#": "IH", "i": "IY", "i:": "IY", "i@": "IY AH", "i@3": "IY R",
    "0": "AA", "0#": "AA", "O": "AO", "O:": "AO", "O@": "AO R", "o@": "AO R", "OI": "OY", "oU": "OW", "oU#": "OW",
    "aI": "AY", "aI@": "AY ER", "aI3": "AY ER", "aU": "AW", "aU@": "AW ER", "U": "UH", "U@": "UH R", "u:": "UW",
    "u": "UW", "V": "AH", "VR": "ER", "IR": "IH R", "3:r": "ER", "eI@": "EY ER", "i@r": "IY R", "U@r": "UH R",
}
_TOKENS = sorted(ESPEAK_TO_CMU, key=len, reverse=True)
_MARKS = re.compile(r"[',%=_|!^;]")  # stress, syllable and pause marks: not phones
_PHONEME_MODE_ASCII = 0
_TEXT_MODE_UTF8 = 1


def to_cmu(mnemonics: str) -> str | None:
    """CMU phones for espeak-ng phoneme mnemonics, or None when one of them has no mapping."""
    text = _MARKS.sub("", mnemonics).replace(" ", "")
    phones: list[str] = []
    i = 0
    while i < len(text):
        for token in _TOKENS:
            if text.startswith(token, i):
                phones.append(ESPEAK_TO_CMU[token])
                i += len(token)
                break
        else:
            if text[i] in "#-:0123456789":  # a variant or length mark left over after a matched phone
                i += 1
                continue
            log.debug("no phone for espeak mnemonic %r in %r", text[i:], mnemonics)
            return None
    return " ".join(phones) if phones else None


def _text_to_phonemes(word: str, voice: str) -> str:
    """espeak-ng's phoneme mnemonics for ``word`` (holds the espeak library's lock)."""
    with synthesizer._lock:
        lib, _rate = synthesizer._load()
        if not getattr(lib, "_aisle_phonemes_ready", False):
            lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
            lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
            lib._aisle_phonemes_ready = True
        lib.espeak_SetVoiceByName(voice.encode())
        buffer = ctypes.c_char_p(word.encode("utf-8"))
        pointer = ctypes.cast(ctypes.pointer(buffer), ctypes.POINTER(ctypes.c_void_p))
        parts: list[str] = []
        while pointer.contents.value:  # it advances the pointer clause by clause
            out = lib.espeak_TextToPhonemes(pointer, _TEXT_MODE_UTF8, _PHONEME_MODE_ASCII)
            if not out:
                break
            parts.append(out.decode("utf-8", "replace"))
        return " ".join(parts)


@lru_cache(maxsize=4096)
def espeak_phones(word: str, voice: str = "en-us") -> str | None:
    """CMU phones for a lower-case word from espeak-ng's letter-to-sound rules; None when espeak-ng is missing or
    the word's sounds cannot be mapped."""
    if not word or not re.fullmatch(r"[a-z][a-z']*", word):
        return None
    try:
        mnemonics = _text_to_phonemes(word, voice)
    except synthesizer.SynthesisError as exc:
        log.warning("no generated pronunciations: %s", exc)
        return None
    return to_cmu(mnemonics)
