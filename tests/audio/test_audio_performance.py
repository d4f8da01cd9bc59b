"""Timing of the offline pieces, with generous bounds (run with -s to see the numbers)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from audio_testkit import silence

from audio.recognizer import GrammarRecognizer, LanguageModelRecognizer, ShoppingVocabulary
from audio.resample import StreamResampler, resample
from audio.synthesizer import EspeakSynthesizer
from audio.vad import FRAME_SAMPLES, VoiceActivityDetector

SENTENCE = "Here are three sleeping bags under one hundred fifty dollars."
PHRASE = "show me sleeping bags under one hundred fifty dollars"


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def test_synthesis_speed() -> None:
    synth = EspeakSynthesizer()
    pcm, rate = synth.synthesize(SENTENCE)
    seconds = best_of(5, lambda: synth.synthesize(SENTENCE))
    print(f"\nsynthesis: {seconds * 1000:.1f} ms for {pcm.size / rate:.2f} s of speech")
    assert seconds < 0.25 * pcm.size / rate


def test_vad_time_per_frame() -> None:
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(16000 * 10) * 2000).astype(np.int16)
    vad = VoiceActivityDetector()
    frames = audio.size // FRAME_SAMPLES

    def run() -> None:
        vad.reset()
        for i in range(0, audio.size, FRAME_SAMPLES):
            vad.feed(audio[i : i + FRAME_SAMPLES])

    per_frame = best_of(3, run) / frames
    print(f"\nVAD: {per_frame * 1e6:.1f} us per 20 ms frame (segmenter included)")
    assert per_frame < 0.001


def test_resampling_cost_per_block() -> None:
    block = (np.random.default_rng(0).standard_normal(960) * 3000).astype(np.int16)
    stream = StreamResampler(48000, 16000)
    per_block = best_of(3, lambda: [stream.process(block) for _ in range(500)]) / 500
    print(f"\nresampling 48k->16k: {per_block * 1e6:.1f} us per 20 ms block")
    assert per_block < 0.002


@pytest.mark.slow
def test_recognition_real_time_factor(speech) -> None:  # type: ignore[no-untyped-def]
    pcm, rate = speech.pcm(PHRASE, "perf_phrase")
    audio = resample(np.concatenate([silence(rate, 300), pcm, silence(rate, 300)]), rate, 16000)
    vocab = ShoppingVocabulary(
        categories=["sleeping bags", "tents", "backpacks", "camping stoves", "hiking boots", "rain jackets"],
        brands=["The North Face", "Patagonia", "Osprey", "Black Diamond"],
    )
    t0 = time.perf_counter()
    grammar = GrammarRecognizer(vocabulary=vocab)
    build_s = time.perf_counter() - t0
    grammar_s = best_of(3, lambda: grammar.recognize(audio))
    t0 = time.perf_counter()
    lm = LanguageModelRecognizer()
    lm_build_s = time.perf_counter() - t0
    lm_s = best_of(2, lambda: lm.recognize(audio))
    audio_s = audio.size / 16000
    print(f"\nrecognition of {audio_s:.2f} s: grammar RTF {grammar_s / audio_s:.3f} (set-up {build_s * 1000:.0f} ms), "
          f"general LM RTF {lm_s / audio_s:.3f} (set-up {lm_build_s * 1000:.0f} ms)")
    assert grammar_s / audio_s < 0.5
