"""Shared by the voice benchmarks: a private virtual sound card, espeak-ng speech, catalog utterances, store noise.

Not a benchmark itself. Each `bench_voice_*.py` starts its own virtual device (`scripts/virtual-audio.sh` in a state
directory of its own, stopped by PID at exit) so it never touches a device someone else is using.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SCRIPT = REPO / "scripts" / "virtual-audio.sh"
CACHE = Path(tempfile.gettempdir()) / "aisle-bench" / "voice"

QUESTION = "show me sleeping bags under one hundred fifty dollars"


# ---------------------------------------------------------------------------------------------------- environment
def offline_kiosk_environment() -> None:
    """What every voice benchmark runs under: the offline brain (no cloud keys, whatever the shell has), no OS
    keyring, Qt offscreen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("AISLE_NO_KEYRING", "1")
    for secret in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_SPEECH_KEY", "AISLE_API_TOKEN"):
        os.environ.pop(secret, None)


# ---------------------------------------------------------------------------------------------------- device
@dataclass
class VirtualDevice:
    state: Path
    env: dict[str, str]

    def run(self, command: str) -> None:
        subprocess.run(["bash", str(SCRIPT), command], check=True, env={**os.environ, **self.env},
                       capture_output=True, timeout=60)


@contextlib.contextmanager
def virtual_device() -> Iterator[VirtualDevice]:
    """Start a private virtual sound card, point this process (and PortAudio) at it, stop it afterwards."""
    if shutil.which("pulseaudio") is None:
        raise SystemExit("PulseAudio is not installed (Debian: pulseaudio pulseaudio-utils libasound2-plugins)")
    state = Path(tempfile.mkdtemp(prefix="aisle-bench-audio-"))
    run_env = {**os.environ, "AISLE_AUDIO_STATE": str(state)}
    subprocess.run(["bash", str(SCRIPT), "start"], check=True, env=run_env, timeout=60, capture_output=True)
    env: dict[str, str] = {}
    for line in (state / "env").read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            key, _, value = line[len("export "):].partition("=")
            env[key] = value.strip("'")
    os.environ.update(env)
    from audio import devices

    devices.refresh_devices()
    try:
        yield VirtualDevice(state, env)
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=run_env, timeout=60, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------- speech
def speech_wav(text: str, voice: str = "en-us", wpm: int = 160) -> Path:
    """A WAV file of speech made with the espeak-ng command-line tool (cached)."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("the espeak-ng command is not installed (Debian: espeak-ng)")
    CACHE.mkdir(parents=True, exist_ok=True)
    name = "".join(ch if ch.isalnum() else "_" for ch in f"{voice}-{wpm}-{text}")[:150]
    path = CACHE / f"{name}.wav"
    if not path.exists():
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text], check=True)
    return path


def speech(text: str, voice: str = "en-us", wpm: int = 160) -> tuple[np.ndarray, int]:
    """Speech made with the espeak-ng command-line tool (cached), as int16 samples and their rate."""
    path = speech_wav(text, voice, wpm)
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).copy(), w.getframerate()


def at_rate(pcm: np.ndarray, rate: int, target: int = 48000) -> np.ndarray:
    from audio.resample import resample

    return resample(pcm, rate, target) if rate != target else pcm


def store_noise(n: int, rate: int, seed: int) -> np.ndarray:
    """A shop floor: pink-ish hum of the room, distant chatter (quiet, reversed speech) and a few clinks; float."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(n)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n, 1 / rate)
    spectrum /= np.sqrt(np.maximum(freqs, 20.0))  # 1/f power
    room = np.fft.irfft(spectrum, n)
    room /= np.abs(room).max() + 1e-9
    chatter = np.zeros(n)
    lines = ["would you like a bag for that", "the blue one is on sale", "we close at nine tonight",
             "can you check the back for my size", "aisle four has the camping gear"]
    pos = 0
    voices = ["en-us+m1", "en-us+f2", "en-us+m4", "en-us+f4"]
    while pos < n:
        pcm, r = speech(lines[int(rng.integers(len(lines)))], voices[int(rng.integers(len(voices)))], 170)
        talk = at_rate(pcm, r, rate).astype(np.float64)[::-1] / 32768.0
        end = min(n, pos + talk.size)
        chatter[pos:end] += talk[: end - pos]
        pos = end + int(rng.integers(rate // 10, rate // 2))
    clinks = np.zeros(n)
    for _ in range(max(1, n // rate)):
        at = int(rng.integers(0, max(1, n - rate // 20)))
        t = np.arange(rate // 20) / rate
        clinks[at:at + t.size] += np.sin(2 * np.pi * 3200 * t) * np.exp(-t * 80) * 0.5
    return 0.5 * room + 0.8 * chatter + clinks


def mix_noise(pcm: np.ndarray, rate: int, snr_db: float, seed: int) -> np.ndarray:
    """``pcm`` with store noise ``snr_db`` below its speech level (RMS over the loud part)."""
    x = pcm.astype(np.float64)
    loud = x[np.abs(x) > 0.05 * np.abs(x).max()]
    speech_rms = float(np.sqrt(np.mean(loud ** 2))) if loud.size else 1000.0
    noise = store_noise(x.size, rate, seed)
    noise *= speech_rms / (float(np.sqrt(np.mean(noise ** 2))) + 1e-9) / 10 ** (snr_db / 20)
    return np.clip(x + noise, -32768, 32767).astype(np.int16)


# ---------------------------------------------------------------------------------------------------- corpus
@dataclass(frozen=True)
class Utterance:
    text: str  # as spoken (number words)
    voice: str
    wpm: int
    noise_snr_db: float | None  # None: clean


VOICES = ("en-us", "en-us+f3", "en-us+m3", "en-us+f2", "en-us+m7")
RATES = (140, 160, 180)
PRICES = (40, 50, 75, 80, 100, 120, 150, 200, 250, 300)
TEMPLATES = (
    "show me {plural} under {price} dollars",
    "do you have any {plural}",
    "i'm looking for a {singular}",
    "find me {brand} {plural}",
    "add the {product} to my cart",
    "tell me more about the {ordinal} one",
    "add {count} of those to my cart",
    "what's in my cart",
    "how much is the {ordinal} one",
    "i need a {singular} under {price} dollars",
    "tell me more about the {product}",
    "is the {ordinal} one in stock",
    "show me {plural} between {price} and {price2} dollars",
    "i want to check out",
    "remove the {ordinal} one from my cart",
    "show me the {product}",
)


def shopping_utterances(n: int = 50, seed: int = 11, noisy_share: float = 0.3) -> list[Utterance]:
    """``n`` shopper requests built from the demo catalog's own categories, brands and product names, spread over
    several espeak voices and rates; ``noisy_share`` of them get store noise (SNR 10-20 dB)."""
    from app.catalog.build import build_catalog
    from app.catalog.store import Catalog
    from audio.numbers import number_to_words
    from audio.recognizer import DictionaryLexicon, normalize_words
    from audio.vocabulary import vocabulary_from_catalog

    path = CACHE / "catalog.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        build_catalog(path)
    vocabulary = vocabulary_from_catalog(Catalog(path))
    lexicon = DictionaryLexicon()

    def sayable(phrase: str) -> bool:  # every word in the pronunciation dictionary: no guessing for either side
        return all(lexicon.lookup(w) for w in phrase.split())

    def spoken(phrase: str) -> str:  # "Sunspot 3 Beach Shelter" is said "sunspot three beach shelter"
        return " ".join(normalize_words(phrase))

    names = set(vocabulary.categories)
    pairs = sorted((c, c + "s") for c in names if c + "s" in names and sayable(c + "s"))  # the catalog's own forms
    brands = [b for b in vocabulary.brands if sayable(b)]
    products = sorted({spoken(p) for p in vocabulary.product_names} - {""})
    products = [p for p in products if sayable(p) and 2 <= len(p.split()) <= 4]
    ordinals = ["first", "second", "third", "fourth", "last"]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        template = TEMPLATES[i % len(TEMPLATES)]
        low = rng.choice(PRICES[:-2])
        singular, plural = rng.choice(pairs)
        text = template.format(
            singular=singular, plural=plural, brand=rng.choice(brands), product=rng.choice(products),
            price=number_to_words(low), price2=number_to_words(rng.choice([p for p in PRICES if p > low])),
            ordinal=rng.choice(ordinals), count=number_to_words(rng.randint(2, 4)),
        )
        noisy = rng.random() < noisy_share
        out.append(Utterance(text, VOICES[i % len(VOICES)], RATES[(i // len(VOICES)) % len(RATES)],
                             rng.choice([10.0, 15.0, 20.0]) if noisy else None))
    return out


# ---------------------------------------------------------------------------------------------------- figures
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def word_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length)."""
    ref, hyp = reference.split(), hypothesis.split()
    d = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(hyp) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (ref[i - 1] != hyp[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(hyp)], len(ref)
