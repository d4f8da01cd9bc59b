"""Listening: microphone blocks through echo control to the VAD and the recogniser, and the barge-in.

Each 48 kHz capture block is echo-controlled (:mod:`audio.echo_control`), resampled to 16 kHz for the VAD and the
recogniser, and — when the brain hears for itself (realtime models, Azure Speech) — to that brain's input rate.
With offline recognition, VAD speech start → `listening` and incremental grammar recognition (partials as
`transcript` events); the turn ends after `vad_silence_ms` of silence, or `early_end_ms` once the partial is a whole
grammar sentence, and the two-pass decision runs on the recogniser's thread (:func:`audio.listening.recognise`).
Shopper speech while Aisle speaks becomes a barge-in once :class:`audio.barge_in.BargeInDebounce` says so. A mixin
of :class:`audio.voice_loop.VoiceLoop`.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from app.brain import ListeningBrain
from app.events import TranscriptHeard, VoiceState
from audio.barge_in import LEAD_IN_BLOCKS, NEAR_END_WINDOW
from audio.capture import AudioBlock, level_dbfs
from audio.listening import BLOCK_MS, DEVICE_RATE, end_of_turn_ms, recognise
from audio.resample import StreamResampler
from audio.vad import VadEvent

if TYPE_CHECKING:
    from audio.voice_loop import VoiceLoop

PARTIAL_EVERY_S = 0.25
LOW_DELAY = "LQ"  # soxr quality for the cloud brains' input: it holds back less than MQ


class Listening:
    """The capture path, the VAD, the recogniser and the barge-in (mixed into VoiceLoop)."""

    _utterance_audio: list[np.ndarray]  # what the recogniser got, for the voicing check

    def _on_block(self: VoiceLoop, block: AudioBlock) -> None:
        mic, heard = self._echo_control(block)
        self.level_dbfs = level_dbfs(heard)
        pcm16k = self._to_16k.process(mic)
        heard16k = self._to_16k_heard.process(heard)
        self._heard16k.append(heard16k)
        self.barge.heard(heard)
        listening_brain = self._listening_brain()
        if listening_brain is not None:
            rate = listening_brain.input_samplerate
            if rate not in self._to_brain:
                self._to_brain[rate] = StreamResampler(DEVICE_RATE, rate, quality=LOW_DELAY)
            listening_brain.feed_audio(self._to_brain[rate].process(heard).tobytes())
        if self.config.push_to_talk:
            if self._ptt_held:
                self._feed_recognizer(heard16k)
            return
        joined = False
        for event in self._vad.feed(pcm16k):
            joined = self._on_vad(event, listening_brain) or joined
        if self._vad.in_speech and listening_brain is None and not self._in_utterance and not self._barged \
                and not self._is_speaking():
            self._begin_utterance()  # Aisle stopped talking while the shopper was already speaking
            joined = True
        if self._in_utterance and not joined:
            self._feed_recognizer(heard16k)
        if self._in_utterance and self.recognizer is not None and not self._ptt_held and not self._overlapped:
            self._vad.end_ms = end_of_turn_ms(self.recognizer, self.config)  # short once it is a whole sentence
        # no barge-in decided on a block whose echo path is in doubt: the canceller may be leaking Aisle's voice
        if self._vad.in_speech and self._is_speaking() and not self._barged and self.echo.path_known \
                and self.barge.due(self._vad, self.echo.near_end_blocks(NEAR_END_WINDOW)):
            self._barge_in()

    def _on_vad(self: VoiceLoop, event: VadEvent, listening_brain: ListeningBrain | None) -> bool:
        """Handle a VAD event; True when it started an utterance (which took the current block already)."""
        if event.kind == "speech_started":
            self._barged = False
            over_echo = self.echo.mode == "aec" and self.echo.gate.muted
            run_blocks = (self._vad.stream_ms - event.start_ms) // BLOCK_MS
            self.barge.speech_started(event.start_ms, self._vad.stream_ms, over_echo,
                                      self.echo.talker_run_before(run_blocks, LEAD_IN_BLOCKS) if over_echo else 0)
            if listening_brain is not None:
                if not self._is_speaking() or event.voiced_ms >= self.config.barge_in_ms:
                    self._spawn(listening_brain.shopper_speech_started())
                return False
            if self._is_speaking():
                return False  # maybe a cough: wait for the barge-in debounce
            self.timings = {"speech_started_at": time.monotonic()}
            self._begin_utterance()
            return True
        if event.kind == "speech_ended":
            if listening_brain is not None:
                self._spawn(listening_brain.shopper_speech_stopped())
                return False
            if self._in_utterance:
                self._finish_utterance()
        return False

    def _barge_in(self: VoiceLoop) -> None:
        """The shopper talks over Aisle: silence now, stop the reply, and listen to them."""
        self._barged = True
        self.timings = {"barge_in_at": time.monotonic()}
        self._cut_reply(drop_buffered=True)
        session = self.conversation.session
        brain = self._listening_brain()
        if brain is not None:
            self._spawn(brain.shopper_speech_started())
        elif session is not None:
            self._spawn(self.conversation.brain.interrupt(session))
        if brain is None and not self._in_utterance:
            self._begin_utterance(self.echo.fresh_canceller())

    def _begin_utterance(self: VoiceLoop, recent: np.ndarray | None = None) -> None:
        """Start recognising, from the beginning of the speech the VAD is in (its pre-roll included); ``recent``:
        the latest audio at 16 kHz to take that from instead of what the microphone path heard."""
        if self.recognizer is None:
            return
        self._in_utterance = True
        # Words spoken over Aisle reach the recogniser with the canceller's residue in them: the grammar scores them
        # low yet usually right, while Whisper turned them into other sentences ("and pour them out in a second
        # one") and could take Aisle's own voice for a shopper's. They are left to the grammar alone.
        self._overlapped = self._is_speaking() or self._barged or self.echo.gate.muted
        self._last_partial = ""
        self._last_partial_at = time.monotonic()
        self.timings.setdefault("speech_started_at", time.monotonic())
        self._set_state(VoiceState.LISTENING)
        recognizer = self.recognizer
        self._asr.submit(recognizer.start_utterance)
        self._utterance_audio = []
        # the speech so far as the VAD has it (from its pre-roll), taken from the ungated path
        wanted = len(self._vad.speech_so_far()) // 2
        if recent is None:
            recent = np.concatenate(list(self._heard16k)) if self._heard16k else np.zeros(0, dtype=np.int16)
        self._feed_recognizer(recent[-wanted:] if wanted else recent[:0])

    def _feed_recognizer(self: VoiceLoop, pcm16k: np.ndarray) -> None:
        recognizer = self.recognizer
        if recognizer is None or pcm16k.size == 0:
            return
        self._utterance_audio.append(pcm16k)
        future = self._asr.submit(recognizer.feed, pcm16k.tobytes())
        now = time.monotonic()
        if now - self._last_partial_at >= PARTIAL_EVERY_S:
            self._last_partial_at = now
            loop = asyncio.get_running_loop()
            future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._on_partial, f))

    def _on_partial(self: VoiceLoop, future: Any) -> None:
        if future.cancelled() or future.exception() is not None or not self._in_utterance:
            return
        text = future.result()
        if text and text != self._last_partial:
            self._last_partial = text
            self._partial_shown = True
            self._publish(TranscriptHeard(text, final=False))
            self._set_state(VoiceState.LISTENING, text)

    def _finish_utterance(self: VoiceLoop) -> None:
        self._in_utterance = False
        recognizer = self.recognizer
        if recognizer is None:
            return
        self.timings["speech_ended_at"] = time.monotonic()
        self.timings["end_silence_ms"] = float(self._vad.end_ms)  # the silence this turn waited (not a time)
        self._vad.end_ms = self.config.vad_silence_ms
        loop = asyncio.get_running_loop()
        neural = None if self._overlapped else self.neural
        future = self._asr.submit(recognise, recognizer, self._utterance_audio, self.config, neural, self._overlapped)
        self._utterance_audio = []
        self._set_state(VoiceState.THINKING)
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._on_final, f))
