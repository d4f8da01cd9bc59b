"""Turn-taking for the kiosk: listen, recognise, answer out loud, don't hear ourselves, stop when interrupted.

The loop owns the state its parts share; the parts are mixins, one job each:

- Listening (:mod:`audio.voice_listening`): capture blocks (48 kHz, 20 ms) through echo control
  (:class:`audio.echo_control.EchoControl`) to the VAD and the recogniser; the turn ends after `vad_silence_ms` of
  silence, or after only `early_end_ms` when the partial is already a whole sentence of the grammar; then the
  two-pass decision (:mod:`audio.listening`).
- Turn taking (:mod:`audio.voice_turns`): the recognised words become a voice turn through the conversation, exactly
  like typing, or the loop says it did not catch that.
- Reply speaking (:mod:`audio.voice_speaking`) and device supervision (:mod:`audio.voice_devices`).
- Barge-in: shopper speech while Aisle speaks, once it has lasted `barge_in_ms` from its first sound
  (:mod:`audio.barge_in`; coughs and "mm-hm" don't), flushes the speaker within one block, interrupts the brain, and
  the shopper's words — from their first syllable, kept by the VAD — become the next turn.

Recognition (both passes) and synthesis run on their own single worker threads; the neural model is assembled and
loaded in the background after start, so nothing here blocks the loop. `transcribe()` runs the same listening path
over a recording, without a device (tests, the WER benchmark).

`timings` (time.monotonic() values of the latest turn) for the latency benchmark: speech_started_at, speech_ended_at
(the VAD's decision), recognised_at, reply_started_at (first text chunk), sentence_ready_at (first sentence
complete), synthesized_at, first_audio_at (queued on the speaker; the device's own first-sample time is
`playback.started_at(reply_tag)`), barge_in_at.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from app.brain import ListeningBrain
from app.bus import EventBus
from app.conversation import Conversation
from app.events import NoticePosted, Payload, VoiceState, VoiceStateChanged
from app.sentences import SentenceSplitter
from audio.barge_in import BargeInDebounce
from audio.capture import AudioBlock, MicrophoneCapture
from audio.decimate import Decimator
from audio.echo import EchoCanceller, HalfDuplexGate
from audio.echo_control import EchoControl
from audio.listening import (
    BLOCK_MS,
    DEVICE_RATE,
    Transcript,
    VoiceConfig,
    accept,
    cache_dir,
    new_vad,
    transcribe,
)
from audio.neural import NeuralRecognizer, hotwords_for
from audio.playback import SpeakerPlayback
from audio.recognizer import GrammarRecognizer, ShoppingVocabulary, SpeechRecognizer
from audio.resample import StreamResampler
from audio.speech_output import DeviceSpeechOutput
from audio.synthesizer import EspeakSynthesizer
from audio.voice_devices import OUTPUT_LATENCY_S, DeviceSupervision
from audio.voice_listening import Listening
from audio.voice_speaking import ReplySpeaking
from audio.voice_turns import NOT_CAUGHT, TurnTaking

log = logging.getLogger("aisle.audio.voice")

__all__ = ["NOT_CAUGHT", "OUTPUT_LATENCY_S", "Transcript", "VoiceConfig", "VoiceLoop", "accept", "transcribe"]


StateListener = Callable[[VoiceState, str], None]


class VoiceLoop(Listening, DeviceSupervision, ReplySpeaking, TurnTaking):
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
        self._vad = new_vad(config)
        # The VAD decides barge-ins and ends of turn, so it gets each block's own audio at once (audio.decimate: soxr
        # holds back up to ~20 ms in chunks); recognition keeps soxr's MQ.
        self._to_16k = Decimator(DEVICE_RATE, 16000)
        self._to_16k_heard = StreamResampler(DEVICE_RATE, 16000, quality="MQ")  # the ungated path, for recognition
        self._heard16k: collections.deque[np.ndarray] = collections.deque(maxlen=3000 // BLOCK_MS)
        self._to_brain: dict[int, StreamResampler] = {}  # per listening-brain input rate
        self.echo = EchoControl(config.half_duplex_tail_ms)
        self.neural: NeuralRecognizer | None = None  # the second pass, once loaded
        self._neural_task: asyncio.Task[None] | None = None
        self._not_caught_said = False  # "didn't catch that" was said and no turn was understood since
        self.last_reply = ""
        self._in_utterance = False
        self._utterance_audio: list[np.ndarray] = []  # what the recogniser got, for the voicing check
        self.barge = BargeInDebounce(config.barge_in_ms, config.min_voicing, DEVICE_RATE, BLOCK_MS)
        self._ptt_held = False
        self._last_partial = ""
        self._last_partial_at = 0.0
        self._partial_shown = False  # a partial transcript is on screen (until a final one or a clear)
        self._overlapped = False  # the utterance began while Aisle could be heard (a barge-in)
        self._barged = False
        self._splitter = SentenceSplitter()
        self._speech_queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        self._speaker_task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._generation = 0  # bumped when a reply is cut off: queued sentences of older generations are dropped
        self._reply_pending = False
        self._reply_muted = False  # the rest of a reply cut off by a barge-in is not spoken
        self._unsubscribe: Callable[[], None] | None = None
        self._closed = False
        self.level_dbfs = -120.0
        self.timings: dict[str, float] = {}
        self._replies = 0  # replies begun: each is played under its own speaker tag
        self.reply_tag = ""  # the speaker tag of the reply being spoken (playback.started_at(tag): first sample)
        self.rejected: list[Transcript] = []  # recent final recognitions dropped as noise (diagnostics)
        self._tasks: set[asyncio.Task[Any]] = set()

    # the echo control's state, as the benchmarks and tests read it
    @property
    def echo_mode(self) -> str:
        return self.echo.mode

    @property
    def echo_gated_blocks(self) -> int:
        return self.echo.gated_blocks

    @property
    def _gate(self) -> HalfDuplexGate:
        return self.echo.gate

    @property
    def _aec(self) -> EchoCanceller | None:
        return self.echo.aec

    def _echo_control(self, block: AudioBlock) -> tuple[np.ndarray, np.ndarray]:
        playback = self.playback
        glitches = playback.underflows + playback.restarts if playback is not None else 0  # each moved the echo path
        return self.echo.process(block, self._is_speaking(), glitches)

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a coroutine in the background, keeping a reference until it finishes."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- lifecycle ---------------------------------------------------------------------------------------------------

    async def start(self, open_devices: bool = True) -> None:
        """Build the recogniser and open the devices (or watch for them). ``open_devices=False`` leaves them closed:
        captured audio can then be handed in with :meth:`hear` (tests, recordings)."""
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = self.bus.subscribe(self._on_event)
        self._speaker_task = self._loop.create_task(self._speak_forever())
        await self._build_recognizer()
        if self.config.neural_model and self._neural_task is None:
            self._neural_task = self._loop.create_task(self._load_neural())
        if open_devices and not await self._open_devices():
            self._watch_task = self._loop.create_task(self._watch_devices())

    def hear(self, pcm48k: np.ndarray, captured_at: float | None = None) -> None:
        """Take microphone audio (int16, 48 kHz, any length) as if the capture device had delivered it, in 20 ms
        blocks through the same path."""
        block = DEVICE_RATE * BLOCK_MS // 1000
        samples = np.asarray(pcm48k, dtype=np.int16)
        for i in range(0, samples.size - block + 1, block):
            self._on_block(AudioBlock(pcm=samples[i:i + block], start_frame=i, captured_at=captured_at or
                                      time.monotonic()))

    async def close(self) -> None:
        self._closed = True
        if self._unsubscribe:
            self._unsubscribe()
        for task in (self._speaker_task, self._watch_task, self._neural_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._close_devices()
        self._asr.shutdown(wait=False, cancel_futures=True)
        self._tts.shutdown(wait=False, cancel_futures=True)

    async def rebuild_vocabulary(self) -> None:
        """The catalog changed: rebuild the recogniser's grammar from it, and Whisper's hotwords."""
        await self._build_recognizer()
        if self.neural is not None:
            vocabulary = await asyncio.get_running_loop().run_in_executor(None, self._vocabulary)
            self.neural.hotwords = hotwords_for(vocabulary.categories, vocabulary.brands, vocabulary.product_names)

    async def _build_recognizer(self) -> None:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            vocabulary = await loop.run_in_executor(self._asr, self._vocabulary)
            self.recognizer = await loop.run_in_executor(self._asr, lambda: GrammarRecognizer(vocabulary=vocabulary))
            log.info("offline recogniser ready in %.2f s", time.perf_counter() - started)
        except Exception:
            log.exception("the offline recogniser could not be built; voice input is off")
            self.recognizer = None

    async def _load_neural(self) -> None:
        """Assemble and load the Whisper model in the background (after the grammar, so after the first frame):
        free-form speech is understood from then on. Missing or refused weights leave the grammar alone."""
        loop = asyncio.get_running_loop()
        try:
            vocabulary = await loop.run_in_executor(None, self._vocabulary)
            hotwords = hotwords_for(vocabulary.categories, vocabulary.brands, vocabulary.product_names)
            neural = NeuralRecognizer(self.config.neural_model, cache_dir(self.config), hotwords=hotwords)
            loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aisle-whisper-load")  # its own thread:
            try:  # it lowers that thread's priority
                await loop.run_in_executor(loader, neural.load)
            finally:
                loader.shutdown(wait=False)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("free-form speech is not understood (grammar only): %s", exc)
            return
        self.neural = neural

    # -- state and events ----------------------------------------------------------------------------------------

    def _publish(self, payload: Payload) -> None:
        session = self.conversation.session
        if session is not None and not session.ended:
            session.publish(payload)

    def _notice(self, message: str, level: str, code: str) -> None:
        self._publish(NoticePosted(code, message, level=level))

    def _set_state(self, state: VoiceState, text: str = "") -> None:
        if state is self.state and not text:
            return
        self.state = state
        self._publish(VoiceStateChanged(state, text=text or None,
                                        message=self.problem if state is VoiceState.UNAVAILABLE else None))
        for listener in list(self.listeners):
            try:
                listener(state, text or self.problem)
            except Exception:
                log.exception("voice state listener failed")

    @property
    def available(self) -> bool:
        return self.capture is not None

    def _listening_brain(self) -> ListeningBrain | None:
        return self.conversation.listening_brain()

    def _is_speaking(self) -> bool:
        return self.playback is not None and self.playback.is_playing
