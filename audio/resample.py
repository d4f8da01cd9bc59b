"""Sample-rate conversion for int16 mono PCM, a thin wrapper over ``soxr``.

Capture runs at the device rate (usually 48 kHz); voice activity detection and offline recognition want 16 kHz and
the realtime models 24 kHz. :class:`StreamResampler` keeps the filter state between blocks so continuous capture
converts without clicks at block edges; :func:`resample` is the one-shot form for whole buffers.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import soxr

log = logging.getLogger("aisle.audio.resample")

VAD_RATE = 16000
RECOGNIZER_RATE = 16000
REALTIME_RATE = 24000


def mono_int16(pcm: Any) -> np.ndarray:
    arr = np.asarray(pcm)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if arr.dtype != np.int16:
        if np.issubdtype(arr.dtype, np.floating):
            arr = np.clip(arr, -1.0, 1.0) * 32767.0
        arr = np.clip(arr, -32768, 32767).astype(np.int16)
    return np.ascontiguousarray(arr)


def resample(pcm: Any, in_rate: int, out_rate: int, quality: str = "HQ") -> np.ndarray:
    """Convert a whole int16 mono buffer from ``in_rate`` to ``out_rate`` (returns int16)."""
    samples = mono_int16(pcm)
    if in_rate == out_rate or samples.size == 0:
        return samples.copy()
    out = soxr.resample(samples, in_rate, out_rate, quality=quality)
    return np.asarray(out, dtype=np.int16)


class StreamResampler:
    """Block-by-block int16 mono conversion with state kept between calls.

    ``process`` may return fewer samples than the ratio suggests at first (the filter's delay); ``flush`` returns
    the rest at the end of a stream. The total over a stream matches ``round(n_in * out_rate / in_rate)``.
    """

    def __init__(self, in_rate: int, out_rate: int, quality: str = "HQ") -> None:
        self.in_rate = int(in_rate)
        self.out_rate = int(out_rate)
        self.quality = quality
        self._stream: Any = None
        self.reset()

    def reset(self) -> None:
        """Forget filter state (e.g. after the capture device changed)."""
        if self.in_rate == self.out_rate:
            self._stream = None
        else:
            self._stream = soxr.ResampleStream(self.in_rate, self.out_rate, 1, dtype="int16", quality=self.quality)

    def process(self, block: Any) -> np.ndarray:
        samples = mono_int16(block)
        if self._stream is None:
            return samples.copy()
        return np.asarray(self._stream.resample_chunk(samples, last=False), dtype=np.int16)

    def flush(self) -> np.ndarray:
        """Return the samples still inside the filter and start a fresh stream."""
        if self._stream is None:
            return np.zeros(0, dtype=np.int16)
        out = np.asarray(self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True), dtype=np.int16)
        self.reset()
        return out


def to_vad_rate(pcm: Any, in_rate: int) -> np.ndarray:
    """Whole buffer to 16 kHz (VAD and offline recognition)."""
    return resample(pcm, in_rate, VAD_RATE)


def to_realtime_rate(pcm: Any, in_rate: int) -> np.ndarray:
    """Whole buffer to 24 kHz (realtime models)."""
    return resample(pcm, in_rate, REALTIME_RATE)
