"""How one bus event becomes rows of the history database (the tables are in `app.history_schema`).

Every event is kept whole in `events` (so a stream can be replayed); the kinds a person reads history for also
update the session row and add turns, tool calls, cart changes and token usage.
"""

from __future__ import annotations

import json
import sqlite3

from app.events import (
    BrainChanged,
    Event,
    ReplyCompleted,
    SessionEnded,
    SessionStarted,
    ShopperSpoke,
    ToolCalled,
    UsageRecorded,
)


def write_rows(conn: sqlite3.Connection, event: Event) -> None:
    """Write one (already redacted) event: its row in `events`, and what it means for the session, its turns,
    tool calls, cart changes and usage. Runs inside the writer's open transaction."""
    sid, at = event.session_id, event.timestamp
    conn.execute(
        "insert or replace into events (session_id, event_id, kind, data, timestamp) values (?, ?, ?, ?, ?)",
        (sid, event.id, event.kind.value, json.dumps(event.data, default=str), at),
    )
    match event.payload:
        case SessionStarted(brain=brain):
            conn.execute("insert or ignore into sessions (id, started_at, brain, turns) values (?, ?, ?, 0)",
                         (sid, at, brain))
        case SessionEnded(reason=reason, order_number=order_number, total=total):
            conn.execute(
                "update sessions set ended_at = ?, end_reason = ?, order_number = coalesce(?, order_number), "
                "total = ? where id = ?",
                (at, reason, order_number, total, sid),
            )
        case BrainChanged(brain=brain):
            conn.execute("update sessions set brain = ? where id = ?", (brain, sid))
        case ShopperSpoke(text=text, source=source):
            conn.execute("insert into turns (session_id, role, text, source, at) values (?, 'shopper', ?, ?, ?)",
                         (sid, text, source, at))
            conn.execute("update sessions set turns = turns + 1 where id = ?", (sid,))
        case ReplyCompleted(text=text) if text:
            conn.execute("insert into turns (session_id, role, text, source, at) values (?, 'assistant', ?, '', ?)",
                         (sid, text, at))
        case ToolCalled() as call:
            _write_tool_call(conn, sid, call, at)
        case UsageRecorded(input_tokens=tokens_in, output_tokens=tokens_out, total_tokens=total_tokens):
            conn.execute(
                "insert into usage (session_id, input_tokens, output_tokens, total_tokens, at) values (?, ?, ?, ?, ?)",
                (sid, tokens_in, tokens_out, total_tokens, at),
            )


def _write_tool_call(conn: sqlite3.Connection, sid: str, call: ToolCalled, at: float) -> None:
    result = call.result
    conn.execute(
        "insert into tool_calls (session_id, call_id, name, parameters, result, ok, duration_ms, source, at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sid, call.call_id, call.name, json.dumps(call.parameters), json.dumps(result, default=str), int(call.ok),
         call.duration_ms, call.source, at),
    )
    change = result.get("cart_change")
    if change:  # a change without its product, before or after cannot be recorded: the event fails as a whole
        conn.execute(
            "insert into cart_changes (session_id, product_id, before, after, at) values (?, ?, ?, ?, ?)",
            (sid, change["product_id"], change["before"], change["after"], at),
        )
    if call.name == "checkout" and call.ok:
        conn.execute(
            "update sessions set order_number = ?, total = ? where id = ?",
            (result.get("order_number"), result.get("total"), sid),
        )
