"""The services that run beside the conversation in the kiosk and in headless mode: the voice pipeline."""

from __future__ import annotations

from app.headless import ServiceFactory
from app.settings import Settings


def default_services(settings: Settings) -> list[ServiceFactory]:
    """The services headless mode (and the kiosk) run besides the endpoint: the voice pipeline unless turned off."""
    if not settings.voice_enabled:
        return []
    from audio.service import VoiceService

    return [VoiceService]
