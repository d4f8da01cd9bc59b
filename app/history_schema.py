"""The history database's tables: sessions, turns, tool calls, cart changes, usage, every event, and /health's probe."""

from __future__ import annotations

import sqlite3

import sqlite_utils


def create_tables(conn: sqlite3.Connection) -> None:
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
    db.table("health_probe").create({"id": int, "at": float}, pk="id", if_not_exists=True)  # /health writes here
