"""Builds the realtime brain for the OpenAI or Azure OpenAI route from the settings and the configured secrets."""

from __future__ import annotations

import os
from collections.abc import Mapping

from agent.realtime.brain import RealtimeBrain
from agent.realtime.endpoints import (
    MissingSetting,
    RealtimeEndpoint,
    azure_preview_endpoint,
    azure_v1_endpoint,
    openai_endpoint,
)
from agent.realtime.entra import EntraTokenProvider
from agent.realtime.session_setup import RealtimeOptions
from app.brain import BrainUnavailable, ToolRunner
from app.secrets import get_secret
from app.settings import Settings


def realtime_endpoint(settings: Settings, brain: str, env: Mapping[str, str] | None = None) -> RealtimeEndpoint:
    """The endpoint for `brain` ("openai" or "azure"), or a permanent BrainUnavailable naming what is missing."""
    env = os.environ if env is None else env
    try:
        if brain == "openai":
            key = get_secret("OPENAI_API_KEY", env)
            if not key:
                raise BrainUnavailable("OPENAI_API_KEY is not set, so the OpenAI voice brain cannot start.", True)
            url = env.get("OPENAI_REALTIME_URL") or None
            return openai_endpoint(key, settings.openai_model, websocket_base_url=url)
        if brain == "azure":
            if not settings.azure_endpoint or not settings.azure_deployment:
                raise BrainUnavailable(
                    "Azure OpenAI needs the settings azure_endpoint and azure_deployment (AISLE_AZURE_ENDPOINT, "
                    "AISLE_AZURE_DEPLOYMENT).", True)
            key = get_secret("AZURE_OPENAI_API_KEY", env)
            token_provider = None if key else EntraTokenProvider()
            url = env.get("AZURE_OPENAI_REALTIME_URL") or None
            if settings.azure_api_version:
                return azure_preview_endpoint(
                    settings.azure_endpoint, settings.azure_deployment, settings.azure_api_version,
                    api_key=key, token_provider=token_provider, websocket_base_url=url)
            return azure_v1_endpoint(settings.azure_endpoint, settings.azure_deployment, api_key=key,
                                     token_provider=token_provider, websocket_base_url=url)
    except MissingSetting as exc:
        raise BrainUnavailable(str(exc), permanent=True) from exc
    raise ValueError(f"not a realtime brain: {brain}")


def build_realtime_brain(settings: Settings, brain: str, tools: ToolRunner,
                         env: Mapping[str, str] | None = None) -> RealtimeBrain:
    endpoint = realtime_endpoint(settings, brain, env)
    options = RealtimeOptions(
        voice=settings.openai_voice, speed=settings.openai_speed, turn_detection=settings.turn_detection,
        silence_ms=settings.vad_silence_ms, token_budget=settings.session_token_budget,
        rotate_after_s=settings.session_rotate_s,
    )
    return RealtimeBrain(endpoint, tools, name=brain, options=options)
