"""Offline speech recognition with pocketsphinx (en-us model shipped in the wheel).

:class:`GrammarRecognizer` decodes against a JSGF grammar built by :func:`build_jsgf` from the words the caller
knows (catalog categories, brands, product names, command phrases), which is far more accurate for a shopping
kiosk than pocketsphinx's general language model; :class:`LanguageModelRecognizer` uses that general model and is
kept for comparison and as a fallback for free-form speech.

Words the pronunciation dictionary does not know cannot be in a grammar. Simple derivations (possessives and
plurals of known words) are added to the decoder's dictionary; other unknown words are dropped from their phrase
and logged. The incremental API is ``start_utterance()`` / ``feed(pcm16k)`` (returns the partial text) /
``end_utterance()`` (returns the final text, spoken numbers turned into digits).

A decoder is not thread-safe and takes ~0.4 s to create: build recognisers in a worker thread and keep them. Each
method holds an internal lock, so feeding from a worker thread while another thread ends the utterance is safe.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from audio.numbers import number_to_words, words_to_digits

log = logging.getLogger("aisle.audio.recognizer")

SAMPLE_RATE = 16000
FEED_BYTES = SAMPLE_RATE * 20 // 1000 * 2  # decode in 20 ms pieces (see SpeechRecognizer.feed)

# The cepstral mean pocketsphinx starts each decoder from. Its own default (40,3,-1) is far from what a microphone
# gives; the first utterance on a fresh decoder then often decoded to nothing and the next few adapted their way
# back. This is the mean the decoder settles on after a few dozen shopping requests heard through the kiosk's
# pipeline (48 kHz capture -> 16 kHz), so the first shopper is heard as well as the tenth; it keeps adapting live.
CMN_INIT = "46.28,-4.11,-8.31,10.87,-16.20,-3.82,-0.57,-8.93,0.78,-8.48,4.25,-3.16,-4.58"

# Wider beams, more Gaussians per frame and no phone look-ahead window than pocketsphinx's defaults (beams 1e-48,
# 1e-48, 7e-29; topn 4; pl_window 5): WER on the 50 generated catalog requests of bench/bench_voice_wer.py went from
# 22.6 % to ~13 % (with the grammar changes below, ~11 %), for ~40 % more decoding time (~0.2 x real time on one
# core; the phone loop for the confidence measure costs about as much again).
SEARCH_OPTIONS: dict[str, Any] = {"beam": 1e-60, "pbeam": 1e-60, "wbeam": 1e-40, "topn": 16, "pl_window": 0}

PLACEHOLDERS = {"{number}": "<number>", "{ordinal}": "<ordinal>", "{item}": "<item>", "{price}": "<price>"}

DEFAULT_COMMAND_PHRASES: tuple[str, ...] = (
    "add {number} of those to my cart",
    "add {number} of them to my cart",
    "add {number} of the {ordinal} one to my cart",
    "add {number} to my cart",
    "add the {ordinal} one to my cart",
    "add the {ordinal} one",
    "add it to my cart",
    "add that to my cart",
    "add this to my cart",
    "add those to my cart",
    "add {item} to my cart",
    "add the {item} to my cart",
    "add {number} {item} to my cart",
    "remove the {ordinal} one",
    "remove the {ordinal} one from my cart",
    "remove it from my cart",
    "remove that from my cart",
    "remove {item} from my cart",
    "remove the {item} from my cart",
    "what's in my cart",
    "what is in my cart",
    "show me my cart",
    "show my cart",
    "empty my cart",
    "tell me more about the {ordinal} one",
    "tell me more about that one",
    "tell me more about {item}",
    "tell me more about the {item}",
    "tell me more",
    "more about the {ordinal} one",
    "how much is the {ordinal} one",
    "how much is it",
    "how much is that",
    "is the {ordinal} one in stock",
    "is it in stock",
    "where can i find it",
    "compare the {ordinal} and the {ordinal} one",
    "which one is cheaper",
    "which one is better",
    "what do you recommend",
    "show me more",
    "show me the {ordinal} one",
    "show me something cheaper",
    "the {ordinal} one",
    "check out",
    "i want to check out",
    "i'm ready to check out",
    "start over",
    "go back",
    "cancel",
    "never mind",
    "stop",
    "help",
    "yes",
    "yes please",
    "yeah",
    "sure",
    "okay",
    "no",
    "no thanks",
    "no thank you",
    "nope",
    "thank you",
    "thanks",
)

SEARCH_LEADS: tuple[str, ...] = (
    "show me", "find", "find me", "search for", "i want", "i need", "i'm looking for", "i am looking for",
    "looking for", "do you have", "i'd like", "i would like", "get me", "what about", "how about",
)

# Before an item: "a tent", "some poles", "any headlamps" ("do you have any" is a lead plus this).
DETERMINERS: tuple[str, ...] = ("a", "an", "some", "any", "the")

PRICE_OPERATORS: tuple[str, ...] = (
    "under", "below", "less than", "over", "above", "more than", "around", "about", "up to", "cheaper than",
    "at most", "at least", "no more than", "for",
)


@dataclass
class ShoppingVocabulary:
    """What the kiosk can expect to hear. Phrases may use ``{number}``, ``{ordinal}``, ``{item}``, ``{price}``."""

    categories: Sequence[str] = ()
    brands: Sequence[str] = ()
    product_names: Sequence[str] = ()
    command_phrases: Sequence[str] = ()
    include_default_commands: bool = True


@dataclass
class GrammarBuild:
    """The result of building a grammar: the JSGF text and what had to be changed to fit the dictionary."""

    jsgf: str
    dropped_words: list[str] = field(default_factory=list)
    added_words: dict[str, str] = field(default_factory=dict)  # word -> phones, derived from known words
    dropped_phrases: list[str] = field(default_factory=list)


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


# ---------------------------------------------------------------------------------------------------- text helpers
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


_NUMBER_WORDS = set(number_to_words(n) for n in range(20)) | {
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


class _WordFilter:
    def __init__(self, lexicon: Lexicon, build: GrammarBuild) -> None:
        self.lexicon = lexicon
        self.build = build
        self._known: dict[str, bool] = {}

    def ok(self, word: str) -> bool:
        if word in self._known:
            return self._known[word]
        known = self.lexicon.lookup(word) is not None
        if not known:
            phones = _derive(word, self.lexicon)
            if phones:
                self.build.added_words[word] = phones
                known = True
            else:
                self.build.dropped_words.append(word)
        self._known[word] = known
        return known

    def phrase(self, text: str) -> str | None:
        """A JSGF alternative for ``text`` (placeholders kept), or None when no word survives."""
        pieces: list[str] = []
        content = 0  # surviving words that are not number words or placeholders
        lost = 0
        for chunk in re.split(r"(\{[a-z]+\})", text):
            if chunk in PLACEHOLDERS:
                pieces.append(PLACEHOLDERS[chunk])
                content += 1
                continue
            for w in normalize_words(chunk):
                if self.ok(w):
                    pieces.append(w)
                    content += w not in _NUMBER_WORDS
                else:
                    lost += 1
        if not pieces or content == 0 or lost > content:
            self.build.dropped_phrases.append(text)
            return None
        return " ".join(pieces)


def _alternatives(items: Iterable[str | None]) -> str:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return " | ".join(seen) if seen else "<VOID>"


_NUMBER_RULES = """\
<digit> = one | two | three | four | five | six | seven | eight | nine;
<teen> = ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | seventeen | eighteen | nineteen;
<tens> = twenty | thirty | forty | fifty | sixty | seventy | eighty | ninety;
<below100> = <digit> | <teen> | <tens> [<digit>];
<below1000> = <below100> | (<digit> | a) hundred [[and] <below100>];
<number> = zero | <below1000> | (one | a) thousand;
<ordinal> = first | second | third | fourth | fifth | sixth | seventh | eighth | ninth | tenth | last | next;
<currency> = dollars | dollar | bucks;
"""


def build_grammar(vocabulary: ShoppingVocabulary, lexicon: Lexicon | None = None) -> GrammarBuild:
    """Build the JSGF grammar and report which words were dropped or derived."""
    lex: Lexicon = lexicon if lexicon is not None else DictionaryLexicon()
    build = GrammarBuild(jsgf="")
    wf = _WordFilter(lex, build)
    categories = _alternatives(wf.phrase(c) for c in vocabulary.categories)
    brands = _alternatives(wf.phrase(b) for b in vocabulary.brands)
    products = _alternatives(wf.phrase(p) for p in vocabulary.product_names)
    phrases = list(vocabulary.command_phrases)
    if vocabulary.include_default_commands:
        phrases = list(DEFAULT_COMMAND_PHRASES) + phrases
    commands = _alternatives(wf.phrase(p) for p in phrases)
    leads = _alternatives(wf.phrase(p) for p in SEARCH_LEADS)
    operators = _alternatives(wf.phrase(p) for p in PRICE_OPERATORS)
    item_parts = []
    if products != "<VOID>":
        item_parts.append("<product>")
    if brands != "<VOID>":
        item_parts.append("<brand> [<category>]" if categories != "<VOID>" else "<brand>")
    if categories != "<VOID>":
        item_parts.append("<category>")
    item = " | ".join(item_parts) if item_parts else "<VOID>"
    jsgf = (
        "#JSGF V1.0;\n"
        "grammar aisle;\n"
        "public <utterance> = <command> | <search>;\n"
        f"<search> = [<lead>] [<det>] [<persons>] <item> [<price>] | [<lead>] (something | anything) <price>;\n"
        f"<lead> = {leads};\n"
        f"<det> = {_alternatives(wf.phrase(d) for d in DETERMINERS)};\n"
        "<persons> = <below100> person;\n"
        f"<item> = {item};\n"
        f"<category> = {categories};\n"
        f"<brand> = {brands};\n"
        f"<product> = {products};\n"
        f"<price> = <operator> <number> [<currency>] | between <number> and <number> [<currency>];\n"
        f"<operator> = {operators};\n"
        f"<command> = {commands};\n"
        + _NUMBER_RULES
    )
    build.jsgf = jsgf
    if build.dropped_words:
        log.info("grammar: %d word(s) unknown to the dictionary were dropped: %s", len(build.dropped_words),
                 ", ".join(sorted(set(build.dropped_words))[:50]))
    if build.added_words:
        log.info("grammar: derived pronunciations for %s", ", ".join(sorted(build.added_words)[:50]))
    return build


def build_jsgf(vocabulary: ShoppingVocabulary, lexicon: Lexicon | None = None) -> str:
    """JSGF text for ``vocabulary``; unknown words are dropped (and logged)."""
    return build_grammar(vocabulary, lexicon).jsgf


def phrases_jsgf(phrases: Iterable[str], lexicon: Lexicon | None = None) -> GrammarBuild:
    """A grammar that accepts exactly the given phrases (placeholders allowed; items need a vocabulary)."""
    lex: Lexicon = lexicon if lexicon is not None else DictionaryLexicon()
    build = GrammarBuild(jsgf="")
    wf = _WordFilter(lex, build)
    alternatives = _alternatives(wf.phrase(p) for p in phrases)
    build.jsgf = (
        "#JSGF V1.0;\ngrammar aisle;\n"
        f"public <utterance> = {alternatives};\n"
        "<item> = <VOID>;\n<price> = <VOID>;\n<det> = a | an | some | any | the;\n" + _NUMBER_RULES
    )
    return build


# ---------------------------------------------------------------------------------------------------- recognisers
@dataclass(frozen=True)
class RecognitionResult:
    text: str  # normalised (numbers as digits)
    raw_text: str  # as decoded
    audio_ms: float
    decode_ms: float  # time spent in the decoder for this utterance
    score: float = 0.0  # natural log of pocketsphinx's normalised path score (0 = best; more negative = worse)
    # How well the audio fits the grammar: the path score per frame (x1000) minus that of a free phone loop over the
    # same audio. In-grammar speech scores about -0.8..+0.8; noise and out-of-grammar speech forced onto the
    # grammar about -1.2..-2 (see `audio.voice_loop.VoiceConfig.min_confidence`). 0.0 without a phone loop.
    confidence: float = 0.0


class SpeechRecognizer:
    """Base: a pocketsphinx decoder with the incremental utterance API."""

    samplerate = SAMPLE_RATE

    def __init__(self, decoder: Any, *, normalize_numbers: bool = True, reset_cmn: bool = False,
                 phone_loop: Any = None) -> None:
        self._decoder = decoder
        self._phones = phone_loop  # a second decoder (free phone loop) for the confidence measure, or None
        self._lock = threading.Lock()
        self.normalize_numbers = normalize_numbers
        self.reset_cmn_each_utterance = reset_cmn
        self._cmn_init = str(decoder.get_cmn())
        self._in_utt = False
        self._samples = 0
        self._decode_s = 0.0
        self.last_result: RecognitionResult | None = None

    @staticmethod
    def _new_decoder(**config: Any) -> Any:
        from pocketsphinx import Decoder

        config.setdefault("loglevel", "FATAL")
        return Decoder(**config)

    def _norm(self, text: str) -> str:
        return words_to_digits(text) if self.normalize_numbers else text

    def reset_cmn(self) -> None:
        """Forget the channel normalisation learnt from earlier utterances (e.g. after the microphone changed).

        pocketsphinx adapts its cepstral mean across utterances; that helps with one steady microphone but makes
        results depend on what came before. ``reset_cmn=True`` at construction does this before every utterance.
        """
        with self._lock:
            self._decoder.set_cmn(self._cmn_init)

    def _start(self) -> None:
        if self._in_utt:
            self._decoder.end_utt()
            if self._phones is not None:
                self._phones.end_utt()
        if self.reset_cmn_each_utterance:
            self._decoder.set_cmn(self._cmn_init)
        self._decoder.start_utt()
        if self._phones is not None:
            self._phones.set_cmn(str(self._decoder.get_cmn()))  # same normalisation for both
            self._phones.start_utt()
        self._in_utt = True
        self._samples = 0
        self._decode_s = 0.0

    def start_utterance(self) -> None:
        with self._lock:
            self._start()

    def feed(self, pcm16k: bytes | np.ndarray) -> str:
        """Decode more int16 16 kHz mono audio; return the partial hypothesis so far."""
        data = pcm16k if isinstance(pcm16k, bytes) else np.asarray(pcm16k, dtype=np.int16).tobytes()
        with self._lock:
            if not self._in_utt:
                self._start()
            t0 = time.perf_counter()
            # pocketsphinx holds the GIL while it decodes: in 20 ms pieces, the audio device callbacks and the event
            # loop get it back every few milliseconds (one 1 s piece stalled the whole process for ~250 ms: the
            # speaker underflowed and the microphone dropped blocks).
            for i in range(0, len(data) - 1, FEED_BYTES):
                piece = data[i:i + FEED_BYTES]
                self._decoder.process_raw(piece, False, False)
                if self._phones is not None:
                    self._phones.process_raw(piece, False, False)
            self._decode_s += time.perf_counter() - t0
            self._samples += len(data) // 2
            hyp = self._decoder.hyp()
        return self._norm(hyp.hypstr) if hyp is not None and hyp.hypstr else ""

    def end_utterance(self) -> str:
        """Finish the utterance and return the final text ("" when nothing was recognised)."""
        with self._lock:
            if not self._in_utt:
                return ""
            t0 = time.perf_counter()
            self._decoder.end_utt()
            if self._phones is not None:
                self._phones.end_utt()
            self._decode_s += time.perf_counter() - t0
            self._in_utt = False
            hyp = self._decoder.hyp()
            raw = hyp.hypstr if hyp is not None and hyp.hypstr else ""
            score = _log_score(hyp)
            confidence = 0.0
            if self._phones is not None and raw:
                frames = max(1, int(self._decoder.n_frames()))
                confidence = (score - _log_score(self._phones.hyp())) / frames * 1000.0
            self.last_result = RecognitionResult(
                text=self._norm(raw), raw_text=raw, audio_ms=self._samples * 1000.0 / SAMPLE_RATE,
                decode_ms=self._decode_s * 1000.0, score=score, confidence=confidence,
            )
        log.debug("recognised %r (%.0f ms audio, %.1f ms decode, confidence %.2f)", raw, self.last_result.audio_ms,
                  self.last_result.decode_ms, self.last_result.confidence)
        return self.last_result.text

    def recognize(self, pcm16k: bytes | np.ndarray, chunk_ms: int = 100) -> str:
        """Whole-utterance convenience: feed ``pcm16k`` in chunks and return the final text."""
        data = pcm16k if isinstance(pcm16k, bytes) else np.asarray(pcm16k, dtype=np.int16).tobytes()
        step = SAMPLE_RATE * chunk_ms // 1000 * 2
        self.start_utterance()
        for i in range(0, len(data), step):
            self.feed(data[i:i + step])
        return self.end_utterance()


def _log_score(hyp: Any) -> float:
    """The natural log of a hypothesis' normalised path score (the bindings hand out exp(score))."""
    value = float(hyp.score) if hyp is not None else 0.0
    return math.log(value) if value > 0.0 else -1e6


def phone_loop_decoder(factory: Callable[..., Any] | None = None) -> Any:
    """A decoder that recognises free phone sequences (pocketsphinx's phonetic language model): the yardstick for
    how well audio fits the grammar."""
    make = factory or SpeechRecognizer._new_decoder
    return make(lm=None, allphone=str(model_dir() / "en-us" / "en-us-phone.lm.bin"), bestpath=False)


class GrammarRecognizer(SpeechRecognizer):
    """Recognition constrained to a JSGF grammar.

    Give exactly one of ``vocabulary`` (grammar built by :func:`build_grammar`), ``phrases`` (a plain list of
    accepted phrases) or ``jsgf_text`` (your own grammar).
    """

    def __init__(
        self,
        phrases: Iterable[str] | None = None,
        jsgf_text: str | None = None,
        *,
        vocabulary: ShoppingVocabulary | None = None,
        normalize_numbers: bool = True,
        reset_cmn: bool = False,
        decoder_factory: Callable[..., Any] | None = None,
        confidence: bool = True,
        cmninit: str | None = CMN_INIT,
    ) -> None:
        if sum(x is not None for x in (phrases, jsgf_text, vocabulary)) != 1:
            raise ValueError("give exactly one of phrases, jsgf_text or vocabulary")
        factory = decoder_factory or self._new_decoder
        # The lattice best-path pass at the end of an utterance took ~120 ms (up to 1 s) on 2 cores and did not
        # improve accuracy on our shopping phrases (WER 0.21 without it, 0.23 with it): the grammar search skips it.
        options: dict[str, Any] = {"lm": None, "bestpath": False}
        if cmninit:
            options["cmninit"] = cmninit
        options.update(SEARCH_OPTIONS)
        decoder = factory(**options)
        phones = phone_loop_decoder(decoder_factory) if confidence and decoder_factory is None else None
        super().__init__(decoder, normalize_numbers=normalize_numbers, reset_cmn=reset_cmn, phone_loop=phones)
        lexicon = DecoderLexicon(decoder)
        if vocabulary is not None:
            self.build = build_grammar(vocabulary, lexicon)
        elif phrases is not None:
            self.build = phrases_jsgf(phrases, lexicon)
        else:
            self.build = GrammarBuild(jsgf=str(jsgf_text))
        added = list(self.build.added_words.items())
        for i, (word, phones) in enumerate(added):
            decoder.add_word(word, phones, i == len(added) - 1)  # update the search once, at the end
        t0 = time.perf_counter()
        decoder.add_jsgf_string("aisle", self.build.jsgf)
        decoder.activate_search("aisle")
        log.info("grammar recogniser ready (%d chars of JSGF, compiled in %.0f ms)", len(self.build.jsgf),
                 (time.perf_counter() - t0) * 1000)

    @property
    def jsgf(self) -> str:
        return self.build.jsgf

    @property
    def dropped_words(self) -> list[str]:
        return sorted(set(self.build.dropped_words))


class LanguageModelRecognizer(SpeechRecognizer):
    """Recognition with pocketsphinx's general en-us language model (free-form, less accurate)."""

    def __init__(self, *, normalize_numbers: bool = True, reset_cmn: bool = False) -> None:
        super().__init__(self._new_decoder(), normalize_numbers=normalize_numbers, reset_cmn=reset_cmn)


__all__ = [
    "DEFAULT_COMMAND_PHRASES",
    "DecoderLexicon",
    "DictionaryLexicon",
    "GrammarBuild",
    "GrammarRecognizer",
    "LanguageModelRecognizer",
    "Lexicon",
    "RecognitionResult",
    "ShoppingVocabulary",
    "SpeechRecognizer",
    "build_grammar",
    "build_jsgf",
    "normalize_words",
    "phrases_jsgf",
]
