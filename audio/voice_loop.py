"""Turn-taking for the kiosk: listen, recognise, answer out loud, don't hear ourselves, stop when interrupted.

Capture blocks (48 kHz, 20 ms) arrive on the event loop from the device callback. Each block is echo-controlled
(WebRTC AEC fed with exactly what the speaker played, or the half-duplex gate), resampled to 16 kHz for the VAD and
the recogniser, and — when the brain hears for itself (realtime models, Azure Speech) — to that brain's input rate.

- Offline path: VAD speech start → `listening` and incremental recognition (partials as `transcript` events);
  speech end → final text → a voice turn through the conversation, exactly like typing. A final text the decoder
  is not confident about (noise forced onto the grammar) is dropped instead of becoming a turn.
- Speaking: replies stream as `text_chunk`s; complete sentences are synthesised off the loop and queued on the
  speaker, so speech starts before the reply is complete. A new shopper turn (spoken, typed or tapped) silences the
  reply still playing. Brains that bring their own audio play through `DeviceSpeechOutput` instead.
- Echo: with AEC, while Aisle's voice can be in the microphone a block only reaches the VAD when the canceller left
  a near-end talker in it (its level within `RESIDUAL_ECHO_DB` of the raw microphone; echo alone comes out ~60 dB
  down); for `ECHO_SETTLE_S` after anything that upsets the canceller (the first audio, an output underflow, a
  re-synchronised reference) the microphone is gated like half-duplex. Half-duplex mutes the microphone while Aisle
  speaks and for a tail after.
- Barge-in: shopper speech while Aisle speaks, once it has lasted `barge_in_ms` (coughs and "mm-hm" don't), flushes
  the speaker within one block, interrupts the brain, and the shopper's words — from their first syllable, kept by
  the VAD — become the next turn.
- Devices: no device, a device that vanishes, or a device error → `unavailable` with a plain-words notice; touch and
  typing carry on; the loop re-checks the devices every few seconds and picks voice up again by itself.

Recognition and synthesis run on their own single worker threads; nothing here blocks the loop. `transcribe()` runs
the same listening path over a recording, without a device (tests, the WER benchmark).

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
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.brain import ListeningBrain
from app.bus import EventBus
from app.conversation import Conversation, MessageRejected
from app.events import Event, EventKind, VoiceState
from app.sentences import SentenceSplitter
from app.settings import Settings
from audio import devices
from audio.capture import AudioBlock, AudioDeviceError, MicrophoneCapture, level_dbfs
from audio.echo import ClockedReference, DoubleTalkDetector, EchoCanceller, HalfDuplexGate, create_echo_canceller
from audio.playback import SpeakerPlayback
from audio.recognizer import GrammarRecognizer, RecognitionResult, ShoppingVocabulary, SpeechRecognizer
from audio.resample import StreamResampler, resample
from audio.speech_output import DeviceSpeechOutput
from audio.synthesizer import EspeakSynthesizer
from audio.vad import VadEvent, VoiceActivityDetector, voicing

log = logging.getLogger("aisle.audio.voice")

DEVICE_RATE = 48000
BLOCK_MS = 20
PREROLL_MS = 300
PARTIAL_EVERY_S = 0.25
LOW_DELAY = "LQ"  # soxr quality for the VAD and the cloud brains' input (see VoiceLoop.__init__)
# The speaker's buffer. PortAudio's 'low' (40 ms on the virtual card) underflowed 2-4 times a minute while speaking;
# every underflow shifts the echo path and the canceller needs 1-2 s to find it again. 60 ms gave no underflow in
# 150 s and keeps a flush (barge-in) silent at the microphone within 65-83 ms.
OUTPUT_LATENCY_S = 0.06
ECHO_SETTLE_S = 1.0  # the microphone stays gated this long after something upset the echo canceller
AEC_WARMUP_BLOCKS = 10  # blocks of audible output the canceller must have seen before the microphone is trusted
# While Aisle speaks, a cleaned block is taken for echo (the VAD gets silence) when it is this far below the raw
# microphone or this quiet: echo alone comes out ~60-70 dB down at about -67 dBFS, which webrtcvad still calls speech
# now and then; a shopper talking over Aisle comes out 5-25 dB below the raw microphone (AEC3 turns them down too).
RESIDUAL_ECHO_DB = 35.0
RESIDUAL_ECHO_FLOOR_DBFS = -55.0
# A barge-in needs a near-end talker (louder than Aisle's echo could be, see DoubleTalkDetector) in at least
# NEAR_END_MIN of the last NEAR_END_WINDOW blocks; a block reaches the VAD while Aisle speaks only with one in the
# last NEAR_END_HANGOVER blocks (so syllables quieter than the echo are not chopped out of a shopper's words).
NEAR_END_WINDOW = 8
NEAR_END_MIN = 2
NEAR_END_HANGOVER = 5
ECHO_HISTORY_MS = 3000  # how much Aisle-only audio a fresh canceller gets to converge on at a barge-in


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
    # A final recognition whose fit to the grammar is below this (RecognitionResult.confidence: path score per frame
    # x1000 against a free phone loop) is noise or off-topic talk forced onto the grammar, not a turn. Correct
    # requests measured -1.2..+1.0, out-of-grammar sentences -1.8..-2.0 (bench/bench_voice_wer.py, tests).
    min_confidence: float = -1.4
    # Share of an utterance's audible 40 ms frames that must have a pitch (a voice) for it to be a turn; the same for
    # the speech that would interrupt Aisle (webrtcvad alone takes a fan's hiss or clatter for speech).
    min_voicing: float = 0.15

    @classmethod
    def from_settings(cls, settings: Settings) -> VoiceConfig:
        return cls(
            input_device=settings.input_device, output_device=settings.output_device,
            vad_aggressiveness=settings.vad_aggressiveness, vad_start_ms=settings.vad_start_ms,
            vad_silence_ms=settings.vad_silence_ms, barge_in_ms=settings.barge_in_ms, echo_mode=settings.echo_mode,
            push_to_talk=settings.push_to_talk, tts_voice=settings.tts_voice, tts_rate_wpm=settings.tts_rate_wpm,
        )


@dataclass(frozen=True)
class Transcript:
    """One recognised utterance."""

    text: str  # numbers as digits: what becomes the turn
    raw: str  # as decoded (number words)
    confidence: float
    accepted: bool  # False: dropped as noise
    audio_ms: float
    decode_ms: float
    voicing: float = 1.0  # share of audible frames with a pitch


def new_vad(config: VoiceConfig) -> VoiceActivityDetector:
    return VoiceActivityDetector(config.vad_aggressiveness, start_ms=config.vad_start_ms,
                                 end_ms=config.vad_silence_ms, preroll_ms=PREROLL_MS)


def accept(result: RecognitionResult | None, config: VoiceConfig, voiced_share: float = 1.0) -> bool:
    """Whether a final recognition is a shopper's words: not empty, said by a voice, and not noise or off-topic talk
    forced onto the grammar."""
    return (result is not None and bool(result.text.strip()) and result.confidence >= config.min_confidence
            and voiced_share >= config.min_voicing)


def _final(recognizer: SpeechRecognizer, audio: list[np.ndarray]) -> tuple[str, RecognitionResult | None, float]:
    text = recognizer.end_utterance()
    return text, recognizer.last_result, voicing(np.concatenate(audio)) if audio else 0.0


def transcribe(pcm48k: np.ndarray, recognizer: SpeechRecognizer, config: VoiceConfig | None = None,
               lead_ms: int = 500, tail_ms: int = 1000) -> list[Transcript]:
    """Run the voice loop's listening path over a 48 kHz recording (no device, no echo): 20 ms blocks → 16 kHz →
    VAD → incremental recognition from each speech start (with its pre-roll) to its end. ``lead_ms`` of silence
    before and ``tail_ms`` (plus the VAD's end silence) after, as in a quiet room."""
    config = config or VoiceConfig()
    block = DEVICE_RATE * BLOCK_MS // 1000
    silence_after = np.zeros(DEVICE_RATE * (tail_ms + config.vad_silence_ms) // 1000, dtype=np.int16)
    stream = np.concatenate([np.zeros(DEVICE_RATE * lead_ms // 1000, dtype=np.int16),
                             np.asarray(pcm48k, dtype=np.int16), silence_after])
    to16k = StreamResampler(DEVICE_RATE, 16000, quality="MQ")
    vad = new_vad(config)
    out: list[Transcript] = []
    in_utterance = False
    audio: list[np.ndarray] = []
    for i in range(0, stream.size - block + 1, block):
        pcm16k = to16k.process(stream[i:i + block])
        joined = False
        for event in vad.feed(pcm16k):
            if event.kind == "speech_started":
                recognizer.start_utterance()
                audio = [np.frombuffer(vad.speech_so_far(), dtype=np.int16)]
                recognizer.feed(audio[0])
                in_utterance = joined = True
            elif event.kind == "speech_ended" and in_utterance:
                in_utterance = False
                text, result, voiced = _final(recognizer, audio)
                if result is not None:
                    out.append(Transcript(text, result.raw_text, result.confidence, accept(result, config, voiced),
                                          result.audio_ms, result.decode_ms, voiced))
        if in_utterance and not joined:
            recognizer.feed(pcm16k)
            audio.append(pcm16k)
    return out


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
        self._vad = new_vad(config)
        # LQ for what must react quickly (the VAD, the cloud brains' input): soxr's MQ and HQ hand out their output
        # every other 20 ms block (one block held back), LQ every block (2-6 ms held back); recognition keeps MQ.
        self._to_16k = StreamResampler(DEVICE_RATE, 16000, quality=LOW_DELAY)
        self._to_16k_heard = StreamResampler(DEVICE_RATE, 16000, quality="MQ")  # the ungated path, for recognition
        self._heard16k: collections.deque[np.ndarray] = collections.deque(maxlen=3000 // BLOCK_MS)
        self._to_brain: dict[int, StreamResampler] = {}  # per listening-brain input rate
        self._gate = HalfDuplexGate(config.half_duplex_tail_ms)
        self._aec: EchoCanceller | None = None
        self._reference: ClockedReference | None = None
        self._double_talk: DoubleTalkDetector | None = None
        self._echo_was_possible = False  # whether the previous block could hold Aisle's voice
        self.echo_mode = "off"
        self._echo_unsettled_until = 0.0
        self._aec_warm_blocks = 0
        self._seen_underflows = 0
        self._seen_resyncs = 0
        # the last seconds of (microphone, reference) blocks, to re-clean a barge-in with a fresh canceller
        self._echo_history: collections.deque[tuple[np.ndarray, np.ndarray]] = collections.deque(
            maxlen=ECHO_HISTORY_MS // BLOCK_MS)
        self._mic_delay = np.zeros(0, dtype=np.int16)
        self.echo_gated_blocks = 0  # microphone blocks silenced because they could only be echo
        self._in_utterance = False
        self._utterance_audio: list[np.ndarray] = []  # what the recogniser got, for the voicing check
        self._barge_checked_ms = 0  # speech ms at which the speech over Aisle was last found not to be a voice
        self._speech_run_start_ms = 0  # VAD stream time at which the current speech began
        self._ptt_held = False
        self._last_partial = ""
        self._last_partial_at = 0.0
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
            self.recognizer = await loop.run_in_executor(self._asr, lambda: GrammarRecognizer(vocabulary=vocabulary))
            log.info("offline recogniser ready in %.2f s", time.perf_counter() - started)
        except Exception:
            log.exception("the offline recogniser could not be built; voice input is off")
            self.recognizer = None

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
                                   on_played_at=self._on_played, on_error=self._on_device_error,
                                   latency=OUTPUT_LATENCY_S)
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
        if self._in_utterance:
            self._in_utterance = False
            recognizer = self.recognizer
            if recognizer is not None:
                self._asr.submit(recognizer.end_utterance)  # whatever was heard is dropped
        self._vad.reset()
        loop = asyncio.get_running_loop()

        def close() -> None:
            if capture is not None:
                capture.stop()
            if playback is not None:
                playback.close()

        await loop.run_in_executor(None, close)

    def _choose_echo_mode(self) -> None:
        mode = self.config.echo_mode
        self._aec, self._reference, self._double_talk = None, None, None
        self._aec_warm_blocks = 0
        self._seen_underflows = self._seen_resyncs = 0
        if mode in ("auto", "aec"):
            self._aec = create_echo_canceller(DEVICE_RATE)
            if self._aec is not None:
                self._reference = ClockedReference(DEVICE_RATE)
                self._double_talk = DoubleTalkDetector()
                self._echo_history.clear()
                self._mic_delay = np.zeros(self._aec.latency_samples, dtype=np.int16)
                self.echo_mode = "aec"
                return
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
                if not await loop.run_in_executor(None, devices.refresh_devices):
                    continue  # a stream of the lost device is still closing: its list would be stale
            except devices.AudioUnavailable:
                continue
            if await self._open_devices():
                self._notice("Voice is back: you can talk to me again.", "info", "voice_restored")
                return

    def _unavailable(self, message: str, detail: str) -> None:
        """Say once that voice is off and why; the retries every few seconds stay quiet until something changes."""
        if self.state is VoiceState.UNAVAILABLE and self.problem == message:
            log.debug("voice still unavailable: %s (%s)", message, detail)
            return
        log.warning("voice unavailable: %s (%s)", message, detail)
        self.problem = message
        self._set_state(VoiceState.UNAVAILABLE)
        self._notice(message, "warning", "voice_unavailable")

    def _attach_brain_output(self) -> None:
        brain = self.conversation.listening_brain()
        if brain is not None:
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
        return self.conversation.listening_brain()

    # -- capture path --------------------------------------------------------------------------------------------
    def _on_played(self, block: np.ndarray, start_frame: int, dac_time: float) -> None:
        if self._reference is not None:
            self._reference.push(block, start_frame, dac_time)
        self._gate.note_played(block)

    def _echo_control(self, block: AudioBlock) -> tuple[np.ndarray, np.ndarray]:
        """The microphone block with Aisle's own voice taken out: (for the VAD, for recognition).

        With AEC, while Aisle can be heard the VAD gets silence instead of a block that can only be echo (or while
        the canceller is not to be trusted); recognition gets the canceller's output as it is, because while both
        talk AEC3 also turns the shopper down by 10-25 dB and gating those blocks cut the first syllables of a
        barge-in out of the recognised words."""
        mic = block.pcm
        self._gate.set_playing(self._is_speaking())
        echo_possible = self._gate.muted  # Aisle is speaking, or stopped less than the tail ago
        if self.echo_mode == "aec" and self._aec is not None and self._reference is not None:
            playback = self.playback
            underflows = playback.underflows if playback is not None else 0
            if underflows != self._seen_underflows or "overflow" in block.status:
                self._seen_underflows = underflows
                self._reference.note_glitch()  # the echo path moved: measure it again
                self._echo_unsettled_until = time.monotonic() + ECHO_SETTLE_S
            reference = self._reference.take(mic.size, block.start_frame, block.adc_time, mic)
            if self._reference.resyncs != self._seen_resyncs:
                # The pairing moved: the canceller's filters describe an echo path that is not there; start afresh.
                self._seen_resyncs = self._reference.resyncs
                self._echo_unsettled_until = time.monotonic() + ECHO_SETTLE_S
                self._aec = create_echo_canceller(DEVICE_RATE) or self._aec
                self._echo_history.clear()
            raw_mic = mic
            # the plain microphone, delayed like the canceller's output so that switching between them is seamless
            both = np.concatenate([self._mic_delay, mic])
            self._mic_delay, mic = both[mic.size:], both[:mic.size]
            if not echo_possible:
                self._echo_was_possible = False
                # Aisle has been quiet for the tail: nothing to cancel, and AEC3 is not transparent (its filters
                # and suppressor turned "one hundred fifty" into "one hundred fifteen" one run in two). The
                # canceller is not run at all then (it was most of the cost of listening to silence); it picks up
                # where it left off with Aisle's next words.
                return mic, mic
            cleaned = self._aec.process(raw_mic, reference)
            self._echo_history.append((raw_mic, reference))
            # double talk only matters while Aisle can be heard (two FFTs a block: not spent on listening to silence)
            if self._double_talk is None:
                talker = True
            else:
                if not self._echo_was_possible:
                    self._double_talk.reset()  # verdicts from the last reply say nothing about this one
                talker = self._double_talk.update(raw_mic, reference)
            self._echo_was_possible = True
            now = time.monotonic()
            if self._aec_warm_blocks < AEC_WARMUP_BLOCKS and reference.any():
                self._aec_warm_blocks += 1
                if self._aec_warm_blocks == AEC_WARMUP_BLOCKS:
                    self._echo_unsettled_until = max(self._echo_unsettled_until, now + ECHO_SETTLE_S / 2)
            level = level_dbfs(cleaned)
            talker = talker or self._near_end_blocks(NEAR_END_HANGOVER) > 0
            settled = self._reference.trusted and now >= self._echo_unsettled_until \
                and self._aec_warm_blocks >= AEC_WARMUP_BLOCKS
            if not talker or not settled or level < RESIDUAL_ECHO_FLOOR_DBFS \
                    or level < level_dbfs(mic) - RESIDUAL_ECHO_DB:
                self.echo_gated_blocks += 1
                return np.zeros_like(cleaned), cleaned
            return cleaned, cleaned
        if self.echo_mode == "half-duplex":
            gated = self._gate.process(mic)
            return gated, gated
        return mic, mic

    def _on_block(self, block: AudioBlock) -> None:
        mic, heard = self._echo_control(block)
        self.level_dbfs = level_dbfs(heard)
        pcm16k = self._to_16k.process(mic)
        heard16k = self._to_16k_heard.process(heard)
        self._heard16k.append(heard16k)
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
        if self._vad.in_speech and self._is_speaking() and not self._barged:
            # The debounce: the shopper has been speaking for barge_in_ms (counted from the first voiced frame, short
            # gaps bridged), most of it voiced, louder than the echo lately, and a voice, not a cough, hiss or clatter.
            speech_ms = self._vad.stream_ms - self._speech_run_start_ms
            if speech_ms >= self.config.barge_in_ms and self._vad.voiced_ms >= self.config.barge_in_ms * 0.6 \
                    and speech_ms >= self._barge_checked_ms + 60 \
                    and self._near_end_blocks(NEAR_END_WINDOW) >= NEAR_END_MIN:
                self._barge_checked_ms = speech_ms
                if voicing(np.frombuffer(self._vad.speech_so_far(), dtype=np.int16)) >= self.config.min_voicing:
                    self._barge_in()

    def _near_end_blocks(self, last: int) -> int:
        """Blocks among the ``last`` in which someone talked over Aisle (all of them without AEC)."""
        return last if self._double_talk is None else self._double_talk.near_end_blocks(last)

    def _is_speaking(self) -> bool:
        return self.playback is not None and self.playback.is_playing

    def _on_vad(self, event: VadEvent, listening_brain: ListeningBrain | None) -> bool:
        """Handle a VAD event; True when it started an utterance (which took the current block already)."""
        if event.kind == "speech_started":
            self._barged = False
            self._barge_checked_ms = 0
            self._speech_run_start_ms = event.start_ms
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

    def _barge_in(self) -> None:
        """The shopper talks over Aisle: silence now, stop the reply, and listen to them."""
        self._barged = True
        self.timings = {"barge_in_at": time.monotonic()}
        self._cut_reply()
        session = self.conversation.session
        brain = self._listening_brain()
        if brain is not None:
            self._spawn(brain.shopper_speech_started())
        elif session is not None:
            self._spawn(self.conversation.brain.interrupt(session))
        if brain is None and not self._in_utterance:
            self._begin_utterance(self._fresh_canceller())

    def _cut_reply(self) -> None:
        """Silence the speaker now and drop the rest of the reply."""
        self._generation += 1
        self._reply_muted = True
        self._reply_pending = False
        self._splitter = SentenceSplitter()
        if self.playback is not None and self.playback.is_playing:
            self.playback.stop_now()
            self.timings["playback_stopped_at"] = time.monotonic()
        while not self._speech_queue.empty():
            self._speech_queue.get_nowait()

    # -- recognition ---------------------------------------------------------------------------------------------
    def _fresh_canceller(self) -> np.ndarray | None:
        """A barge-in: replace the echo canceller with a fresh one that has heard only the last few seconds, and
        return what it makes of them (16 kHz) for the recogniser.

        While both talk, AEC3 adapts on the shopper's voice too; on the virtual card the canceller that had been
        through one barge-in turned the next one's first words into something else ("what's in my cart" → "the
        ironbark" in 2 of 3), while a fresh one given the same seconds converges on Aisle's voice alone (~60 dB in
        well under a second) and leaves the shopper's words recognisable. ~25 ms of work, once per barge-in."""
        if self.echo_mode != "aec" or not self._echo_history:
            return None
        fresh = create_echo_canceller(DEVICE_RATE)
        if fresh is None:
            return None
        cleaned = np.concatenate([fresh.process(mic, reference) for mic, reference in self._echo_history])
        self._aec = fresh
        to16k = StreamResampler(DEVICE_RATE, 16000, quality="MQ")
        return to16k.process(cleaned)

    def _begin_utterance(self, recent: np.ndarray | None = None) -> None:
        """Start recognising, from the beginning of the speech the VAD is in (its pre-roll included); ``recent``:
        the latest audio at 16 kHz to take that from instead of what the microphone path heard."""
        if self.recognizer is None:
            return
        self._in_utterance = True
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

    def _feed_recognizer(self, pcm16k: np.ndarray) -> None:
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
        future = self._asr.submit(_final, recognizer, self._utterance_audio)
        self._utterance_audio = []
        self._set_state(VoiceState.THINKING)
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._on_final, f))

    def _on_final(self, future: Any) -> None:
        if future.cancelled() or future.exception() is not None:
            log.warning("recognition failed: %r", None if future.cancelled() else future.exception())
            self._set_state(VoiceState.IDLE)
            return
        text, result, voiced = future.result()
        self.timings["recognised_at"] = time.monotonic()
        if not accept(result, self.config, voiced):
            if result is not None and result.text:
                log.info("not taken as a turn (confidence %.2f, voicing %.2f): %r", result.confidence, voiced,
                         result.raw_text)
                self.rejected = [*self.rejected[-9:], Transcript(result.text, result.raw_text, result.confidence,
                                                                 False, result.audio_ms, result.decode_ms, voiced)]
            if not self._reply_pending and not self._is_speaking() and not self._in_utterance:
                self._set_state(VoiceState.IDLE)
            return
        self._spawn(self._take_turn(text.strip()))

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
                if not self._in_utterance:
                    self.timings = {"speech_started_at": time.monotonic()}
                    self._vad.reset()
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
            if self._reply_pending or self._is_speaking():
                self._cut_reply()  # a new turn (typed, tapped or spoken) supersedes the reply still going
            self._splitter = SentenceSplitter()
            self._reply_pending = True
            self._reply_muted = False
            self._replies += 1
            self._set_state(VoiceState.THINKING)
        elif self._reply_muted:
            return
        elif event.kind is EventKind.TEXT_CHUNK:
            self.timings.setdefault("reply_started_at", time.monotonic())
            for sentence in self._splitter.push(event.data.get("text", "")):
                self._queue_sentence(sentence)
        elif event.kind is EventKind.COMPLETION:
            for sentence in self._splitter.flush():
                self._queue_sentence(sentence)
            self._speech_queue.put_nowait((self._generation, ""))  # end of this reply
        elif event.kind is EventKind.SESSION_ENDED:
            self._cut_reply()

    def _queue_sentence(self, sentence: str) -> None:
        self.timings.setdefault("sentence_ready_at", time.monotonic())
        self._speech_queue.put_nowait((self._generation, sentence))

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

    def _synthesize_for_device(self, sentence: str) -> np.ndarray:
        """A sentence as speech at the device rate, whole (a one-shot conversion holds nothing back for later)."""
        pcm, rate = self.synthesizer.synthesize(sentence)
        return resample(pcm, rate, DEVICE_RATE, quality="MQ")

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
        pcm = await asyncio.get_running_loop().run_in_executor(self._tts, self._synthesize_for_device, text)
        self.output.play(pcm.tobytes(), DEVICE_RATE, "test")
