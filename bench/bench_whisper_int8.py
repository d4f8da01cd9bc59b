"""The bundle's int8 Whisper file against the package's float16 one: size, load time, and what each one hears.

Both are loaded the way the kiosk loads them (``NeuralRecognizer``: int8 compute, two threads, the catalog's
hotwords, the hallucination gates), the int8 one from the folder ``packaging/quantize_whisper.py`` writes, and both
transcribe the same arrays: the recordings of ``bench_voice_wer.py`` (espeak-ng voices, 30 % of the catalog requests
mixed with store noise, plus the free-form requests). Transcripts are compared in one process because separate runs
of that benchmark differ by a few transcripts even with the same weights.

    .venv/bin/python bench/bench_whisper_int8.py [--n 40] [--loads 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_voice_common import CACHE, word_error_rate
from bench_voice_wer import corpus, plain

from audio.neural import NeuralRecognizer, hotwords_for
from audio.resample import resample
from audio.whisper_model import MODELS, assemble, sha256_of

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "packaging"))
from quantize_whisper import quantize  # packaging/ holds build scripts, not a package


def load_seconds(name: str, cache: Path, loads: int) -> float:
    """Median time to load the assembled folder (``assemble`` re-hashes model.bin, then CTranslate2 loads it)."""
    times = []
    for _ in range(loads):
        neural = NeuralRecognizer(name, cache)
        neural.load()
        times.append(neural.load_s)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40, help="catalog requests (plus the free-form ones)")
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    from app.catalog.store import Catalog
    from audio.vocabulary import vocabulary_from_catalog

    pin = MODELS["tiny.en"]
    items = corpus(args.n, use_piper=False)
    vocabulary = vocabulary_from_catalog(Catalog(CACHE / "catalog.db"))
    hotwords = hotwords_for(vocabulary.categories, vocabulary.brands, vocabulary.product_names)
    with tempfile.TemporaryDirectory(prefix="aisle-bench-int8-") as tmp:
        caches = {"float16 (package)": Path(tmp) / "float16", "int8 (bundle)": Path(tmp) / "int8"}
        assemble("tiny.en", caches["float16 (package)"])
        quantize(pin, caches["int8 (bundle)"] / "whisper-tiny.en")
        heard: dict[str, list[str]] = {}
        for label, cache in caches.items():
            model = cache / "whisper-tiny.en" / "model.bin"
            seconds = load_seconds("tiny.en", cache, args.loads)
            neural = NeuralRecognizer("tiny.en", cache, hotwords=hotwords)
            neural.load()
            started = time.perf_counter()
            heard[label] = [neural.transcribe(resample(audio, 48000, 16000)).text for *_, audio in items]
            decode_s = time.perf_counter() - started
            errors = words = 0
            for (text, *_), hypothesis in zip(items, heard[label], strict=True):
                e, w = word_error_rate(plain(text), plain(hypothesis))
                errors, words = errors + e, words + w
            print(f"{label:18s} model.bin {model.stat().st_size / 1e6:5.1f} MB (sha256 {sha256_of(model)[:12]}…), "
                  f"load median {seconds:.2f} s over {args.loads}, {len(items)} recordings decoded in "
                  f"{decode_s:.1f} s, WER {errors / max(1, words) * 100:.1f} % ({errors}/{words} words)")
    same = sum(a == b for a, b in zip(*heard.values(), strict=True))
    print(f"same transcript for {same} of {len(items)} recordings")
    for text, a, b in zip([i[0] for i in items], *heard.values(), strict=True):
        if a != b:
            print(f"  {text!r}: float16 {a!r}, int8 {b!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
