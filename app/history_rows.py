"""How one bus event becomes rows of the history database (the tables are in `app.history_schema`).

Every event is kept whole in `events` (so a stream can be replayed); the kinds a person reads history for also
update the session row and add turns, tool calls, cart changes and token usage.
"""

from __future__ import annotations

import json
import sqlite3

from app.events import Event, EventKind


def write_rows(conn: sqlite3.Connection, event: Event) -> None:
    """Write one (already redacted) event: its row in `events`, and what it means for the session, its turns,
    tool calls, cart changes and usage. Runs inside the writer's open transaction."""
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
