"""The window's view of voice (`app.ports.VoicePort`) over the real voice service on the virtual sound card: device
names, a device that is not connected (state, problem and the speaker test in plain words), and back again."""

from __future__ import annotations

import pytest
from audio_testkit import until

from app.events import VoiceState
from app.ports import VoicePort, VoiceProblem
from audio.devices import AudioUnavailable, Problem
from audio.service import VoiceService
from audio.voice_port import ServiceVoicePort

pytestmark = pytest.mark.audio



async def test_the_port_reports_and_switches_voice_in_words(virtual_audio, runtime) -> None:  # type: ignore[no-untyped-def]
    service = VoiceService(runtime)
    port: VoicePort = ServiceVoicePort(service)  # not started: no recogniser needed to open and close devices
    seen: list[VoiceState] = []
    port.on_state_changed(seen.append)
    try:
        inputs, outputs = await port.device_names()
        assert "vmic" in inputs and "vsink" in outputs

        await port.reconfigure("no such microphone", "no such speaker", False)
        gone = AudioUnavailable(Problem.DEVICE_NOT_FOUND).message
        assert port.state() is VoiceState.UNAVAILABLE  # as before it started: no change to report
        assert port.problem() == gone and port.status() == f"unavailable: {gone}"
        assert port.input_level_dbfs() == -120.0
        with pytest.raises(VoiceProblem, match="No speaker was found"):
            await port.say("This is the kiosk speaker.")

        await port.reconfigure("vmic", "vsink", True)
        assert port.state() is VoiceState.IDLE and seen[-1] is VoiceState.IDLE
        assert port.problem() == "" and port.status().startswith("on (")
        assert service.loop.config.push_to_talk
        await port.say("This is the kiosk speaker.")  # plays on the speaker, and the microphone hears it
        assert await until(lambda: port.input_level_dbfs() > -40, 5.0)
        port.push_to_talk(True)
        port.push_to_talk(False)
    finally:
        await service.loop.close()


def test_the_kiosk_gets_a_port_for_the_voice_service_only(runtime) -> None:  # type: ignore[no-untyped-def]
    from app.compose.services import voice_port
    from app.fleet.service import FleetService

    voice = VoiceService(runtime)  # built, not started: no device is opened
    port = voice_port(voice)
    assert isinstance(port, ServiceVoicePort) and port.status() == voice.status() == "starting"
    assert voice_port(FleetService(runtime)) is None
