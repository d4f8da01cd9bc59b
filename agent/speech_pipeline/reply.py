"""One spoken reply of the speech pipeline: text in as the chat model streams it, sentences synthesised and queued
on the speaker as they complete, each sentence's text published when the speaker starts playing it.

Belongs to :class:`agent.speech_pipeline.brain.SpeechPipelineBrain`, which owns the synthesiser, the state and the
timing knobs this reads.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.brain import BrainUnavailable, SpeechOutput
from app.events import ReplyChunkStreamed, VoiceState
from app.sentences import SentenceSplitter
from app.session import ShopperSession

if TYPE_CHECKING:
    from agent.speech_pipeline.brain import SpeechPipelineBrain

log = logging.getLogger("aisle.agent.speech_pipeline")


def ignore_callback(*_args: Any) -> None:
    return None


@dataclass(frozen=True)
class QueuedSentence:
    """One sentence on its way to the shopper: queued on the speaker as `tag` (or text only when `tag` is empty)."""

    text: str
    tag: str = ""
    samples: int = 0
    samplerate: int = 0
    start: float = 0.0  # loop time its playback should start (after what was queued before it)


class SpokenReply:
    """One assistant reply: text deltas in; sentences spoken in order; text chunks published as they are heard."""

    def __init__(self, brain: SpeechPipelineBrain, session: ShopperSession, output: SpeechOutput | None,
                 tag: str) -> None:
        self.brain = brain
        self.session = session
        self.output = output
        self.tag = tag
        self.chunks: list[str] = []
        self.aborted = False
        self.voice_ok = output is not None and brain._voice_ok()
        self.speaking = False
        self.queued_until = 0.0
        self._splitter = SentenceSplitter(min_chars=2, max_chars=240)
        self._loop = asyncio.get_running_loop()
        self._sentences: asyncio.Queue[str | None] = asyncio.Queue()
        self._heard: asyncio.Queue[QueuedSentence | None] = asyncio.Queue()
        self._count = 0
        self._tasks: list[asyncio.Task[None]] = []
        if output is not None:
            self._tasks = [asyncio.create_task(self._speak_loop()), asyncio.create_task(self._show_loop())]

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    @property
    def spoken(self) -> bool:
        return bool(self._tasks)

    def _publish(self, text: str) -> None:
        if text:
            self.session.publish(ReplyChunkStreamed(text))
            self.chunks.append(text)

    async def on_text(self, delta: str) -> None:
        if self.aborted:
            return
        if not self._tasks:
            self._publish(delta)
            return
        for sentence in self._splitter.push(delta):
            self._sentences.put_nowait(sentence)

    async def finish(self) -> None:
        """The model is done: speak what is left and wait until the speaker has played it all."""
        if not self._tasks:
            return
        for sentence in self._splitter.flush():
            self._sentences.put_nowait(sentence)
        self._sentences.put_nowait(None)
        await asyncio.gather(*self._tasks)

    def abort(self) -> None:
        """Barge-in: nothing more goes to the speaker from here on (synchronous)."""
        self.aborted = True
        for task in self._tasks:
            task.cancel()

    def voice_lost(self) -> None:
        self.voice_ok = False
        self.output = None

    # -- the two halves ----------------------------------------------------------------------------------------------
    async def _speak_loop(self) -> None:
        """Synthesise sentences in order and queue each on the speaker as soon as it is ready."""
        while (sentence := await self._sentences.get()) is not None:
            pcm, rate = b"", 0
            if self.voice_ok:
                try:
                    pcm, rate = await self.brain.synthesizer.synthesize(sentence)
                except BrainUnavailable as exc:
                    self.voice_ok = False
                    self.brain._speech_failed(self.session, exc)
            output = self.output
            if self.aborted:
                return
            if pcm and rate and output is not None and self.voice_ok:
                tag = f"{self.tag}-{self._count}"
                self._count += 1
                samples = len(pcm) // 2
                start = max(self._loop.time(), self.queued_until)
                self.queued_until = start + samples / rate
                output.play(pcm, rate, tag)
                self._heard.put_nowait(QueuedSentence(sentence, tag, samples, rate, start))
            else:
                self._heard.put_nowait(QueuedSentence(sentence))
        self._heard.put_nowait(None)

    async def _show_loop(self) -> None:
        """Publish each sentence's text when the speaker starts playing it; return when the last one has played."""
        last: QueuedSentence | None = None
        while (item := await self._heard.get()) is not None:
            if item.tag:
                await self._until(item, started=True)
                if not self.speaking:
                    self.speaking = True
                    self.brain._set_state(VoiceState.SPEAKING)
                last = item
            self._publish((" " if self.chunks else "") + item.text)
        if last is not None:
            await self._until(last, started=False)

    async def _until(self, item: QueuedSentence, started: bool) -> None:
        slack = self.brain.playback_slack_s
        deadline = (item.start if started else self.queued_until) + slack
        while self._loop.time() < deadline:
            output = self.output
            if output is None:
                return
            played = output.played_samples(item.tag, item.samplerate)
            if started and played > 0:
                return
            if not started and (played >= item.samples or (played > 0 and not output.is_playing())):
                return
            await asyncio.sleep(self.brain.poll_s)
