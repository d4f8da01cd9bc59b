"""The services that run beside the conversation in the kiosk and in headless mode: the fleet link and voice."""

from __future__ import annotations

from app.fleet.config import fleet_configured
from app.headless import ServiceFactory
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
