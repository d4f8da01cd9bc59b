"""Reading history back: recent sessions, one session in full (turns, tool calls, cart, usage), and the events of a
session after a given id (SSE replay). Each function takes the reading thread's own connection.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from app.events import Event


def recent_sessions(conn: sqlite3.Connection, limit: int = 20) -> list[dict[str, Any]]:
    rows = conn.execute("select * from sessions order by started_at desc limit ?", (limit,))
    return [dict(r) for r in rows]


def session(conn: sqlite3.Connection, session_id: str) -> dict[str, Any] | None:
    row = conn.execute("select * from sessions where id = ?", (session_id,)).fetchone()
    if row is None:
        return None
    turns = [dict(r) for r in conn.execute(
        "select role, text, source, at from turns where session_id = ? order by id", (session_id,))]
    changes = [dict(r) for r in conn.execute(
        "select product_id, before, after, at from cart_changes where session_id = ? order by id", (session_id,))]
    usage = conn.execute(
        "select coalesce(sum(input_tokens),0), coalesce(sum(output_tokens),0), coalesce(sum(total_tokens),0) "
        "from usage where session_id = ?", (session_id,)).fetchone()
    return {
        **dict(row),
        "turns_list": turns,
        "tool_calls": _tool_calls(conn, session_id),
        "cart_changes": changes,
        "cart": last_cart(conn, session_id),
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1], "total_tokens": usage[2]},
    }


def _tool_calls(conn: sqlite3.Connection, session_id: str) -> list[dict[str, Any]]:
    calls = []
    for r in conn.execute(
        "select call_id, name, parameters, result, ok, duration_ms, source, at from tool_calls "
        "where session_id = ? order by id", (session_id,)
    ):
        call = dict(r)
        call["parameters"] = json.loads(call["parameters"] or "null")
        call["result"] = json.loads(call["result"] or "null")
        calls.append(call)
    return calls


def last_cart(conn: sqlite3.Connection, session_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "select data from events where session_id = ? and kind = 'context' order by event_id desc limit 1",
        (session_id,),
    ).fetchone()
    return json.loads(row[0]).get("cart") if row else None


def events_after(conn: sqlite3.Connection, session_id: str, after_id: int, limit: int = 5000) -> list[Event]:
    rows = conn.execute(
        "select event_id, kind, data, timestamp from events where session_id = ? and event_id > ? "
        "order by event_id limit ?",
        (session_id, after_id, limit),
    )
    return [Event.from_wire(session_id, r[0], r[1], json.loads(r[2]), r[3]) for r in rows]


def last_event_id(conn: sqlite3.Connection, session_id: str) -> int:
    row = conn.execute("select max(event_id) from events where session_id = ?", (session_id,)).fetchone()
    return int(row[0] or 0)
