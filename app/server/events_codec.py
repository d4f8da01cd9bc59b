"""Events as Server-Sent Events bytes: encoded once per event and shared by every client; hub-made events."""

from __future__ import annotations

import json
import time
from typing import Any

from sse_starlette.event import ServerSentEvent

from app.events import Event, EventKind


class EncodedEvent:
    """An event with its SSE bytes, built once and shared by every client."""

    __slots__ = ("_chunked", "_plain", "_tagged", "event", "json")

    def __init__(self, event: Event) -> None:
        self.event = event
        self.json = json.dumps(event.to_json_dict(), default=str, ensure_ascii=False, separators=(",", ":"))
        self._plain: bytes | None = None
        self._tagged: bytes | None = None
        self._chunked: tuple[bytes | None, bytes | None] = (None, None)  # (plain, tagged) in HTTP/1.1 chunks

    @property
    def session_id(self) -> str:
        return self.event.session_id

    @property
    def id(self) -> int:
        return self.event.id

    def plain(self) -> bytes:
        """Framed with `id: <event id>` (per-session streams)."""
        if self._plain is None:
            self._plain = ServerSentEvent(self.json, id=str(self.event.id), event=self.event.kind.value).encode()
        return self._plain

    def tagged(self) -> bytes:
        """Framed with `id: <session>:<event id>` (the `current` stream, which crosses sessions)."""
        if self._tagged is None:
            self._tagged = ServerSentEvent(
                self.json, id=f"{self.event.session_id}:{self.event.id}", event=self.event.kind.value
            ).encode()
        return self._tagged

    def wire(self, tagged: bool, chunked: bool) -> bytes:
        """The bytes as written straight to a socket: framed for the stream, and as an HTTP/1.1 chunk when the
        response is chunked (built once per event, shared by every client)."""
        framed = self.tagged() if tagged else self.plain()
        if not chunked:
            return framed
        plain, tag = self._chunked
        cached = tag if tagged else plain
        if cached is None:
            cached = as_chunk(framed)
            self._chunked = (plain, cached) if tagged else (cached, tag)
        return cached


def wire(items: list[EncodedEvent], tagged: bool, chunked: bool) -> bytes:
    """Several events' bytes as one write (one HTTP/1.1 chunk when chunked); b"" for none."""
    if len(items) == 1:
        return items[0].wire(tagged, chunked)
    if not items:
        return b""
    data = b"".join(item.tagged() if tagged else item.plain() for item in items)
    return as_chunk(data) if chunked else data


def as_chunk(data: bytes) -> bytes:
    """`data` as one HTTP/1.1 chunk."""
    return b"%x\r\n%b\r\n" % (len(data), data)


def frame_hub_event(kind: EventKind, message: str, code: str, session_id: str | None, **extra: Any) -> bytes:
    """A hub-made `error` or `notice` event. It has no `id:` so the client's Last-Event-ID stays where it was."""
    data = {"message": message, "text": message, "code": code, **extra} if kind is EventKind.NOTICE else \
        {"message": message, "code": code, **extra}
    payload = {"event": kind.value, "data": data, "id": None, "timestamp": time.time(), "session_id": session_id}
    return ServerSentEvent(json.dumps(payload, separators=(",", ":")), event=kind.value).encode()
