"""What the fleet database tells people: the orders a store's pick-up desk works from, and the fleet at a glance.

Plain functions over a connection that return dicts (the JSON shapes) plus text renderers; `commands` prints them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from app.fleet.schema import ORDERS_CHANNEL

ONLINE_WITHIN_S = 60  # a kiosk not heard from for longer is shown as offline

_ORDER_COLUMNS = ("seq, order_number, store_id, kiosk_id, session_id, placed_at, received_at, total, item_count, "
                  "lines, qr_payload")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in row.items()}


def orders(conn: psycopg.Connection[Any], store_id: str | None, after_seq: int = 0,
           limit: int = 1000, latest: bool = False) -> list[dict[str, Any]]:
    """Orders of one store (or every store) received after `after_seq`, oldest first: the first `limit` of them,
    or with `latest` the last `limit`."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"select {_ORDER_COLUMNS} from orders where (%(store)s::text is null or store_id = %(store)s) "
            f"and seq > %(after)s order by seq {'desc' if latest else ''} limit %(limit)s",
            {"store": store_id, "after": after_seq, "limit": limit})
        rows = [_row(r) for r in cur.fetchall()]
    return rows[::-1] if latest else rows


def follow_orders(conn: psycopg.Connection[Any], store_id: str | None, after_seq: int,
                  poll_s: float = 2.0) -> Iterator[dict[str, Any]]:
    """New orders as they arrive (LISTEN/NOTIFY, with a poll as the fallback); `conn` must be in autocommit."""
    conn.execute(f"listen {ORDERS_CHANNEL}")
    last = after_seq
    while True:
        for order in orders(conn, store_id, last):
            last = int(order["seq"])
            yield order
        for _ in conn.notifies(timeout=poll_s, stop_after=1):
            pass


def format_order(order: dict[str, Any]) -> str:
    when = str(order["placed_at"])[:19].replace("T", " ")
    head = (f"order {order['order_number']}  store {order['store_id']}  kiosk {order['kiosk_id']}  {when}  "
            f"{order['item_count']} item(s)  total {order['total']:.2f}")
    lines = [f"    {line.get('quantity', 0)} x {line.get('product_id', '')}  {line.get('name', '')}  "
             f"{float(line.get('line_total', 0)):.2f}" for line in order.get("lines") or []]
    return "\n".join([head, *lines])


def status(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Kiosks (last seen, catalog version, outbox depth, brain, voice) and today's sessions and orders per store."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute("select max(id) as latest from catalog_versions")
        found = cur.fetchone()
        latest = found["latest"] if found else None
        cur.execute(
            "select id as kiosk_id, store_id, last_seen, extract(epoch from now() - last_seen)::float as seen_s_ago, "
            "catalog_version, pending_version, outbox_depth, brain, voice_state, session_open from kiosks "
            "order by store_id, id")
        kiosks = [_row(r) for r in cur.fetchall()]
        cur.execute(
            "select s.id as store_id, "
            "(select count(*) from sessions x where x.store_id = s.id and x.started_at >= date_trunc('day', now()))"
            " as sessions_today, "
            "(select count(*) from orders o where o.store_id = s.id and o.placed_at >= date_trunc('day', now()))"
            " as orders_today, "
            "(select coalesce(sum(total), 0) from orders o where o.store_id = s.id "
            "and o.placed_at >= date_trunc('day', now())) as revenue_today, "
            "(select count(*) from kiosks k where k.store_id = s.id) as kiosks "
            "from stores s order by s.id")
        stores = [_row(r) for r in cur.fetchall()]
    for kiosk in kiosks:
        seen = kiosk.get("seen_s_ago")
        kiosk["online"] = seen is not None and seen <= ONLINE_WITHIN_S
    return {"latest_catalog_version": latest, "kiosks": kiosks, "stores": stores}


def format_status(report: dict[str, Any]) -> str:
    out = [f"Latest catalog version: {report['latest_catalog_version'] or 'none published'}", "",
           f"{'kiosk':<22} {'store':<12} {'seen':>8} {'catalog':>8} {'outbox':>7}  brain      voice"]
    for k in report["kiosks"]:
        seen = "never" if k["seen_s_ago"] is None else f"{k['seen_s_ago']:.0f}s ago"
        catalog = f"v{k['catalog_version']}" if k["catalog_version"] is not None else "-"
        if k["pending_version"] is not None:
            catalog += f"→v{k['pending_version']}"
        flag = "" if k["online"] else "  OFFLINE"
        out.append(f"{k['kiosk_id']:<22} {k['store_id']:<12} {seen:>8} {catalog:>8} {k['outbox_depth']:>7}  "
                   f"{k['brain'] or '-':<10} {k['voice_state'] or '-'}{flag}")
    out += ["", f"{'store':<12} {'kiosks':>6} {'sessions today':>15} {'orders today':>13} {'revenue today':>14}"]
    for s in report["stores"]:
        out.append(f"{s['store_id']:<12} {s['kiosks']:>6} {s['sessions_today']:>15} {s['orders_today']:>13} "
                   f"{s['revenue_today']:>14.2f}")
    return "\n".join(out)
