"""Text to speech for the pipeline: one sentence in, mono PCM16 out, for our own playback.

`Synthesizer` is what the pipeline needs; `AzureSynthesizer` is Azure neural TTS through the Speech SDK with no SDK
audio device (`audio_config=None`): the SDK hands back `result.audio_data` as raw 24 kHz 16-bit mono PCM
(`Raw24Khz16BitMonoPcm`), which the kiosk's playback plays like any other audio.

Every request has our own `timeout_s` (a silent server otherwise holds it for ~80 s). A synthesiser whose request
timed out or lost its connection is dropped (on a worker thread) and a fresh one is made for the next sentence.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol
from xml.sax.saxutils import escape

from agent.speech_pipeline.sdk import (
    DEFAULT_VOICE,
    AzureSpeechConfig,
    call_in_thread,
    map_cancellation,
    release_in_thread,
    sdk,
    silent_server,
)
from app.brain import BrainUnavailable

log = logging.getLogger("aisle.agent.speech_pipeline.synthesis")

SAMPLERATE = 24000


class Synthesizer(Protocol):
    """Speech for one piece of text. Raises `BrainUnavailable` when the service cannot speak."""

    async def synthesize(self, text: str) -> tuple[bytes, int]:
        """Mono PCM16 and its sample rate."""

    async def warm_up(self) -> None:
        """Get ready for the first sentence (e.g. connect); never raises."""

    async def cancel(self) -> None:
        """Abandon whatever is being synthesised (barge-in). Must return at once."""

    async def close(self) -> None: ...


def _drop(box: list[Any]) -> None:
    """Stop and release one SDK synthesiser on a daemon thread (it holds the last reference)."""
    if not box:
        return
    synthesizer = box.pop()
    try:
        synthesizer.stop_speaking_async().get()
    finally:
        del synthesizer


class AzureSynthesizer:
    """`Synthesizer` over Azure neural TTS (raw 24 kHz PCM, no SDK audio device)."""

    samplerate = SAMPLERATE

    def __init__(self, config: AzureSpeechConfig, voice: str = DEFAULT_VOICE, timeout_s: float = 10.0,
                 rate: str = "") -> None:
        self.config = config
        self.voice = voice or DEFAULT_VOICE
        self.timeout_s = timeout_s
        self.rate = rate  # SSML prosody rate ("+10%"); empty: the voice's own pace
        self._synthesizer: Any = None

    def _get(self, speechsdk: Any) -> Any:
        if self._synthesizer is None:
            config = self.config.speech_config()
            config.speech_synthesis_voice_name = self.voice
            config.set_speech_synthesis_output_format(speechsdk.SpeechSynthesisOutputFormat.Raw24Khz16BitMonoPcm)
            self._synthesizer = speechsdk.SpeechSynthesizer(speech_config=config, audio_config=None)
        return self._synthesizer

    def _discard(self) -> None:
        """Drop the SDK synthesiser (hung or disconnected); the next request makes a new one."""
        if self._synthesizer is None:
            return
        box = [self._synthesizer]
        self._synthesizer = None
        release_in_thread(lambda: _drop(box), "drop-synthesizer")

    def _ssml(self, text: str) -> str:
        body = escape(text)
        if self.rate:
            body = f"<prosody rate='{escape(self.rate)}'>{body}</prosody>"
        lang = "-".join(self.voice.split("-")[:2]) or "en-US"
        return (f"<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='{lang}'>"
                f"<voice name='{escape(self.voice)}'>{body}</voice></speak>")

    async def synthesize(self, text: str) -> tuple[bytes, int]:
        if not text.strip():
            return b"", SAMPLERATE
        try:
            speechsdk = await call_in_thread(sdk, self.timeout_s, "import")
        except TimeoutError:
            raise silent_server(self.config.where, self.timeout_s, "loading the Speech SDK") from None
        synthesizer = self._get(speechsdk)
        if self.rate:
            request = lambda: synthesizer.speak_ssml_async(self._ssml(text)).get()  # noqa: E731
        else:
            request = lambda: synthesizer.speak_text_async(text).get()  # noqa: E731
        try:
            result = await call_in_thread(request, self.timeout_s, "speak")
        except TimeoutError:
            self._discard()
            raise silent_server(self.config.where, self.timeout_s, "speech synthesis") from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._discard()
            raise BrainUnavailable(f"Azure Speech synthesis failed at {self.config.where}: {exc}") from exc
        if result.reason == speechsdk.ResultReason.SynthesizingAudioCompleted:
            return bytes(result.audio_data), SAMPLERATE
        if result.reason == speechsdk.ResultReason.Canceled:
            details = result.cancellation_details
            if details.reason == speechsdk.CancellationReason.CancelledByUser:
                return b"", SAMPLERATE
            failure = map_cancellation(details.error_code.name, details.error_details or "", self.config.where,
                                       "synthesis")
            self._discard()
            raise failure
        raise BrainUnavailable(f"Azure Speech synthesis ended unexpectedly ({result.reason}).")

    async def warm_up(self) -> None:
        """Open the service connection ahead of the first sentence (saves its setup time on the first reply).
        Best effort: failures are only logged; `synthesize` reports real ones."""
        try:
            speechsdk = await call_in_thread(sdk, self.timeout_s, "import")
            connection = speechsdk.Connection.from_speech_synthesizer(self._get(speechsdk))
            await call_in_thread(lambda: connection.open(True), self.timeout_s, "warm-up")
        except Exception as exc:
            log.info("could not open the synthesis connection ahead of time: %s", exc)

    async def cancel(self) -> None:
        synthesizer = self._synthesizer
        if synthesizer is not None:
            release_in_thread(lambda: synthesizer.stop_speaking_async().get(), "cancel")

    async def close(self) -> None:
        self._discard()
