"""Chooses the conversation brain from the settings and the configured keys, with the offline brain as the net.

`auto` picks a cloud brain only when its key is configured (OpenAI, then Azure OpenAI, then Azure Speech);
otherwise the offline agent answers. A chosen cloud brain is wrapped in `FallbackBrain`: if it cannot start (a
missing or wrong key, no network) the kiosk runs offline, visibly marked, and returns to the cloud by itself when
the service answers again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping

from agent.offline.agent import OfflineAgent
from app.brain import Brain, BrainUnavailable, ReportsUnavailable
from app.fallback import FallbackBrain
from app.runtime import Runtime
from app.secrets import get_secret
from app.settings import Settings

log = logging.getLogger("aisle.app.compose.brains")


def chosen_brain(settings: Settings, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    if settings.brain != "auto":
        return settings.brain
    if get_secret("OPENAI_API_KEY", env):
        return "openai"
    if settings.azure_endpoint and settings.azure_deployment and get_secret("AZURE_OPENAI_API_KEY", env):
        return "azure"
    if get_secret("AZURE_SPEECH_KEY", env) and (settings.azure_speech_region or settings.azure_speech_endpoint):
        return "azure-speech"
    return "offline"


def build_cloud_brain(settings: Settings, name: str, runtime: Runtime, env: Mapping[str, str] | None) -> Brain:
    """The cloud (or local-LLM) brain `name`; raises BrainUnavailable (permanent) when it cannot be configured."""
    if name == "local":
        from agent.local_llm.brain import build_local_brain

        return build_local_brain(settings, runtime.tools, env)
    if name in ("openai", "azure"):
        from agent.realtime.factory import build_realtime_brain

        return build_realtime_brain(settings, name, runtime.tools, env)
    from agent.speech_pipeline.factory import build_from_settings

    return build_from_settings(settings, runtime.tools, env)


class _Unconfigured:
    """Stands in for a cloud brain that could not even be configured: always unavailable, permanently."""

    def __init__(self, name: str, failure: BrainUnavailable) -> None:
        self.name = name
        self.failure = failure

    async def start_session(self, session: object) -> None:
        raise self.failure

    async def respond(self, session: object, text: str) -> None:
        raise self.failure

    async def note_action(self, session: object, summary: str) -> None:
        raise self.failure

    async def interrupt(self, session: object) -> None:
        return None

    async def end_session(self, session: object) -> None:
        return None

    async def close(self) -> None:
        return None


def make_brain_factory(settings: Settings, env: Mapping[str, str] | None = None) -> Callable[[Runtime], Brain]:
    def factory(runtime: Runtime) -> Brain:
        offline = OfflineAgent(runtime.tools, runtime.catalog, settings.reply_pacing_ms, runtime.run_blocking)
        runtime.catalog_listeners.append(offline.reload)
        name = chosen_brain(settings, env)
        if name == "offline":
            return offline
        try:
            primary: Brain = build_cloud_brain(settings, name, runtime, env)
        except BrainUnavailable as exc:
            log.error("the %s brain cannot start: %s", name, exc)
            primary = _Unconfigured(name, exc)
        probe = getattr(primary, "probe", None)
        fallback = FallbackBrain(primary, offline, probe=probe)
        if isinstance(primary, ReportsUnavailable):
            primary.on_unavailable = fallback.fall_back
        return fallback

    return factory
