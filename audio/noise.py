"""WebRTC noise suppression (same package as the echo canceller) to clean the microphone before recognition or VAD
in a noisy store."""

from __future__ import annotations

import logging

import numpy as np

from audio.echo import webrtc_audio_processing

log = logging.getLogger("aisle.audio.echo")


class NoiseSuppressor:
    """WebRTC noise suppression (+ high-pass filter) over int16 mono blocks whose length is a multiple of 10 ms.

    Keep one instance per stream: it learns the noise over time. Rates: 8, 16, 32 or 48 kHz.
    """

    def __init__(self, samplerate: int = 16000, *, high_pass_filter: bool = True) -> None:
        rtc = webrtc_audio_processing(samplerate, "noise suppression")
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
