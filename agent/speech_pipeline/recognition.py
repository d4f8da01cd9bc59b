"""Continuous speech recognition from our own captured audio.

`Recognizer` is what the pipeline needs; `AzureRecognizer` is the Azure Speech SDK behind it:

    await recognizer.start(on_partial, on_final, on_error)   # raises BrainUnavailable if it cannot start
    recognizer.push(pcm16k)                                  # never blocks
    await recognizer.stop()                                  # bounded, whatever the service does

The SDK recognises continuously from a `PushAudioInputStream` (16 kHz mono PCM16) fed by `push`. Its events arrive
on SDK threads; they are handed to the loop with `call_soon_threadsafe`, so the callbacks always run on the loop:
`recognizing` → `on_partial(text)`, `recognized` (with speech) → `on_final(text)`, `canceled` with an error →
`on_error(BrainUnavailable)` once.

`start` returns only when the service connection is up (`Connection.connected`), or raises: a refused connection or
a rejected key comes back from the SDK within about a second; a server that accepts and never answers is caught by
our `connect_timeout_s` (the SDK alone would wait over a minute).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from agent.speech_pipeline.sdk import (
    AzureSpeechConfig,
    call_in_thread,
    map_cancellation,
    release_in_thread,
    sdk,
    silent_server,
)
from app.brain import BrainUnavailable

log = logging.getLogger("aisle.agent.speech_pipeline.recognition")

PartialHandler = Callable[[str], None]
FinalHandler = Callable[[str], None]
ErrorHandler = Callable[[BrainUnavailable], None]


class Recognizer(Protocol):
    """Speech to text, continuously, from pushed 16 kHz mono PCM16. Callbacks run on the event loop."""

    samplerate: int

    async def start(self, on_partial: PartialHandler, on_final: FinalHandler, on_error: ErrorHandler) -> None:
        """Begin recognising; raise `BrainUnavailable` if the service cannot be used."""

    def push(self, pcm: bytes) -> None:
        """Captured audio; must not block. Ignored while not started."""

    async def stop(self) -> None:
        """Stop recognising (bounded time; safe to call when not started)."""


class _Relay:
    """The only object SDK callbacks hold: the loop and our handlers, never an SDK object (see `sdk`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_partial: PartialHandler, on_final: FinalHandler,
                 on_error: ErrorHandler, where: str) -> None:
        self.loop = loop
        self.on_partial = on_partial
        self.on_final = on_final
        self.on_error = on_error
        self.where = where
        self.active = True  # False once stopped: late SDK events are dropped
        self.connected: asyncio.Future[None] = loop.create_future()
        self.failed = False

    def post(self, fn: Callable[..., None], *args: Any) -> None:
        if not self.active:
            return
        try:
            self.loop.call_soon_threadsafe(self._run, fn, *args)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            self.active = False

    def _run(self, fn: Callable[..., None], *args: Any) -> None:
        if self.active:
            fn(*args)

    # -- on the loop -------------------------------------------------------------------------------------------------
    def partial(self, text: str) -> None:
        self.on_partial(text)

    def final(self, text: str) -> None:
        self.on_final(text)

    def opened(self) -> None:
        if not self.connected.done():
            self.connected.set_result(None)

    def error(self, failure: BrainUnavailable) -> None:
        if not self.connected.done():  # still starting: `start` raises it
            self.connected.set_exception(failure)
            return
        if not self.failed:
            self.failed = True
            self.on_error(failure)

    # -- on SDK threads ----------------------------------------------------------------------------------------------
    def sdk_recognizing(self, event: Any) -> None:
        text = event.result.text or ""
        if text.strip():
            self.post(self.partial, text)

    def sdk_recognized(self, event: Any) -> None:
        result = event.result
        if result.reason == sdk().ResultReason.RecognizedSpeech and (result.text or "").strip():
            self.post(self.final, result.text.strip())

    def sdk_canceled(self, event: Any) -> None:
        details = event.cancellation_details
        if details.reason != sdk().CancellationReason.Error:
            return  # end of our stream, or stopped by us
        failure = map_cancellation(details.code.name, details.error_details or "", self.where, "recognition")
        log.warning("recognition canceled: %s", failure)
        self.post(self.error, failure)

    def sdk_connected(self, _event: Any) -> None:
        self.post(self.opened)


class _Live:
    """The SDK objects of one running recognition. Dropped on a worker thread only (see `sdk`)."""

    def __init__(self, recognizer: Any, stream: Any, connection: Any, relay: _Relay) -> None:
        self.recognizer: Any = recognizer
        self.stream: Any = stream
        self.connection: Any = connection
        self.relay = relay

    def push(self, pcm: bytes) -> None:
        if self.stream is not None:
            self.stream.write(pcm)

    def detach(self) -> list[tuple[Any, Any, Any]]:
        """Hand the SDK objects over in a box the shutdown thread empties, so that thread holds the last reference."""
        box = [(self.recognizer, self.stream, self.connection)]
        self.recognizer = self.stream = self.connection = None
        self.relay.active = False
        return box


def _shutdown(box: list[tuple[Any, Any, Any]]) -> None:
    """Stop and drop one recognition's SDK objects (runs on a daemon thread; may take the SDK's ~10 s)."""
    if not box:
        return
    recognizer, stream, connection = box.pop()
    try:
        if recognizer is not None:
            recognizer.stop_continuous_recognition_async().get()  # ends the audio; the service closes the turn
    finally:
        if stream is not None:
            stream.close()
        for signal in ("recognizing", "recognized", "canceled"):
            if recognizer is not None:
                getattr(recognizer, signal).disconnect_all()
        if connection is not None:
            connection.connected.disconnect_all()
        del recognizer, stream, connection


class AzureRecognizer:
    """`Recognizer` over the Azure Speech SDK (continuous recognition from a push stream)."""

    def __init__(self, config: AzureSpeechConfig, connect_timeout_s: float = 5.0, stop_timeout_s: float = 2.0,
                 segmentation_silence_ms: int = 0, samplerate: int = 16000) -> None:
        self.config = config
        self.samplerate = samplerate  # of the pushed PCM16 mono (16 kHz is what the service recognises natively)
        self.connect_timeout_s = connect_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.segmentation_silence_ms = segmentation_silence_ms  # 0: the service's default end-of-phrase silence
        self._live: _Live | None = None
        self._stopping: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        return self._live is not None

    async def start(self, on_partial: PartialHandler, on_final: FinalHandler, on_error: ErrorHandler) -> None:
        if self._live is not None:
            raise RuntimeError("the recogniser is already running")
        loop = asyncio.get_running_loop()
        try:
            speechsdk = await call_in_thread(sdk, self.connect_timeout_s, "import")
        except TimeoutError:
            raise silent_server(self.config.where, self.connect_timeout_s, "loading the Speech SDK") from None
        relay = _Relay(loop, on_partial, on_final, on_error, self.config.where)
        live = self._create(speechsdk, relay)
        self._live = live
        started = loop.time()
        try:
            await call_in_thread(live.recognizer.start_continuous_recognition_async().get, self.connect_timeout_s,
                                 "start")
            remaining = max(0.05, self.connect_timeout_s - (loop.time() - started))
            await asyncio.wait_for(asyncio.shield(relay.connected), remaining)
        except TimeoutError:
            self._abandon(live)
            raise silent_server(self.config.where, self.connect_timeout_s, "starting recognition") from None
        except BrainUnavailable:
            self._abandon(live)
            raise
        except asyncio.CancelledError:
            self._abandon(live)
            raise
        except Exception as exc:
            self._abandon(live)
            raise BrainUnavailable(f"Azure Speech recognition could not start at {self.config.where}: {exc}") from exc
        log.info("recognition running (%s)", self.config.where)

    def _create(self, speechsdk: Any, relay: _Relay) -> _Live:
        """Build the SDK objects (local work, well under a millisecond) and connect our relay to their events."""
        config = self.config.speech_config()
        if self.segmentation_silence_ms:  # the service takes 100-5000 ms
            silence = min(5000, max(100, self.segmentation_silence_ms))
            config.set_property(speechsdk.PropertyId.Speech_SegmentationSilenceTimeoutMs, str(silence))
        stream_format = speechsdk.audio.AudioStreamFormat(samples_per_second=self.samplerate, bits_per_sample=16,
                                                          channels=1)
        stream = speechsdk.audio.PushAudioInputStream(stream_format)
        audio = speechsdk.audio.AudioConfig(stream=stream)
        if len(self.config.languages) > 1:
            config.set_property(speechsdk.PropertyId.SpeechServiceConnection_LanguageIdMode, "Continuous")
            detect = speechsdk.languageconfig.AutoDetectSourceLanguageConfig(languages=list(self.config.languages))
            recognizer = speechsdk.SpeechRecognizer(speech_config=config, audio_config=audio,
                                                    auto_detect_source_language_config=detect)
        else:
            recognizer = speechsdk.SpeechRecognizer(speech_config=config, audio_config=audio)
        connection = speechsdk.Connection.from_recognizer(recognizer)
        recognizer.recognizing.connect(relay.sdk_recognizing)
        recognizer.recognized.connect(relay.sdk_recognized)
        recognizer.canceled.connect(relay.sdk_canceled)
        connection.connected.connect(relay.sdk_connected)
        return _Live(recognizer, stream, connection, relay)

    def _abandon(self, live: _Live) -> None:
        if self._live is live:
            self._live = None
        if not live.relay.connected.done():
            live.relay.connected.cancel()
        elif not live.relay.connected.cancelled():
            live.relay.connected.exception()  # retrieved: no "never retrieved" warning
        box = live.detach()
        release_in_thread(lambda: _shutdown(box), "abandon")

    def push(self, pcm: bytes) -> None:
        live = self._live
        if live is None or not pcm:
            return
        try:
            live.push(pcm)
        except Exception:  # a stream the SDK closed under us: the error arrives as `canceled`
            log.debug("push to the recognition stream failed", exc_info=True)

    async def stop(self) -> None:
        live = self._live
        if live is None:
            return
        self._live = None
        if not live.relay.connected.done():
            live.relay.connected.cancel()
        box = live.detach()
        try:
            await call_in_thread(lambda: _shutdown(box), self.stop_timeout_s, "stop")
        except TimeoutError:
            log.info("recognition did not stop within %.1f s; left to finish in the background", self.stop_timeout_s)
        except Exception:
            log.debug("stopping recognition failed", exc_info=True)
