"""Session history in its own SQLite file: sessions, turns, tool calls, cart changes, usage and every bus event.

History is a bus subscriber. `record()` only puts the event on a queue, so publishing never waits for the disk; one
writer thread batches writes into transactions (WAL mode, so readers are never blocked). Reads use a connection per
thread. Secrets never reach this file: it stores events, and events never carry keys. Shoppers' emails, phone and
card numbers never reach it either: every event is redacted (`app.redaction`) on its way in, and a value split
across a reply's text chunks is never kept in pieces (`app.redaction_stream`).

Every write goes through `write_event(conn, event)`, inside the writer's transaction (`_commit`). A failed
transaction keeps its events in a bounded retry queue (`app.history_queue`) and history reports itself degraded until
a retry succeeds. Opening a damaged or unwritable file is handled by `app.history_recovery`.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.events import Event, EventKind
from app.history_queue import HealthListener, HistoryHealth, RetryQueue, failure_reason, next_pause
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
        self._write(conn, event)
        for hook in self.write_hooks:
            hook(conn, event)

    def close_interrupted_sessions(self) -> int:
        """Sessions a crash left open (no `ended_at`) end now, at their last recorded event, as "interrupted"."""
        conn = self._connect()
        try:
            cursor = conn.execute(
                "update sessions set end_reason = 'interrupted', ended_at = coalesce("
                "(select max(timestamp) from events where events.session_id = sessions.id), started_at) "
                "where ended_at is null")
            if cursor.rowcount:
                log.warning("history: %d sessions left open by an earlier stop are closed as interrupted",
                            cursor.rowcount)
            return cursor.rowcount
        finally:
            conn.close()

    @staticmethod
    def _write(conn: sqlite3.Connection, event: Event) -> None:
        sid, data, at = event.session_id, event.data, event.timestamp
        conn.execute(
            "insert or replace into events (session_id, event_id, kind, data, timestamp) values (?, ?, ?, ?, ?)",
            (sid, event.id, event.kind.value, json.dumps(data, default=str), at),
        )
        kind = event.kind
        if kind is EventKind.SESSION_STARTED:
            conn.execute(
                "insert or ignore into sessions (id, started_at, brain, turns) values (?, ?, ?, 0)",
                (sid, at, data.get("brain", "")),
            )
        elif kind is EventKind.SESSION_ENDED:
            conn.execute(
                "update sessions set ended_at = ?, end_reason = ?, order_number = coalesce(?, order_number), "
                "total = ? where id = ?",
                (at, data.get("reason", ""), data.get("order_number"), data.get("total"), sid),
            )
        elif kind is EventKind.BRAIN_CHANGED:
            conn.execute("update sessions set brain = ? where id = ?", (data.get("brain", ""), sid))
        elif kind is EventKind.SHOPPER_MESSAGE:
            conn.execute(
                "insert into turns (session_id, role, text, source, at) values (?, 'shopper', ?, ?, ?)",
                (sid, data.get("text", ""), data.get("source", ""), at),
            )
            conn.execute("update sessions set turns = turns + 1 where id = ?", (sid,))
        elif kind is EventKind.COMPLETION:
            if data.get("text"):
                conn.execute(
                    "insert into turns (session_id, role, text, source, at) values (?, 'assistant', ?, '', ?)",
                    (sid, data["text"], at),
                )
        elif kind is EventKind.FUNCTION_CALL:
            result = data.get("result") or {}
            conn.execute(
                "insert into tool_calls (session_id, call_id, name, parameters, result, ok, duration_ms, source, at) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, data.get("call_id", ""), data.get("name", ""), json.dumps(data.get("parameters")),
                 json.dumps(result, default=str), int(bool(result.get("ok"))), data.get("duration_ms"),
                 data.get("source", ""), at),
            )
            change = result.get("cart_change") if isinstance(result, dict) else None
            if change:
                conn.execute(
                    "insert into cart_changes (session_id, product_id, before, after, at) values (?, ?, ?, ?, ?)",
                    (sid, change["product_id"], change["before"], change["after"], at),
                )
            if data.get("name") == "checkout" and result.get("ok"):
                conn.execute(
                    "update sessions set order_number = ?, total = ? where id = ?",
                    (result.get("order_number"), result.get("total"), sid),
                )
        elif kind is EventKind.USAGE:
            conn.execute(
                "insert into usage (session_id, input_tokens, output_tokens, total_tokens, at) values (?, ?, ?, ?, ?)",
                (sid, data.get("input_tokens", 0), data.get("output_tokens", 0), data.get("total_tokens", 0), at),
            )

    def purge_older_than(self, days: int) -> int:
        """Delete sessions that started more than `days` ago, with everything recorded about them."""
        cutoff = time.time() - days * 86400
        conn = self._connect()
        try:
            ids = [r[0] for r in conn.execute("select id from sessions where started_at < ?", (cutoff,))]
            if ids:
                conn.execute("begin")
                for table, column in (("events", "session_id"), ("turns", "session_id"),
                                      ("tool_calls", "session_id"), ("cart_changes", "session_id"),
                                      ("usage", "session_id"), ("sessions", "id")):
                    conn.executemany(f"delete from {table} where {column} = ?", [(i,) for i in ids])
                conn.execute("commit")
                log.info("history retention: purged %d sessions older than %d days", len(ids), days)
            return len(ids)
        finally:
            conn.close()

    # -- reading (any thread but the UI's) -------------------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def recent_sessions(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._reader().execute("select * from sessions order by started_at desc limit ?", (limit,))
        return [dict(r) for r in rows]

    def session(self, session_id: str) -> dict[str, Any] | None:
        conn = self._reader()
        row = conn.execute("select * from sessions where id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        turns = [dict(r) for r in conn.execute(
            "select role, text, source, at from turns where session_id = ? order by id", (session_id,))]
        calls = []
        for r in conn.execute(
            "select call_id, name, parameters, result, ok, duration_ms, source, at from tool_calls "
            "where session_id = ? order by id", (session_id,)
        ):
            call = dict(r)
            call["parameters"] = json.loads(call["parameters"] or "null")
            call["result"] = json.loads(call["result"] or "null")
            calls.append(call)
        changes = [dict(r) for r in conn.execute(
            "select product_id, before, after, at from cart_changes where session_id = ? order by id", (session_id,))]
        usage = conn.execute(
            "select coalesce(sum(input_tokens),0), coalesce(sum(output_tokens),0), coalesce(sum(total_tokens),0) "
            "from usage where session_id = ?", (session_id,)).fetchone()
        return {
            **dict(row),
            "turns_list": turns,
            "tool_calls": calls,
            "cart_changes": changes,
            "cart": self.last_cart(session_id),
            "usage": {"input_tokens": usage[0], "output_tokens": usage[1], "total_tokens": usage[2]},
        }

    def last_cart(self, session_id: str) -> dict[str, Any] | None:
        row = self._reader().execute(
            "select data from events where session_id = ? and kind = 'context' order by event_id desc limit 1",
            (session_id,),
        ).fetchone()
        return json.loads(row[0]).get("cart") if row else None

    def events_after(self, session_id: str, after_id: int, limit: int = 5000) -> list[Event]:
        rows = self._reader().execute(
            "select event_id, kind, data, timestamp from events where session_id = ? and event_id > ? "
            "order by event_id limit ?",
            (session_id, after_id, limit),
        )
        return [Event(session_id, r[0], EventKind(r[1]), json.loads(r[2]), r[3]) for r in rows]

    def last_event_id(self, session_id: str) -> int:
        row = self._reader().execute(
            "select max(event_id) from events where session_id = ?", (session_id,)).fetchone()
        return int(row[0] or 0)
