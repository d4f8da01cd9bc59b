"""What history keeps, and for how long: sessions a crash left open are closed, old sessions are purged.

Both run once when history starts, before the writer thread, each on a connection the caller owns.
"""

from __future__ import annotations

import logging
import sqlite3
import time

log = logging.getLogger("aisle.app.history")

_SESSION_TABLES = (("events", "session_id"), ("turns", "session_id"), ("tool_calls", "session_id"),
                   ("cart_changes", "session_id"), ("usage", "session_id"), ("sessions", "id"))


def close_interrupted_sessions(conn: sqlite3.Connection) -> int:
    """Sessions a crash left open (no `ended_at`) end now, at their last recorded event, as "interrupted"."""
    cursor = conn.execute(
        "update sessions set end_reason = 'interrupted', ended_at = coalesce("
        "(select max(timestamp) from events where events.session_id = sessions.id), started_at) "
        "where ended_at is null")
    if cursor.rowcount:
        log.warning("history: %d sessions left open by an earlier stop are closed as interrupted", cursor.rowcount)
    return cursor.rowcount


def purge_older_than(conn: sqlite3.Connection, days: int) -> int:
    """Delete sessions that started more than `days` ago, with everything recorded about them."""
    cutoff = time.time() - days * 86400
    ids = [r[0] for r in conn.execute("select id from sessions where started_at < ?", (cutoff,))]
    if ids:
        conn.execute("begin")
        for table, column in _SESSION_TABLES:
            conn.executemany(f"delete from {table} where {column} = ?", [(i,) for i in ids])
        conn.execute("commit")
        log.info("history retention: purged %d sessions older than %d days", len(ids), days)
    return len(ids)
