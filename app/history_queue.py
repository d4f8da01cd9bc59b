"""What history does when the disk says no: a bounded retry queue and the health it reports.

The history writer keeps every event it has not yet committed in a `RetryQueue`. A failed transaction (disk full,
I/O error, read-only file, a lock held too long) leaves the events in the queue, marks history "degraded" with the
reason in words, and is tried again with a growing pause; when a transaction succeeds the queue drains and history is
"ok" again. The queue is bounded: beyond `capacity` the oldest events are dropped, and every drop is logged (which
sessions, which event ids) and counted, so nothing disappears without a record. Listeners hear each change of state
(the runtime turns it into an on-screen notice and an SSE `error` event).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.events import Event

log = logging.getLogger("aisle.app.history")

DEFAULT_CAPACITY = 20_000  # events (a busy hour of a kiosk is ~5,000)
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 2.0

# SQLite primary result codes that a retry may cure (the disk may get space back, a lock may go away)
_TRANSIENT = {5: "the history database is locked by another program",  # SQLITE_BUSY
              6: "the history database is locked",  # SQLITE_LOCKED
              8: "the history file is read-only",  # SQLITE_READONLY
              10: "the disk could not be written (I/O error)",  # SQLITE_IOERR
              13: "the disk is full",  # SQLITE_FULL
              14: "the history file cannot be opened"}  # SQLITE_CANTOPEN


def failure_reason(exc: BaseException) -> str | None:
    """Words for a failure a retry may cure, or None for one it will not (a bad event, a bug)."""
    if isinstance(exc, OSError):
        known = {28: "the disk is full", 30: "the disk is read-only", 13: "Aisle may not write there",
                 1: "Aisle may not write there"}
        return known.get(exc.errno or 0, f"the disk could not be written ({exc.strerror or exc})")
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _TRANSIENT:
        return _TRANSIENT[code & 0xFF]
    text = str(exc).lower()
    for needle, words in (("disk is full", "the disk is full"), ("disk i/o", _TRANSIENT[10]),
                          ("readonly", _TRANSIENT[8]), ("locked", _TRANSIENT[6]), ("unable to open", _TRANSIENT[14])):
        if needle in text:
            return words
    return None


@dataclass(frozen=True)
class HistoryHealth:
    """What /health and the staff see: `ok`, `degraded` (writes failing, being retried) or `read_only`."""

    state: str = "ok"
    reason: str = ""
    pending: int = 0  # events waiting to be written
    dropped: int = 0  # events given up on (each one logged)

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    def describe(self) -> str:
        if self.ok:
            return "ok" if not self.dropped else f"ok ({self.dropped} events could not be recorded earlier)"
        waiting = f"; {self.pending} events waiting to be saved" if self.pending else ""
        return f"{self.state}: {self.reason}{waiting}"


HealthListener = Callable[[HistoryHealth], None]


class RetryQueue:
    """Events not yet committed, oldest first, bounded; thread-safe; reports state changes to listeners."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = max(1, capacity)
        self._items: deque[Event] = deque()
        self._lock = threading.Lock()
        self._state = "ok"
        self._reason = ""
        self._dropped = 0
        self.failures = 0  # failed attempts, for the log and tests
        self.listeners: list[HealthListener] = []

    def __len__(self) -> int:
        return len(self._items)

    def add(self, events: Iterable[Event]) -> None:
        with self._lock:
            self._items.extend(events)
            over = len(self._items) - self.capacity
            lost = [self._items.popleft() for _ in range(max(0, over))]
        if lost:
            self.drop(lost, f"the retry queue is full ({self.capacity} events) while {self._reason or 'writes fail'}")

    def head(self, limit: int) -> list[Event]:
        with self._lock:
            return [self._items[i] for i in range(min(limit, len(self._items)))]

    def done(self, count: int) -> None:
        """The first `count` events are on disk."""
        with self._lock:
            for _ in range(min(count, len(self._items))):
                self._items.popleft()

    def drop(self, events: list[Event], why: str) -> None:
        """Give up on `events`: logged with their sessions and ids, and counted."""
        if not events:
            return
        with self._lock:
            self._dropped += len(events)
        sessions: dict[str, list[int]] = {}
        for event in events:
            sessions.setdefault(event.session_id, []).append(event.id)
        where = "; ".join(f"session {sid} events {ids[0]}..{ids[-1]} ({len(ids)})" for sid, ids in sessions.items())
        log.error("history: %d events NOT recorded because %s: %s", len(events), why, where)
        self._notify()

    def note_unrecorded(self, event: Event, why: str) -> None:
        """Read-only history: count an event not kept; logged on the first and every thousandth."""
        with self._lock:
            self._dropped += 1
            count = self._dropped
        if count == 1 or count % 1000 == 0:
            log.error("history: %d events NOT recorded so far because %s (latest: session %s event %d)", count, why,
                      event.session_id, event.id)

    def discard_head(self, count: int, why: str) -> None:
        with self._lock:
            lost = [self._items.popleft() for _ in range(min(count, len(self._items)))]
        self.drop(lost, why)

    def failed(self, reason: str) -> None:
        self.failures += 1
        if (self._state, self._reason) != ("degraded", reason):
            self._state, self._reason = "degraded", reason
            log.error("history cannot be saved: %s; %d events kept and retried", reason, len(self._items))
            self._notify()

    def succeeded(self) -> None:
        if self._state == "degraded":
            self._state, self._reason = "ok", ""
            log.warning("history is being saved again; the waiting events are written")
            self._notify()

    def set_read_only(self, reason: str) -> None:
        self._state, self._reason = "read_only", reason
        self._notify()

    def health(self) -> HistoryHealth:
        return HistoryHealth(self._state, self._reason, len(self._items), self._dropped)

    def _notify(self) -> None:
        health = self.health()
        for listener in list(self.listeners):
            try:
                listener(health)
            except Exception:
                log.exception("history health listener failed")


def next_pause(previous: float) -> float:
    return min(MAX_RETRY_S, max(FIRST_RETRY_S, previous * 2))
