"""The kiosk's speaker as brains see it (`app.brain.SpeechOutput`): any rate in, the device's rate out.

Each utterance (`tag`) gets its own streaming resampler so chunk boundaries stay seamless, and `played_samples`
converts the device's exact consumed-sample count back to the caller's rate — the position a realtime model's turn
is truncated at after a barge-in.
"""

from __future__ import annotations

import numpy as np

from audio.playback import SpeakerPlayback
from audio.resample import StreamResampler

_KEEP_RESAMPLERS = 8


class DeviceSpeechOutput:
    def __init__(self, playback: SpeakerPlayback) -> None:
        self.playback = playback
        self._resamplers: dict[tuple[str, int], StreamResampler] = {}
        self._rates: dict[str, int] = {}

    def play(self, pcm: bytes, samplerate: int, tag: str) -> None:
        samples = np.frombuffer(pcm, dtype=np.int16)
        device_rate = self.playback.samplerate
        if samplerate != device_rate:
            key = (tag, samplerate)
            resampler = self._resamplers.get(key)
            if resampler is None:
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
