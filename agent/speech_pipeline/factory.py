"""Builds the speech pipeline brain from the settings and the secrets: the chat half (OpenAI or Azure OpenAI) and the
Azure Speech recognition and synthesis."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import openai

from agent.speech_pipeline.brain import SpeechPipelineBrain
from agent.speech_pipeline.chat import ChatAgent, ChatConfig
from agent.speech_pipeline.recognition import AzureRecognizer
from agent.speech_pipeline.sdk import DEFAULT_VOICE, KEY_SETTING, WHERE_SETTINGS, AzureSpeechConfig
from agent.speech_pipeline.synthesis import AzureSynthesizer
from app.brain import BrainUnavailable, ToolRunner
from app.secrets import get_secret
from app.settings import Settings


def _azure_root(endpoint: str) -> str:
    """`https://RES.openai.azure.com` from any form of the Azure OpenAI endpoint setting."""
    parts = urlsplit(endpoint.strip())
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme or "https")
    netloc = parts.netloc or parts.path.split("/")[0]
    return f"{scheme}://{netloc}"


def build_chat(settings: Settings, env: Mapping[str, str] | None = None, *,
               first_chunk_timeout_s: float = 15.0, chunk_timeout_s: float = 10.0,
               connect_timeout_s: float = 5.0) -> ChatAgent:
    """The chat half: Azure OpenAI when `azure_endpoint` and `AZURE_OPENAI_API_KEY` are set, else OpenAI."""
    environ = os.environ if env is None else env
    timeout = openai.Timeout(connect=connect_timeout_s, read=max(first_chunk_timeout_s, chunk_timeout_s) + 5.0,
                             write=10.0, pool=connect_timeout_s)
    azure_key = get_secret("AZURE_OPENAI_API_KEY", environ)
    openai_key = get_secret("OPENAI_API_KEY", environ)

    def config(key_setting: str, where_setting: str = "") -> ChatConfig:
        return ChatConfig(model=settings.chat_model, key_setting=key_setting, where_setting=where_setting,
                          store_name=settings.store_name, first_chunk_timeout_s=first_chunk_timeout_s,
                          chunk_timeout_s=chunk_timeout_s)

    client: openai.AsyncOpenAI
    if settings.azure_endpoint and azure_key:
        root = _azure_root(settings.azure_endpoint)
        if settings.azure_api_version:
            client = openai.AsyncAzureOpenAI(azure_endpoint=root, api_key=azure_key,
                                             api_version=settings.azure_api_version, timeout=timeout, max_retries=0)
        else:
            client = openai.AsyncOpenAI(base_url=f"{root}/openai/v1/", api_key=azure_key, timeout=timeout,
                                        max_retries=0)
        return ChatAgent(client, config("AZURE_OPENAI_API_KEY", "azure_endpoint"))
    if openai_key:
        base_url = environ.get("OPENAI_BASE_URL") or None
        client = openai.AsyncOpenAI(api_key=openai_key, base_url=base_url, timeout=timeout, max_retries=0)
        return ChatAgent(client, config("OPENAI_API_KEY"))
    if settings.azure_endpoint:
        raise BrainUnavailable("The Azure Speech pipeline's chat model needs AZURE_OPENAI_API_KEY (for "
                               "azure_endpoint) or OPENAI_API_KEY.", permanent=True)
    raise BrainUnavailable("The Azure Speech pipeline's chat model needs OPENAI_API_KEY (or AZURE_OPENAI_API_KEY "
                           "with azure_endpoint).", permanent=True)


def speech_config_from_settings(settings: Settings, env: Mapping[str, str] | None = None) -> AzureSpeechConfig:
    environ = os.environ if env is None else env
    key = get_secret(KEY_SETTING, environ)
    if not key:
        raise BrainUnavailable(f"The Azure Speech pipeline needs {KEY_SETTING}.", permanent=True)
    if not (settings.azure_speech_region.strip() or settings.azure_speech_endpoint.strip()):
        raise BrainUnavailable(f"The Azure Speech pipeline needs {WHERE_SETTINGS}.", permanent=True)
    return AzureSpeechConfig(key, settings.azure_speech_region.strip(), settings.azure_speech_endpoint.strip())


def azure_voice(settings: Settings) -> str:
    """The neural voice: `tts_voice` when it names an Azure voice ("de-DE-KatjaNeural"), else the multilingual
    default (the offline brain's espeak voice names, like "en-us", mean nothing to Azure)."""
    voice = settings.tts_voice.strip()
    return voice if "Neural" in voice else DEFAULT_VOICE


def build_from_settings(settings: Settings, tools: ToolRunner, env: Mapping[str, str] | None = None,
                        **brain_options: Any) -> SpeechPipelineBrain:
    """The pipeline from the settings and the secrets (`AZURE_SPEECH_KEY`; `OPENAI_API_KEY` or
    `AZURE_OPENAI_API_KEY`). Raises `BrainUnavailable(permanent=True)` naming what is missing."""
    speech = speech_config_from_settings(settings, env)
    chat = build_chat(settings, env)
    recognizer = AzureRecognizer(speech, segmentation_silence_ms=settings.vad_silence_ms)
    return SpeechPipelineBrain(recognizer, AzureSynthesizer(speech, azure_voice(settings)), chat, tools,
                               **brain_options)
