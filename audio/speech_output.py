"""The kiosk's speaker as brains see it (`app.brain.SpeechOutput`): any rate in, the device's rate out.

Each utterance (`tag`) gets its own streaming resampler so chunk boundaries stay seamless, and `played_samples`
converts the device's exact consumed-sample count back to the caller's rate — the position a realtime model's turn
is truncated at after a barge-in.

When the device rate is a whole multiple of the caller's (24 kHz realtime audio on a 48 kHz device), a short
linear-phase FIR upsampler is used instead of soxr: soxr's streaming filters work in blocks and hold back up to ~40 ms
of audio, so a first delta shorter than that was not heard until the next one arrived, and the last tens of
milliseconds of every reply (never flushed: nothing tells the output that a reply ended) were never played.
"""

from __future__ import annotations

import numpy as np

from audio.playback import SpeakerPlayback
from audio.resample import StreamResampler

_KEEP_RESAMPLERS = 8


class IntegerUpsampler:
    """Upsample int16 mono by a whole `factor` with a Kaiser-windowed sinc (passband to 90 % of the input Nyquist,
    over 80 dB image rejection), streaming: every input sample is output at once except the last `taps_per_phase // 2`
    (1 ms at 24 kHz), which wait for the next chunk. The output is aligned with the input (the filter delay is
    dropped once at the start), like soxr's."""

    def __init__(self, factor: int, taps_per_phase: int = 48) -> None:
        n = factor * taps_per_phase - 1  # odd: the delay is a whole number of output samples
        k = np.arange(n) - (n - 1) // 2
        h = np.sinc(0.9 * k / factor) * np.kaiser(n, 7.5)
        h = np.append(h * factor / h.sum(), 0.0)
        self.factor = factor
        self._phases = [h[p::factor] for p in range(factor)]
        self._history = np.zeros(taps_per_phase - 1)
        self._skip = (n - 1) // 2

    def process(self, samples: np.ndarray) -> np.ndarray:
        if samples.size == 0:
            return np.zeros(0, dtype=np.int16)
        ext = np.concatenate([self._history, samples.astype(np.float64)])
        self._history = ext[-self._history.size:]
        out = np.empty(samples.size * self.factor)
        for p, phase in enumerate(self._phases):
            out[p::self.factor] = np.convolve(ext, phase, mode="valid")
        if self._skip:
            out, self._skip = out[self._skip:], max(0, self._skip - out.size)
        return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


class DeviceSpeechOutput:
    def __init__(self, playback: SpeakerPlayback) -> None:
        self.playback = playback
        self._resamplers: dict[tuple[str, int], StreamResampler | IntegerUpsampler] = {}
        self._rates: dict[str, int] = {}

    def play(self, pcm: bytes, samplerate: int, tag: str) -> None:
        samples = np.frombuffer(pcm, dtype=np.int16)
        device_rate = self.playback.samplerate
        if samplerate != device_rate:
            key = (tag, samplerate)
            resampler = self._resamplers.get(key)
            if resampler is None:
                if device_rate % samplerate == 0:
                    resampler = IntegerUpsampler(device_rate // samplerate)
                else:
                    resampler = StreamResampler(samplerate, device_rate, quality="MQ")
                self._resamplers[key] = resampler
                while len(self._resamplers) > _KEEP_RESAMPLERS:
                    self._resamplers.pop(next(iter(self._resamplers)))
            samples = resampler.process(samples)
        self._rates[tag] = samplerate
        self.playback.play(samples, tag)

    def stop(self) -> None:
        self.playback.stop_now()
        self._resamplers.clear()

    def played_samples(self, tag: str, samplerate: int) -> int:
        played = self.playback.played_samples_for(tag)
        return played * samplerate // self.playback.samplerate

    def is_playing(self) -> bool:
        return self.playback.is_playing
