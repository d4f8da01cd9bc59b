"""Outbox rows as central rows: events, the sessions they open and close, and the orders they place.

All writes are idempotent upserts keyed by (kiosk, session, event id) for events, (kiosk, session) for sessions and
(kiosk, order number) for orders, so shipping a batch twice (a retry after a lost commit acknowledgement, a kiosk
killed between PostgreSQL's commit and its own delete) changes nothing the second time.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from app.fleet.outbox import OutboxRow

_EVENT = ("insert into events (kiosk_id, session_id, event_id, store_id, kind, data, at) "
          "values (%s, %s, %s, %s, %s, %s::jsonb, to_timestamp(%s)) on conflict do nothing")
_STARTED = ("insert into sessions (kiosk_id, session_id, store_id, started_at, brain) "
            "values (%s, %s, %s, to_timestamp(%s), %s) on conflict (kiosk_id, session_id) do update set "
            "started_at = excluded.started_at, brain = coalesce(sessions.brain, excluded.brain)")
_ENDED = ("insert into sessions (kiosk_id, session_id, store_id, ended_at, end_reason, order_number, total) "
          "values (%s, %s, %s, to_timestamp(%s), %s, %s, %s) on conflict (kiosk_id, session_id) do update set "
          "ended_at = excluded.ended_at, end_reason = excluded.end_reason, "
          "order_number = coalesce(excluded.order_number, sessions.order_number), total = excluded.total")
_ORDER = ("insert into orders (kiosk_id, order_number, store_id, session_id, lines, total, item_count, qr_payload, "
          "placed_at) values (%s, %s, %s, %s, %s::jsonb, %s, %s, %s, to_timestamp(%s)) on conflict do nothing")


def order_from(data: dict[str, Any]) -> dict[str, Any] | None:
    """The order a successful `checkout` tool call placed, or None."""
    if data.get("name") != "checkout":
        return None
    result = data.get("result")
    if not isinstance(result, dict) or not result.get("ok") or not result.get("order_number"):
        return None
    order = result.get("order") or {}
    return {"order_number": str(result["order_number"]), "lines": order.get("items", []),
            "total": float(result.get("total") or order.get("total") or 0),
            "item_count": int(order.get("item_count") or 0), "qr_payload": str(result.get("qr_payload") or "")}


def write_batch(conn: psycopg.Connection[tuple[Any, ...]], kiosk_id: str, store_id: str, rows: list[OutboxRow]) -> None:
    """Upsert one batch in the caller's transaction."""
    events, started, ended, orders = [], [], [], []
    for row in rows:
        events.append((kiosk_id, row.session_id, row.event_id, store_id, row.kind, row.data, row.at))
        if row.kind not in ("session_started", "session_ended", "function_call"):
            continue
        data = json.loads(row.data)
        if row.kind == "session_started":
            started.append((kiosk_id, row.session_id, store_id, row.at, data.get("brain") or ""))
        elif row.kind == "session_ended":
            ended.append((kiosk_id, row.session_id, store_id, row.at, data.get("reason") or "",
                          data.get("order_number"), data.get("total")))
        else:
            order = order_from(data)
            if order is not None:
                orders.append((kiosk_id, order["order_number"], store_id, row.session_id,
                               json.dumps(order["lines"]), order["total"], order["item_count"],
                               order["qr_payload"], row.at))
    with conn.cursor() as cur:
        for sql, params in ((_EVENT, events), (_STARTED, started), (_ENDED, ended), (_ORDER, orders)):
            if params:
                cur.executemany(sql, params)


def register_kiosk(conn: psycopg.Connection[tuple[Any, ...]], kiosk_id: str, store_id: str) -> None:
    with conn.transaction():
        conn.execute("insert into stores (id) values (%s) on conflict do nothing", (store_id,))
        conn.execute("insert into kiosks (id, store_id, last_seen) values (%s, %s, now()) on conflict (id) do update "
                     "set store_id = excluded.store_id, last_seen = now()", (kiosk_id, store_id))


def heartbeat(conn: psycopg.Connection[tuple[Any, ...]], kiosk_id: str, state: dict[str, Any]) -> None:
    """The kiosk's state as IT sees it in `aisle fleet status`."""
    with conn.transaction():
        conn.execute(
            "update kiosks set last_seen = now(), catalog_version = %s, pending_version = %s, outbox_depth = %s, "
            "brain = %s, voice_state = %s, session_open = %s where id = %s",
            (state.get("catalog_version"), state.get("pending_version"), state.get("outbox_depth", 0),
             state.get("brain", ""), state.get("voice_state", ""), bool(state.get("session_open")), kiosk_id))
