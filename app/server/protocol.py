"""The HTTP connection guard: no connection may hold a descriptor for long without a request, and only so many may
be open at once.

uvicorn's HTTP protocol, extended with three things it lacks:

- a header timeout: a connection that has not sent complete request headers within `api_header_timeout_s` (from
  connecting, or from the first byte of a keep-alive request) gets a JSON 408 and is closed (slowloris);
- a connection limit kept below the process's descriptor limit: a connection beyond it is answered at once with a
  JSON 503 (`Retry-After`) and closed, so its descriptor is back within microseconds and `/health`, posts and
  searches keep working however many sockets are opened against the kiosk;
- a JSON body on the 400 uvicorn sends for a request it cannot parse.

Idle keep-alive connections are closed by uvicorn itself after `api_keepalive_s`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("aisle.app.server")

RESERVED_DESCRIPTORS = 128  # kept free for history, the catalog, logs, audio devices and the app's own sockets


def connection_limit(wanted: int) -> int:
    """`wanted`, lowered to stay below the descriptor limit (minus what the rest of the kiosk needs)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    ceiling = max(16, soft - max(RESERVED_DESCRIPTORS, soft // 8))
    if wanted > ceiling:
        log.info("HTTP connection limit %d lowered to %d (descriptor limit %d)", wanted, ceiling, soft)
    return min(wanted, ceiling)


def _raw_response(status: int, reason: str, code: str, detail: str, extra: str = "") -> bytes:
    body = json.dumps({"detail": detail, "code": code}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"connection: close\r\n{extra}\r\n")
    return head.encode("ascii") + body


TOO_MANY = _raw_response(503, "Service Unavailable", "too_many_connections",
                         "The kiosk has too many open connections; try again in a few seconds.", "retry-after: 5\r\n")
TOO_SLOW = _raw_response(408, "Request Timeout", "header_timeout",
                         "The request headers did not arrive in time; the connection is closed.")


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header timeout, a connection limit and JSON parse errors. Subclass it
    with `max_connections` and `header_timeout_s` set (see `guarded_protocol`)."""

    max_connections = 1000
    header_timeout_s = 10.0
    refused = 0  # connections answered 503 because of the limit (per class, i.e. per server)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._in_headers = False
        self.on_connection_lost: Callable[[], None] | None = None  # set by a stream handed to the hub

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            type(self).refused += 1
            transport.write(TOO_MANY)
            transport.close()
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
        if self.on_connection_lost is not None:
            self.on_connection_lost()
            self.on_connection_lost = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {"aisle.protocol": self}  # type: ignore[dict-item]  # lets the stream response hand its socket to the hub
        self._in_headers = True
        if self._header_timer is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._disarm()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        self._disarm()
        self.transport.write(_raw_response(400, "Bad Request", "bad_http", f"{msg} Send a valid HTTP/1.1 request."))
        self.transport.close()

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete
                                           and not self._in_headers):
            return  # a request is being answered (a long stream, say): not ours to cut
        self.transport.write(TOO_SLOW)
        self.transport.close()


def guarded_protocol(max_connections: int, header_timeout_s: float) -> type[GuardedHttpProtocol]:
    """A protocol class for one server, with its own limits and refusal counter."""
    return type("AisleHttpProtocol", (GuardedHttpProtocol,), {
        "max_connections": connection_limit(max_connections), "header_timeout_s": header_timeout_s, "refused": 0})
