"""Hand-written stand-ins behind the pipeline's own interfaces (`Recognizer`, `Synthesizer`, `SpeechOutput`).

- `ScriptedRecognizer`: the test says what the shopper said (`partial`, `final`) or that recognition broke
  (`error`); callbacks run on the loop, as `AzureRecognizer` delivers them. It records starts, stops and audio.
- `ScriptedSynthesizer`: PCM whose length follows the text (`ms_per_char`), after `delay_s`; it can fail from the
  n-th sentence on. It records every text and every cancel.
- `RecordingSpeaker`: the shared real-time `PacedSpeaker` that also records when each utterance was queued and
  when it was stopped.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from agent.speech_pipeline.recognition import ErrorHandler, FinalHandler, PartialHandler
from app.brain import BrainUnavailable
from tests.fakes.speaker import PacedSpeaker


class ScriptedRecognizer:
    samplerate = 16000

    def __init__(self, fail_start: list[BrainUnavailable] | None = None) -> None:
        self.fail_start = list(fail_start or [])  # failures for the next starts, in order
        self.starts = 0
        self.stops = 0
        self.running = False
        self.pushed = bytearray()
        self._on_partial: PartialHandler | None = None
        self._on_final: FinalHandler | None = None
        self._on_error: ErrorHandler | None = None
        self.started = asyncio.Event()

    async def start(self, on_partial: PartialHandler, on_final: FinalHandler, on_error: ErrorHandler) -> None:
        self.starts += 1
        await asyncio.sleep(0)
        if self.fail_start:
            raise self.fail_start.pop(0)
        self._on_partial, self._on_final, self._on_error = on_partial, on_final, on_error
        self.running = True
        self.started.set()

    def push(self, pcm: bytes) -> None:
        if self.running:
            self.pushed.extend(pcm)

    async def stop(self) -> None:
        if self.running:
            self.stops += 1
        self.running = False
        self.started.clear()

    # -- the test speaks ---------------------------------------------------------------------------------------------
    def partial(self, text: str) -> None:
        assert self.running and self._on_partial is not None
        self._on_partial(text)

    def final(self, text: str) -> None:
        assert self.running and self._on_final is not None
        self._on_final(text)

    def error(self, failure: BrainUnavailable) -> None:
        assert self.running and self._on_error is not None
        self.running = False
        self._on_error(failure)


class ScriptedSynthesizer:
    samplerate = 24000

    def __init__(self, ms_per_char: float = 4.0, delay_s: float = 0.0, fail_from: int = 0,
                 failure: BrainUnavailable | None = None) -> None:
        self.ms_per_char = ms_per_char
        self.delay_s = delay_s
        self.fail_from = fail_from  # 1-based sentence number from which synthesis fails; 0: never
        self.failure = failure or BrainUnavailable("Azure Speech at region 'test' did not answer within 10 s.")
        self.texts: list[str] = []
        self.cancels = 0
        self.warm_ups = 0
        self.closed = False

    async def synthesize(self, text: str) -> tuple[bytes, int]:
        self.texts.append(text)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_from and len(self.texts) >= self.fail_from:
            raise self.failure
        samples = int(len(text) * self.ms_per_char * self.samplerate / 1000)
        return b"\x01\x00" * samples, self.samplerate

    async def warm_up(self) -> None:
        self.warm_ups += 1

    async def cancel(self) -> None:
        self.cancels += 1

    async def close(self) -> None:
        self.closed = True


@dataclass
class RecordingSpeaker(PacedSpeaker):
    plays: list[tuple[float, str, int, int]] = field(default_factory=list)  # (monotonic, tag, samples, rate)
    stop_times: list[float] = field(default_factory=list)

    def play(self, pcm: bytes, samplerate: int, tag: str) -> None:
        self.plays.append((time.monotonic(), tag, len(pcm) // 2, samplerate))
        super().play(pcm, samplerate, tag)

    def stop(self) -> None:
        self.stop_times.append(time.monotonic())
        super().stop()
