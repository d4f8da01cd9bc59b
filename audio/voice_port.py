"""The window's view of voice (`app.ports.VoicePort`) over the running voice service and its loop."""

from __future__ import annotations

from collections.abc import Callable

from app.events import VoiceState
from app.ports import VoiceProblem
from audio.devices import AudioUnavailable
from audio.service import VoiceService


class ServiceVoicePort:
    """Implements `app.ports.VoicePort` for one `VoiceService` (started or not)."""

    def __init__(self, service: VoiceService) -> None:
        self._service = service

    def state(self) -> VoiceState:
        return self._service.loop.state

    def on_state_changed(self, listener: Callable[[VoiceState], None]) -> None:
        self._service.loop.listeners.append(lambda state, text: listener(state))

    def status(self) -> str:
        return self._service.status()

    def problem(self) -> str:
        loop = self._service.loop
        return "" if loop.available else loop.problem

    def input_level_dbfs(self) -> float:
        loop = self._service.loop
        return loop.level_dbfs if loop.available else -120.0

    def push_to_talk(self, pressed: bool) -> None:
        self._service.loop.push_to_talk(pressed)

    async def device_names(self) -> tuple[list[str], list[str]]:
        return await self._service.device_names()

    async def reconfigure(self, input_device: str, output_device: str, push_to_talk: bool) -> None:
        await self._service.reconfigure(input_device=input_device, output_device=output_device,
                                        push_to_talk=push_to_talk)

    async def say(self, text: str) -> None:
        try:
            await self._service.loop.say(text)
        except AudioUnavailable as exc:  # the sentence for people; anything else is not for them
            raise VoiceProblem(str(exc)) from exc
