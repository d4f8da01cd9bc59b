"""The stream hub: bus events in, Server-Sent Events out, for any number of clients per session.

The hub lives on the server's event loop, never on the app's. The bus calls `on_bus_event` on the publisher's thread
(the app loop's, in the kiosk); the hub only appends the event to a list and, if no hand-over is pending, asks the
server loop to take the batch (`call_soon_threadsafe`). Everything else happens on the server loop:

- per session, a bounded ring of recent events (already encoded, once, for every client) for quick resumes;
- per client, a bounded queue; a client that falls more than `sse_client_queue` events behind gets a final `error`
  event (`code: too_slow`) and is disconnected. It keeps its `Last-Event-ID`, so it can resume;
- `current`: the session the kiosk is in. It switches on `session_started`, so a client following `current` sees one
  session end and the next begin without reconnecting. Its SSE ids carry the session (`<session>:<event id>`)
  because event ids restart at 1 in every session; a per-session stream's ids are plain event ids.

A resume (`Last-Event-ID`) is served from the ring when the ring still holds the next event, else from history (read
on a worker thread after a flush, so nothing recorded is missed), then live. The client is registered *before* the
backlog is read and every session's last delivered id is remembered, so nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import OrderedDict, deque
from collections.abc import AsyncGenerator
from concurrent.futures import Executor
from typing import Any

from app.events import ContextChanged, Event, EventKind, SessionEnded, SessionStarted
from app.history import HistoryStore
from app.redaction_stream import redact_stream
from app.server.backlog import BacklogCache
from app.server.events_codec import EncodedEvent, as_chunk, frame_hub_event, wire
from app.server.stream_client import CURRENT as CURRENT
from app.server.stream_client import BadLastEventId as BadLastEventId
from app.server.stream_client import ResumePoint, StreamClient
from app.server.stream_client import parse_last_event_id as parse_last_event_id

log = logging.getLogger("aisle.app.server.hub")

MAX_RINGS = 4  # sessions whose recent events stay in memory: the current one and a few just ended
BATCH_BYTES = 256 * 1024  # at most this much is handed to one send


class HubFull(RuntimeError):
    """Too many stream clients are connected."""


class EventHub:
    """Fans bus events out to stream clients. Create on any thread; use on the server loop."""

    def __init__(self, history: HistoryStore, executor: Executor, *, ring_size: int = 1000,
                 client_queue: int = 500, max_clients: int = 2000, current: str | None = None,
                 current_active: bool = False, backlog_events: int = 20_000,
                 send_timeout_s: float = 30.0) -> None:
        self.history = history
        self.executor = executor
        self.backlog = BacklogCache(history, executor, max_events=backlog_events)
        self.ring_size = max(16, ring_size)
        self.client_queue = client_queue
        self.max_clients = max_clients
        self.send_timeout_s = send_timeout_s
        self.current = current
        self.current_active = current_active
        self._rings: OrderedDict[str, deque[EncodedEvent]] = OrderedDict()
        self._by_session: dict[str, set[StreamClient]] = {}
        self._current_clients: set[StreamClient] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handover: list[Event] = []
        self._handover_lock = threading.Lock()
        self._scheduled = False
        self._closed = False
        self.overflowed = 0  # clients that fell too far behind (counted when it happens)
        self.dropped_slow = 0  # ... and that were sent their final error
        self.delivered = 0

    # -- wiring -----------------------------------------------------------------------------------------------------
    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Set the server loop; events that arrived before are handed over now."""
        with self._handover_lock:
            self._loop = loop
            pending = bool(self._handover) and not self._scheduled
            if pending:
                self._scheduled = True
        if pending:
            loop.call_soon_threadsafe(self._take_handover)

    def on_bus_event(self, event: Event) -> None:
        """Bus subscriber; any thread. Cheap: append, and wake the server loop once per batch."""
        with self._handover_lock:
            if self._closed:
                return
            self._handover.append(event)
            if self._scheduled or self._loop is None:
                return
            self._scheduled = True
            loop = self._loop
        try:
            loop.call_soon_threadsafe(self._take_handover)
        except RuntimeError:  # the server loop is closed: the server is stopping
            pass

    def _take_handover(self) -> None:
        with self._handover_lock:
            batch, self._handover = self._handover, []
            self._scheduled = False
        self.dispatch(batch)

    # -- on the server loop -----------------------------------------------------------------------------------------
    @property
    def client_count(self) -> int:
        return len(self._current_clients) + sum(len(c) for c in self._by_session.values())

    def knows_live(self, session_id: str) -> bool:
        return session_id in self._rings or session_id == self.current

    def ring(self, session_id: str) -> deque[EncodedEvent] | None:
        return self._rings.get(session_id)

    def _ring_for(self, session_id: str) -> deque[EncodedEvent]:
        ring = self._rings.get(session_id)
        if ring is None:
            ring = self._rings[session_id] = deque(maxlen=self.ring_size)
            while len(self._rings) > MAX_RINGS:
                oldest = next(s for s in self._rings if s != session_id)
                if oldest == self.current:
                    self._rings.move_to_end(oldest)
                    oldest = next(s for s in self._rings if s not in (session_id, self.current))
                del self._rings[oldest]
        return ring

    def dispatch(self, events: list[Event]) -> None:
        """Record events (in order) in their sessions' rings and offer them to every client that follows them: what
        arrived together goes to each live client in one write, so a fan-out that fell behind catches up at the
        cost of one."""
        current_items: list[EncodedEvent] = []
        by_session: dict[str, list[EncodedEvent]] = {}
        ended: list[str] = []
        for event in events:
            item = EncodedEvent(event)
            sid = event.session_id
            if isinstance(event.payload, SessionStarted):
                self.current = sid
                self.current_active = True
            elif isinstance(event.payload, SessionEnded):
                ended.append(sid)
                if sid == self.current:
                    self.current_active = False
            self._ring_for(sid).append(item)
            if sid in self._by_session:
                by_session.setdefault(sid, []).append(item)
            if sid == self.current:
                current_items.append(item)
        for sid, items in by_session.items():
            self._fan_out(self._by_session[sid], items)
        if current_items and self._current_clients:
            self._fan_out(self._current_clients, current_items)
        for sid in ended:
            self._redact_ring(sid)

    def _redact_ring(self, session_id: str) -> None:
        """A session that has ended is a past session: what stays in memory of it is redacted like history (a
        late joiner or a resume gets `[email]`, `[phone]`, `[card]`, as `/api/sessions` does, and no value split across
        text chunks in pieces)."""
        ring = self._rings.get(session_id)
        if not ring:
            return
        redacted: deque[EncodedEvent] = deque(maxlen=ring.maxlen)
        for item, clean in zip(ring, redact_stream([item.event for item in ring]), strict=True):
            redacted.append(item if clean is item.event else EncodedEvent(clean))
        self._rings[session_id] = redacted

    def _fan_out(self, clients: set[StreamClient], items: list[EncodedEvent]) -> None:
        """`items` (in order) to each client: one write per live client, of bytes shared by every client in the
        same framing that has none of them yet; queued for a client whose backlog is still being sent."""
        first: dict[str, int] = {}
        newest: dict[str, int] = {}
        for item in items:
            first.setdefault(item.session_id, item.id)
            newest[item.session_id] = item.id
        shared: dict[tuple[bool, bool], bytes] = {}
        for client in list(clients):
            if client.transport is None:
                for item in items:
                    self.overflowed += client.offer(item)
                continue
            sent = client.sent
            framing = (client.follows_current, client.chunked)
            if all(sent.get(sid, 0) < first_id for sid, first_id in first.items()):
                data = shared.get(framing)
                if data is None:
                    data = shared[framing] = wire(items, *framing)
            else:  # it has some already (its backlog reached into these): only the rest
                data = wire([i for i in items if i.id > sent.get(i.session_id, 0)], *framing)
            self.overflowed += client.write_live(data, newest)
        self.delivered += len(clients) * len(items)

    def too_slow(self, client: StreamClient) -> bytes:
        """The last words to a client that fell too far behind."""
        self.dropped_slow += 1
        log.info("stream client of %s fell %d events behind; disconnecting it", client.target, client.max_queue)
        return frame_hub_event(
            EventKind.ERROR, f"This stream fell more than {client.max_queue} events behind and is closed. "
            "Reconnect with Last-Event-ID to resume.", "too_slow", None if client.follows_current else client.target)

    async def heartbeat(self, interval_s: float) -> None:
        """Every `interval_s`, a comment to each live client (keeps proxies from closing idle streams, and finds
        clients that went away without a word)."""
        beat = b": heartbeat\r\n\r\n"
        chunk = as_chunk(beat)
        while not self._closed:
            await asyncio.sleep(interval_s)
            for client in [*self._current_clients, *(c for cs in self._by_session.values() for c in cs)]:
                transport = client.transport
                if transport is None:
                    continue
                if transport.is_closing():
                    client.transport = None
                    client.close()
                elif client.stalled(transport):
                    client.transport = None
                    client.overflowed = True
                    client.wake.set()
                else:
                    transport.write(chunk if client.chunked else beat)

    def latest_cart(self, session_id: str) -> dict[str, Any] | None:
        """The cart of the session's newest `context` event still in memory."""
        ring = self._rings.get(session_id)
        if not ring:
            return None
        for item in reversed(ring):
            if isinstance(item.event.payload, ContextChanged):
                return item.event.payload.cart
        return None

    def register(self, target: str) -> StreamClient:
        if self._closed:
            raise HubFull("The server is shutting down.")
        if self.client_count >= self.max_clients:
            raise HubFull(f"Too many stream clients are connected (limit {self.max_clients}); try again later.")
        client = StreamClient(target, self.client_queue)
        client.send_timeout_s = self.send_timeout_s
        if client.follows_current:
            self._current_clients.add(client)
        else:
            self._by_session.setdefault(target, set()).add(client)
        return client

    def unregister(self, client: StreamClient) -> None:
        client.closed = True
        client.plan = []
        client.pending.clear()
        if client.follows_current:
            self._current_clients.discard(client)
            return
        clients = self._by_session.get(client.target)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self._by_session[client.target]

    def close_all(self) -> None:
        """Server shutdown: every stream ends (clients reconnect and resume when the server is back)."""
        with self._handover_lock:
            self._closed = True
            self._handover.clear()
        for client in [*self._current_clients, *(c for cs in self._by_session.values() for c in cs)]:
            client.close()

    # -- streaming --------------------------------------------------------------------------------------------------
    def _backlog_plan(self, client: StreamClient, resume: ResumePoint | None) -> list[tuple[str, int]]:
        """Which sessions to replay, after which id, in order."""
        if not client.follows_current:
            after = resume.event_id if resume is not None else 0
            return [(client.target, after)]
        plan: list[tuple[str, int]] = []
        current = self.current
        if resume is not None and resume.session_id not in (None, current):
            assert resume.session_id is not None
            plan.append((resume.session_id, resume.event_id))  # the rest of the session it was watching
            if current is not None:
                plan.append((current, 0))
        elif current is not None and (resume is not None or self.current_active):
            # a newcomer gets the session so far, but never the one that has just ended (the shopper has gone)
            plan.append((current, resume.event_id if resume is not None else 0))
        return plan

    async def _replay(self, client: StreamClient, session_id: str, after: int,
                      snapshot: list[EncodedEvent]) -> AsyncGenerator[bytes, None]:
        """The client's bytes for the events of `session_id` after `after`: from the ring snapshot if it reaches back
        far enough, else first from history through the shared backlog cache (a page nobody of this client's
        events precede goes out as the page's own shared bytes), then whatever the snapshot adds."""
        if not snapshot or snapshot[0].id > after + 1:
            before = snapshot[0].id if snapshot else None
            async for page in self.backlog.pages(session_id, after, before):
                if page.events[0].id > client.sent.get(session_id, 0):
                    client.sent[session_id] = page.events[-1].id
                    yield page.joined(client.follows_current)
                else:
                    data = b"".join(f for f in map(client.frame, page.events) if f is not None)
                    if data:
                        yield data
                if client.overflowed or client.closed:
                    return
        data = b"".join(f for f in map(client.frame, snapshot) if f is not None)
        if data:
            yield data

    async def _resume_from(self, client: StreamClient, session_id: str, after: int,
                           snapshot: list[EncodedEvent]) -> tuple[int, bytes | None]:
        """`after`, or the session's last event id with a `notice` when `after` is beyond it (an id from another
        run, or made up): such a client gets the live stream instead of waiting for ids that never come."""
        if after <= 0:
            return after, None
        if snapshot:
            newest = snapshot[-1].id
        else:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self.executor, self.history.flush, 5.0)
            newest = await loop.run_in_executor(self.executor, self.history.last_event_id, session_id)
        if after <= newest:
            return after, None
        notice = frame_hub_event(
            EventKind.NOTICE, f"Last-Event-ID {after} is beyond the last event of session {session_id} ({newest}); "
            "streaming from there.", "unknown_last_event_id", session_id, last_event_id=newest)
        return newest, notice

    def open(self, target: str, resume: ResumePoint | None) -> StreamClient:
        """Register a client and fix what it will be replayed (raises HubFull when there is no room). Then iterate
        `stream(client)`; `unregister(client)` is safe to call as well, e.g. when the stream never starts."""
        client = self.register(target)
        plan = self._backlog_plan(client, resume)
        client.plan = [(sid, after, list(self._rings.get(sid, ()))) for sid, after in plan]  # snapshots, now
        return client

    async def stream(self, client: StreamClient, until_live: bool = False,
                     heartbeat_s: float | None = None) -> AsyncGenerator[bytes, None]:
        """The SSE bytes of one client: backlog, then live, until it disconnects, falls behind or the server
        stops. With `until_live` it ends after the backlog (the caller then hands the socket to `go_live`);
        `heartbeat_s`: a comment after that long without events (when not handed over)."""
        handed_over = False
        try:
            yield b": connected\r\nretry: 2000\r\n\r\n"
            for sid, wanted, snapshot in client.plan:
                after, notice = await self._resume_from(client, sid, wanted, snapshot)
                if notice is not None:
                    yield notice
                client.sent[sid] = max(client.sent.get(sid, 0), after)
                async with contextlib.aclosing(self._replay(client, sid, after, snapshot)) as chunks:
                    async for chunk in chunks:
                        yield chunk
                if client.overflowed or client.closed:
                    break
            if until_live and not client.overflowed and not client.closed:
                handed_over = True
                return
            while True:
                if client.overflowed:
                    yield self.too_slow(client)
                    return
                if client.closed:
                    return
                if not client.pending:
                    client.wake.clear()
                    try:
                        await asyncio.wait_for(client.wake.wait(), heartbeat_s)
                    except TimeoutError:
                        yield b": heartbeat\r\n\r\n"
                    continue
                parts: list[bytes] = []
                size = 0
                while client.pending and size < BATCH_BYTES:
                    framed = client.frame(client.pending.popleft())
                    if framed is not None:
                        parts.append(framed)
                        size += len(framed)
                if parts:
                    yield b"".join(parts)
        finally:
            if not handed_over:
                self.unregister(client)
