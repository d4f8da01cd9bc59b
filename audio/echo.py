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
