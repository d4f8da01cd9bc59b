"""Double-talk detection: is someone in the room talking over Aisle, judged band by band against the reference."""

from __future__ import annotations

import collections

import numpy as np


class DoubleTalkDetector:
    """Is someone in the room talking over Aisle? Judged band by band from the raw microphone and the reference, not
    from the canceller's output.

    While only Aisle talks, each frequency band of the microphone follows the same band of the reference at a steady
    echo return loss (ERL: 0 dB on the virtual loopback, -10..-30 dB through a real speaker and microphone). A
    near-end talker shows up as bands louder than the echo alone could make them: ``margin_db`` above the loudest
    aligned reference of the last two blocks plus that band's ERL, and above the room's noise floor in that band.
    When at least ``min_bands`` of the 12 bands (200 Hz - 8 kHz) say so, the block holds a talker. Per band, because
    two voices (or a voice and whatever Aisle plays) rarely fill the same bands at the same moment: a shopper as
    loud as Aisle's echo is found where a broadband level test sees nothing. The ERL of a band is a low percentile
    of (microphone - reference) over the recent blocks where the reference was loud in it, so a talker (which only
    ever raises the microphone) barely moves it; the noise floor is a low percentile of the microphone itself.

    Why not the canceller's output: a cough or a burst of clatter over Aisle's voice can knock AEC3 out of
    convergence for half a second, and its output then carries Aisle's own voice at full level; a barge-in decided
    on that output interrupted Aisle for a cough.
    """

    EDGES_HZ = (200, 300, 450, 650, 900, 1250, 1700, 2300, 3000, 4000, 5200, 6500, 8000)

    def __init__(self, rate: int = 48000, *, margin_db: float = 8.0, min_bands: int = 3,
                 loud_band_db: float = -75.0, window: int = 150, percentile: float = 20.0,
                 initial_erl_db: float = 0.0) -> None:
        self.rate = rate
        self.margin_db = margin_db
        self.min_bands = min_bands
        self.loud_band_db = loud_band_db
        self.percentile = percentile
        bands = len(self.EDGES_HZ) - 1
        self._ratios: collections.deque[np.ndarray] = collections.deque(maxlen=window)  # mic - ref, NaN where quiet
        self._mic_levels: collections.deque[np.ndarray] = collections.deque(maxlen=window)
        self._erl = np.full(bands, initial_erl_db)
        self._floor = np.full(bands, -120.0)
        self._since_estimate = 0
        self._last_ref: np.ndarray | None = None
        self._band_of: np.ndarray | None = None  # FFT bin -> band index (-1 outside the bands), per block size
        self._window: np.ndarray | None = None
        self.recent: collections.deque[bool] = collections.deque(maxlen=50)  # near-end verdicts, newest last

    def _bands(self, block: np.ndarray) -> np.ndarray:
        x = np.asarray(block, dtype=np.float64).reshape(-1)
        if self._window is None or self._window.size != x.size:
            self._window = np.hanning(x.size)
            freqs = np.fft.rfftfreq(x.size, 1 / self.rate)
            self._band_of = np.searchsorted(self.EDGES_HZ, freqs, side="right") - 1
            self._band_of[(freqs < self.EDGES_HZ[0]) | (freqs >= self.EDGES_HZ[-1])] = -1
        assert self._band_of is not None
        power = np.abs(np.fft.rfft(x * self._window)) ** 2 / (float(np.sum(self._window ** 2)) * 32768.0 ** 2)
        inside = self._band_of >= 0
        bands = len(self.EDGES_HZ) - 1
        total = np.bincount(self._band_of[inside], weights=power[inside], minlength=bands)
        count = np.maximum(np.bincount(self._band_of[inside], minlength=bands), 1)
        return 10.0 * np.log10(total / count + 1e-14)

    def update(self, mic_block: np.ndarray, aligned_reference: np.ndarray) -> bool:
        """Judge one block; True when the microphone holds more than Aisle's echo."""
        mic, ref = self._bands(mic_block), self._bands(aligned_reference)
        echo_ref = ref if self._last_ref is None else np.maximum(ref, self._last_ref)  # the echo trails a little
        self._last_ref = ref
        loud = ref >= self.loud_band_db
        self._ratios.append(np.where(loud, mic - ref, np.nan))
        self._mic_levels.append(mic)
        self._since_estimate += 1
        if self._since_estimate >= 10 and len(self._mic_levels) >= 10:
            self._since_estimate = 0
            ratios = np.array(self._ratios)
            seen = np.sum(~np.isnan(ratios), axis=0) >= 10
            if seen.any():
                self._erl[seen] = np.nanpercentile(ratios[:, seen], self.percentile, axis=0)
            self._floor = np.percentile(np.array(self._mic_levels), 10, axis=0)
        expected = np.maximum(np.where(echo_ref >= self.loud_band_db, echo_ref + self._erl, -120.0), self._floor)
        near_end = int(np.sum(mic > expected + self.margin_db)) >= self.min_bands
        self.recent.append(near_end)
        return near_end

    def near_end_blocks(self, last: int) -> int:
        """How many of the ``last`` blocks held a near-end talker."""
        return sum(list(self.recent)[-last:])

    def talker_run_before(self, blocks_ago: int, limit: int) -> int:
        """How many blocks in a row held a near-end talker right before the block ``blocks_ago`` back from the
        newest (``blocks_ago`` 1: the newest), counting at most ``limit``."""
        verdicts = list(self.recent)
        count = 0
        for i in range(len(verdicts) - blocks_ago - 1, max(-1, len(verdicts) - blocks_ago - 1 - limit), -1):
            if not verdicts[i]:
                break
            count += 1
        return count

    def reset(self) -> None:
        self.recent.clear()
        self._last_ref = None
