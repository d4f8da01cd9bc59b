"""The outbox: a table in the kiosk's history database holding every event still to be shipped to the fleet.

`Outbox.record` is a history write hook: it runs inside the history writer's transaction, so an event is in the
history and in the outbox, or in neither. The shipper deletes rows only after PostgreSQL committed them. The outbox
is bounded only by the disk; `depth()` tells staff how far behind the kiosk is.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from app.events import Event

SCHEMA = """
create table if not exists fleet_outbox (
    seq integer primary key autoincrement,
    session_id text not null,
    event_id integer not null,
    kind text not null,
    data text not null,
    at real not null
);
create table if not exists fleet_rejected (
    seq integer primary key,
    session_id text not null,
    event_id integer not null,
    kind text not null,
    data text not null,
    at real not null,
    error text not null,
    rejected_at real not null
);
"""


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    session_id: str
    event_id: int
    kind: str
    data: str
    at: float


class Outbox:
    """The outbox of one history database. `record` is called on the history writer thread."""

    def __init__(self, history_path: Path) -> None:
        self.path = history_path
        self.wake = threading.Event()  # set after each history batch that added rows: the shipper goes at once
        conn = self.connect()
        try:
            conn.executescript(SCHEMA)
        finally:
            conn.close()

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
        conn.execute("pragma journal_mode=wal")
        conn.execute("pragma synchronous=normal")
        return conn

    def record(self, conn: sqlite3.Connection, event: Event) -> None:
        """History write hook: add the event to the outbox in the caller's transaction."""
        conn.execute(
            "insert into fleet_outbox (session_id, event_id, kind, data, at) values (?, ?, ?, ?, ?)",
            (event.session_id, event.id, event.kind.value, json.dumps(event.data, default=str), event.timestamp),
        )
        self.wake.set()

    @staticmethod
    def oldest(conn: sqlite3.Connection, limit: int) -> list[OutboxRow]:
        rows = conn.execute(
            "select seq, session_id, event_id, kind, data, at from fleet_outbox order by seq limit ?", (limit,))
        return [OutboxRow(*row) for row in rows]

    @staticmethod
    def remove(conn: sqlite3.Connection, rows: list[OutboxRow]) -> None:
        conn.execute("begin")
        conn.executemany("delete from fleet_outbox where seq = ?", [(r.seq,) for r in rows])
        conn.execute("commit")

    @staticmethod
    def reject(conn: sqlite3.Connection, row: OutboxRow, error: str, now: float) -> None:
        """Move a row the fleet database refuses (it would block the queue forever) aside, keeping it locally."""
        conn.execute("begin")
        conn.execute(
            "insert or replace into fleet_rejected (seq, session_id, event_id, kind, data, at, error, rejected_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.seq, row.session_id, row.event_id, row.kind, row.data, row.at, error, now))
        conn.execute("delete from fleet_outbox where seq = ?", (row.seq,))
        conn.execute("commit")

    @staticmethod
    def depth(conn: sqlite3.Connection) -> int:
        found = conn.execute("select count(*) from fleet_outbox").fetchone()
        return int(found[0]) if found else 0
