"""Offline speech synthesis through libespeak-ng (audio.synthesizer)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from audio.recognizer import GrammarRecognizer
from audio.resample import resample
from audio.synthesizer import EspeakSynthesizer, SynthesisError


def test_synthesize_returns_pcm_at_its_rate() -> None:
    pcm, rate = EspeakSynthesizer().synthesize("Here are three sleeping bags under one hundred fifty dollars.")
    assert rate == 22050
    assert pcm.dtype == np.int16 and pcm.ndim == 1
    assert 2.0 < pcm.size / rate < 6.0
    assert np.abs(pcm).max() > 5000


def test_rate_changes_duration() -> None:
    text = "Would you like to add it to your cart?"
    slow, _ = EspeakSynthesizer(rate_wpm=120).synthesize(text)
    fast, _ = EspeakSynthesizer(rate_wpm=260).synthesize(text)
    assert fast.size < 0.7 * slow.size


def test_empty_text() -> None:
    pcm, rate = EspeakSynthesizer().synthesize("   ")
    assert pcm.size == 0 and rate > 0


def test_unknown_voice() -> None:
    with pytest.raises(SynthesisError):
        EspeakSynthesizer(voice="no-such-voice").synthesize("hello")


def test_concurrent_calls_are_serialised() -> None:
    synth = EspeakSynthesizer()
    texts = [f"Item number {i} is in your cart." for i in range(6)]
    expected = [synth.synthesize(t)[0] for t in texts]
    results: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        results[i] = synth.synthesize(texts[i])[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # espeak-ng varies lengths by a fraction of a percent from call to call; interleaved calls would mix whole
    # chunks between results (one short, another long).
    for i, pcm in enumerate(expected):
        assert abs(results[i].size - pcm.size) < 0.02 * pcm.size


async def test_asynthesize_runs_in_a_worker() -> None:
    pcm, rate = await EspeakSynthesizer().asynthesize("Check out is to your left.")
    assert pcm.size > rate


def test_our_speech_is_understood_by_our_recogniser() -> None:
    pcm, rate = EspeakSynthesizer(rate_wpm=150).synthesize("what's in my cart")
    rec = GrammarRecognizer(phrases=["what's in my cart", "check out", "start over"])
    assert rec.recognize(resample(pcm, rate, 16000)) == "what's in my cart"
