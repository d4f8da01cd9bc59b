"""Echo cancellation is a declared dependency (livekit): its absence must fail the suite, not skip the AEC tests."""

from audio.echo import aec_available, create_echo_canceller


def test_software_echo_cancellation_is_installed_and_loads() -> None:
    assert aec_available(), "livekit (WebRTC audio processing) is missing: run scripts/setup.sh"
    assert create_echo_canceller(48000) is not None
