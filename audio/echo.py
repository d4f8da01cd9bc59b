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

The reference for the canceller is lined up with the microphone in :mod:`audio.echo_reference`; double talk is
judged in :mod:`audio.double_talk`; WebRTC noise suppression is in :mod:`audio.noise`.
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


def load_livekit_rtc() -> Any:
    try:
        from livekit import rtc
    except Exception as exc:
        log.info("software echo cancellation unavailable (livekit not usable: %s)", exc)
        return None
    return rtc


def aec_available() -> bool:
    return load_livekit_rtc() is not None


def webrtc_audio_processing(samplerate: int, purpose: str) -> Any:
    """The livekit module whose WebRTC audio processing runs ``purpose`` at ``samplerate``, or a clear error."""
    if samplerate not in APM_RATES:
        raise ValueError(f"{purpose} runs at {APM_RATES} Hz, not {samplerate}")
    rtc = load_livekit_rtc()
    if rtc is None:
        raise RuntimeError("the livekit package is not installed or cannot load")
    return rtc


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
        rtc = webrtc_audio_processing(samplerate, "echo cancellation")
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


def create_echo_canceller(samplerate: int = 48000, **kwargs: Any) -> EchoCanceller | None:
    """An :class:`EchoCanceller`, or None when software AEC is not available here (use the gate)."""
    try:
        return EchoCanceller(samplerate, **kwargs)
    except (RuntimeError, ValueError) as exc:
        log.info("no software echo cancellation: %s", exc)
        return None
