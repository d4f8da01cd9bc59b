"""Session history in its own SQLite file: sessions, turns, tool calls, cart changes, usage and every bus event.

History is a bus subscriber. `record()` only puts the event on a queue, so publishing never waits for the disk; one
writer thread batches writes into transactions (WAL mode, so readers are never blocked). Reads use a connection per
thread. Secrets never reach this file: it stores events, and events never carry keys. Shoppers' emails, phone and
card numbers never reach it either: every event is redacted (`app.redaction`) on its way in, and a value split
across a reply's text chunks is never kept in pieces (`app.redaction_stream`).

Every write goes through `write_event(conn, event)`, inside the writer's transaction (`_commit`). A failed
transaction keeps its events in a bounded retry queue (`app.history_queue`) and history reports itself degraded until
a retry succeeds. Opening a damaged or unwritable file is handled by `app.history_recovery`.

The parts: how an event becomes rows (`app.history_rows`), reading them back (`app.history_reads`), retention and
crash-left sessions (`app.history_retention`), the tables (`app.history_schema`).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from app import history_reads as reads
from app import history_retention as retention
from app.events import Event
from app.history_queue import HealthListener, HistoryHealth, RetryQueue, failure_reason, next_pause
from app.history_rows import write_rows
from app.history_schema import create_tables
from app.redaction_stream import ReplyRedactor

log = logging.getLogger("aisle.app.history")

_STOP = object()

# Called for every event written, on the writer thread, inside the history write's transaction (fleet outbox).
WriteHook = Callable[[sqlite3.Connection, Event], None]


class _Flush(threading.Event):
    """A marker in the write queue: set once everything before it has been tried."""

    written = False

    def finish(self, written: bool) -> None:
        self.written = written
        self.set()


def _discard(conn: sqlite3.Connection | None) -> None:
    """Close a connection after a failure (a fresh one is opened for the retry)."""
    if conn is not None:
        try:
            conn.close()
        except sqlite3.Error:
            pass


class HistoryStore:
    def __init__(self, path: Path, retention_days: int = 30, *, read_only: str = "",
                 queue_capacity: int = 20_000) -> None:
        """`read_only`: why history cannot be written (it is then only read, and nothing new is kept)."""
        self.path = path
        self.retention_days = max(1, retention_days)
        self.read_only = read_only
        self._retry = RetryQueue(queue_capacity)
        self._queue: queue.Queue[Any] = queue.Queue()
        self._local = threading.local()
        self._writer: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._replies = ReplyRedactor()  # on the writer thread only
        self.write_hooks: list[WriteHook] = []  # app/fleet/outbox.py adds one in fleet mode
        if read_only:
            self._retry.set_read_only(read_only)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._init_schema()

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            return self._connect_read_only()
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("pragma journal_mode=wal")
        conn.execute("pragma synchronous=normal")
        return conn

    def _init_schema(self) -> None:
        conn = self._connect()
        try:
            create_tables(conn)
        finally:
            conn.close()

    def _connect_read_only(self) -> sqlite3.Connection:
        """The file as it is (immutable: no journal is written), or an empty in-memory history when it is gone."""
        if self.path.is_file():
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                   isolation_level=None, check_same_thread=False)
        else:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            create_tables(conn)
        conn.row_factory = sqlite3.Row
        return conn

    def start(self) -> None:
        """Close sessions a crash left open, purge old sessions, then start the writer thread."""
        if self.read_only:
            return
        self.close_interrupted_sessions()
        self.purge_older_than(self.retention_days)
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_loop, name="aisle-history-writer", daemon=True)
            self._writer.start()

    def close(self) -> None:
        if self._writer is not None:
            self._queue.put(_STOP)
            self._writer.join(timeout=10)
            self._writer = None
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything recorded so far has been tried (tests, shutdown, replay). True when it is on disk;
        False on timeout or while writes fail (the events stay queued and are retried)."""
        if self._writer is None:
            return not self.read_only
        done = _Flush()
        self._queue.put(done)
        return done.wait(timeout) and done.written

    # -- health ----------------------------------------------------------------------------------------------------
    def health(self) -> HistoryHealth:
        return self._retry.health()

    def add_health_listener(self, listener: HealthListener) -> None:
        """`listener(health)` on every change of state (called on the writer thread: be quick)."""
        self._retry.listeners.append(listener)

    def probe_write(self) -> str:
        """/health: write a row and read it back on a connection of its own. "ok", or what went wrong."""
        if self.read_only:
            return f"read_only: {self.read_only}"
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect()
            now = time.time()
            conn.execute("insert or replace into health_probe (id, at) values (1, ?)", (now,))
            row = conn.execute("select at from health_probe where id = 1").fetchone()
            return "ok" if row is not None and row[0] == now else "error: the probe row did not read back"
        except (sqlite3.Error, OSError) as exc:
            return f"error: {failure_reason(exc) or type(exc).__name__}"
        finally:
            _discard(conn)

    # -- writing ---------------------------------------------------------------------------------------------------
    def record(self, event: Event) -> None:
        """Bus subscriber: never blocks."""
        if self.read_only:
            self._retry.note_unrecorded(event, f"history is read-only ({self.read_only})")
            return
        self._queue.put(event)

    def _write_loop(self) -> None:
        conn: sqlite3.Connection | None = None
        pause = 0.0
        next_try = 0.0  # while writes fail, new events wait for the pause too (no retry per event)
        try:
            while True:
                batch = self._take(max(0.0, next_try - time.monotonic()) if len(self._retry) else None)
                self._retry.add(b for b in batch if isinstance(b, Event))
                stopping = any(b is _STOP for b in batch)
                if len(self._retry) and (time.monotonic() >= next_try or stopping):
                    conn, ok = self._write_pending(conn)
                    pause = 0.0 if ok else next_pause(pause)
                    next_try = time.monotonic() + pause
                for b in batch:
                    if isinstance(b, _Flush):
                        b.finish(written=not len(self._retry))
                if stopping:
                    self._retry.discard_head(len(self._retry), "Aisle stopped while history could not be saved")
                    return
        finally:
            if conn is not None:
                conn.close()

    def _take(self, wait: float | None) -> list[Any]:
        """The next items from the queue (waits up to `wait` s for the first, forever when None)."""
        try:
            batch = [self._queue.get(timeout=wait) if wait is not None else self._queue.get()]
        except queue.Empty:
            return []
        while len(batch) < 500:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _write_pending(self, conn: sqlite3.Connection | None) -> tuple[sqlite3.Connection | None, bool]:
        """Write the queued events, oldest first, a transaction per chunk. Returns the connection to reuse and
        whether everything was written. A failure a retry may cure keeps the events queued; any other failure (an
        event this code cannot write) is narrowed down by writing the chunk one event at a time, and only the
        events that fail alone are given up (logged and counted)."""
        one_by_one = 0
        while len(self._retry):
            events = self._retry.head(1 if one_by_one else 500)
            try:
                conn = conn or self._connect()
                self._commit(conn, events)
            except Exception as exc:
                _discard(conn)
                conn = None
                reason = failure_reason(exc)
                if reason is not None:
                    self._retry.failed(reason)
                    return conn, False
                if len(events) > 1:
                    one_by_one = len(events)
                    continue
                log.exception("history cannot write an event")
                self._retry.discard_head(1, f"writing it failed ({type(exc).__name__}: {exc})")
            else:
                self._retry.done(len(events))
            one_by_one = max(0, one_by_one - 1)
        self._retry.succeeded()
        return conn, True

    def _commit(self, conn: sqlite3.Connection, events: list[Event]) -> None:
        replies = self._replies.snapshot()
        conn.execute("begin")
        try:
            for event in events:
                for kept in self._replies.keep(event):  # redacted; a value split across text chunks too
                    self.write_event(conn, kept)
            conn.execute("commit")
        except BaseException:
            self._replies.restore(replies)  # the events are written again, from the same state
            if conn.in_transaction:
                try:
                    conn.execute("rollback")
                except sqlite3.Error:  # a broken connection: it is discarded; the first error is the one to see
                    pass
            raise

    def write_event(self, conn: sqlite3.Connection, event: Event) -> None:
        """THE one place an event is written to history (inside the writer's open transaction; `event` is
        already redacted). Anything else kept per event (the fleet's outbox row) is written here, on the same `conn`."""
        write_rows(conn, event)
        for hook in self.write_hooks:
            hook(conn, event)

    def close_interrupted_sessions(self) -> int:
        """Sessions a crash left open (no `ended_at`) end now, at their last recorded event, as "interrupted"."""
        with closing(self._connect()) as conn:
            return retention.close_interrupted_sessions(conn)

    def purge_older_than(self, days: int) -> int:
        """Delete sessions that started more than `days` ago, with everything recorded about them."""
        with closing(self._connect()) as conn:
            return retention.purge_older_than(conn, days)

    # -- reading (any thread but the UI's; `app.history_reads`) ----------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def recent_sessions(self, limit: int = 20) -> list[dict[str, Any]]:
        return reads.recent_sessions(self._reader(), limit)

    def session(self, session_id: str) -> dict[str, Any] | None:
        return reads.session(self._reader(), session_id)

    def last_cart(self, session_id: str) -> dict[str, Any] | None:
        return reads.last_cart(self._reader(), session_id)

    def events_after(self, session_id: str, after_id: int, limit: int = 5000) -> list[Event]:
        return reads.events_after(self._reader(), session_id, after_id, limit)

    def last_event_id(self, session_id: str) -> int:
        return reads.last_event_id(self._reader(), session_id)
