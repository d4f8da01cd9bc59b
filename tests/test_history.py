"""Session history: its own SQLite file in the data directory, surviving restarts, purged by retention, replayable,
never blocking the publisher and never holding a secret."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from app.bus import EventBus
from app.compose.runtime import build_runtime
from app.events import Event, EventKind, ReplyChunkStreamed, ReplyCompleted, SessionStarted, ShopperSpoke
from app.history import HistoryStore
from app.settings import Settings, load_settings

DAY = 86400


async def _shop(settings: Settings) -> str:
    runtime = build_runtime(settings)
    try:
        for text in ("a spirit alcohol stove", "add two", "make it three", "what's in my cart?"):
            await runtime.conversation.submit_text(text)
        session = runtime.conversation.session
        assert session is not None
        return session.id
    finally:
        await runtime.close()


async def test_history_survives_a_restart(settings: Settings) -> None:
    session_id = await _shop(settings)
    assert settings.history_path.is_file() and settings.history_path.parent == settings.data_dir
    # a new runtime on the same data directory: a restart
    runtime = build_runtime(settings)
    try:
        recent = runtime.history.recent_sessions()
        assert [s["id"] for s in recent] == [session_id]
        record = runtime.history.session(session_id)
        assert record is not None
        assert record["brain"] == "offline" and record["end_reason"] == "shutdown" and record["turns"] == 4
        assert record["ended_at"] >= record["started_at"]
        roles = [t["role"] for t in record["turns_list"]]
        assert roles == ["shopper", "assistant"] * 4
        assert record["turns_list"][0]["text"] == "a spirit alcohol stove"
        names = [c["name"] for c in record["tool_calls"]]
        assert names == ["search_products", "add_to_cart", "update_cart_item", "view_cart"]
        add = record["tool_calls"][1]
        assert add["parameters"] == {"product_id": "STV-1005", "quantity": 2}
        assert add["ok"] == 1 and add["result"]["added"]["quantity"] == 2 and add["duration_ms"] >= 0
        assert record["cart_changes"] == [
            {"product_id": "STV-1005", "before": 0, "after": 2, "at": record["cart_changes"][0]["at"]},
            {"product_id": "STV-1005", "before": 2, "after": 3, "at": record["cart_changes"][1]["at"]},
        ]
        assert record["cart"]["items"][0]["quantity"] == 3
        # every bus event was kept, in order, for replay
        events = runtime.history.events_after(session_id, 0)
        assert events[0].kind is EventKind.SESSION_STARTED and events[-1].kind is EventKind.SESSION_ENDED
        assert [e.id for e in events] == list(range(1, len(events) + 1))
        assert runtime.history.last_event_id(session_id) == len(events)
    finally:
        await runtime.close()


def test_close_and_reopen_the_store(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    bus = EventBus()
    store = HistoryStore(path)
    store.start()
    bus.subscribe(store.record)
    bus.publish("s1", SessionStarted("offline"))
    bus.publish("s1", ShopperSpoke("hello", "typed"))
    bus.publish("s1", ReplyCompleted("Hi!"))
    assert store.flush()
    store.close()
    reopened = HistoryStore(path)
    try:
        record = reopened.session("s1")
        assert record is not None and [t["text"] for t in record["turns_list"]] == ["hello", "Hi!"]
        conn = sqlite3.connect(path)
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
        conn.close()
    finally:
        reopened.close()


def test_events_after(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.db")
    store.start()
    bus = EventBus()
    bus.subscribe(store.record)
    bus.publish("s1", SessionStarted("offline"))
    for i in range(9):
        bus.publish("s1", ReplyChunkStreamed(f"chunk {i} "))
    bus.publish("s2", SessionStarted("offline"))
    assert store.flush()
    try:
        after = store.events_after("s1", 4)
        assert [e.id for e in after] == list(range(5, 11))
        assert after[0].data == {"text": "chunk 3 "} and after[0].session_id == "s1"
        assert all(isinstance(e, Event) and e.kind is EventKind.TEXT_CHUNK for e in after)
        assert [e.id for e in store.events_after("s1", 4, limit=2)] == [5, 6]
        assert store.events_after("s1", 10) == []
        assert [e.id for e in store.events_after("s2", 0)] == [1]
        assert store.events_after("nobody", 0) == [] and store.last_event_id("nobody") == 0
    finally:
        store.close()


def _old_session(store: HistoryStore, session_id: str, age_days: float) -> None:
    at = time.time() - age_days * DAY
    for event_id, kind, data in (
        (1, EventKind.SESSION_STARTED, {"brain": "offline"}),
        (2, EventKind.SHOPPER_MESSAGE, {"text": "old tent", "source": "typed"}),
        (3, EventKind.FUNCTION_CALL, {"name": "add_to_cart", "parameters": {"product_id": "TNT-1001"},
                                      "result": {"ok": True, "cart_change": {"product_id": "TNT-1001", "before": 0,
                                                                             "after": 1}}}),
        (4, EventKind.USAGE, {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}),
        (5, EventKind.SESSION_ENDED, {"reason": "idle", "total": 449.95}),
    ):
        store.record(Event.from_wire(session_id, event_id, kind, data, at))


def _count(path: Path, table: str, session_id: str) -> int:
    conn = sqlite3.connect(path)
    try:
        column = "id" if table == "sessions" else "session_id"
        return int(conn.execute(f"select count(*) from {table} where {column} = ?", (session_id,)).fetchone()[0])
    finally:
        conn.close()


TABLES = ("sessions", "events", "turns", "tool_calls", "cart_changes", "usage")


def test_retention_purges_old_sessions_and_everything_about_them(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = HistoryStore(path, retention_days=30)
    store.start()
    _old_session(store, "old", 45)
    _old_session(store, "recent", 2)
    assert store.flush()
    assert all(_count(path, table, "old") > 0 for table in TABLES)
    assert store.purge_older_than(30) == 1
    assert all(_count(path, table, "old") == 0 for table in TABLES)
    assert all(_count(path, table, "recent") > 0 for table in TABLES)
    assert store.purge_older_than(30) == 0
    store.close()


def test_retention_runs_at_start(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    first = HistoryStore(path, retention_days=30)
    first.start()
    _old_session(first, "old", 31)
    _old_session(first, "kept", 29)
    assert first.flush()
    first.close()
    second = HistoryStore(path, retention_days=30)
    second.start()  # what build_runtime does when Aisle starts
    try:
        assert [s["id"] for s in second.recent_sessions()] == ["kept"]
    finally:
        second.close()


async def test_retention_setting_reaches_the_store(tmp_path: Path, demo_catalog_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path / "data", "catalog": demo_catalog_path,
                              "history_retention_days": 7}, environ={})
    store = HistoryStore(settings.history_path)
    store.start()
    _old_session(store, "ten-days", 10)
    assert store.flush()
    store.close()
    runtime = build_runtime(settings)
    try:
        assert runtime.history.retention_days == 7
        assert runtime.history.session("ten-days") is None
    finally:
        await runtime.close()


def test_recording_never_blocks_the_publisher(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = HistoryStore(path)
    store.start()
    bus = EventBus()
    bus.subscribe(store.record)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("begin exclusive")  # another process holds the write lock
    try:
        started = time.perf_counter()
        bus.publish("s1", SessionStarted("offline"))
        for i in range(500):
            bus.publish("s1", ReplyChunkStreamed(str(i)))
        assert time.perf_counter() - started < 0.5, "publishing waited for the disk"
    finally:
        blocker.execute("rollback")
        blocker.close()
    bus.publish("s1", ReplyCompleted("".join(map(str, range(500)))))  # the reply's chunks are kept
    assert store.flush()
    assert store.last_event_id("s1") == 502
    store.close()


async def test_no_secret_ever_reaches_history(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-SECRET"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", secret + "-azure")
    runtime = build_runtime(settings)
    try:
        for text in ("hello", "tents under 300", "the first one", "add it", "what's in my cart", "check out",
                     "yes", "start over", "help"):
            await runtime.conversation.submit_text(text)
    finally:
        await runtime.close()
    files = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    assert settings.history_path in files
    for path in files:
        assert secret.encode() not in path.read_bytes(), f"the secret leaked into {path}"
    conn = sqlite3.connect(settings.history_path)
    try:
        assert conn.execute("select count(*) from events").fetchone()[0] > 20
    finally:
        conn.close()
