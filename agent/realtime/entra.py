"""Entra ID bearer tokens for Azure OpenAI: an async provider that fetches a token from an azure-identity credential
(`DefaultAzureCredential` by default, imported only when first needed), caches it and refreshes it a few minutes
before it expires. The SDK calls it once per connection handshake."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("aisle.agent.realtime")

ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"


class TokenCredential(Protocol):
    """What azure-identity credentials offer: `get_token(scope)` returning an object with `token` and `expires_on`
    (epoch seconds). Async credentials (`azure.identity.aio`) return it from a coroutine."""

    def get_token(self, *scopes: str) -> Any: ...


def _default_credential() -> TokenCredential:
    from azure.identity import DefaultAzureCredential  # imported only when Entra ID is actually configured

    return DefaultAzureCredential()


class EntraTokenProvider:
    """Async bearer-token provider for Azure OpenAI: caches the token, refreshes it `refresh_margin_s` before expiry.

    `credential` is any object with `get_token(scope)` (sync ones run in a worker thread: DefaultAzureCredential can
    spawn the Azure CLI); without one, `DefaultAzureCredential()` is created on the first call. `clock` returns epoch
    seconds and is injectable for tests.
    """

    def __init__(
        self,
        credential: TokenCredential | None = None,
        *,
        scope: str = ENTRA_SCOPE,
        refresh_margin_s: float = 300.0,
        clock: Callable[[], float] = time.time,
        credential_factory: Callable[[], TokenCredential] = _default_credential,
    ) -> None:
        self._credential = credential
        self._credential_factory = credential_factory
        self._scope = scope
        self._margin = refresh_margin_s
        self._clock = clock
        self._token: str | None = None
        self._expires_on = 0.0
        self._lock: asyncio.Lock | None = None

    @property
    def expires_on(self) -> float:
        return self._expires_on

    def invalidate(self) -> None:
        """Forget the cached token (e.g. after the server rejected it) so the next call fetches a new one."""
        self._token = None
        self._expires_on = 0.0

    async def __call__(self) -> str:
        if self._fresh():
            assert self._token is not None
            return self._token
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._fresh():
                await self._refresh()
            assert self._token is not None
            return self._token

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._expires_on - self._margin

    async def _refresh(self) -> None:
        if self._credential is None:
            self._credential = self._credential_factory()
        get_token = self._credential.get_token
        if inspect.iscoroutinefunction(get_token):
            access = await get_token(self._scope)
        else:
            access = await asyncio.to_thread(get_token, self._scope)
            if inspect.isawaitable(access):
                access = await access
        token = getattr(access, "token", None)
        if not isinstance(token, str) or not token:
            raise RuntimeError("the Entra ID credential returned no token")
        self._token = token
        self._expires_on = float(getattr(access, "expires_on", 0) or 0)
        log.info("realtime: Entra ID token refreshed, valid for %.0f s", self._expires_on - self._clock())
