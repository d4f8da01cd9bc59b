"""Where a realtime session connects, with which credentials and in which dialect; opens sockets with the SDK.

Three routes, each built by a function here and described by one `RealtimeEndpoint`:

- **OpenAI** (`openai_endpoint`): `AsyncOpenAI(api_key=...)`, `GET {wss://api.openai.com/v1}/realtime?model=...` with
  `Authorization: Bearer`. `OPENAI_REALTIME_URL` (via `openai_endpoint_from_env`) points it elsewhere, e.g. at a
  proxy or a local test server (`ws://127.0.0.1:PORT/v1`).
- **Azure OpenAI, GA v1 route** (`azure_v1_endpoint`): `AsyncOpenAI(websocket_base_url="wss://RES.openai.azure.com/
  openai/v1", api_key=...)` with `model=<deployment>`; the key (or an Entra ID token) goes as `Authorization: Bearer`.
- **Azure OpenAI, deployment route** (`azure_preview_endpoint`): `AsyncAzureOpenAI(azure_endpoint=..., api_version=...,
  api_key=... | azure_ad_token_provider=...)`, `GET /openai/realtime?api-version=...&deployment=...` with an `api-key`
  header (or `Authorization: Bearer` for Entra ID). `*-preview` api-versions speak the beta dialect.

`RealtimeEndpoint.open_socket()` opens one websocket through the official SDK and returns it as a `RealtimeSocket`
(send text, receive bytes, close). `connection.RealtimeConnection` is the one that should call it: it classifies
failures and parses events. How the dialects map onto the installed SDK (3.x):

- GA: `client.realtime.connect(model=...)`, automatic reconnection off (see `connection`'s docstring).
- beta: `client.beta.realtime.connect(model=...)` — still present in openai 3.x; it adds `OpenAI-Beta: realtime=v1`
  and has no reconnect machinery. Should a future SDK drop it, the same bytes go over the GA client: the GA
  `connect()` builds the identical URL (`AsyncAzureOpenAI` always uses its deployment route) and we add the
  `OpenAI-Beta` header ourselves and send beta-shaped JSON raw. Both transports are exercised by the tests
  (`beta_transport="beta_client" | "ga_client"`).

Entra ID: `agent.realtime.entra.EntraTokenProvider` fetches, caches and refreshes the bearer token the SDK asks for
once per connection handshake.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from agent.realtime.entra import EntraTokenProvider
from agent.realtime.events import Dialect

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger("aisle.agent.realtime")

DEFAULT_OPENAI_MODEL = "gpt-realtime"
ENTRA_SETTING = "The Entra ID credential (DefaultAzureCredential)"

BetaTransport = Literal["auto", "beta_client", "ga_client"]
TokenProvider = Callable[[], Awaitable[str]]


class RealtimeSocket(Protocol):
    """One open realtime websocket, whatever SDK object carries it."""

    transport: str

    async def send_text(self, message: str) -> None: ...

    async def recv_bytes(self) -> bytes: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class MissingSetting(ValueError):
    """A setting needed to build an endpoint is not set; the message names it."""


# --------------------------------------------------------------------------------------------------------------------
# Sockets over the SDK
# --------------------------------------------------------------------------------------------------------------------


class _SdkSocket:
    """Adapts an SDK realtime connection (GA or beta) to `RealtimeSocket`.

    We send JSON we serialised ourselves and parse what arrives ourselves (`events.parse_server_event`): the GA
    connection's `send_raw` takes our text as is; the beta connection only has `send(dict)`, which runs the SDK's
    param transform first (a pass-through for our keys).
    """

    def __init__(self, sdk_connection: Any, transport: str) -> None:
        self._sdk = sdk_connection
        self.transport = transport

    async def send_text(self, message: str) -> None:
        send_raw = getattr(self._sdk, "send_raw", None)
        if send_raw is not None:
            await send_raw(message)
        else:
            await self._sdk.send(json.loads(message))

    async def recv_bytes(self) -> bytes:
        message = await self._sdk.recv_bytes()
        return message.encode() if isinstance(message, str) else bytes(message)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self._sdk.close(code=code, reason=reason)


def _has_beta_client(client: Any) -> bool:
    beta = getattr(client, "beta", None)
    realtime = getattr(beta, "realtime", None) if beta is not None else None
    return callable(getattr(realtime, "connect", None))


def _no_reconnect_kwargs(connect: Callable[..., Any]) -> dict[str, Any]:
    """Keyword arguments that switch the SDK's own reconnection off, for SDK versions that have it."""
    try:
        parameters = inspect.signature(connect).parameters
    except (TypeError, ValueError):
        return {}
    kwargs: dict[str, Any] = {}
    if "on_reconnecting" in parameters:
        kwargs["on_reconnecting"] = None
    if "max_retries" in parameters:
        kwargs["max_retries"] = 0
    return kwargs


@dataclass(frozen=True, slots=True)
class RealtimeEndpoint:
    """A place to open realtime sessions: how to build the SDK client, which model, which dialect.

    `label` names the service in messages; `credential_setting` names what to fix when the server rejects the
    credentials (e.g. `OPENAI_API_KEY`). `beta_transport` chooses how the beta dialect is carried (see the module
    docstring); it is ignored for GA.
    """

    label: str
    dialect: Dialect
    model: str
    credential_setting: str
    client_factory: Callable[[], AsyncOpenAI]
    beta_transport: BetaTransport = "auto"

    def make_client(self) -> AsyncOpenAI:
        return self.client_factory()

    async def open_socket(self, client: AsyncOpenAI | None = None) -> RealtimeSocket:
        """Open one websocket with the SDK. Raises what the SDK and `websockets` raise (`InvalidStatus` for a
        refused handshake, `OSError` for network failures, `OpenAIError` for client misconfiguration)."""
        client = client if client is not None else self.make_client()
        if self.dialect is Dialect.BETA:
            use_beta_client = self.beta_transport == "beta_client" or (
                self.beta_transport == "auto" and _has_beta_client(client)
            )
            if use_beta_client:
                beta_connection = await client.beta.realtime.connect(model=self.model).enter()
                return _SdkSocket(beta_connection, "beta_client")
            extra_headers = {"OpenAI-Beta": "realtime=v1"}
        else:
            extra_headers = {}
        connect = client.realtime.connect
        manager = connect(model=self.model, extra_headers=extra_headers, **_no_reconnect_kwargs(connect))
        return _SdkSocket(await manager.enter(), "ga_client")


# --------------------------------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------------------------------


def _ws_url(url: str, path: str) -> str:
    """`url` (http(s), ws(s) or a bare Azure resource name) as a websocket base URL ending in `path`."""
    if "://" not in url:
        url = f"https://{url}.openai.azure.com"
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def _http_url(ws_url: str) -> str:
    parts = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path, "", ""))


def openai_endpoint(
    api_key: str | TokenProvider,
    model: str = DEFAULT_OPENAI_MODEL,
    *,
    websocket_base_url: str | None = None,
    dialect: Dialect = Dialect.GA,
    credential_setting: str = "OPENAI_API_KEY",
) -> RealtimeEndpoint:
    """OpenAI's Realtime API (or anything speaking it at `websocket_base_url`, e.g. `ws://127.0.0.1:PORT/v1`)."""
    if not api_key:
        raise MissingSetting(f"{credential_setting} is not set")
    if not model:
        raise MissingSetting("the realtime model is not set")

    def factory() -> AsyncOpenAI:
        from openai import AsyncOpenAI

        return AsyncOpenAI(api_key=api_key, websocket_base_url=websocket_base_url)

    return RealtimeEndpoint("OpenAI", dialect, model, credential_setting, factory)


def openai_endpoint_from_env(env: Mapping[str, str] | None = None) -> RealtimeEndpoint:
    """`OPENAI_API_KEY`, `OPENAI_REALTIME_MODEL` (default `gpt-realtime`), optional `OPENAI_REALTIME_URL`."""
    env = os.environ if env is None else env
    return openai_endpoint(
        env.get("OPENAI_API_KEY", ""),
        env.get("OPENAI_REALTIME_MODEL") or DEFAULT_OPENAI_MODEL,
        websocket_base_url=env.get("OPENAI_REALTIME_URL") or None,
    )


def _azure_auth(
    api_key: str | None, token_provider: TokenProvider | None, key_setting: str
) -> tuple[str | TokenProvider, str]:
    if api_key:
        return api_key, key_setting
    if token_provider is not None:
        return token_provider, ENTRA_SETTING
    raise MissingSetting(f"{key_setting} is not set and no Entra ID token provider was given")


def azure_v1_endpoint(
    endpoint: str,
    deployment: str,
    *,
    api_key: str | None = None,
    token_provider: TokenProvider | None = None,
    websocket_base_url: str | None = None,
    key_setting: str = "AZURE_OPENAI_API_KEY",
) -> RealtimeEndpoint:
    """Azure OpenAI's GA route: `{endpoint}/openai/v1/realtime?model=<deployment>`, GA dialect.

    `endpoint` is `https://RES.openai.azure.com` (or just `RES`); `websocket_base_url` overrides the derived
    `wss://RES.openai.azure.com/openai/v1`. Pass `api_key`, or `token_provider` (e.g. `EntraTokenProvider()`).
    """
    if not deployment:
        raise MissingSetting("AZURE_OPENAI_REALTIME_DEPLOYMENT is not set")
    credential, setting = _azure_auth(api_key, token_provider, key_setting)
    ws_base = websocket_base_url or _ws_url(endpoint, "/openai/v1")

    def factory() -> AsyncOpenAI:
        from openai import AsyncOpenAI

        return AsyncOpenAI(api_key=credential, base_url=_http_url(ws_base), websocket_base_url=ws_base)

    return RealtimeEndpoint("Azure OpenAI (v1)", Dialect.GA, deployment, setting, factory)


def azure_preview_endpoint(
    endpoint: str,
    deployment: str,
    api_version: str,
    *,
    api_key: str | None = None,
    token_provider: TokenProvider | None = None,
    websocket_base_url: str | None = None,
    dialect: Dialect | None = None,
    beta_transport: BetaTransport = "auto",
    key_setting: str = "AZURE_OPENAI_API_KEY",
) -> RealtimeEndpoint:
    """Azure OpenAI's deployment route: `{endpoint}/openai/realtime?api-version=...&deployment=...`.

    The dialect follows the api-version (`*-preview` speaks beta) unless given. An `http://` endpoint (a local test
    server) gets a `ws://` websocket URL; the SDK itself would force `wss://`.
    """
    if not deployment:
        raise MissingSetting("AZURE_OPENAI_REALTIME_DEPLOYMENT is not set")
    if not api_version:
        raise MissingSetting("AZURE_OPENAI_API_VERSION is not set")
    credential, setting = _azure_auth(api_key, token_provider, key_setting)
    if dialect is None:
        dialect = Dialect.BETA if "preview" in api_version else Dialect.GA
    azure_endpoint = endpoint if "://" in endpoint else f"https://{endpoint}.openai.azure.com"
    if websocket_base_url is None and urlsplit(azure_endpoint).scheme == "http":
        websocket_base_url = _ws_url(azure_endpoint, "/openai")

    def factory() -> AsyncOpenAI:
        from openai import AsyncAzureOpenAI

        if isinstance(credential, str):
            return AsyncAzureOpenAI(
                azure_endpoint=azure_endpoint,
                api_version=api_version,
                api_key=credential,
                websocket_base_url=websocket_base_url,
            )
        return AsyncAzureOpenAI(
            azure_endpoint=azure_endpoint,
            api_version=api_version,
            azure_ad_token_provider=credential,
            websocket_base_url=websocket_base_url,
        )

    label = "Azure OpenAI (preview)" if dialect is Dialect.BETA else "Azure OpenAI"
    return RealtimeEndpoint(label, dialect, deployment, setting, factory, beta_transport)


def azure_endpoint_from_env(
    env: Mapping[str, str] | None = None, *, token_provider: TokenProvider | None = None
) -> RealtimeEndpoint:
    """Azure OpenAI from `AZURE_OPENAI_ENDPOINT`, `AZURE_OPENAI_REALTIME_DEPLOYMENT`, `AZURE_OPENAI_API_KEY` (without
    it: Entra ID through `token_provider` or a new `EntraTokenProvider()`), optional `AZURE_OPENAI_API_VERSION`
    (set: the deployment route; unset: the GA v1 route) and `AZURE_OPENAI_REALTIME_URL` (websocket base override).
    """
    env = os.environ if env is None else env
    endpoint = env.get("AZURE_OPENAI_ENDPOINT", "")
    if not endpoint:
        raise MissingSetting("AZURE_OPENAI_ENDPOINT is not set")
    deployment = env.get("AZURE_OPENAI_REALTIME_DEPLOYMENT", "")
    api_key = env.get("AZURE_OPENAI_API_KEY") or None
    if api_key is None and token_provider is None:
        token_provider = EntraTokenProvider()
    ws_override = env.get("AZURE_OPENAI_REALTIME_URL") or None
    api_version = env.get("AZURE_OPENAI_API_VERSION") or ""
    if api_version:
        return azure_preview_endpoint(
            endpoint,
            deployment,
            api_version,
            api_key=api_key,
            token_provider=token_provider,
            websocket_base_url=ws_override,
        )
    return azure_v1_endpoint(
        endpoint, deployment, api_key=api_key, token_provider=token_provider, websocket_base_url=ws_override
    )
