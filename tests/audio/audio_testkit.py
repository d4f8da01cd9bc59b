"""Helpers shared by the audio tests: WAV files, test signals, alignment, word error rate, and waiting on state."""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2, "tests use 16-bit WAVs"
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        if w.getnchannels() > 1:
            data = data.reshape(-1, w.getnchannels())[:, 0]
        return data.copy(), w.getframerate()


def write_wav(path: Path, pcm: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype=np.int16).tobytes())
    return path


def chirp(rate: int, seconds: float = 0.2, f0: float = 500.0, f1: float = 4000.0, amplitude: int = 16000) -> np.ndarray:
    """A linear sine sweep, int16."""
    t = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds))
    return (np.sin(phase) * amplitude).astype(np.int16)


def cough(rate: int, ms: int = 150, amplitude: int = 12000, seed: int = 7) -> np.ndarray:
    """A cough-like burst: band-limited noise with a fast attack and decay, int16."""
    rng = np.random.default_rng(seed)
    n = rate * ms // 1000
    noise = rng.standard_normal(n + 64)
    kernel = np.hanning(9)
    noise = np.convolve(noise, kernel / kernel.sum(), mode="same")[:n]  # soften the top end a little
    t = np.arange(n) / n
    envelope = np.minimum(1.0, t / 0.08) * np.exp(-3.0 * t)
    burst = noise / (np.abs(noise).max() + 1e-9) * envelope * amplitude
    return burst.astype(np.int16)


def silence(rate: int, ms: int) -> np.ndarray:
    return np.zeros(rate * ms // 1000, dtype=np.int16)


def add_noise(pcm: np.ndarray, snr_db: float, seed: int = 3) -> np.ndarray:
    """White noise at ``snr_db`` below the signal's RMS (computed over its loud part)."""
    rng = np.random.default_rng(seed)
    x = pcm.astype(np.float64)
    loud = x[np.abs(x) > 0.05 * np.abs(x).max()] if np.any(x) else x
    rms = np.sqrt(np.mean(loud**2)) if loud.size else 1000.0
    noise = rng.standard_normal(x.size) * rms / (10 ** (snr_db / 20))
    return np.clip(x + noise, -32768, 32767).astype(np.int16)


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = reference.lower().split(), hypothesis.lower().split()
    d = np.zeros((len(ref) + 1, len(hyp) + 1), dtype=int)
    d[:, 0] = np.arange(len(ref) + 1)
    d[0, :] = np.arange(len(hyp) + 1)
    for i in range(1, len(ref) + 1):
        for j in range(1, len(hyp) + 1):
            cost = 0 if ref[i - 1] == hyp[j - 1] else 1
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + cost)
    return float(d[len(ref), len(hyp)]) / max(1, len(ref))


def onset(pcm: np.ndarray, threshold: int) -> int | None:
    """Index of the first sample whose magnitude exceeds ``threshold``."""
    idx = np.flatnonzero(np.abs(pcm.astype(np.int32)) > threshold)
    return int(idx[0]) if idx.size else None


async def until(condition: Callable[[], object], within: float, every: float = 0.02) -> bool:
    """Poll ``condition`` (state owned by the audio callbacks, which signal nothing) until it holds or time is up."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)
    return True
