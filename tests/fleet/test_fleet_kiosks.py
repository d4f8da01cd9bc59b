"""Three headless kiosks in two stores on one real PostgreSQL: catalog versions go live between shoppers, and every
event and order reaches the fleet database exactly once, through a PostgreSQL outage and a kill -9 mid-sync."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app.compose.cli import main as aisle
from tests.fleet.kiosk_process import REPO, KioskProcess, wait_until
from tests.fleet.pg_server import PostgresServer

STOVE = "STV-1005"  # the Kestrel Spirit Alcohol Stove: 24.99 in the chain's catalog


def central(dsn: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()


def kiosk_state(dsn: str, kiosk_id: str) -> tuple[Any, ...] | None:
    rows = central(dsn, "select catalog_version, pending_version, outbox_depth from kiosks where id = %s", kiosk_id)
    return rows[0] if rows else None


def stove_price(session: dict[str, Any]) -> float:
    for call in reversed(session["tool_calls"]):
        for product in (call["result"] or {}).get("products", []):
            if product["id"] == STOVE:
                return float(product["price"])
    raise AssertionError(f"no {STOVE} in the search results: {session['tool_calls'][-1]}")


@pytest.fixture
def kiosks(tmp_path: Path, fleet_dsn: str) -> Iterator[dict[str, KioskProcess]]:
    assert aisle(["fleet", "init", "--dsn", fleet_dsn, "--data-dir", str(tmp_path / "it")]) == 0
    assert aisle(["fleet", "publish", str(REPO / "resources/catalog/products.json"), "--dsn", fleet_dsn,
                  "--data-dir", str(tmp_path / "it")]) == 0
    fleet = {k: KioskProcess(tmp_path, k, store, fleet_dsn)
             for k, store in (("north-1", "north"), ("north-2", "north"), ("south-1", "south"))}
    try:
        for kiosk in fleet.values():
            kiosk.start()
        for kiosk in fleet.values():
            kiosk.wait_ready()
        yield fleet
    finally:
        for kiosk in fleet.values():
            kiosk.stop()


def test_catalog_versions_go_live_between_shoppers(kiosks: dict[str, KioskProcess], fleet_dsn: str,
                                                   tmp_path: Path) -> None:
    n1, n2, s1 = kiosks["north-1"], kiosks["north-2"], kiosks["south-1"]
    for kiosk in kiosks.values():
        wait_until(lambda k=kiosk: (kiosk_state(fleet_dsn, k.kiosk_id) or (None,))[0] == 1, 30,
                   f"{kiosk.kiosk_id} to run catalog version 1")
    assert stove_price(n1.say("a spirit alcohol stove")) == 24.99  # north-1 is now mid-conversation

    prices = tmp_path / "north-prices.csv"
    prices.write_text(f"id,name,category,price,stock\n{STOVE},Spirit Alcohol Stove,camp-stoves,19.99,30\n")
    assert aisle(["fleet", "publish", str(prices), "--store", "north", "--dsn", fleet_dsn,
                  "--data-dir", str(tmp_path / "it")]) == 0
    wait_until(lambda: kiosk_state(fleet_dsn, "north-2")[0] == 2, 30, "north-2 (no shopper) to go to version 2")
    wait_until(lambda: kiosk_state(fleet_dsn, "south-1")[0] == 2, 30, "south-1 (no shopper) to go to version 2")
    wait_until(lambda: kiosk_state(fleet_dsn, "north-1")[:2] == (1, 2), 30, "north-1 to hold version 2 back")

    order = n1.place_order()  # same shopper: the price they were shown
    assert order["total"] == pytest.approx(49.98)
    assert kiosk_state(fleet_dsn, "north-1")[0] == 1
    n1.say("let's start over")
    wait_until(lambda: kiosk_state(fleet_dsn, "north-1")[:2] == (2, None), 30, "north-1 to swap after the shopper")

    assert stove_price(n1.say("a spirit alcohol stove")) == 19.99  # north's price
    assert stove_price(n2.say("a spirit alcohol stove")) == 19.99
    assert stove_price(s1.say("a spirit alcohol stove")) == 24.99  # south keeps the chain's price

    # a new chain version with a new product: the brain knows the new name, north keeps its own price
    products = json.loads((REPO / "resources/catalog/products.json").read_text())
    products.append({"id": "TNT-9999", "name": "Quokka Canopy Shelter", "brand": "Redfern", "category": "tents",
                     "price": 77.0, "stock": 5, "short_description": "A light canopy."})
    chain = tmp_path / "chain.json"
    chain.write_text(json.dumps(products))
    n2.say("let's start over")
    assert aisle(["fleet", "publish", str(chain), "--dsn", fleet_dsn, "--data-dir", str(tmp_path / "it")]) == 0
    wait_until(lambda: kiosk_state(fleet_dsn, "north-2")[0] == 3, 30, "north-2 to go to version 3")
    found = n2.say("the quokka canopy shelter")
    assert any(p["id"] == "TNT-9999" for c in found["tool_calls"] for p in (c["result"] or {}).get("products", []))
    assert stove_price(n2.say("a spirit alcohol stove")) == 19.99


def _assert_exactly_once(kiosks: dict[str, KioskProcess], dsn: str) -> None:
    for kiosk in kiosks.values():
        wait_until(lambda k=kiosk: k.outbox_depth() == 0, 30, f"{kiosk.kiosk_id}'s outbox to drain")
        local = kiosk.local_events()
        rows = central(dsn, "select session_id, event_id from events where kiosk_id = %s", kiosk.kiosk_id)
        assert len(rows) == len(set(rows)) == len(local)
        assert {(s, int(e)) for s, e in rows} == local
        orders = central(dsn, "select order_number, store_id, total from orders where kiosk_id = %s",
                         kiosk.kiosk_id)
        assert sorted(o[0] for o in orders) == sorted(kiosk.local_orders())
        assert all(o[1] == kiosk.store_id for o in orders)


def test_every_event_and_order_arrives_once_through_an_outage_and_a_kill(
        kiosks: dict[str, KioskProcess], fleet_dsn: str, pg_server: PostgresServer) -> None:
    n1, n2, s1 = kiosks["north-1"], kiosks["north-2"], kiosks["south-1"]
    n1.place_order()
    s1.place_order()

    pg_server.stop()  # the fleet database goes away: the kiosks keep selling
    try:
        offline_order = n2.place_order()
        s1.say("let's start over")
        s1.place_order()
        assert n2.health()["status"] == "ok"
        wait_until(lambda: n2.outbox_depth() > 0, 10, "north-2's outbox to hold the offline events")
    finally:
        pg_server.start()
    _assert_exactly_once(kiosks, fleet_dsn)
    assert central(fleet_dsn, "select count(*) from orders where order_number = %s",
                   offline_order["order_number"])[0][0] == 1

    # kill -9 south-1 while its batch is inside an open PostgreSQL transaction
    with psycopg.connect(fleet_dsn) as blocker:
        blocker.execute("lock table events in share mode")  # inserts wait: every shipper is caught mid-batch
        s1.place_order()
        wait_until(lambda: central(fleet_dsn, "select count(*) from pg_stat_activity where application_name = "
                                   "'aisle' and wait_event_type = 'Lock'")[0][0] > 0, 15, "a shipper to block")
        s1.kill9()
        blocker.rollback()
    s1.start().wait_ready()
    s1.place_order()
    _assert_exactly_once(kiosks, fleet_dsn)
