"""Session history in its own SQLite file: sessions, turns, tool calls, cart changes, usage and every bus event.

History is a bus subscriber. `record()` only puts the event on a queue, so publishing never waits for the disk; one
writer thread batches writes into transactions (WAL mode, so readers are never blocked). Reads use a connection per
thread. Secrets never reach this file: it stores events, and events never carry keys.
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

import sqlite_utils

from app.events import Event, EventKind

log = logging.getLogger("aisle.app.history")

_STOP = object()

# Called for every event written, on the writer thread, inside the history write's transaction (fleet outbox).
WriteHook = Callable[[sqlite3.Connection, Event], None]


class HistoryStore:
    def __init__(self, path: Path, retention_days: int = 30) -> None:
        self.path = path
        self.retention_days = retention_days
        self._queue: queue.Queue[Any] = queue.Queue()
        self._local = threading.local()
        self._writer: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self.write_hooks: list[WriteHook] = []  # app/fleet/outbox.py adds one in fleet mode
        path.parent.mkdir(parents=True, exist_ok=True)
        self._init_schema()

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("pragma journal_mode=wal")
        conn.execute("pragma synchronous=normal")
        return conn

    def _init_schema(self) -> None:
        conn = self._connect()
        try:
            db = sqlite_utils.Database(conn)
            db.table("sessions").create(
                {"id": str, "started_at": float, "ended_at": float, "brain": str, "end_reason": str,
                 "order_number": str, "total": float, "turns": int},
                pk="id", if_not_exists=True,
            )
            db.table("turns").create(
                {"id": int, "session_id": str, "role": str, "text": str, "source": str, "at": float},
                pk="id", if_not_exists=True,
            )
            db.table("tool_calls").create(
                {"id": int, "session_id": str, "call_id": str, "name": str, "parameters": str, "result": str,
                 "ok": int, "duration_ms": float, "source": str, "at": float},
                pk="id", if_not_exists=True,
            )
            db.table("cart_changes").create(
                {"id": int, "session_id": str, "product_id": str, "before": int, "after": int, "at": float},
                pk="id", if_not_exists=True,
            )
            db.table("usage").create(
                {"id": int, "session_id": str, "input_tokens": int, "output_tokens": int, "total_tokens": int,
                 "at": float},
                pk="id", if_not_exists=True,
            )
            db.table("events").create(
                {"session_id": str, "event_id": int, "kind": str, "data": str, "timestamp": float},
                pk=("session_id", "event_id"), if_not_exists=True,
            )
            for table in ("turns", "tool_calls", "cart_changes", "usage"):
                db.table(table).create_index(["session_id"], if_not_exists=True)
            db.table("sessions").create_index(["started_at"], if_not_exists=True)
        finally:
            conn.close()

    def start(self) -> None:
        """Purge old sessions, then start the writer thread."""
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
        """Wait until everything recorded so far is on disk (tests, shutdown, replay)."""
        if self._writer is None:
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    # -- writing ---------------------------------------------------------------------------------------------------
    def record(self, event: Event) -> None:
        """Bus subscriber: never blocks."""
        self._queue.put(event)

    def _write_loop(self) -> None:
        conn = self._connect()
        try:
            while True:
                item = self._queue.get()
                batch = [item]
                while len(batch) < 500:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                events = [b for b in batch if isinstance(b, Event)]
                if events:
                    try:
                        conn.execute("begin")
                        for event in events:
                            self._write(conn, event)
                            for hook in self.write_hooks:  # same transaction as the history rows
                                hook(conn, event)
                        conn.execute("commit")
                    except sqlite3.Error:
                        log.exception("history write failed; %d events not recorded", len(events))
                        if conn.in_transaction:
                            conn.execute("rollback")
                for b in batch:
                    if isinstance(b, threading.Event):
                        b.set()
                if any(b is _STOP for b in batch):
                    return
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
