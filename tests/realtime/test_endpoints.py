"""Endpoint builders (settings → SDK client + dialect) and the Entra ID token provider."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from openai import AsyncAzureOpenAI, AsyncOpenAI

from agent.realtime.endpoints import (
    MissingSetting,
    azure_endpoint_from_env,
    azure_preview_endpoint,
    azure_v1_endpoint,
    openai_endpoint,
    openai_endpoint_from_env,
)
from agent.realtime.entra import ENTRA_SCOPE, EntraTokenProvider
from agent.realtime.events import Dialect


@dataclass
class AccessToken:
    token: str
    expires_on: int


class FakeCredential:
    """Stands in for an azure-identity credential: hands out numbered tokens valid for `lifetime` seconds."""

    def __init__(self, clock: list[float], lifetime: int = 3600) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str) -> AccessToken:
        self.calls.append(scopes)
        return AccessToken(f"token-{len(self.calls)}", int(self.clock[0]) + self.lifetime)


class FakeAsyncCredential(FakeCredential):
    async def get_token(self, *scopes: str) -> AccessToken:
        return FakeCredential.get_token(self, *scopes)


@pytest.mark.asyncio
async def test_token_is_cached_and_refreshed_before_expiry() -> None:
    now = [1_000_000.0]
    credential = FakeCredential(now)
    provider = EntraTokenProvider(credential, refresh_margin_s=300, clock=lambda: now[0])
    assert await provider() == "token-1"
    assert credential.calls == [(ENTRA_SCOPE,)]
    now[0] += 3000  # 600 s left: still fresh
    assert await provider() == "token-1"
    now[0] += 400  # 200 s left: inside the margin
    assert await provider() == "token-2"
    assert provider.expires_on == now[0] + 3600
    provider.invalidate()
    assert await provider() == "token-3"


@pytest.mark.asyncio
async def test_concurrent_callers_share_one_fetch_and_async_credentials_work() -> None:
    now = [0.0]
    credential = FakeAsyncCredential(now)
    provider = EntraTokenProvider(credential, clock=lambda: now[0])
    tokens = await asyncio.gather(*(provider() for _ in range(5)))
    assert tokens == ["token-1"] * 5
    assert len(credential.calls) == 1


@pytest.mark.asyncio
async def test_default_credential_is_created_lazily() -> None:
    created: list[FakeCredential] = []

    def factory() -> FakeCredential:
        created.append(FakeCredential([0.0]))
        return created[-1]

    provider = EntraTokenProvider(credential_factory=factory, clock=lambda: 0.0)
    assert created == []
    assert await provider() == "token-1"
    assert len(created) == 1


@pytest.mark.asyncio
async def test_a_credential_without_token_is_an_error() -> None:
    class Empty:
        def get_token(self, *scopes: str) -> AccessToken:
            return AccessToken("", 0)

    with pytest.raises(RuntimeError, match="no token"):
        await EntraTokenProvider(Empty())()


def test_openai_endpoint() -> None:
    endpoint = openai_endpoint("sk-1", "gpt-realtime", websocket_base_url="ws://127.0.0.1:9/v1")
    assert (endpoint.dialect, endpoint.model, endpoint.credential_setting) == (
        Dialect.GA,
        "gpt-realtime",
        "OPENAI_API_KEY",
    )
    client = endpoint.make_client()
    assert isinstance(client, AsyncOpenAI)
    assert str(client.websocket_base_url) == "ws://127.0.0.1:9/v1"


def test_openai_endpoint_from_env() -> None:
    endpoint = openai_endpoint_from_env({"OPENAI_API_KEY": "sk-2", "OPENAI_REALTIME_URL": "ws://proxy:1/v1"})
    assert endpoint.model == "gpt-realtime"
    assert str(endpoint.make_client().websocket_base_url) == "ws://proxy:1/v1"
    assert openai_endpoint_from_env({"OPENAI_API_KEY": "k", "OPENAI_REALTIME_MODEL": "gpt-realtime-mini"}).model == (
        "gpt-realtime-mini"
    )
    with pytest.raises(MissingSetting, match="OPENAI_API_KEY"):
        openai_endpoint_from_env({})


def test_azure_v1_endpoint_derives_the_websocket_url() -> None:
    for given in ("https://shop.openai.azure.com/", "shop"):
        endpoint = azure_v1_endpoint(given, "realtime-dep", api_key="k")
        assert endpoint.dialect is Dialect.GA
        assert endpoint.model == "realtime-dep"
        assert endpoint.credential_setting == "AZURE_OPENAI_API_KEY"
        assert str(endpoint.make_client().websocket_base_url) == "wss://shop.openai.azure.com/openai/v1"
    with pytest.raises(MissingSetting, match="AZURE_OPENAI_API_KEY"):
        azure_v1_endpoint("shop", "dep")
    with pytest.raises(MissingSetting, match="DEPLOYMENT"):
        azure_v1_endpoint("shop", "", api_key="k")


def test_azure_preview_endpoint_dialect_follows_the_api_version() -> None:
    preview = azure_preview_endpoint("https://shop.openai.azure.com", "dep", "2024-10-01-preview", api_key="k")
    assert preview.dialect is Dialect.BETA
    assert isinstance(preview.make_client(), AsyncAzureOpenAI)
    assert azure_preview_endpoint("shop", "dep", "2025-08-28", api_key="k").dialect is Dialect.GA
    entra = azure_preview_endpoint("shop", "dep", "2025-04-01-preview", token_provider=EntraTokenProvider(object()))
    assert "Entra" in entra.credential_setting
    with pytest.raises(MissingSetting, match="API_VERSION"):
        azure_preview_endpoint("shop", "dep", "", api_key="k")


def test_azure_endpoint_from_env_picks_the_route() -> None:
    base = {"AZURE_OPENAI_ENDPOINT": "https://shop.openai.azure.com", "AZURE_OPENAI_REALTIME_DEPLOYMENT": "dep"}
    v1 = azure_endpoint_from_env({**base, "AZURE_OPENAI_API_KEY": "k"})
    assert (v1.label, v1.dialect) == ("Azure OpenAI (v1)", Dialect.GA)
    preview = azure_endpoint_from_env(
        {**base, "AZURE_OPENAI_API_KEY": "k", "AZURE_OPENAI_API_VERSION": "2024-12-17-preview"}
    )
    assert (preview.label, preview.dialect) == ("Azure OpenAI (preview)", Dialect.BETA)
    entra = azure_endpoint_from_env(base)  # no key: Entra ID, DefaultAzureCredential not yet touched
    assert "Entra" in entra.credential_setting
    with pytest.raises(MissingSetting, match="AZURE_OPENAI_ENDPOINT"):
        azure_endpoint_from_env({})
