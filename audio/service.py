"""The voice pipeline as a service of the kiosk and of headless mode: started with the app, stopped with it.

`status()` is read by `/health` from the server thread, so it only reads plain attributes.
"""

from __future__ import annotations

import logging

from app.runtime import Runtime
from audio.vocabulary import vocabulary_from_catalog
from audio.voice_loop import VoiceConfig, VoiceLoop

log = logging.getLogger("aisle.audio.service")


class VoiceService:
    name = "audio"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.loop = VoiceLoop(runtime.conversation, runtime.bus, VoiceConfig.from_settings(runtime.settings),
                              lambda: vocabulary_from_catalog(runtime.catalog))
        self._status = "starting"

    async def start(self) -> None:
        await self.loop.start()
        self._status = f"on ({self.loop.echo_mode})" if self.loop.available else f"unavailable: {self.loop.problem}"
        self.loop.listeners.append(self._track)

    def _track(self, state: object, text: str) -> None:
        self._status = f"on ({self.loop.echo_mode})" if self.loop.available else f"unavailable: {self.loop.problem}"

    async def stop(self) -> None:
        await self.loop.close()
        self._status = "off"

    def status(self) -> str:
        return self._status
