"""Offline speech recognition with pocketsphinx (en-us model shipped in the wheel).

:class:`GrammarRecognizer` decodes against the JSGF grammar built by :func:`audio.grammar.build_grammar` from the
words the store knows (catalog categories, brands, product names, command phrases), which is far more accurate for a
shopping kiosk than pocketsphinx's general language model; :class:`LanguageModelRecognizer` uses that general model
and is kept for comparison. Free-form speech the grammar cannot hold goes to the neural second pass
(:mod:`audio.neural`).

Words the pronouncing dictionary lacks get generated pronunciations (:mod:`audio.lexicon`), added to the decoder's
dictionary before the grammar. The incremental API is ``start_utterance()`` / ``feed(pcm16k)`` (returns the partial
text) / ``end_utterance()`` (returns the final text, spoken numbers turned into digits).

A decoder is not thread-safe and takes ~0.4 s to create: build recognisers in a worker thread and keep them. Each
method holds an internal lock, so feeding from a worker thread while another thread ends the utterance is safe.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from audio.grammar import (
    DEFAULT_COMMAND_PHRASES,
    GrammarBuild,
    GrammarMatcher,
    ShoppingVocabulary,
    build_grammar,
    build_jsgf,
    phrases_jsgf,
)
from audio.lexicon import DecoderLexicon, DictionaryLexicon, Lexicon, model_dir, normalize_words
from audio.numbers import words_to_digits

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
        self.matcher: GrammarMatcher | None = None  # set by grammar recognisers: is a partial a whole sentence?
        self.partial_complete = False  # the latest partial is a complete sentence of the grammar

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
        self.partial_complete = False
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
            raw = hyp.hypstr if hyp is not None and hyp.hypstr else ""
            self.partial_complete = self.matcher is not None and self.matcher.complete(raw)
        return self._norm(raw) if raw else ""

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
        self.matcher = GrammarMatcher(self.build.jsgf)
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
    "GrammarMatcher",
    "GrammarRecognizer",
    "LanguageModelRecognizer",
    "Lexicon",
    "RecognitionResult",
    "ShoppingVocabulary",
    "SpeechRecognizer",
    "build_grammar",
    "build_jsgf",
    "model_dir",
    "normalize_words",
    "phrases_jsgf",
]
