"""Device supervision for the voice loop: open the microphone and speaker, notice when they fail, get them back.

No device, a device that vanishes, or a device error → `unavailable` with a plain-words notice; touch and typing
carry on; the loop re-checks the devices every few seconds and picks voice up again by itself. Staff switching
devices (`reconfigure`) closes the old ones and opens the new ones the same way. A mixin of
:class:`audio.voice_loop.VoiceLoop`: it uses the loop's state and event helpers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from app.events import VoiceState
from audio import devices
from audio.capture import AudioDeviceError, MicrophoneCapture
from audio.listening import BLOCK_MS, DEVICE_RATE, VoiceConfig
from audio.playback import SpeakerPlayback
from audio.speech_output import DeviceSpeechOutput

if TYPE_CHECKING:
    from audio.voice_loop import VoiceLoop

log = logging.getLogger("aisle.audio.voice")

# The speaker's buffer. PortAudio's 'low' (40 ms on the virtual card) underflowed 2-4 times a minute while speaking;
# every underflow shifts the echo path and the canceller needs 1-2 s to find it again. 60 ms gave no underflow in
# 150 s and keeps a flush (barge-in) silent at the microphone within 65-83 ms.
OUTPUT_LATENCY_S = 0.06


class DeviceSupervision:
    """Opening, losing and re-finding the audio devices (mixed into VoiceLoop)."""

    capture: MicrophoneCapture | None
    playback: SpeakerPlayback | None
    output: DeviceSpeechOutput | None
    _watch_task: asyncio.Task[None] | None

    async def reconfigure(self: VoiceLoop, config: VoiceConfig) -> None:
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

    async def _open_devices(self: VoiceLoop) -> bool:
        loop = asyncio.get_running_loop()
        try:
            capture, playback = await loop.run_in_executor(None, self._open_blocking, loop)
        except devices.AudioUnavailable as exc:
            self._unavailable(exc.message, str(exc))
            return False
        self.capture, self.playback = capture, playback
        self.output = DeviceSpeechOutput(playback)
        self.echo.choose(self.config.echo_mode)
        self._attach_brain_output()
        self._set_state(VoiceState.IDLE)
        return True

    def _open_blocking(self: VoiceLoop, loop: asyncio.AbstractEventLoop) -> tuple[MicrophoneCapture, SpeakerPlayback]:
        playback = SpeakerPlayback(self.config.output_device or None, DEVICE_RATE, block_ms=BLOCK_MS, loop=loop,
                                   on_played_at=self.echo.on_played, on_error=self._on_device_error,
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

    async def _close_devices(self: VoiceLoop) -> None:
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

    def _on_device_error(self: VoiceLoop, error: AudioDeviceError) -> None:
        log.warning("audio device problem: %s", error.detail)
        if error.fatal and not self._closed and self._loop is not None:
            self._spawn(self._lose_devices(error.message))

    async def _lose_devices(self: VoiceLoop, message: str) -> None:
        if self.capture is None and self.playback is None:
            return
        await self._close_devices()
        self._unavailable(message, "device lost")
        if self._watch_task is None or self._watch_task.done():
            self._watch_task = self._spawn(self._watch_devices())

    async def _watch_devices(self: VoiceLoop) -> None:
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

    def _unavailable(self: VoiceLoop, message: str, detail: str) -> None:
        """Say once that voice is off and why; the retries every few seconds stay quiet until something changes."""
        if self.state is VoiceState.UNAVAILABLE and self.problem == message:
            log.debug("voice still unavailable: %s (%s)", message, detail)
            return
        log.warning("voice unavailable: %s (%s)", message, detail)
        self.problem = message
        self._set_state(VoiceState.UNAVAILABLE)
        self._notice(message, "warning", "voice_unavailable")

    def _attach_brain_output(self: VoiceLoop) -> None:
        brain = self.conversation.listening_brain()
        if brain is not None:
            brain.attach_voice(self.output)
