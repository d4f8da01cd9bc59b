"""Aisle's replies, spoken: sentences synthesised as the reply streams, queued on the speaker, cut off at once.

Replies stream as `text_chunk`s; complete sentences are synthesised off the loop (espeak-ng, its own worker thread)
and queued on the speaker, so speech starts before the reply is complete. A new shopper turn (spoken, typed or
tapped) silences the reply still playing; so does a barge-in. Brains that bring their own audio play through
`DeviceSpeechOutput` instead. :meth:`ReplySpeaking.say_line` speaks a line of the voice loop's own ("Sorry, I didn't
catch that") and :meth:`ReplySpeaking.say_again` repeats the last reply. A mixin of
:class:`audio.voice_loop.VoiceLoop`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import numpy as np

from app.events import Event, ReplyChunkStreamed, ReplyCompleted, SessionEnded, ShopperSpoke, VoiceState
from app.sentences import SentenceSplitter
from audio import devices
from audio.listening import DEVICE_RATE
from audio.resample import resample

if TYPE_CHECKING:
    from audio.voice_loop import VoiceLoop

log = logging.getLogger("aisle.audio.voice")


class ReplySpeaking:
    """Speaking replies and the loop's own lines (mixed into VoiceLoop)."""

    def _on_event(self: VoiceLoop, event: Event) -> None:
        session = self.conversation.session
        if session is None or event.session_id != session.id or self._listening_brain() is not None:
            return
        payload = event.payload
        if isinstance(payload, ShopperSpoke):
            if self._reply_pending or self._is_speaking():
                self._cut_reply()  # a new turn (typed, tapped or spoken) supersedes the reply still going
            self._splitter = SentenceSplitter()
            self._reply_pending = True
            self._reply_muted = False
            self._replies += 1
            self._set_state(VoiceState.THINKING)
        elif self._reply_muted:
            return
        elif isinstance(payload, ReplyChunkStreamed):
            self.timings.setdefault("reply_started_at", time.monotonic())
            for sentence in self._splitter.push(payload.text):
                self._queue_sentence(sentence)
        elif isinstance(payload, ReplyCompleted):
            self.last_reply = payload.text or self.last_reply
            for sentence in self._splitter.flush():
                self._queue_sentence(sentence)
            self._speech_queue.put_nowait((self._generation, ""))  # end of this reply
        elif isinstance(payload, SessionEnded):
            self._cut_reply()

    def _queue_sentence(self: VoiceLoop, sentence: str) -> None:
        self.timings.setdefault("sentence_ready_at", time.monotonic())
        self._speech_queue.put_nowait((self._generation, sentence))

    async def _speak_forever(self: VoiceLoop) -> None:
        loop = asyncio.get_running_loop()
        while True:
            generation, sentence = await self._speech_queue.get()
            if generation != self._generation:
                continue
            if not sentence:
                self._reply_pending = False
                self._spawn(self._idle_when_drained(generation))
                continue
            if self.playback is None:
                continue
            try:
                pcm = await loop.run_in_executor(self._tts, self._synthesize_for_device, sentence)
            except Exception:
                log.exception("could not synthesise %r; the reply stays on screen only", sentence)
                continue
            if generation != self._generation or self.playback is None or self.output is None:
                continue
            self.timings.setdefault("synthesized_at", time.monotonic())
            self.reply_tag = f"reply-{self._replies}"
            self.output.play(pcm.tobytes(), DEVICE_RATE, self.reply_tag)
            self.timings.setdefault("first_audio_at", time.monotonic())
            self._set_state(VoiceState.SPEAKING, sentence)

    def _synthesize_for_device(self: VoiceLoop, sentence: str) -> np.ndarray:
        """A sentence as speech at the device rate, whole (a one-shot conversion holds nothing back for later)."""
        pcm, rate = self.synthesizer.synthesize(sentence)
        return resample(pcm, rate, DEVICE_RATE, quality="MQ")

    async def _idle_when_drained(self: VoiceLoop, generation: int) -> None:
        playback = self.playback
        if playback is not None:
            await playback.wait_drained(within=120)
        if generation == self._generation and not self._reply_pending and not self._in_utterance:
            self._set_state(VoiceState.IDLE)

    async def say(self: VoiceLoop, text: str) -> None:
        """Speak a line outside the conversation (the staff panel's "test speaker")."""
        if self.playback is None or self.output is None:
            raise devices.AudioUnavailable(devices.Problem.NO_SPEAKER)
        pcm = await asyncio.get_running_loop().run_in_executor(self._tts, self._synthesize_for_device, text)
        self.output.play(pcm.tobytes(), DEVICE_RATE, "test")

    def _cut_reply(self: VoiceLoop, drop_buffered: bool = False) -> None:
        """Silence the speaker now and drop the rest of the reply; ``drop_buffered``: also what the device still
        holds (a barge-in: the shopper is talking and waits for silence; see SpeakerPlayback.stop_now)."""
        self._generation += 1
        self._reply_muted = True
        self._reply_pending = False
        self._splitter = SentenceSplitter()
        if self.playback is not None and self.playback.is_playing:
            self.playback.stop_now(drop_buffered=drop_buffered)
            self.timings["playback_stopped_at"] = time.monotonic()
        while not self._speech_queue.empty():
            self._speech_queue.get_nowait()

    def say_line(self: VoiceLoop, text: str) -> None:
        """Speak a line of the voice loop's own (not a turn of the conversation), like a short reply."""
        if self.playback is None:
            return
        self._reply_pending = True
        self._reply_muted = False
        self._replies += 1
        splitter = SentenceSplitter()
        for sentence in [*splitter.push(text), *splitter.flush()]:
            self._queue_sentence(sentence)
        self._speech_queue.put_nowait((self._generation, ""))

    def say_again(self: VoiceLoop) -> bool:
        """The shopper asked to hear the last reply again: speak it (False when there is none)."""
        if not self.last_reply.strip():
            return False
        self.say_line(self.last_reply)
        return True
