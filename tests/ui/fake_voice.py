"""A faithful stand-in for voice as the window sees it (`app.ports.VoicePort`): the far side is real audio, tested in
tests/audio. Type-checked against the port (scripts/test.sh runs mypy on this file), so it cannot drift from it."""

from __future__ import annotations

from collections.abc import Callable

from app.events import VoiceState
from app.ports import VoicePort

NOT_CONNECTED = "The chosen audio device is not connected. Voice is off; touch and typing still work."


class FakeVoice:
    """Voice with scripted devices: records what the window asks for; a device named "gone" is not connected."""

    def __init__(self, state: VoiceState = VoiceState.IDLE) -> None:
        self.current = state
        self.not_working = ""
        self.echo_mode = "aec"
        self.level_dbfs = -120.0
        self.listeners: list[Callable[[VoiceState], None]] = []
        self.said: list[str] = []
        self.speaker_error: Exception | None = None
        self.held: list[bool] = []
        self.reconfigured: list[tuple[str, str, bool]] = []
        self.listed = 0

    def set_state(self, state: VoiceState) -> None:
        """What the voice loop does when it changes state (from any thread)."""
        self.current = state
        for listener in self.listeners:
            listener(state)

    # -- VoicePort ---------------------------------------------------------------------------------------------------
    def state(self) -> VoiceState:
        return self.current

    def on_state_changed(self, listener: Callable[[VoiceState], None]) -> None:
        self.listeners.append(listener)

    def status(self) -> str:
        return f"unavailable: {self.not_working}" if self.not_working else f"on ({self.echo_mode})"

    def problem(self) -> str:
        return self.not_working

    def input_level_dbfs(self) -> float:
        return -120.0 if self.not_working else self.level_dbfs

    def push_to_talk(self, pressed: bool) -> None:
        self.held.append(pressed)

    async def device_names(self) -> tuple[list[str], list[str]]:
        self.listed += 1
        return ["Desk microphone", "USB array"], ["Soundbar", "Headphones"]

    async def reconfigure(self, input_device: str, output_device: str, push_to_talk: bool) -> None:
        self.reconfigured.append((input_device, output_device, push_to_talk))
        self.not_working = NOT_CONNECTED if "gone" in (input_device + output_device).lower() else ""

    async def say(self, text: str) -> None:
        if self.speaker_error is not None:
            raise self.speaker_error
        self.said.append(text)


def _conforms(fake: FakeVoice) -> VoicePort:
    return fake  # mypy: FakeVoice implements every method of the port, with the port's types

