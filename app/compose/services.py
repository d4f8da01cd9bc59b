"""The services that run beside the conversation in the kiosk and in headless mode: the fleet link and voice (and
the window's typed view of voice)."""

from __future__ import annotations

from app.fleet.config import fleet_configured
from app.headless import HeadlessService, ServiceFactory
from app.ports import VoicePort
from app.settings import Settings


def default_services(settings: Settings) -> list[ServiceFactory]:
    """The services headless mode (and the kiosk) run besides the endpoint: the fleet link when a fleet DSN is
    configured, and the voice pipeline unless turned off."""
    services: list[ServiceFactory] = []
    if fleet_configured(settings):
        from app.fleet.service import FleetService

        services.append(FleetService)
    if not settings.voice_enabled:
        return services
    from audio.service import VoiceService

    return [*services, VoiceService]


def voice_port(service: HeadlessService) -> VoicePort | None:
    """The window's view of `service` when it is the voice pipeline, else None."""
    from audio.service import VoiceService
    from audio.voice_port import ServiceVoicePort

    return ServiceVoicePort(service) if isinstance(service, VoiceService) else None
