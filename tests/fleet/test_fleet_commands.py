"""`aisle fleet init|publish|orders|status` against a real PostgreSQL: idempotent schema, all-or-nothing publishing
with the importer's own report, the store's order feed, and the DSN's password never shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from app.compose.cli import main as aisle
from app.fleet import central
from app.fleet.outbox import OutboxRow
from tests.fleet.kiosk_process import REPO

CATALOG = REPO / "resources/catalog/products.json"


def run(tmp_path: Path, dsn: str | None, *args: str) -> int:
    extra = ["--dsn", dsn] if dsn else []
    return aisle(["fleet", *args, *extra, "--data-dir", str(tmp_path / "data")])


def versions(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return int(conn.execute("select count(*) from catalog_versions").fetchone()[0])  # type: ignore[index]


def test_init_creates_the_schema_once(tmp_path: Path, fleet_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, fleet_dsn, "init") == 0
    assert "Created the fleet schema (version 1)" in capsys.readouterr().out
    assert run(tmp_path, fleet_dsn, "init") == 0
    assert "up to date (version 1)" in capsys.readouterr().out
    with psycopg.connect(fleet_dsn) as conn:
        tables = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'public'")}
    assert {"stores", "kiosks", "catalog_versions", "products", "store_prices", "sessions", "events",
            "orders", "aisle_schema"} <= tables


def test_the_password_is_never_shown_or_logged(tmp_path: Path, fleet_dsn: str, pg_server: object,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    password = psycopg.conninfo.conninfo_to_dict(fleet_dsn)["password"]
    monkeypatch.setenv("AISLE_FLEET_DSN", fleet_dsn)
    assert run(tmp_path, None, "status") == 1  # not initialised yet: says what to run
    assert "run `aisle fleet init` first" in capsys.readouterr().err
    unreachable = fleet_dsn.replace(f":{psycopg.conninfo.conninfo_to_dict(fleet_dsn)['port']}/", ":1/")
    assert run(tmp_path, unreachable, "init") == 1
    err = capsys.readouterr().err
    assert "Cannot reach the fleet database aisle@127.0.0.1:1/" in err
    wrong = fleet_dsn.replace(str(password), "not-the-password")
    assert run(tmp_path, wrong, "status") == 1
    assert "password authentication failed" in capsys.readouterr().err
    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert str(password) not in logs and "not-the-password" not in logs


def test_no_dsn_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AISLE_FLEET_DSN", raising=False)
    assert run(tmp_path, None, "status") == 2
    assert "Set AISLE_FLEET_DSN" in capsys.readouterr().err


def test_publish_is_all_or_nothing_with_the_importers_report(tmp_path: Path, fleet_dsn: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, fleet_dsn, "init") == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,category,price,stock\nX-1,,tents,abc,3\nX-2,Tent,tents,10,-1\n")
    assert run(tmp_path, fleet_dsn, "publish", str(bad)) == 2
    err = capsys.readouterr().err
    assert "Nothing was changed" in err and "row 2, price: 'abc' is not a number" in err and "row 3, stock" in err
    assert versions(fleet_dsn) == 0
    store_file = tmp_path / "store.csv"
    store_file.write_text("id,name,category,price,stock\nSTV-1005,Stove,camp-stoves,19.99,3\n")
    assert run(tmp_path, fleet_dsn, "publish", str(store_file), "--store", "north") == 2
    assert "publish one without --store first" in capsys.readouterr().err
    assert run(tmp_path, fleet_dsn, "publish", str(CATALOG)) == 0
    assert "Published catalog version 1: 170 products" in capsys.readouterr().out
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("id,name,category,price,stock\nNEW-1,New thing,tents,10,3\nSTV-1005,Stove,camp-stoves,19,3\n")
    assert run(tmp_path, fleet_dsn, "publish", str(unknown), "--store", "north") == 2
    assert "id NEW-1: not in the chain's catalog" in capsys.readouterr().err
    assert versions(fleet_dsn) == 1
    assert run(tmp_path, fleet_dsn, "publish", str(store_file), "--store", "north") == 0
    assert run(tmp_path, fleet_dsn, "publish", str(CATALOG)) == 0  # a new chain version keeps north's prices
    with psycopg.connect(fleet_dsn) as conn:
        kept = conn.execute("select price, stock from store_prices where version_id = 3 and store_id = 'north'"
                            " and product_id = 'STV-1005'").fetchone()
    assert kept is not None and float(kept[0]) == 19.99 and kept[1] == 3


def _order_row(seq: int, session: str, number: str) -> OutboxRow:
    result = {"ok": True, "order_number": number, "total": 49.98, "qr_payload": f"AISLE-ORDER:{number}:49.98:",
              "order": {"items": [{"product_id": "STV-1005", "name": "Stove", "quantity": 2, "line_total": 49.98}],
                        "total": 49.98, "item_count": 2}}
    data = {"name": "checkout", "parameters": {}, "result": result}
    return OutboxRow(seq, session, seq, "function_call", json.dumps(data), time.time())


def test_orders_print_as_json_lines_and_follow_new_ones(tmp_path: Path, fleet_dsn: str) -> None:
    assert run(tmp_path, fleet_dsn, "init") == 0
    with psycopg.connect(fleet_dsn, autocommit=True) as conn:
        central.register_kiosk(conn, "north-1", "north")
        central.register_kiosk(conn, "south-1", "south")
        with conn.transaction():
            central.write_batch(conn, "north-1", "north", [_order_row(1, "s1", "A1-0001")])
            central.write_batch(conn, "south-1", "south", [_order_row(1, "s2", "A1-0002")])
    env = {**os.environ, "AISLE_FLEET_DSN": fleet_dsn, "PYTHONUNBUFFERED": "1", "AISLE_NO_KEYRING": "1"}
    command = [sys.executable, "-m", "app.compose.cli", "fleet", "orders", "--store", "north", "--json",
               "--data-dir", str(tmp_path / "data")]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["order_number"] for o in lines] == ["A1-0001"]
    assert lines[0]["qr_payload"].startswith("AISLE-ORDER:A1-0001") and lines[0]["lines"][0]["quantity"] == 2
    follow = subprocess.Popen([*command, "--follow"], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert follow.stdout is not None
        assert json.loads(follow.stdout.readline())["order_number"] == "A1-0001"
        with psycopg.connect(fleet_dsn, autocommit=True) as conn, conn.transaction():
            central.write_batch(conn, "north-1", "north", [_order_row(2, "s3", "A1-0003")])
            central.write_batch(conn, "south-1", "south", [_order_row(2, "s4", "A1-0004")])
        arrived = json.loads(follow.stdout.readline())
        assert arrived["order_number"] == "A1-0003" and arrived["store_id"] == "north"
    finally:
        follow.terminate()
        follow.wait(10)


def test_status_reports_kiosks_and_todays_stores(tmp_path: Path, fleet_dsn: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, fleet_dsn, "init") == 0
    with psycopg.connect(fleet_dsn, autocommit=True) as conn:
        central.register_kiosk(conn, "north-1", "north")
        central.heartbeat(conn, "north-1", {"catalog_version": 3, "pending_version": 4, "outbox_depth": 12,
                                            "brain": "offline", "voice_state": "listening"})
        started = OutboxRow(1, "s1", 1, "session_started", json.dumps({"brain": "offline"}), time.time())
        with conn.transaction():
            central.write_batch(conn, "north-1", "north", [started, _order_row(2, "s1", "A1-0009")])
    capsys.readouterr()
    assert run(tmp_path, fleet_dsn, "status", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    kiosk = report["kiosks"][0]
    assert (kiosk["kiosk_id"], kiosk["catalog_version"], kiosk["pending_version"], kiosk["outbox_depth"],
            kiosk["brain"], kiosk["voice_state"], kiosk["online"]) == ("north-1", 3, 4, 12, "offline", "listening",
                                                                       True)
    store = report["stores"][0]
    assert (store["store_id"], store["sessions_today"], store["orders_today"], store["revenue_today"]) == \
        ("north", 1, 1, 49.98)
    assert run(tmp_path, fleet_dsn, "status") == 0
    text = capsys.readouterr().out
    assert "north-1" in text and "v3→v4" in text


def test_kiosk_catalog_is_built_with_the_stores_prices(tmp_path: Path, fleet_dsn: str) -> None:
    from app.fleet.catalog_sync import build_local_catalog, local_version

    assert run(tmp_path, fleet_dsn, "init") == 0
    assert run(tmp_path, fleet_dsn, "publish", str(CATALOG)) == 0
    store_file = tmp_path / "store.csv"
    store_file.write_text("id,name,category,price,stock\nSTV-1005,Stove,camp-stoves,19.99,3\n")
    assert run(tmp_path, fleet_dsn, "publish", str(store_file), "--store", "north") == 0
    from app.catalog.store import Catalog

    with psycopg.connect(fleet_dsn) as conn:
        for store, price, stock in (("north", 19.99, 3), ("south", 24.99, None)):
            target = tmp_path / f"{store}.db"
            build_local_catalog(conn, 2, store, target)
            product = Catalog(target).get("STV-1005")
            assert product is not None and product.price == price and local_version(target) == 2
            if stock is not None:
                assert product.stock == stock


def test_two_inits_at_once_migrate_once(fleet_dsn: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from app.fleet.schema import LATEST, migrate

    def init() -> tuple[int, int]:
        with psycopg.connect(fleet_dsn) as conn:
            return migrate(conn)

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(lambda _: init(), range(2)))
    assert results == [(0, LATEST), (LATEST, LATEST)]
