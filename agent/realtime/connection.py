"""One realtime session socket: opened through the official `openai` SDK, typed events in and out, failures classified.

    conn = await RealtimeConnection(endpoint).open()
    await conn.send(session_update(config, conn.dialect))
    async for event in conn:          # parsed, GA-named `events.ServerEvent`s
        ...
    await conn.close()

Failures come out as three exception types (all `RealtimeError`, each with `retryable`):

- `AuthenticationFailed`: the handshake was refused with 401/403 (or no Entra ID token could be had). Never retried;
  the message names the setting to fix ("OPENAI_API_KEY was rejected by the server (401): ...").
- `ConnectionRejected`: any other refusal a retry will not cure (404 unknown model/deployment, 400 bad api-version,
  a malformed URL, an SDK misconfiguration).
- `ConnectionDropped`: the socket closed under us or could not be reached: close 1001 (the service's session time
  cap), 1006 (no close frame: network loss), 1011/1012/1013, refused or timed-out connects, handshake 408/429/5xx.
  `close_code` says which (None when no websocket was ever open). Retryable, except for the close codes that mean
  "you sent something wrong" (1002, 1003, 1007, 1008, 1009, 1010).

Closing it ourselves is not a failure: iteration simply ends.

**Reconnection.** openai 3.x can reconnect a realtime socket by itself (`connect(on_reconnecting=..., max_retries=...,
initial_delay=..., max_delay=...)`): when a recoverable close arrives while iterating the SDK connection, it waits,
opens a new socket to the same URL and replays queued outgoing messages. It is off unless `on_reconnecting` is
given. We keep it off (and pass `max_retries=0` for good measure; see `endpoints.RealtimeEndpoint.open_socket`) and
also never iterate the SDK connection (we read `recv_bytes()`), because a realtime reconnect is not transparent: the
new socket is a *new session* — no instructions, tools, voice or conversation — and the SDK would flush audio
appended meanwhile into that unconfigured session. Reconnecting is the caller's decision, made with the close code
and `Backoff`: open a new `RealtimeConnection`, send `session.update`, and carry the state it needs across.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

from agent.realtime.endpoints import RealtimeEndpoint, RealtimeSocket
from agent.realtime.events import ClientEvent, Dialect, MalformedEvent, ServerEvent, parse_server_event

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger("aisle.agent.realtime")

NON_RETRYABLE_CLOSE_CODES = frozenset({1002, 1003, 1007, 1008, 1009, 1010})
"""Close codes that say the client did something wrong: reconnecting would only repeat it."""


class RealtimeError(Exception):
    """Base of the failures `RealtimeConnection` raises."""

    retryable: bool = False


class AuthenticationFailed(RealtimeError):
    """The server refused the credentials (401/403), or none could be obtained (`status` None). Do not retry."""

    retryable = False

    def __init__(self, message: str, *, status: int | None, setting: str) -> None:
        super().__init__(message)
        self.status = status
        self.setting = setting


class ConnectionRejected(RealtimeError):
    """The server or the SDK refused the connection for a reason a retry will not fix (e.g. 404, 400)."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ConnectionDropped(RealtimeError):
    """The socket closed or could not be reached. `close_code` is the websocket close code (1006 when the peer
    vanished without one; None when no websocket was open yet), `status` the HTTP status of a refused handshake."""

    def __init__(self, message: str, *, close_code: int | None, reason: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.close_code = close_code
        self.reason = reason
        self.status = status
        self.retryable = close_code not in NON_RETRYABLE_CLOSE_CODES


def is_retryable(exc: BaseException) -> bool:
    """Whether opening a new connection after `exc` makes sense."""
    return isinstance(exc, RealtimeError) and exc.retryable


@dataclass
class Backoff:
    """Exponential backoff: `initial * factor**n`, capped at `max`, each delay scaled down by up to `jitter`.

    `next_delay()` returns the delay before the next attempt and counts it; `reset()` after a connection that
    worked. `rng` returns floats in [0, 1) and is injectable for tests.
    """

    initial: float = 0.5
    factor: float = 2.0
    max: float = 15.0
    jitter: float = 0.2
    rng: Callable[[], float] = field(default=random.random, repr=False)
    attempts: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.max < self.initial or not 0 <= self.jitter <= 1:
            raise ValueError(f"invalid backoff: {self!r}")

    def base_delay(self, attempt: int) -> float:
        """The delay before attempt `attempt` (1-based) without jitter."""
        try:
            delay = self.initial * self.factor ** max(0, attempt - 1)
        except OverflowError:
            return self.max
        return min(self.max, delay)

    def next_delay(self) -> float:
        self.attempts += 1
        return self.base_delay(self.attempts) * (1.0 - self.jitter * self.rng())

    async def sleep(self) -> float:
        """Wait `next_delay()` seconds; returns the delay waited."""
        delay = self.next_delay()
        await asyncio.sleep(delay)
        return delay

    def reset(self) -> None:
        self.attempts = 0


def _error_detail(body: bytes | None) -> str:
    if not body:
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:200]
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(message := error.get("message"), str):
        return message
    if isinstance(error, str):
        return error
    return ""


def _is_entra_failure(exc: BaseException) -> bool:
    return any(cls.__name__ == "ClientAuthenticationError" for cls in type(exc).__mro__)


def classify_failure(exc: BaseException, endpoint: RealtimeEndpoint) -> RealtimeError:
    """Turn what the SDK, `websockets` or the network raised into one of our `RealtimeError`s."""
    from openai import OpenAIError
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

    if isinstance(exc, RealtimeError):
        return exc
    where = f"{endpoint.label} ({endpoint.model})"
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        detail = _error_detail(exc.response.body)
        suffix = f": {detail}" if detail else ""
        if status in (401, 403):
            what = "was rejected by the server" if status == 401 else "was refused access by the server"
            return AuthenticationFailed(
                f"{endpoint.credential_setting} {what} ({status}){suffix}. Fix it; not retrying.",
                status=status,
                setting=endpoint.credential_setting,
            )
        if status == 408 or status == 429 or status >= 500:
            return ConnectionDropped(
                f"{where} refused the connection ({status}){suffix}", close_code=None, status=status
            )
        if status == 404:
            return ConnectionRejected(f"{where} was not found (404): check the model or deployment{suffix}", status=404)
        return ConnectionRejected(f"{where} refused the connection ({status}){suffix}", status=status)
    if isinstance(exc, ConnectionClosed):
        frame = exc.rcvd
        code = frame.code if frame is not None else 1006
        reason = frame.reason if frame is not None else ""
        return ConnectionDropped(
            f"{where} closed the connection ({code}{': ' + reason if reason else ''})", close_code=code, reason=reason
        )
    if isinstance(exc, InvalidURI):
        return ConnectionRejected(f"{where}: invalid websocket URL: {exc}")
    if isinstance(exc, InvalidHandshake):
        return ConnectionDropped(f"{where}: websocket handshake failed: {exc}", close_code=None)
    if isinstance(exc, TimeoutError | OSError | EOFError):
        return ConnectionDropped(f"{where} is unreachable: {exc or type(exc).__name__}", close_code=None)
    if _is_entra_failure(exc):
        return AuthenticationFailed(
            f"{endpoint.credential_setting} could not get a token: {exc}",
            status=None,
            setting=endpoint.credential_setting,
        )
    if isinstance(exc, OpenAIError):
        if type(exc).__name__ == "WebSocketConnectionClosedError":
            return ConnectionDropped(f"{where} closed the connection: {exc}", close_code=1006)
        return ConnectionRejected(f"{where}: {exc}")
    return ConnectionDropped(f"{where}: unexpected failure: {exc!r}", close_code=None)


class RealtimeConnection:
    """One realtime socket to `endpoint`: `open()`, `send()` client events, iterate server events, `close()`.

    `send()` may be called from one task while another iterates. Server messages that cannot be parsed are logged
    and skipped. `client` reuses an existing SDK client instead of building one from the endpoint.
    """

    def __init__(
        self, endpoint: RealtimeEndpoint, *, open_timeout: float = 10.0, client: AsyncOpenAI | None = None
    ) -> None:
        self._endpoint = endpoint
        self._open_timeout = open_timeout
        self._client = client
        self._owned_client: AsyncOpenAI | None = None  # built here from the endpoint, closed with the connection
        self._socket: RealtimeSocket | None = None
        self._closing = False
        self._close_code: int | None = None
        self._close_reason = ""

    @property
    def endpoint(self) -> RealtimeEndpoint:
        return self._endpoint

    @property
    def dialect(self) -> Dialect:
        return self._endpoint.dialect

    @property
    def transport(self) -> str:
        """How the socket is carried: `ga_client` or `beta_client` (empty before `open()`)."""
        return self._socket.transport if self._socket is not None else ""

    @property
    def is_open(self) -> bool:
        return self._socket is not None and not self._closing and self._close_code is None

    @property
    def close_code(self) -> int | None:
        """The close code once the socket closed (ours or the server's), else None."""
        return self._close_code

    async def open(self) -> RealtimeConnection:
        """Open the socket; returns self. Raises `AuthenticationFailed`, `ConnectionRejected` or `ConnectionDropped`."""
        if self._socket is not None:
            raise RuntimeError("RealtimeConnection.open() was already called")
        endpoint = self._endpoint
        try:
            if self._client is None:
                self._owned_client = endpoint.make_client()
            async with asyncio.timeout(self._open_timeout):
                self._socket = await endpoint.open_socket(self._client or self._owned_client)
        except BaseException as exc:
            await self._close_owned_client()
            if not isinstance(exc, Exception):
                raise
            error = classify_failure(exc, endpoint)
            log.warning("realtime: could not connect to %s: %s", endpoint.label, error)
            raise error from exc
        log.info(
            "realtime: connected to %s, model %s, %s dialect over %s",
            endpoint.label,
            endpoint.model,
            endpoint.dialect,
            self._socket.transport,
        )
        return self

    async def send(self, event: ClientEvent) -> None:
        """Send one client event. Raises `ConnectionDropped` if the socket is gone."""
        socket = self._require_socket()
        try:
            await socket.send_text(event.to_json())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise self._failed(exc) from exc

    async def recv(self) -> ServerEvent:
        """The next server event. Raises `ConnectionDropped` when the server closed or the network failed (also
        after our own `close()`, with our close code; iterating the connection ends quietly in that case)."""
        socket = self._require_socket()
        while True:
            try:
                message = await socket.recv_bytes()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                raise self._failed(exc) from exc
            try:
                return parse_server_event(message)
            except MalformedEvent as exc:
                log.warning("realtime: skipping a malformed server message: %s", exc)

    def __aiter__(self) -> AsyncIterator[ServerEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[ServerEvent]:
        while True:
            try:
                event = await self.recv()
            except ConnectionDropped:
                if self._closing:
                    return
                raise
            yield event

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket (idempotent). Iteration in other tasks ends without an error."""
        if self._socket is None or self._closing:
            return
        self._closing = True
        try:
            await self._socket.close(code=code, reason=reason)
        except Exception as exc:  # the socket may already be gone; closing must not fail
            log.debug("realtime: error while closing: %r", exc)
        await self._close_owned_client()
        if self._close_code is None:
            self._close_code = code
            self._close_reason = reason
        log.info("realtime: closed connection to %s (%s)", self._endpoint.label, self._close_code)

    async def __aenter__(self) -> RealtimeConnection:
        if self._socket is None:
            await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _close_owned_client(self) -> None:
        client, self._owned_client = self._owned_client, None
        if client is not None:
            try:
                await client.close()
            except Exception as exc:
                log.debug("realtime: error while closing the SDK client: %r", exc)

    def _require_socket(self) -> RealtimeSocket:
        if self._socket is None:
            raise RuntimeError("RealtimeConnection is not open: call open() first")
        return self._socket

    def _failed(self, exc: Exception) -> RealtimeError:
        error = classify_failure(exc, self._endpoint)
        if isinstance(error, ConnectionDropped):
            if self._close_code is None:
                self._close_code = error.close_code if error.close_code is not None else 1006
                self._close_reason = error.reason
            if self._closing:
                return ConnectionDropped("the connection was closed by us", close_code=self._close_code)
            log.warning("realtime: %s", error)
        return error
