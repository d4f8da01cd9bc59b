"""The outbox in the kiosk's own history database: written in the history's transaction, shipped oldest first with
idempotent upserts, a refused row set aside instead of blocking the queue; no DSN, no outbox."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

import psycopg
import pytest

from app.compose.cli import main as aisle
from app.compose.runtime import build_runtime
from app.compose.services import default_services
from app.events import Event, SessionStarted, ShopperSpoke
from app.fleet import central
from app.fleet.outbox import Outbox
from app.fleet.shipper import Shipper
from app.history import HistoryStore
from app.settings import Settings, load_settings


def history_with_outbox(tmp_path: Path) -> tuple[HistoryStore, Outbox]:
    history = HistoryStore(tmp_path / "history.db")
    outbox = Outbox(history.path)
    history.write_hooks.append(outbox.record)
    history.start()
    return history, outbox


def publish(history: HistoryStore, session: str, count: int, text: str = "tents") -> None:
    history.record(Event(session, 1, SessionStarted("offline")))
    for i in range(2, count + 1):
        history.record(Event(session, i, ShopperSpoke(f"{text} {i}", "typed")))
    assert history.flush()


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_every_history_write_is_also_an_outbox_row(tmp_path: Path) -> None:
    history, _ = history_with_outbox(tmp_path)
    try:
        publish(history, "s1", 5)
    finally:
        history.close()
    assert rows(history.path, "select session_id, event_id from events order by event_id") == \
        rows(history.path, "select session_id, event_id from fleet_outbox order by seq")


def test_a_failed_history_write_leaves_no_outbox_row(tmp_path: Path) -> None:
    history, _outbox = history_with_outbox(tmp_path)

    def broken(conn: sqlite3.Connection, event: Event) -> None:
        if event.id == 3:
            raise sqlite3.OperationalError("disk I/O error")

    history.write_hooks.append(broken)
    try:
        history.record(Event("s1", 1, SessionStarted("offline")))
        for i in range(2, 5):
            history.record(Event("s1", i, ShopperSpoke(f"tents {i}", "typed")))
        assert not history.flush(), "the batch keeps failing: history says it is not saved"
    finally:
        history.close()
    assert rows(history.path, "select count(*) from events") == rows(history.path, "select count(*) from fleet_outbox")


async def test_shipping_is_idempotent_and_oldest_first(tmp_path: Path, fleet_dsn: str) -> None:
    assert aisle(["fleet", "init", "--dsn", fleet_dsn, "--data-dir", str(tmp_path / "it")]) == 0
    history, outbox = history_with_outbox(tmp_path)
    try:
        publish(history, "s1", 30)
        publish(history, "s2", 10, text="bad\x00byte")  # jsonb refuses NUL: must not block the queue
        publish(history, "s3", 5)
    finally:
        history.close()
    local = outbox.connect()
    pending = Outbox.oldest(local, 1000)
    with psycopg.connect(fleet_dsn, autocommit=True) as pg:
        central.register_kiosk(pg, "k1", "north")
        with pg.transaction():  # a batch whose commit acknowledgement was lost is shipped again: no duplicates
            central.write_batch(pg, "k1", "north", pending[:20])
    shipper = Shipper(outbox, fleet_dsn, "k1", "north", batch_size=7, heartbeat_s=0.2)
    shipper.start()
    try:
        await asyncio.to_thread(lambda: time.sleep(0.1))
        for _ in range(100):
            if Outbox.depth(local) == 0 and central_depth(fleet_dsn, "k1") == 0:  # the heartbeat says so too
                break
            await asyncio.sleep(0.1)
    finally:
        await asyncio.to_thread(shipper.stop)
    rejected = local.execute("select session_id, error from fleet_rejected").fetchall()
    local.close()
    assert len(rejected) == 9 and all(r[0] == "s2" for r in rejected)  # s2's event 1 has no NUL
    with psycopg.connect(fleet_dsn) as pg:
        shipped = pg.execute("select session_id, event_id, received_at from events where kiosk_id = 'k1' "
                             "order by received_at, session_id, event_id").fetchall()
        depth = pg.execute("select outbox_depth from kiosks where id = 'k1'").fetchone()
    assert len(shipped) == 30 + 1 + 5
    assert depth == (0,)
    assert [r[0] for r in shipped if r[0] != "s2"] == ["s1"] * 30 + ["s3"] * 5  # oldest first


def central_depth(dsn: str, kiosk_id: str) -> int | None:
    with psycopg.connect(dsn) as pg:
        found = pg.execute("select outbox_depth from kiosks where id = %s", (kiosk_id,)).fetchone()
    return int(found[0]) if found else None


async def test_without_a_dsn_a_kiosk_is_as_before(tmp_path: Path, demo_catalog_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AISLE_FLEET_DSN", raising=False)
    settings: Settings = load_settings({"data_dir": tmp_path / "data", "catalog": demo_catalog_path}, environ={})
    assert default_services(settings.replace(voice_enabled=False)) == []
    runtime = build_runtime(settings)
    try:
        await runtime.conversation.submit_text("tents")
    finally:
        await runtime.close()
    assert runtime.fleet_outbox is None and runtime.history.write_hooks == []
    tables = {r[0] for r in rows(settings.history_path, "select name from sqlite_master where type = 'table'")}
    assert "fleet_outbox" not in tables


def test_backlog_past_the_threshold_is_reported_once(tmp_path: Path) -> None:
    history, outbox = history_with_outbox(tmp_path)
    try:
        publish(history, "s1", 12)
    finally:
        history.close()
    told: list[int] = []
    shipper = Shipper(outbox, "postgresql://nobody@127.0.0.1:1/none", "k1", "north", backlog_warn=10,
                      retry_max_s=0.1, on_backlog=told.append)
    shipper.start()
    try:
        deadline = time.monotonic() + 10
        while not told and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        shipper.stop()
    assert told == [12]
    assert shipper.status().startswith("offline, 12 waiting")
    assert json.loads(json.dumps(shipper.depth)) == 12
