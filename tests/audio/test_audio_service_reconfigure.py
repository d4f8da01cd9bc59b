"""The voice service switches devices by name (the staff panel's pickers) on the virtual sound card: a missing
device leaves voice unavailable with a plain-words reason, the right one brings it back, and a push-to-talk change
alone keeps the open devices."""

from __future__ import annotations

import pytest
from audio_testkit import until

from app.events import VoiceState
from audio.devices import AudioUnavailable, Problem
from audio.service import VoiceService

pytestmark = pytest.mark.audio



async def test_reconfigure_switches_devices_by_name(virtual_audio, runtime) -> None:  # type: ignore[no-untyped-def]
    service = VoiceService(runtime)
    voice = service.loop  # not started: no recogniser needed to open, close and reopen devices
    states: list[VoiceState] = []
    voice.listeners.append(lambda state, text: states.append(state))
    try:
        inputs, outputs = await service.device_names()
        assert "vmic" in inputs and "vsink" in outputs

        await service.reconfigure("no such microphone", "vsink")
        assert not voice.available and voice.state is VoiceState.UNAVAILABLE
        assert voice.problem == AudioUnavailable(Problem.DEVICE_NOT_FOUND).message
        assert service.status() == f"unavailable: {voice.problem}"
        assert voice.config.input_device == "no such microphone"

        await service.reconfigure("vmic", "vsink", push_to_talk=True)
        assert voice.available and voice.state is VoiceState.IDLE and states[-1] is VoiceState.IDLE
        assert voice.config.push_to_talk and service.status().startswith("on (")
        capture = voice.capture
        # the speaker test plays on the new speaker, and the new microphone hears it
        await voice.say("This is the kiosk speaker.")
        assert await until(lambda: voice.level_dbfs > -40, 5.0), "the level follows the new microphone"

        await service.reconfigure("vmic", "vsink", push_to_talk=False)
        assert voice.capture is capture and not voice.config.push_to_talk  # devices kept open
    finally:
        await voice.close()
    assert not voice.available
