"""A speaker that plays in real time without a device: queued audio is consumed at its sample rate, by the clock.

Brains see it as `app.brain.SpeechOutput`. It records every stop with what had really been "played" by then, so a
test can compare the position a brain truncated at with the truth.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class _Utterance:
    tag: str
    samples: int
    rate: int
    played: int = 0


@dataclass
class PacedSpeaker:
    queue: list[_Utterance] = field(default_factory=list)
    played: dict[str, tuple[int, int]] = field(default_factory=dict)  # tag -> (samples played, rate)
    stops: list[dict[str, int]] = field(default_factory=list)  # per stop: tag -> samples played (own rate)
    _since: float = 0.0  # when the head of the queue last advanced

    def _advance(self) -> None:
        now = time.monotonic()
        budget = now - self._since if self.queue else 0.0
        self._since = now
        while self.queue and budget > 0:
            head = self.queue[0]
            take = min(head.samples - head.played, int(budget * head.rate))
            head.played += take
            budget -= take / head.rate
            done, rate = self.played.get(head.tag, (0, head.rate))
            self.played[head.tag] = (done + take, rate)
            if head.played < head.samples:
                break
            self.queue.pop(0)

    def play(self, pcm: bytes, samplerate: int, tag: str) -> None:
        self._advance()
        if not self.queue:
            self._since = time.monotonic()
        self.queue.append(_Utterance(tag, len(pcm) // 2, samplerate))
        self.played.setdefault(tag, (0, samplerate))

    def stop(self) -> None:
        self._advance()
        self.queue.clear()
        self.stops.append({tag: n for tag, (n, _) in self.played.items()})

    def played_samples(self, tag: str, samplerate: int) -> int:
        self._advance()
        done, rate = self.played.get(tag, (0, samplerate))
        return done * samplerate // rate

    def is_playing(self) -> bool:
        self._advance()
        return bool(self.queue)
