"""One stream client (what it follows, its queue, what it has been sent, its socket once live) and the resume point
a client asks for with `Last-Event-ID`."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

from app.server.events_codec import EncodedEvent, wire

CURRENT = "current"


class BadLastEventId(ValueError):
    """A Last-Event-ID that is not `<event id>` or `<session>:<event id>`."""


@dataclass(frozen=True)
class ResumePoint:
    """Where a client left off: a session (None: the one it asked for) and the last event id it has."""

    session_id: str | None
    event_id: int


def parse_last_event_id(raw: str | None) -> ResumePoint | None:
    """`42` or `<session>:42` (what the `current` stream sends); None or empty means "from the start"."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    session_id: str | None = None
    if ":" in text:
        session_id, _, text = text.rpartition(":")
        if not session_id or len(session_id) > 64:
            raise BadLastEventId("Last-Event-ID must be an event id, or <session id>:<event id>.")
    if not text.isdigit() or len(text) > 12:
        raise BadLastEventId("Last-Event-ID must be an event id, or <session id>:<event id>.")
    return ResumePoint(session_id, int(text))


class StreamClient:
    """One connected SSE client: what it follows, its bounded queue, and what it has been sent."""

    def __init__(self, target: str, max_queue: int) -> None:
        self.target = target  # a session id, or CURRENT
        self.max_queue = max(1, max_queue)
        self.pending: deque[EncodedEvent] = deque()
        self.wake = asyncio.Event()
        self.overflowed = False
        self.closed = False
        self.sent: dict[str, int] = {}  # session -> last event id delivered
        self.plan: list[tuple[str, int, list[EncodedEvent]]] = []  # backlog: session, after id, ring snapshot
        # live: the hub writes each event's shared bytes straight to the socket (no task wakes up per client)
        self.transport: asyncio.WriteTransport | None = None
        self.chunked = False
        self.max_buffer = max(256 * 1024, self.max_queue * 512)  # unsent bytes before the client is "too slow"
        self.send_timeout_s = 30.0  # ... or seconds its socket may accept nothing while bytes wait
        self.stalled_since = 0.0

    @property
    def follows_current(self) -> bool:
        return self.target == CURRENT

    def offer(self, item: EncodedEvent) -> bool:
        """Queue `item`; returns True when this made the client overflow."""
        if self.overflowed or self.closed:
            return False
        if len(self.pending) >= self.max_queue:
            self.overflowed = True
            self.pending.clear()  # the memory goes now; the client resumes from its Last-Event-ID
            self.wake.set()
            return True
        self.pending.append(item)
        self.wake.set()
        return False

    def close(self) -> None:
        self.closed = True
        self.wake.set()

    def write_live(self, data: bytes, newest: dict[str, int]) -> bool:
        """Live: write `data` (the bytes of events up to `newest`, per session, that this client lacked) now.
        Returns True when the client turned out too slow (it is then handed back to its task, which sends the
        final error)."""
        transport = self.transport
        if transport is None or self.closed:
            return False
        if transport.is_closing():
            self.transport = None
            self.close()
            return False
        if self.stalled(transport):
            self.transport = None
            self.overflowed = True
            self.wake.set()
            return True
        sent = self.sent
        for sid, event_id in newest.items():
            if event_id > sent.get(sid, 0):
                sent[sid] = event_id
        if data:
            transport.write(data)
        return False

    def stalled(self, transport: asyncio.WriteTransport) -> bool:
        """Too much unsent, or unsent bytes waiting for longer than `send_timeout_s`."""
        waiting = transport.get_write_buffer_size()
        if not waiting:
            self.stalled_since = 0.0
            return False
        now = time.monotonic()
        if not self.stalled_since:
            self.stalled_since = now
        return waiting > self.max_buffer or now - self.stalled_since > self.send_timeout_s

    def go_live(self, transport: asyncio.WriteTransport, chunked: bool) -> None:
        """From now on events are written straight to `transport` (what queued meanwhile goes first)."""
        self.transport, self.chunked = transport, chunked
        items = [item for item in self.pending if item.id > self.sent.get(item.session_id, 0)]
        self.pending.clear()
        if items:
            newest = {item.session_id: item.id for item in items}
            self.write_live(wire(items, self.follows_current, chunked), newest)

    def frame(self, item: EncodedEvent) -> bytes | None:
        """The bytes for `item`, or None when this client already has it."""
        if item.id <= self.sent.get(item.session_id, 0):
            return None
        self.sent[item.session_id] = item.id
        return item.tagged() if self.follows_current else item.plain()
