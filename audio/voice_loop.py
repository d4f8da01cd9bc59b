"""Turn-taking for the kiosk: listen, recognise, answer out loud, don't hear ourselves, stop when interrupted.

Capture blocks (48 kHz, 20 ms) arrive on the event loop from the device callback. Each block is echo-controlled
(WebRTC AEC fed with exactly what the speaker played, or the half-duplex gate), resampled to 16 kHz for the VAD and
the recogniser, and — when the brain hears for itself (realtime models, Azure Speech) — to that brain's input rate.

- Offline path: VAD speech start → `listening` and incremental recognition (partials as `transcript` events);
  speech end → final text → a voice turn through the conversation, exactly like typing.
- Speaking: replies stream as `text_chunk`s; complete sentences are synthesised off the loop and queued on the
  speaker, so speech starts before the reply is complete. Brains that bring their own audio play through
  `DeviceSpeechOutput` instead.
- Barge-in: shopper speech while Aisle speaks, once it has lasted `barge_in_ms` (coughs and "mm-hm" don't), flushes
  the speaker within one block, interrupts the brain, and the shopper's words become the next turn.
- Devices: no device, a device that vanishes, or a device error → `unavailable` with a plain-words notice; touch and
  typing carry on; the loop re-checks the devices every few seconds and picks voice up again by itself.

Recognition and synthesis run on their own single worker threads; nothing here blocks the loop.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.brain import ListeningBrain
from app.bus import EventBus
from app.conversation import Conversation, MessageRejected
from app.events import Event, EventKind, VoiceState
from app.fallback import active_brain
from app.settings import Settings
from audio import devices
from audio.capture import AudioBlock, AudioDeviceError, MicrophoneCapture, level_dbfs
from audio.echo import EchoCanceller, HalfDuplexGate, ReferenceBuffer, create_echo_canceller
from audio.playback import SpeakerPlayback
from audio.recognizer import GrammarRecognizer, ShoppingVocabulary, SpeechRecognizer
from audio.resample import StreamResampler, resample
from audio.speech_output import DeviceSpeechOutput
from audio.synthesizer import EspeakSynthesizer, SentenceSplitter
from audio.vad import VadEvent, VoiceActivityDetector

log = logging.getLogger("aisle.audio.voice")

DEVICE_RATE = 48000
BLOCK_MS = 20
PREROLL_MS = 300
PARTIAL_EVERY_S = 0.25


@dataclass(frozen=True)
class VoiceConfig:
    input_device: str = ""
    output_device: str = ""
    vad_aggressiveness: int = 2
    vad_start_ms: int = 200
    vad_silence_ms: int = 500
    barge_in_ms: int = 300
    echo_mode: str = "auto"  # auto | aec | half-duplex | off
    half_duplex_tail_ms: int = 250
    push_to_talk: bool = False
    tts_voice: str = "en-us"
    tts_rate_wpm: int = 175
    device_retry_s: float = 3.0

    @classmethod
    def from_settings(cls, settings: Settings) -> VoiceConfig:
        return cls(
            input_device=settings.input_device, output_device=settings.output_device,
            vad_aggressiveness=settings.vad_aggressiveness, vad_start_ms=settings.vad_start_ms,
            vad_silence_ms=settings.vad_silence_ms, barge_in_ms=settings.barge_in_ms, echo_mode=settings.echo_mode,
            push_to_talk=settings.push_to_talk, tts_voice=settings.tts_voice, tts_rate_wpm=settings.tts_rate_wpm,
        )


StateListener = Callable[[VoiceState, str], None]


class VoiceLoop:
    def __init__(self, conversation: Conversation, bus: EventBus, config: VoiceConfig,
                 vocabulary: Callable[[], ShoppingVocabulary]) -> None:
        self.conversation = conversation
        self.bus = bus
        self.config = config
        self._vocabulary = vocabulary
        self.state = VoiceState.UNAVAILABLE
        self.problem = ""
        self.listeners: list[StateListener] = []
        self.capture: MicrophoneCapture | None = None
        self.playback: SpeakerPlayback | None = None
        self.output: DeviceSpeechOutput | None = None
        self.recognizer: SpeechRecognizer | None = None
        self.synthesizer = EspeakSynthesizer(config.tts_voice, config.tts_rate_wpm)
        self._asr = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aisle-asr")
        self._tts = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aisle-tts")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._vad = self._new_vad()
        self._to_16k = StreamResampler(DEVICE_RATE, 16000, quality="MQ")
        self._to_brain: dict[int, StreamResampler] = {}  # per listening-brain input rate
        self._recent16k: collections.deque[np.ndarray] = collections.deque(maxlen=PREROLL_MS // BLOCK_MS)
        self._gate = HalfDuplexGate(config.half_duplex_tail_ms)
        self._aec: EchoCanceller | None = None
        self._reference: ReferenceBuffer | None = None
        self.echo_mode = "off"
        self._in_utterance = False
        self._ptt_held = False
        self._last_partial = ""
        self._last_partial_at = 0.0
        self._barged = False
        self._splitter = SentenceSplitter()
        self._speech_queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        self._speaker_task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._generation = 0  # bumped on barge-in: queued sentences of older generations are dropped
        self._reply_pending = False
        self._unsubscribe: Callable[[], None] | None = None
        self._closed = False
        self.level_dbfs = -120.0
        self.timings: dict[str, float] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a coroutine in the background, keeping a reference until it finishes."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- lifecycle ---------------------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = self.bus.subscribe(self._on_event)
        self._speaker_task = self._loop.create_task(self._speak_forever())
        await self._build_recognizer()
        if not await self._open_devices():
            self._watch_task = self._loop.create_task(self._watch_devices())

    async def close(self) -> None:
        self._closed = True
        if self._unsubscribe:
            self._unsubscribe()
        for task in (self._speaker_task, self._watch_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._close_devices()
        self._asr.shutdown(wait=False, cancel_futures=True)
        self._tts.shutdown(wait=False, cancel_futures=True)

    async def rebuild_vocabulary(self) -> None:
        """The catalog changed: rebuild the recogniser's grammar from it."""
        await self._build_recognizer()

    async def reconfigure(self, config: VoiceConfig) -> None:
        """Staff chose other devices (or push-to-talk): take `config`; when the devices changed, close them and open
        the new ones (unavailable and watching for them, like at start, when they cannot be opened)."""
        same = (config.input_device, config.output_device) == (self.config.input_device, self.config.output_device)
        if same or self._closed:
            self.config = config
            return
        if self._watch_task is not None:
            self._watch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch_task
            self._watch_task = None
        self._generation += 1  # nothing queued for the old speaker plays on the new one
        await self._close_devices()
        self.config = config
        self.level_dbfs = -120.0
        if not await self._open_devices():
            self._watch_task = self._spawn(self._watch_devices())

    async def _build_recognizer(self) -> None:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            vocabulary = await loop.run_in_executor(self._asr, self._vocabulary)
            self.recognizer = await loop.run_in_executor(self._asr, lambda: self._primed(vocabulary))
        except Exception:
            log.exception("the offline recogniser could not be built; voice input is off")
            self.recognizer = None
        self.timings["grammar_build_s"] = time.perf_counter() - started

    def _primed(self, vocabulary: ShoppingVocabulary) -> SpeechRecognizer:
        """A grammar recogniser that has already heard speech once.

        pocketsphinx normalises the cepstral mean from a poor default on a fresh decoder, and the first utterance
        often decodes to nothing; one synthesised phrase through it first gives the shopper's first words a fair
        chance.
        """
        recognizer = GrammarRecognizer(vocabulary=vocabulary)
        pcm, rate = self.synthesizer.synthesize("show me sleeping bags under one hundred dollars")
        recognizer.recognize(resample(pcm, rate, 16000), chunk_ms=20)
        return recognizer

    def _new_vad(self) -> VoiceActivityDetector:
        return VoiceActivityDetector(self.config.vad_aggressiveness, start_ms=self.config.vad_start_ms,
                                     end_ms=self.config.vad_silence_ms, preroll_ms=PREROLL_MS)

    # -- devices -------------------------------------------------------------------------------------------------
    async def _open_devices(self) -> bool:
        loop = asyncio.get_running_loop()
        try:
            capture, playback = await loop.run_in_executor(None, self._open_blocking, loop)
        except devices.AudioUnavailable as exc:
            self._unavailable(exc.message, str(exc))
            return False
        self.capture, self.playback = capture, playback
        self.output = DeviceSpeechOutput(playback)
        self._choose_echo_mode()
        self._attach_brain_output()
        self._set_state(VoiceState.IDLE)
        return True

    def _open_blocking(self, loop: asyncio.AbstractEventLoop) -> tuple[MicrophoneCapture, SpeakerPlayback]:
        playback = SpeakerPlayback(self.config.output_device or None, DEVICE_RATE, block_ms=BLOCK_MS, loop=loop,
                                   on_played=self._on_played, on_error=self._on_device_error)
        playback.start()
        capture = MicrophoneCapture(loop, self.config.input_device or None, DEVICE_RATE, BLOCK_MS,
                                    on_block=self._on_block, on_error=self._on_device_error)
        try:
            capture.start()
        except Exception:
            playback.close()
            raise
        return capture, playback

    async def _close_devices(self) -> None:
        capture, playback = self.capture, self.playback
        self.capture = self.playback = self.output = None
        self._attach_brain_output()
        loop = asyncio.get_running_loop()

        def close() -> None:
            if capture is not None:
                capture.stop()
            if playback is not None:
                playback.close()

        await loop.run_in_executor(None, close)

    def _choose_echo_mode(self) -> None:
        mode = self.config.echo_mode
        self._aec, self._reference = None, None
        if mode in ("auto", "aec"):
            self._aec = create_echo_canceller(DEVICE_RATE)
            if self._aec is not None:
                self._reference = ReferenceBuffer(DEVICE_RATE)
                self.echo_mode = "aec"
                return
            if mode == "aec":
                log.warning("echo cancellation is not available here; using the half-duplex gate")
        self.echo_mode = "off" if mode == "off" else "half-duplex"

    def _on_device_error(self, error: AudioDeviceError) -> None:
        log.warning("audio device problem: %s", error.detail)
        if error.fatal and not self._closed and self._loop is not None:
            self._spawn(self._lose_devices(error.message))

    async def _lose_devices(self, message: str) -> None:
        if self.capture is None and self.playback is None:
            return
        await self._close_devices()
        self._unavailable(message, "device lost")
        if self._watch_task is None or self._watch_task.done():
            self._watch_task = self._spawn(self._watch_devices())

    async def _watch_devices(self) -> None:
        """Re-check the devices until voice works again."""
        loop = asyncio.get_running_loop()
        while not self._closed:
            await asyncio.sleep(self.config.device_retry_s)
            try:
                await loop.run_in_executor(None, devices.refresh_devices)
            except devices.AudioUnavailable:
                continue
            if await self._open_devices():
                self._notice("Voice is back: you can talk to me again.", "info", "voice_restored")
                return

    def _unavailable(self, message: str, detail: str) -> None:
        log.warning("voice unavailable: %s (%s)", message, detail)
        self.problem = message
        self._set_state(VoiceState.UNAVAILABLE)
        self._notice(message, "warning", "voice_unavailable")

    def _attach_brain_output(self) -> None:
        brain = active_brain(self.conversation.brain)
        if isinstance(brain, ListeningBrain):
            brain.attach_voice(self.output)

    # -- state and events ----------------------------------------------------------------------------------------
    def _publish(self, kind: EventKind, data: dict[str, Any]) -> None:
        session = self.conversation.session
        if session is not None and not session.ended:
            session.publish(kind, data)

    def _notice(self, message: str, level: str, code: str) -> None:
        self._publish(EventKind.NOTICE, {"message": message, "level": level, "code": code})

    def _set_state(self, state: VoiceState, text: str = "") -> None:
        if state is self.state and not text:
            return
        self.state = state
        data: dict[str, Any] = {"state": state.value}
        if text:
            data["text"] = text
        if state is VoiceState.UNAVAILABLE:
            data["message"] = self.problem
        self._publish(EventKind.VOICE_STATE, data)
        for listener in list(self.listeners):
            try:
                listener(state, text or self.problem)
            except Exception:
                log.exception("voice state listener failed")

    @property
    def available(self) -> bool:
        return self.capture is not None

    def _listening_brain(self) -> ListeningBrain | None:
        brain = active_brain(self.conversation.brain)
        return brain if isinstance(brain, ListeningBrain) else None

    # -- capture path --------------------------------------------------------------------------------------------
    def _on_played(self, block: np.ndarray) -> None:
        if self._reference is not None:
            self._reference.push(block)
        self._gate.note_played(block)

    def _on_block(self, block: AudioBlock) -> None:
        mic = block.pcm
        playing = self.playback is not None and self.playback.is_playing
        self._gate.set_playing(playing)
        if self.echo_mode == "aec" and self._aec is not None and self._reference is not None:
            mic = self._aec.process(mic, self._reference.take(mic.size))
        elif self.echo_mode == "half-duplex":
            mic = self._gate.process(mic)
        self.level_dbfs = level_dbfs(mic)
        pcm16k = self._to_16k.process(mic)
        self._recent16k.append(pcm16k)
        listening_brain = self._listening_brain()
        if listening_brain is not None:
            rate = listening_brain.input_samplerate
            if rate not in self._to_brain:
                self._to_brain[rate] = StreamResampler(DEVICE_RATE, rate, quality="MQ")
            listening_brain.feed_audio(self._to_brain[rate].process(mic).tobytes())
        if self.config.push_to_talk:
            if self._ptt_held:
                self._feed_recognizer(pcm16k)
            return
        for event in self._vad.feed(pcm16k):
            self._on_vad(event, listening_brain)
        if self._in_utterance:
            self._feed_recognizer(pcm16k)
        if self._vad.in_speech and self._is_speaking() and not self._barged:
            if self._vad.voiced_ms >= self.config.barge_in_ms:
                self._barge_in()

    def _is_speaking(self) -> bool:
        return self.playback is not None and self.playback.is_playing

    def _on_vad(self, event: VadEvent, listening_brain: ListeningBrain | None) -> None:
        if event.kind == "speech_started":
            self._barged = False
            if listening_brain is not None:
                if not self._is_speaking() or event.voiced_ms >= self.config.barge_in_ms:
                    self._spawn(listening_brain.shopper_speech_started())
                return
            if self._is_speaking():
                return  # maybe our own echo or a cough: wait for the barge-in debounce
            self._begin_utterance()
        elif event.kind == "speech_ended":
            if listening_brain is not None:
                self._spawn(listening_brain.shopper_speech_stopped())
                return
            if self._in_utterance:
                self._finish_utterance()

    def _barge_in(self) -> None:
        """The shopper talks over Aisle: silence now, stop the reply, and listen to them."""
        self._barged = True
        self.timings["barge_in_at"] = time.monotonic()
        self._generation += 1
        self._splitter = SentenceSplitter()
        if self.playback is not None:
            self.playback.stop_now()
        while not self._speech_queue.empty():
            self._speech_queue.get_nowait()
        session = self.conversation.session
        brain = self._listening_brain()
        if brain is not None:
            self._spawn(brain.shopper_speech_started())
        elif session is not None:
            self._spawn(self.conversation.brain.interrupt(session))
        if brain is None and not self._in_utterance:
            self._begin_utterance()

    # -- recognition ---------------------------------------------------------------------------------------------
    def _begin_utterance(self) -> None:
        if self.recognizer is None:
            return
        self._in_utterance = True
        self._last_partial = ""
        self._set_state(VoiceState.LISTENING)
        recognizer = self.recognizer
        preroll = np.concatenate(list(self._recent16k)) if self._recent16k else np.zeros(0, np.int16)
        self._asr.submit(recognizer.start_utterance)
        self._feed_recognizer(preroll)

    def _feed_recognizer(self, pcm16k: np.ndarray) -> None:
        recognizer = self.recognizer
        if recognizer is None or pcm16k.size == 0:
            return
        future = self._asr.submit(recognizer.feed, pcm16k.tobytes())
        now = time.monotonic()
        if now - self._last_partial_at >= PARTIAL_EVERY_S:
            self._last_partial_at = now
            loop = asyncio.get_running_loop()
            future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._on_partial, f))

    def _on_partial(self, future: Any) -> None:
        if future.cancelled() or future.exception() is not None or not self._in_utterance:
            return
        text = future.result()
        if text and text != self._last_partial:
            self._last_partial = text
            self._publish(EventKind.TRANSCRIPT, {"role": "shopper", "text": text, "final": False})
            self._set_state(VoiceState.LISTENING, text)

    def _finish_utterance(self) -> None:
        self._in_utterance = False
        recognizer = self.recognizer
        if recognizer is None:
            return
        self.timings["speech_ended_at"] = time.monotonic()
        loop = asyncio.get_running_loop()
        future = self._asr.submit(recognizer.end_utterance)
        self._set_state(VoiceState.THINKING)
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._on_final, f))

    def _on_final(self, future: Any) -> None:
        if future.cancelled() or future.exception() is not None:
            log.warning("recognition failed: %r", None if future.cancelled() else future.exception())
            self._set_state(VoiceState.IDLE)
            return
        text = (future.result() or "").strip()
        self.timings["recognised_at"] = time.monotonic()
        if not text:
            self._set_state(VoiceState.IDLE)
            return
        self._spawn(self._take_turn(text))

    async def _take_turn(self, text: str) -> None:
        await self.conversation.ensure_session()
        self._publish(EventKind.TRANSCRIPT, {"role": "shopper", "text": text, "final": True})
        try:
            await self.conversation.submit_text(text, source="voice")
        except MessageRejected as exc:
            log.info("voice turn rejected: %s", exc)

    # -- push-to-talk --------------------------------------------------------------------------------------------
    def push_to_talk(self, pressed: bool) -> None:
        """The mic button: held, Aisle listens (and stops talking); released, the words become the turn."""
        if pressed and not self._ptt_held:
            self._ptt_held = True
            if self._is_speaking():
                self._barge_in()
            brain = self._listening_brain()
            if brain is None:
                self._begin_utterance()
            else:
                self._spawn(brain.shopper_speech_started())
        elif not pressed and self._ptt_held:
            self._ptt_held = False
            brain = self._listening_brain()
            if brain is not None:
                self._spawn(brain.shopper_speech_stopped())
            elif self._in_utterance:
                self._finish_utterance()

    # -- speaking ------------------------------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        session = self.conversation.session
        if session is None or event.session_id != session.id or self._listening_brain() is not None:
            return
        if event.kind is EventKind.SHOPPER_MESSAGE:
            self._splitter = SentenceSplitter()
            self._reply_pending = True
            self._set_state(VoiceState.THINKING)
        elif event.kind is EventKind.TEXT_CHUNK:
            for sentence in self._splitter.push(event.data.get("text", "")):
                self._speech_queue.put_nowait((self._generation, sentence))
        elif event.kind is EventKind.COMPLETION:
            for sentence in self._splitter.flush():
                self._speech_queue.put_nowait((self._generation, sentence))
            self._speech_queue.put_nowait((self._generation, ""))  # end of this reply
        elif event.kind is EventKind.SESSION_ENDED:
            self._generation += 1
            if self.playback is not None:
                self.playback.stop_now()

    async def _speak_forever(self) -> None:
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
            pcm, rate = await loop.run_in_executor(self._tts, self.synthesizer.synthesize, sentence)
            if generation != self._generation or self.playback is None or self.output is None:
                continue
            if "first_audio_at" not in self.timings:
                self.timings["first_audio_at"] = time.monotonic()
            self.output.play(pcm.tobytes(), rate, f"reply-{generation}")
            self._set_state(VoiceState.SPEAKING, sentence)

    async def _idle_when_drained(self, generation: int) -> None:
        playback = self.playback
        if playback is not None:
            await playback.wait_drained(within=120)
        if generation == self._generation and not self._reply_pending and not self._in_utterance:
            self._set_state(VoiceState.IDLE)

    async def say(self, text: str) -> None:
        """Speak a line outside the conversation (the staff panel's "test speaker")."""
        if self.playback is None or self.output is None:
            raise devices.AudioUnavailable(devices.Problem.NO_SPEAKER)
        pcm, rate = await asyncio.get_running_loop().run_in_executor(self._tts, self.synthesizer.synthesize, text)
        self.output.play(pcm.tobytes(), rate, "test")
