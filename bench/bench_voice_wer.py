"""Recognition accuracy: word error rate on 50 generated shopping utterances, with the catalog grammar and without.

The utterances are built from the demo catalog's categories, brands and product names (`bench_voice_common.
shopping_utterances`: 16 request templates, 5 espeak-ng voices, 3 rates, 30 % mixed with store noise at 10-20 dB
SNR). Each one goes through the voice loop's own listening path, without a device: 48 kHz blocks of 20 ms → 16 kHz →
VAD (default settings) → incremental recognition from the VAD's speech start (with its pre-roll) to its speech end,
one recogniser for the whole run (as in the kiosk). Words are compared as decoded (number words, not digits).
Goal: WER ≤ 10 % with the catalog grammar.

    .venv/bin/python bench/bench_voice_wer.py [--verbose]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from bench_voice_common import at_rate, mix_noise, shopping_utterances, speech, word_error_rate

from audio.recognizer import GrammarRecognizer, LanguageModelRecognizer, SpeechRecognizer
from audio.voice_loop import VoiceConfig, transcribe

GOAL = 0.10


def run(name: str, recognizer: SpeechRecognizer, utterances: list, verbose: bool) -> float:  # type: ignore[type-arg]
    errors = words = exact = 0
    decode_ms: list[float] = []
    noisy_errors = noisy_words = 0
    for i, (u, pcm48) in enumerate(utterances):
        texts = transcribe(pcm48, recognizer, VoiceConfig())
        hypothesis = " ".join(t.raw for t in texts)
        e, n = word_error_rate(u.text, hypothesis)
        errors, words, exact = errors + e, words + n, exact + (e == 0)
        if u.noise_snr_db is not None:
            noisy_errors, noisy_words = noisy_errors + e, noisy_words + n
        decode_ms += [t.decode_ms for t in texts]
        if verbose and e:
            noise = f" +noise {u.noise_snr_db:.0f} dB" if u.noise_snr_db is not None else ""
            print(f"   {i:2d} {u.voice:9s} {u.wpm}{noise:14s} {u.text!r} -> {hypothesis!r}")
    wer = errors / max(1, words)
    noisy_wer = noisy_errors / max(1, noisy_words) * 100
    clean_wer = (errors - noisy_errors) / max(1, words - noisy_words) * 100
    print(f"{name:34s} WER {wer * 100:5.1f} %  ({errors}/{words} words; {exact}/{len(utterances)} exact; noisy "
          f"{noisy_wer:.1f} %, clean {clean_wer:.1f} %)  decode p50 {np.median(decode_ms):.0f} ms/utterance")
    return wer


def main() -> int:
    verbose = "--verbose" in sys.argv
    from bench_voice_common import CACHE

    from app.catalog.store import Catalog
    from audio.vocabulary import vocabulary_from_catalog

    corpus = shopping_utterances(50)
    utterances = []
    for u in corpus:
        pcm, rate = speech(u.text, u.voice, u.wpm)
        pcm48 = at_rate(pcm, rate)
        if u.noise_snr_db is not None:
            pcm48 = mix_noise(pcm48, 48000, u.noise_snr_db, seed=len(utterances))
        utterances.append((u, pcm48))
    noisy = sum(u.noise_snr_db is not None for u in corpus)
    voices = sorted({u.voice for u in corpus})
    print(f"{len(corpus)} utterances from the catalog, voices {', '.join(voices)}, rates "
          f"{sorted({u.wpm for u in corpus})} wpm, {noisy} with store noise (SNR 10-20 dB)\n")
    started = time.perf_counter()
    grammar = GrammarRecognizer(vocabulary=vocabulary_from_catalog(Catalog(CACHE / "catalog.db")))
    print(f"(grammar built in {time.perf_counter() - started:.2f} s)")
    wer = run("catalog grammar", grammar, utterances, verbose)
    run("general language model (no grammar)", LanguageModelRecognizer(), utterances, verbose)
    ok = wer <= GOAL
    print(f"\ngoal WER <= {GOAL * 100:.0f} % with the grammar: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
