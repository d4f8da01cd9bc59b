"""Block-exact decimation by a whole factor (48 kHz → 16 kHz for the VAD), with under a millisecond of delay.

soxr's streaming resamplers hand their output out in chunks: at 48 → 16 kHz the "LQ" quality returns 0, 600, 300,
300 … samples for 20 ms blocks of 960 (and "MQ" 0 or ~525), holding back up to ~20 ms, and the VAD then cuts that
into 20 ms frames, so a frame was judged up to ~35 ms after its sound had arrived. Every barge-in and every end of
turn waited for it. :class:`Decimator` returns exactly ``len(block) / factor`` samples for each block (the block's
own audio, delayed only by half of a short linear-phase low-pass filter: ~0.6 ms at 48 kHz).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from audio.resample import mono_int16

TAPS = 61  # odd: a whole-sample group delay of (TAPS - 1) / 2 input samples
KAISER_BETA = 8.0  # ~80 dB stop band: plenty for a VAD


def lowpass_taps(factor: int, taps: int = TAPS) -> np.ndarray:
    """A windowed-sinc low-pass cutting at 90 % of the output rate's Nyquist frequency, unity gain at DC."""
    cutoff = 0.9 / factor  # of the input's Nyquist frequency
    n = np.arange(taps) - (taps - 1) / 2
    h = cutoff * np.sinc(cutoff * n) * np.kaiser(taps, KAISER_BETA)
    result: np.ndarray = h / np.sum(h)
    return result


class Decimator:
    """int16 mono in, every ``factor``-th sample of the low-passed stream out; state is kept between blocks.

    Blocks whose length is not a multiple of ``factor`` are fine: the phase carries over, and over a stream the
    output is ``n_in // factor`` samples (give or take one)."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        if in_rate % out_rate:
            raise ValueError(f"{in_rate} Hz is not a whole multiple of {out_rate} Hz")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.factor = in_rate // out_rate
        self._taps = lowpass_taps(self.factor)
        self.reset()

    def reset(self) -> None:
        """Forget the filter's state (a new stream)."""
        self._history = np.zeros(self._taps.size - 1, dtype=np.float64)
        self._phase = 0  # index, in the next block, of the next input sample whose filtered value is kept

    def process(self, block: Any) -> np.ndarray:
        samples = mono_int16(block).astype(np.float64)
        if not samples.size:
            return np.zeros(0, dtype=np.int16)
        padded = np.concatenate([self._history, samples])
        self._history = padded[padded.size - self._history.size:]
        keep = np.arange(self._phase, samples.size, self.factor)
        self._phase = (self._phase - samples.size) % self.factor
        # output sample for input index i is the filter centred (TAPS-1)/2 samples before i: causal, fixed delay
        windows = np.lib.stride_tricks.sliding_window_view(padded, self._taps.size)[keep]
        out: np.ndarray = np.clip(np.rint(windows @ self._taps[::-1]), -32768, 32767).astype(np.int16)
        return out
