"""Echo control: keep the assistant from hearing itself on a loudspeaker.

Two modes:

* :class:`HalfDuplexGate` (always available): the microphone counts as muted while the speaker plays and for a
  short tail after it stops (default 250 ms, for the room's reverberation and the device's output latency).
  Feed it every block the speaker actually wrote (``SpeakerPlayback(on_played=gate.note_played)``) and pass mic
  blocks through :meth:`HalfDuplexGate.process`, which returns silence while muted so stream timing is kept.
* :class:`EchoCanceller`: software acoustic echo cancellation with WebRTC's audio processing module (AEC3), through
  the ``livekit`` package (``livekit.rtc.AudioProcessingModule``; it runs locally, no network). It subtracts the
  played reference from the microphone signal, so the user can interrupt the assistant (barge-in) while it talks.
  :func:`create_echo_canceller` returns None when that package is missing, and the gate stays the only mode.

The same module also offers :class:`NoiseSuppressor` (WebRTC noise suppression, same package) to clean the
microphone signal before offline recognition or VAD in a noisy store.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import numpy as np

log = logging.getLogger("aisle.audio.echo")

APM_RATES = (8000, 16000, 32000, 48000)


class EchoMode(StrEnum):
    OFF = "off"
    HALF_DUPLEX = "half_duplex"
    AEC = "aec"


class HalfDuplexGate:
    """Mutes the microphone while playback is audible, plus ``tail_ms``."""

    def __init__(self, tail_ms: int = 250, clock: Callable[[], float] = time.monotonic) -> None:
        self.tail_ms = tail_ms
        self._clock = clock
        self._playing = False
        self._last_audio_at = float("-inf")
        self.muted_blocks = 0

    def note_played(self, block: np.ndarray) -> None:
        """Reference tap: called with every block written to the speaker (silence included)."""
        if block.size and np.any(block):
            self._last_audio_at = self._clock()

    def set_playing(self, playing: bool) -> None:
        """Alternative to :meth:`note_played` for callers that only know start/stop of playback."""
        if self._playing and not playing:
            self._last_audio_at = self._clock()
        self._playing = playing

    @property
    def muted(self) -> bool:
        if self._playing:
            return True
        return (self._clock() - self._last_audio_at) * 1000.0 < self.tail_ms

    def process(self, mic_block: np.ndarray) -> np.ndarray:
        """The mic block, or silence of the same length while muted."""
        if self.muted:
            self.muted_blocks += 1
            return np.zeros_like(mic_block)
        return mic_block


def _load_livekit_rtc() -> Any:
    try:
        from livekit import rtc
    except Exception as exc:
        log.info("software echo cancellation unavailable (livekit not usable: %s)", exc)
        return None
    return rtc


def aec_available() -> bool:
    return _load_livekit_rtc() is not None


class EchoCanceller:
    """WebRTC AEC over int16 mono blocks whose length is a multiple of 10 ms.

    ``process(mic_block, played_reference_block)`` takes the microphone block and the block the speaker played in
    the same period (same rate, same length) and returns the echo-cancelled microphone block. ``stream_delay_ms``
    is the delay from a reference sample, as handed to ``process``, to its echo in the microphone blocks. With
    :class:`ReferenceBuffer` pairing that is a few milliseconds, and the hint must say so: on the virtual sound card
    a 45 ms hint made the canceller diverge in 3 runs out of 6 (3 dB instead of 72 dB), 0 ms never did in 15.
    """

    def __init__(
        self,
        samplerate: int = 48000,
        *,
        stream_delay_ms: int = 0,
        noise_suppression: bool = False,
        high_pass_filter: bool = True,
        auto_gain_control: bool = False,
    ) -> None:
        if samplerate not in APM_RATES:
            raise ValueError(f"echo cancellation runs at {APM_RATES} Hz, not {samplerate}")
        rtc = _load_livekit_rtc()
        if rtc is None:
            raise RuntimeError("the livekit package is not installed or cannot load")
        self._rtc = rtc
        self.samplerate = samplerate
        self.frame = samplerate // 100
        self.stream_delay_ms = int(stream_delay_ms)
        self._apm = rtc.AudioProcessingModule(
            echo_cancellation=True,
            noise_suppression=noise_suppression,
            high_pass_filter=high_pass_filter,
            auto_gain_control=auto_gain_control,
        )

    _latencies: dict[int, int] = {}

    @property
    def latency_samples(self) -> int:
        """How far the canceller's output lags its input (WebRTC's band-split filters: 430 samples = 9 ms at
        48 kHz). Measured once per rate on a scratch instance; whoever switches between the canceller's output and
        the plain microphone must delay the latter by this much or the stream jumps."""
        if self.samplerate not in self._latencies:
            scratch = EchoCanceller(self.samplerate)
            noise = (np.random.default_rng(0).standard_normal(self.samplerate // 2) * 3000).astype(np.int16)
            out = scratch.process(noise, None).astype(np.float64)
            head = noise.astype(np.float64)
            span = self.samplerate // 4
            scores = [float(np.dot(out[lag:lag + span], head[:span])) for lag in range(self.samplerate // 50)]
            self._latencies[self.samplerate] = int(np.argmax(scores))
        return self._latencies[self.samplerate]

    def process(self, mic_block: np.ndarray, played_reference_block: np.ndarray | None) -> np.ndarray:
        mic = np.ascontiguousarray(mic_block, dtype=np.int16).reshape(-1)
        if mic.size % self.frame:
            raise ValueError(f"blocks must be a multiple of 10 ms ({self.frame} samples)")
        if played_reference_block is None:
            ref = np.zeros_like(mic)
        else:
            ref = np.ascontiguousarray(played_reference_block, dtype=np.int16).reshape(-1)
            if ref.size != mic.size:
                fitted = np.zeros_like(mic)
                fitted[: min(ref.size, mic.size)] = ref[: mic.size]
                ref = fitted
        out = np.empty_like(mic)
        rtc = self._rtc
        n = self.frame
        for i in range(0, mic.size, n):
            ref_frame = rtc.AudioFrame(ref[i:i + n].tobytes(), self.samplerate, 1, n)
            self._apm.process_reverse_stream(ref_frame)
            self._apm.set_stream_delay_ms(self.stream_delay_ms)
            mic_frame = rtc.AudioFrame(mic[i:i + n].tobytes(), self.samplerate, 1, n)
            self._apm.process_stream(mic_frame)
            out[i:i + n] = np.frombuffer(mic_frame.data, dtype=np.int16)
        return out


class ReferenceBuffer:
    """Lines up the speaker's reference tap with microphone blocks for :class:`EchoCanceller`.

    ``push`` every block from ``SpeakerPlayback(on_played=...)`` (resampled here when the speaker runs at another
    rate), ``take(len(mic_block))`` for each microphone block; both on the event loop. Pairing blocks in order like
    this leaves the reference a few milliseconds ahead of its echo when both streams run continuously, which is
    what the canceller needs (hence its ``stream_delay_ms=0`` default).

    If the speaker started well before the microphone, the backlog would make the reference arrive after its echo
    and nothing would be cancelled: a backlog that stays above ``max_backlog_ms`` for a whole second is cut back to
    ``keep_ms`` once (short bursts of output callbacks, up to ~80 ms here, are left alone).
    """

    def __init__(self, rate: int, speaker_rate: int | None = None, *, max_backlog_ms: int = 60, keep_ms: int = 20,
                 window_ms: int = 1000) -> None:
        from audio.resample import StreamResampler

        self.rate = rate
        self._resampler = StreamResampler(speaker_rate, rate) if speaker_rate and speaker_rate != rate else None
        self._max_backlog = rate * max_backlog_ms // 1000
        self._keep = rate * keep_ms // 1000
        self._window = rate * window_ms // 1000
        self._buf = np.zeros(0, dtype=np.int16)
        self._low: int | None = None
        self._seen = 0
        self.dropped_samples = 0

    def push(self, block: np.ndarray) -> None:
        samples = np.asarray(block, dtype=np.int16).reshape(-1)
        if self._resampler is not None:
            samples = self._resampler.process(samples)
        self._buf = np.concatenate([self._buf, samples])

    def take(self, n: int) -> np.ndarray:
        spare = self._buf.size - n
        self._low = spare if self._low is None else min(self._low, spare)
        self._seen += n
        if self._seen >= self._window:
            if self._low > self._max_backlog:
                cut = self._low - self._keep
                self._buf = self._buf[cut:]
                self.dropped_samples += cut
            self._low = None
            self._seen = 0
        out = np.zeros(n, dtype=np.int16)
        have = min(n, self._buf.size)
        out[:have] = self._buf[:have]
        self._buf = self._buf[have:]
        return out

    @property
    def buffered(self) -> int:
        return int(self._buf.size)


_AUDIBLE = 600  # peak (int16) from which a speaker block counts as sound for the pairing check


class ClockedReference:
    """Pairs the speaker's reference with microphone blocks by PortAudio's converter times, not by arrival order.

    Pairing blocks in the order the callbacks happen to reach the event loop (:class:`ReferenceBuffer`) leaves the
    echo path's delay to chance: on the virtual sound card it came out anywhere between ~5 ms of lead and a few ms
    of *lag*, and a reference that arrives after its echo cannot be cancelled (AEC3 then diverged in about half the
    live runs). Here each speaker block comes with its position in the output stream and the time its first sample
    reaches the converter (``SpeakerPlayback(on_played_at=ref.push)``), each microphone block with the time its first
    sample was captured (``AudioBlock.adc_time``). Both are on PortAudio's stream clock, so the microphone frame that
    hears a given speaker frame is known (``offset``, a median over the first blocks; on the virtual card within
    0.3 ms of the true offset found with clicks). ``take`` hands the canceller, with each microphone sample, the
    reference that reaches the speaker ``lead_ms`` later: the echo then always follows its reference by a small,
    steady delay.

    Both streams run on one clock, so once set the pairing is kept sample for sample: the converter times wander by
    several milliseconds over seconds (measured: up to 5 ms off while the true offset, found with clicks, did not
    move), and now and then jump by tens or hundreds of milliseconds when another stream starts on the same sound
    server (the echo did not move); following them disturbed a converged canceller. The pairing is set again only
    after a glitch that really moves the echo (an output underflow or input overflow, reported with
    :meth:`note_glitch`), from the times seen after it, and only by up to ``max_move_ms``.

    The converter times can also be wrong by a steady amount: a host API that reports its buffer as latency when
    the device in fact plays (or, on a loopback, hands to the microphone) earlier. On the virtual card with a 60 ms
    output buffer they put the echo ~49 ms later than it was, so the reference reached the canceller *after* its
    echo and every word onset leaked through at full level. So, given the microphone's samples too (``take(...,
    mic=...)``), the pairing is checked against the signals themselves every ``check_every`` blocks while Aisle
    speaks: the delay that best lines up the microphone's and the reference's energy envelopes (1 ms steps, within
    ``search_ms`` of the current pairing; see :func:`estimate_echo_delay`). When that is confidently elsewhere, twice
    in a row, the pairing moves there (a re-synchronisation, like a glitch).

    Without usable times (0.0 from a host API that gives none) it falls back to pairing in order.
    """

    def __init__(self, rate: int, *, lead_ms: float = 10.0, settle_blocks: int = 10, max_move_ms: float = 200.0,
                 window: int = 64, keep_ms: int = 2500, check_every: int = 25, search_ms: float = 100.0,
                 guess_search_ms: float = 600.0, min_correlation: float = 0.7) -> None:
        self.rate = rate
        self.lead = round(rate * lead_ms / 1000)
        self.settle_blocks = settle_blocks
        self._max_move = round(rate * max_move_ms / 1000)
        self._out_obs: collections.deque[float] = collections.deque(maxlen=window)
        self._in_obs: collections.deque[float] = collections.deque(maxlen=window)
        self._keep = rate * keep_ms // 1000
        self._buf = np.zeros(0, dtype=np.int16)
        self._buf_start = 0  # output-stream frame index of _buf[0]
        self._shift: int | None = None  # reference frame = microphone frame - _shift
        self._pending_glitch = False
        self.resyncs = 0
        self._fallback = ReferenceBuffer(rate)
        self._timed = True
        self._mic = np.zeros(0, dtype=np.int16)  # the latest microphone samples, for checking the pairing
        self._mic_start = 0
        self._check_every = check_every
        self._search = round(rate * search_ms / 1000)  # around a verified pairing
        self._guess_search = round(rate * guess_search_ms / 1000)  # around converter times (seen 0.5 s off)
        self._min_correlation = min_correlation
        self._blocks_since_check = 0
        self._candidate: int | None = None  # a delay found once, adopted when the next check agrees
        self._loud_until = 0  # output frame until which the speaker's recent sound is worth checking against
        # True once the signals confirmed the pairing; until then (and after a glitch) the echo path is a guess
        self.verified = False

    def note_glitch(self) -> None:
        """The output underflowed or the input overflowed: the echo path moved; measure it again."""
        self._out_obs.clear()
        self._in_obs.clear()
        self._pending_glitch = True
        self.verified = False

    def push(self, block: np.ndarray, start_frame: int, dac_time: float) -> None:
        samples = np.asarray(block, dtype=np.int16).reshape(-1)
        self._fallback.push(samples)
        if dac_time <= 0.0:
            self._timed = False
            return
        self._out_obs.append(dac_time * self.rate - start_frame)
        if samples.size and int(np.abs(samples).max()) >= _AUDIBLE:
            self._loud_until = start_frame + samples.size + self._keep  # worth checking the pairing until then
        if self._buf.size == 0 or start_frame != self._buf_start + self._buf.size:
            self._buf, self._buf_start = samples.copy(), start_frame  # first block, or the stream restarted
        else:
            self._buf = np.concatenate([self._buf, samples])
        excess = self._buf.size - self._keep
        if excess > 0:
            self._buf = self._buf[excess:]
            self._buf_start += excess

    @property
    def offset(self) -> float | None:
        """Microphone frame index minus output frame index of the same instant, from the converter times (None
        until both were seen)."""
        if not self._out_obs or not self._in_obs:
            return None
        return float(np.median(self._out_obs) - np.median(self._in_obs))

    def _resync(self, ideal: int, why: str) -> None:
        if self._shift is not None:
            log.info("echo reference re-synchronised (%s): the echo moved by %+.1f ms", why,
                     (ideal - self._shift) * 1000 / self.rate)
            self.resyncs += 1
        self._shift = ideal
        self._pending_glitch = False

    def take(self, n: int, start_frame: int = 0, adc_time: float = 0.0, mic: np.ndarray | None = None) -> np.ndarray:
        """The reference for the microphone block of ``n`` samples starting at ``start_frame`` captured at
        ``adc_time`` (``mic``: the block itself, to check the pairing against)."""
        if not self._timed or adc_time <= 0.0:
            return self._fallback.take(n)
        self._fallback.take(n)  # keep the fallback's queue from growing
        checking = mic is not None and self._buf.size > 0 and self._buf_start + self._buf.size < self._loud_until
        if checking:
            self._keep_mic(np.asarray(mic, dtype=np.int16).reshape(-1), start_frame)
        elif self._mic.size:
            self._mic = np.zeros(0, dtype=np.int16)  # Aisle has been quiet: nothing to compare (and no copying)
        self._in_obs.append(adc_time * self.rate - start_frame)
        offset = self.offset if self._shift is None or self._pending_glitch else None  # medians only when needed
        if offset is not None:
            ideal = round(offset) - self.lead
            settled = min(len(self._out_obs), len(self._in_obs)) >= self.settle_blocks
            if self._shift is None or self._pending_glitch:
                if settled:
                    if self._shift is not None and abs(ideal - self._shift) > self._max_move:
                        log.info("echo reference: ignoring converter times that moved by %.0f ms",
                                 (ideal - self._shift) * 1000 / self.rate)
                        self._pending_glitch = False
                    else:
                        self._resync(ideal, "after a glitch" if self._pending_glitch else "start")
        if self._shift is not None and checking:
            self._blocks_since_check += 1
            # an unconfirmed pairing is checked five times as often
            if self._blocks_since_check >= (self._check_every if self.verified else max(1, self._check_every // 5)):
                self._blocks_since_check = 0
                self._check_pairing()
        out = np.zeros(n, dtype=np.int16)
        if self._shift is None:
            return out
        first = start_frame - self._shift - self._buf_start
        lo, hi = max(first, 0), min(first + n, self._buf.size)
        if hi > lo:
            out[lo - first:hi - first] = self._buf[lo:hi]
        return out

    @property
    def trusted(self) -> bool:
        """Whether the echo path is known: confirmed by the signals, or paired in order (no times to go by)."""
        return self.verified or not self._timed

    def _keep_mic(self, samples: np.ndarray, start_frame: int) -> None:
        if self._mic.size == 0 or start_frame != self._mic_start + self._mic.size:
            self._mic, self._mic_start = samples.copy(), start_frame
        else:
            self._mic = np.concatenate([self._mic, samples])
        excess = self._mic.size - self._keep
        if excess > 0:
            self._mic = self._mic[excess:]
            self._mic_start += excess

    def _check_pairing(self) -> None:
        """Compare the pairing with the delay the signals show; move it when they confidently disagree twice."""
        assert self._shift is not None
        current = self._shift + self.lead  # the echo delay (microphone frame - output frame) now assumed
        recent = self._mic[-self.rate:]  # the last second: Aisle's first words count before the window fills
        search = self._search if self.verified else self._guess_search
        found = estimate_echo_delay(recent, self._mic_start + self._mic.size - recent.size, self._buf, self._buf_start,
                                    current, search, self.rate, self._min_correlation)
        if found is None:
            return
        if abs(found - current) <= self.rate // 500:  # within 2 ms: the pairing holds
            self._candidate = None
            self.verified = True
            return
        # A verified pairing moves only when two checks in a row agree; a guess is replaced at once (and verified by
        # the next check).
        if not self.verified or (self._candidate is not None and abs(found - self._candidate) <= self.rate // 500):
            self._candidate = None
            self.verified = False
            self._resync(found - self.lead, "the signals put the echo elsewhere")
        else:
            self._candidate = found

    @property
    def delay_ms(self) -> float | None:
        """How long after its reference the echo reaches the canceller by the converter times (≈ ``lead_ms``)."""
        offset = self.offset
        if offset is None or self._shift is None:
            return None
        return (offset - self._shift) * 1000 / self.rate


def estimate_echo_delay(mic: np.ndarray, mic_start: int, out: np.ndarray, out_start: int, center: int, search: int,
                        rate: int, min_correlation: float = 0.7, chunk_ms: float = 5.0) -> int | None:
    """The echo delay (microphone frame index minus output frame index of the same sound) that best lines up the
    two signals' energy envelopes, searched within ``search`` samples of ``center``; None when the signals do not
    say (too little of Aisle's voice in the window, a talker over it, or no clear peak).

    Envelopes: RMS over ``chunk_ms`` pieces of the microphone, against the output's RMS over the same pieces
    shifted by each candidate delay (from a cumulative sum, so a candidate costs one lookup per piece); the score is
    their correlation coefficient. Candidates 5 ms apart first, then 1 ms apart around the best (~1-2 ms of work).
    """
    chunk = max(1, round(rate * chunk_ms / 1000))
    pieces = mic.size // chunk
    if pieces < 50 or out.size < chunk:
        return None
    m = mic[: pieces * chunk].astype(np.float64).reshape(pieces, chunk)
    mic_env = np.sqrt(np.mean(m * m, axis=1))
    energy = np.concatenate([[0.0], np.cumsum(out.astype(np.float64) ** 2)])
    piece_starts = mic_start + np.arange(pieces) * chunk - out_start
    loud_rms = 32768 * 10 ** (-45 / 20)

    def scores(delays: np.ndarray) -> np.ndarray:
        starts = piece_starts[None, :] - delays[:, None]  # where each piece's sound sits in ``out``
        w = ((starts >= 0) & (starts + chunk <= out.size)).astype(np.float64)
        clipped = np.clip(starts, 0, out.size - chunk)
        out_env = np.sqrt(np.maximum(energy[clipped + chunk] - energy[clipped], 0.0) / chunk)
        count = np.maximum(w.sum(axis=1), 1.0)
        mean_a, mean_b = (w * mic_env).sum(axis=1) / count, (w * out_env).sum(axis=1) / count
        da, db = (mic_env[None, :] - mean_a[:, None]) * w, (out_env - mean_b[:, None]) * w
        norm = np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))
        result = np.where(norm > 0, (da * db).sum(axis=1) / np.maximum(norm, 1e-12), -1.0)
        loud_share = (w * (out_env > loud_rms)).sum(axis=1) / count
        # too little to compare with, or Aisle hardly audible in the window: no say
        result[(w.sum(axis=1) < pieces * 0.8) | (loud_share < 0.2)] = -1.0
        return result

    coarse = np.arange(center - search, center + search + 1, chunk)
    rough = int(coarse[int(np.argmax(scores(coarse)))])
    fine = np.arange(rough - chunk, rough + chunk + 1, max(1, rate // 1000))
    fine_scores = scores(fine)
    best = int(np.argmax(fine_scores))
    if fine_scores[best] < min_correlation:
        return None
    return int(fine[best])


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

    def reset(self) -> None:
        self.recent.clear()
        self._last_ref = None


def create_echo_canceller(samplerate: int = 48000, **kwargs: Any) -> EchoCanceller | None:
    """An :class:`EchoCanceller`, or None when software AEC is not available here (use the gate)."""
    try:
        return EchoCanceller(samplerate, **kwargs)
    except (RuntimeError, ValueError) as exc:
        log.info("no software echo cancellation: %s", exc)
        return None


class NoiseSuppressor:
    """WebRTC noise suppression (+ high-pass filter) over int16 mono blocks whose length is a multiple of 10 ms.

    Keep one instance per stream: it learns the noise over time. Rates: 8, 16, 32 or 48 kHz.
    """

    def __init__(self, samplerate: int = 16000, *, high_pass_filter: bool = True) -> None:
        if samplerate not in APM_RATES:
            raise ValueError(f"noise suppression runs at {APM_RATES} Hz, not {samplerate}")
        rtc = _load_livekit_rtc()
        if rtc is None:
            raise RuntimeError("the livekit package is not installed or cannot load")
        self._rtc = rtc
        self.samplerate = samplerate
        self.frame = samplerate // 100
        self._pending = np.zeros(0, dtype=np.int16)
        self._apm = rtc.AudioProcessingModule(noise_suppression=True, high_pass_filter=high_pass_filter)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Denoise ``block``. Lengths that are not a multiple of 10 ms are buffered: output may lag by < 10 ms."""
        samples = np.concatenate([self._pending, np.asarray(block, dtype=np.int16).reshape(-1)])
        usable = samples.size - samples.size % self.frame
        self._pending = samples[usable:].copy()
        out = np.empty(usable, dtype=np.int16)
        n = self.frame
        for i in range(0, usable, n):
            frame = self._rtc.AudioFrame(samples[i:i + n].tobytes(), self.samplerate, 1, n)
            self._apm.process_stream(frame)
            out[i:i + n] = np.frombuffer(frame.data, dtype=np.int16)
        return out


def create_noise_suppressor(samplerate: int = 16000) -> NoiseSuppressor | None:
    """A :class:`NoiseSuppressor`, or None when the livekit package is not available."""
    try:
        return NoiseSuppressor(samplerate)
    except (RuntimeError, ValueError) as exc:
        log.info("no noise suppression: %s", exc)
        return None
