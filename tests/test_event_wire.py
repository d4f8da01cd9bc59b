"""The typed events keep the wire Aisle has always spoken: every kind's `data` JSON is pinned here as the dict-based
publishers wrote it (SSE `data`, history rows, `aisle chat --json`), and history written before the events were typed
reads back to the same bytes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.bus import EventBus
from app.events import (
    BrainChanged,
    ContextChanged,
    ErrorRaised,
    Event,
    EventKind,
    NoticePosted,
    Payload,
    ReplyChunkStreamed,
    ReplyCompleted,
    SessionEnded,
    SessionStarted,
    ShopperSpoke,
    ToolCalled,
    TranscriptHeard,
    UsageRecorded,
    VoiceState,
    VoiceStateChanged,
    payload_from_wire,
)
from app.history import HistoryStore
from app.redaction import redact_event

CART = {"items": [{"product_id": "STV-1005", "name": "Trail stove", "quantity": 2, "unit_price": 24.5,
                   "line_total": 49.0}], "total": 49.0, "item_count": 2}
RESULT = {"ok": True, "added": {"product_id": "STV-1005", "quantity": 2}, "cart_change": {
    "product_id": "STV-1005", "before": 0, "after": 2}}

# (payload, the wire kind, its data exactly as `json.dumps` wrote the publisher's dict before the events were typed)
GOLDEN: list[tuple[Payload, str, str]] = [
    (SessionStarted("offline"), "session_started", '{"brain": "offline"}'),
    (SessionEnded("checkout", "A-1042", 49.0), "session_ended",
     '{"reason": "checkout", "order_number": "A-1042", "total": 49.0}'),
    (SessionEnded("idle", None, 0.0), "session_ended", '{"reason": "idle", "order_number": null, "total": 0.0}'),
    (ShopperSpoke("a warm sleeping bag", "typed"), "shopper_message",
     '{"text": "a warm sleeping bag", "source": "typed"}'),
    (ShopperSpoke("Add to cart: Trail stove", "touch", tool="add_to_cart"), "shopper_message",
     '{"text": "Add to cart: Trail stove", "source": "touch", "tool": "add_to_cart"}'),
    (ShopperSpoke("two of those", "voice", item_id="item_7"), "shopper_message",
     '{"text": "two of those", "source": "voice", "item_id": "item_7"}'),
    (ReplyChunkStreamed("Here are "), "text_chunk", '{"text": "Here are "}'),
    (ReplyChunkStreamed("three", item_id="item_8"), "text_chunk", '{"text": "three", "item_id": "item_8"}'),
    (ToolCalled("add_to_cart", {"product_id": "STV-1005", "quantity": 2}, RESULT, "call_1", 1.25, "assistant"),
     "function_call",
     '{"name": "add_to_cart", "parameters": {"product_id": "STV-1005", "quantity": 2}, "result": {"ok": true, '
     '"added": {"product_id": "STV-1005", "quantity": 2}, "cart_change": {"product_id": "STV-1005", "before": 0, '
     '"after": 2}}, "call_id": "call_1", "duration_ms": 1.25, "source": "assistant"}'),
    (ToolCalled("view_cart", "{not json", {"ok": False}, "", 0.1, "touch"), "function_call",
     '{"name": "view_cart", "parameters": "{not json", "result": {"ok": false}, "call_id": "", "duration_ms": 0.1, '
     '"source": "touch"}'),
    (ReplyCompleted("Here are three.", interrupted=False), "completion",
     '{"text": "Here are three.", "interrupted": false}'),
    (ReplyCompleted("Here are", interrupted=True), "completion", '{"text": "Here are", "interrupted": true}'),
    (ReplyCompleted("", failed=True), "completion", '{"text": "", "failed": true}'),
    (ErrorRaised("Sorry, something went wrong on my side.", "brain_failed", detail="RuntimeError"), "error",
     '{"message": "Sorry, something went wrong on my side.", "code": "brain_failed", "detail": "RuntimeError"}'),
    (ErrorRaised("no key", "brain_unavailable", permanent=True), "error",
     '{"message": "no key", "code": "brain_unavailable", "permanent": true}'),
    (ErrorRaised("History cannot be saved", "history_unavailable", audience="staff"), "error",
     '{"message": "History cannot be saved", "code": "history_unavailable", "audience": "staff"}'),
    (ContextChanged(CART, ["STV-1005", "STV-1001"], "STV-1005"), "context",
     '{"cart": {"items": [{"product_id": "STV-1005", "name": "Trail stove", "quantity": 2, "unit_price": 24.5, '
     '"line_total": 49.0}], "total": 49.0, "item_count": 2}, "shown_ids": ["STV-1005", "STV-1001"], '
     '"focus": "STV-1005"}'),
    (ContextChanged({"items": [], "total": 0.0, "item_count": 0}, [], None), "context",
     '{"cart": {"items": [], "total": 0.0, "item_count": 0}, "shown_ids": [], "focus": null}'),
    (NoticePosted("brain_fallback", "Offline mode: no network", level="warning"), "notice",
     '{"level": "warning", "message": "Offline mode: no network", "code": "brain_fallback"}'),
    (NoticePosted("history_recovered", text="History is being saved again."), "notice",
     '{"text": "History is being saved again.", "code": "history_recovered"}'),
    (NoticePosted("history_startup", text="History was behind.", audience="staff"), "notice",
     '{"text": "History was behind.", "code": "history_startup", "audience": "staff"}'),
    (VoiceStateChanged(VoiceState.LISTENING), "voice_state", '{"state": "listening"}'),
    (VoiceStateChanged(VoiceState.LISTENING, text="a tent"), "voice_state", '{"state": "listening", "text": "a tent"}'),
    (VoiceStateChanged(VoiceState.UNAVAILABLE, message=""), "voice_state", '{"state": "unavailable", "message": ""}'),
    (VoiceStateChanged(VoiceState.SPEAKING, brain="realtime"), "voice_state",
     '{"state": "speaking", "brain": "realtime"}'),
    (TranscriptHeard("a te", final=False), "transcript", '{"role": "shopper", "text": "a te", "final": false}'),
    (TranscriptHeard("", final=True, accepted=False), "transcript",
     '{"role": "shopper", "text": "", "final": true, "accepted": false}'),
    (TranscriptHeard("a tent", final=True, item_id="item_9"), "transcript",
     '{"role": "shopper", "text": "a tent", "final": true, "item_id": "item_9"}'),
    (BrainChanged("offline", "realtime", True, "no network"), "brain_changed",
     '{"brain": "offline", "previous": "realtime", "fallback": true, "reason": "no network"}'),
    (UsageRecorded(120, 40, 160, session_total=900, brain="realtime"), "usage",
     '{"input_tokens": 120, "output_tokens": 40, "total_tokens": 160, "session_total": 900, "brain": "realtime"}'),
    (UsageRecorded(12, 4, 16, model="gpt-4o-mini"), "usage",
     '{"input_tokens": 12, "output_tokens": 4, "total_tokens": 16, "model": "gpt-4o-mini"}'),
]
# Three notices used to list the same keys in another order; the keys and values are unchanged, the order is now
# level, message, code, audience for every notice (JSON objects are unordered; no client reads them in order).
REORDERED_NOTICES = [
    ('{"message": "Microphone lost", "level": "warning", "code": "microphone_lost"}',  # audio/voice_loop.py
     '{"level": "warning", "message": "Microphone lost", "code": "microphone_lost"}'),
    ('{"level": "warning", "code": "fleet_backlog", "audience": "staff", "message": "9 events are waiting"}',
     '{"level": "warning", "message": "9 events are waiting", "code": "fleet_backlog", "audience": "staff"}'),
    ('{"level": "info", "code": "token_budget", "message": "This conversation reached its voice limit."}',
     '{"level": "info", "message": "This conversation reached its voice limit.", "code": "token_budget"}'),
]


@pytest.mark.parametrize(("payload", "kind", "wire"), GOLDEN, ids=[f"{g[1]}-{i}" for i, g in enumerate(GOLDEN)])
def test_each_kind_writes_the_wire_it_always_wrote_and_reads_it_back(payload: Payload, kind: str, wire: str) -> None:
    assert payload.KIND.value == kind
    assert json.dumps(payload.to_wire()) == wire
    assert payload_from_wire(kind, json.loads(wire)) == payload


def test_every_kind_has_a_golden_example() -> None:
    assert {g[1] for g in GOLDEN} == {k.value for k in EventKind}


@pytest.mark.parametrize(("before", "now"), REORDERED_NOTICES)
def test_notices_once_written_in_another_key_order_read_back_the_same(before: str, now: str) -> None:
    payload = payload_from_wire("notice", json.loads(before))
    assert json.dumps(payload.to_wire()) == now and json.loads(now) == json.loads(before)


def test_the_json_envelope_of_chat_json_and_sse_is_unchanged() -> None:
    event = EventBus().publish("20261203-120000-abcdef", ReplyChunkStreamed("Here are "))
    assert event.kind is EventKind.TEXT_CHUNK and event.id == 1
    assert json.dumps(event.to_json_dict()) == (
        '{"event": "text_chunk", "data": {"text": "Here are "}, "id": 1, '
        f'"timestamp": {event.timestamp!r}, "session_id": "20261203-120000-abcdef"}}')


def test_an_unknown_kind_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="teleport"):
        payload_from_wire("teleport", {})


def _history_written_before_typed_events(path: Path) -> None:
    """Rows as the dict-based code wrote them: `json.dumps(data, default=str)` of each publisher's dict."""
    store = HistoryStore(path)  # the schema is unchanged: the store creates the same tables main does
    store.close()
    rows = [(i + 1, kind, wire, 1_764_763_200.0 + i) for i, (_, kind, wire) in enumerate(GOLDEN)]
    rows += [(len(rows) + i + 1, "notice", before, 1_764_763_300.0 + i) for i, (before, _) in
             enumerate(REORDERED_NOTICES)]
    with sqlite3.connect(path) as conn:
        conn.executemany("insert into events (session_id, event_id, kind, data, timestamp) values ('old', ?, ?, ?, ?)",
                         rows)


def test_history_written_before_the_events_were_typed_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    _history_written_before_typed_events(path)
    store = HistoryStore(path)
    try:
        events = store.events_after("old", 0)
    finally:
        store.close()
    assert [e.payload for e in events[:len(GOLDEN)]] == [g[0] for g in GOLDEN]
    assert [json.dumps(e.data) for e in events[:len(GOLDEN)]] == [g[2] for g in GOLDEN]
    assert [json.dumps(e.data) for e in events[len(GOLDEN):]] == [now for _, now in REORDERED_NOTICES]
    assert events[0] == Event("old", 1, SessionStarted("offline"), 1_764_763_200.0)


def test_history_writes_new_events_in_the_old_row_shape(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = HistoryStore(path)
    store.start()
    bus = EventBus()
    bus.subscribe(store.record)
    try:
        for payload, _, _ in GOLDEN:
            bus.publish("new", payload)
        assert store.flush()
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select kind, data from events where session_id = 'new' order by event_id").fetchall()
    assert rows == [(kind, wire) for _, kind, wire in GOLDEN]


def test_a_redacted_event_keeps_its_type_and_everything_else() -> None:
    event = Event("s", 3, ShopperSpoke("mail me at jo@example.com", "voice", item_id="item_1"), 1.0)
    clean = redact_event(event)
    assert isinstance(clean.payload, ShopperSpoke) and "jo@example.com" not in clean.payload.text
    assert clean.payload.source == "voice" and clean.payload.item_id == "item_1" and clean.id == 3
    untouched = Event("s", 4, ReplyChunkStreamed("Here are three tents."), 1.0)
    assert redact_event(untouched) is untouched
