"""The voice pipeline as a service of the kiosk and of headless mode: started with the app, stopped with it.

`status()` is read by `/health` from the server thread, so it only reads plain attributes. The staff panel lists
the devices with `device_names()` and switches to the chosen ones with `reconfigure()`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from app.ports import VoiceHost
from audio import devices
from audio.vocabulary import vocabulary_from_catalog
from audio.voice_loop import VoiceConfig, VoiceLoop

log = logging.getLogger("aisle.audio.service")


class VoiceService:
    name = "audio"

    def __init__(self, runtime: VoiceHost) -> None:
        self.runtime = runtime
        self.loop = VoiceLoop(runtime.conversation, runtime.bus, VoiceConfig.from_settings(runtime.settings),
                              lambda: vocabulary_from_catalog(runtime.catalog))
        self._status = "starting"
        self._reconfiguring = asyncio.Lock()

    async def start(self) -> None:
        await self.loop.start()
        self.runtime.catalog_listeners.append(self.loop.rebuild_vocabulary)
        self._status = f"on ({self.loop.echo_mode})" if self.loop.available else f"unavailable: {self.loop.problem}"
        self.loop.listeners.append(self._track)

    def _track(self, state: object, text: str) -> None:
        self._status = f"on ({self.loop.echo_mode})" if self.loop.available else f"unavailable: {self.loop.problem}"

    async def stop(self) -> None:
        if self.loop.rebuild_vocabulary in self.runtime.catalog_listeners:
            self.runtime.catalog_listeners.remove(self.loop.rebuild_vocabulary)
        await self.loop.close()
        self._status = "off"

    def status(self) -> str:
        return self._status

    async def device_names(self) -> tuple[list[str], list[str]]:
        """The names of the microphones and speakers PortAudio lists (empty without a sound system), read on the
        runtime's worker pool."""

        def names() -> tuple[list[str], list[str]]:
            try:
                return ([d.name for d in devices.list_input_devices()],
                        [d.name for d in devices.list_output_devices()])
            except devices.AudioUnavailable as exc:
                log.info("no devices to list: %r", exc)
                return [], []

        return await self.runtime.run_blocking(names)

    async def reconfigure(self, input_device: str, output_device: str, push_to_talk: bool | None = None) -> None:
        """Switch to the devices chosen by name ("" = the system default), one switch at a time."""
        async with self._reconfiguring:
            changes: dict[str, object] = {"input_device": input_device, "output_device": output_device}
            if push_to_talk is not None:
                changes["push_to_talk"] = push_to_talk
            await self.loop.reconfigure(dataclasses.replace(self.loop.config, **changes))  # type: ignore[arg-type]
            self._track(self.loop.state, "")
