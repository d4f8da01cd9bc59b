"""History under faults: a full disk, a read-only disk, a damaged file, a crash. Nothing is lost silently, the kiosk
always starts, and people are told in words."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import pytest

from app.bus import EventBus
from app.compose.runtime import build_runtime
from app.events import EventKind, SessionEnded, SessionStarted, ShopperSpoke, ToolCalled
from app.history import HistoryStore
from app.history_recovery import announce_history_health, open_history
from app.settings import Settings
from tests.small_disk import fill, free, remount, small_tmpfs


def _wait(predicate: object, wait_s: float = 10.0) -> None:
    deadline = time.monotonic() + wait_s
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def _turns(store: HistoryStore, session_id: str) -> list[str]:
    return [t["text"] for t in (store.session(session_id) or {}).get("turns_list", [])]


def test_a_full_disk_keeps_turns_queued_says_so_and_drains_when_space_returns(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", "2m") as disk:
        store, message = open_history(disk / "history.db", 30)
        assert message == ""
        bus = EventBus()
        bus.subscribe(store.record)
        seen: list[str] = []
        store.add_health_listener(lambda h: seen.append(h.state))
        bus.subscribe(lambda e: seen.append(f"event:{e.kind.value}:{e.data.get('code', '')}"))
        store.add_health_listener(announce_history_health(bus, lambda: "s1"))
        bus.publish("s1", SessionStarted("offline"))
        bus.publish("s1", ShopperSpoke("before the disk filled", "typed"))
        assert store.flush()
        filler = fill(disk)
        said = [f"turn {i} while the disk is full " + "x" * 2000 for i in range(40)]
        for text in said:
            bus.publish("s1", ShopperSpoke(text, "typed"))
        assert not store.flush(5)
        health = store.health()
        assert health.state == "degraded" and health.reason == "the disk is full" and health.pending >= 40
        assert "degraded" in seen and "event:error:history_unavailable" in seen
        free(filler)
        _wait(lambda: store.health().ok and store.health().pending == 0)
        assert store.flush()
        assert _turns(store, "s1") == ["before the disk filled", *said]
        assert store.health().dropped == 0 and "event:notice:history_recovered" in seen
        store.close()


def test_the_retry_queue_is_bounded_and_every_drop_is_logged_and_counted(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with small_tmpfs(tmp_path / "disk", "2m") as disk:
        store = HistoryStore(disk / "history.db", queue_capacity=50)
        store.start()
        bus = EventBus()
        bus.subscribe(store.record)
        bus.publish("s1", SessionStarted("offline"))
        assert store.flush()
        filler = fill(disk)
        try:
            with caplog.at_level(logging.ERROR, logger="aisle.app.history"):
                for i in range(80):
                    bus.publish("s1", ShopperSpoke(f"turn {i} " + "x" * 2000, "typed"))
                assert not store.flush(5)
            health = store.health()
            assert health.state == "degraded" and health.reason == "the disk is full"
            assert health.pending == 50 and health.dropped == 30
            assert any("NOT recorded" in r.getMessage() and "session s1 events 2..31 (30)" in r.getMessage()
                       for r in caplog.records)
        finally:
            free(filler)
        _wait(lambda: store.health().pending == 0)
        assert _turns(store, "s1") == [f"turn {i} " + "x" * 2000 for i in range(30, 80)]
        store.close()


def test_sessions_left_open_by_a_crash_are_closed_as_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = HistoryStore(path)
    store.start()
    bus = EventBus()
    bus.subscribe(store.record)
    bus.publish("crashed", SessionStarted("offline"))
    last = bus.publish("crashed", ShopperSpoke("hello", "typed"))
    bus.publish("finished", SessionStarted("offline"))
    bus.publish("finished", SessionEnded("idle", None, 0.0))
    assert store.flush()
    store.close()  # no session_ended for "crashed": what kill -9 leaves behind

    reopened, _ = open_history(path, 30)
    rows = {r["id"]: r for r in reopened.recent_sessions()}
    assert rows["crashed"]["end_reason"] == "interrupted" and rows["crashed"]["ended_at"] == last.timestamp
    assert rows["finished"]["end_reason"] == "idle"
    reopened.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
async def test_a_damaged_history_is_moved_aside_and_the_kiosk_starts(settings: Settings, damage: str) -> None:
    runtime = build_runtime(settings)
    for text in ("show me tents", "add the first one", "and a stove", "what's in my cart?"):
        await runtime.conversation.submit_text(text)
    await runtime.close()
    path = settings.history_path
    with sqlite3.connect(path) as conn:
        conn.execute("pragma wal_checkpoint(truncate)")
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all " * 200)
    else:
        data = path.read_bytes()
        assert len(data) > 8192
        path.write_bytes(data[: len(data) // 2])

    runtime = build_runtime(settings)  # no traceback
    try:
        notice = " ".join(runtime.startup_notices)
        assert "was damaged" in notice and "moved to history.db.damaged-" in notice
        assert list(settings.data_dir.glob("history.db.damaged-*"))
        said: list[str] = []
        runtime.bus.subscribe(lambda e: said.append(e.data.get("text", "")) if e.kind is EventKind.NOTICE else None)
        await runtime.conversation.submit_text("show me tents")
        assert said and "was damaged" in said[0]  # the kiosk's screen and the stream are told too
        await runtime.run_blocking(runtime.history.flush)
        assert runtime.history.health().ok and len(runtime.history.recent_sessions()) == 1
    finally:
        await runtime.close()


async def test_an_unwritable_data_directory_gives_read_only_history_not_a_traceback(
        tmp_path: Path, demo_catalog_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", "4m") as disk:
        settings = Settings(data_dir=disk / "data", catalog=demo_catalog_path)
        runtime = build_runtime(settings)
        await runtime.conversation.submit_text("show me tents")
        await runtime.close()
        remount(disk, "ro")
        try:
            runtime = build_runtime(settings)
            try:
                assert "cannot be written" in " ".join(runtime.startup_notices)
                assert runtime.history.health().state == "read_only"
                assert len(runtime.history.recent_sessions()) == 1  # past sessions still read
                await runtime.conversation.submit_text("and sleeping bags")  # the conversation goes on
                assert runtime.history.probe_write().startswith("read_only")
            finally:
                await runtime.close()
        finally:
            remount(disk, "rw")


def test_an_event_history_cannot_write_is_given_up_alone_and_the_rest_are_kept(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = HistoryStore(tmp_path / "history.db")
    store.start()
    bus = EventBus()
    bus.subscribe(store.record)
    bus.publish("s1", SessionStarted("offline"))
    bus.publish("s1", ShopperSpoke("before", "typed"))
    # a cart change without its product: the row cannot be built
    broken = {"ok": True, "cart_change": {"product_id": "TNT-1001"}}
    bus.publish("s1", ToolCalled("add_to_cart", None, broken))
    bus.publish("s1", ShopperSpoke("after", "typed"))
    with caplog.at_level(logging.ERROR, logger="aisle.app.history"):
        assert store.flush()
    assert _turns(store, "s1") == ["before", "after"]
    assert store.health().dropped == 1 and store.health().ok
    assert any("session s1 events 3..3 (1)" in r.getMessage() for r in caplog.records)
    store.close()
