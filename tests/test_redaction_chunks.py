"""A phone number, email or card number that streams across several `text_chunk` events is kept only redacted:
history (a real SQLite file) never holds its pieces, and the kept chunks still add up to the redacted reply. And
the phone pattern takes real phone numbers, not Unix times or order numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bus import EventBus
from app.events import Event, EventKind, ReplyChunkStreamed, ReplyCompleted, SessionStarted, ShopperSpoke
from app.history import HistoryStore
from app.redaction import redact_text
from app.redaction_stream import redact_stream

REPLY = ["Sure, I'll call you on 555 12", "3 4567", " or write to jane@exa", "mple.com; the card 4111 1111 ",
         "1111 1111 is noted", ", and five five five one two", " three four five six seven too."]
PIECES = [b"555 12", b"3 4567", b"jane@exa", b"mple.com", b"4111 1111", b"1111 1111", b"five five five"]


def files_holding(root: Path, needles: list[bytes]) -> list[str]:
    return [f"{path.name}: {n!r}" for path in root.rglob("*") if path.is_file()
            for n in needles if n in path.read_bytes()]


def chunk_texts(store: HistoryStore, session_id: str) -> list[str]:
    return [e.data["text"] for e in store.events_after(session_id, 0) if e.kind is EventKind.TEXT_CHUNK]


@pytest.fixture
def history(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = HistoryStore(tmp_path / "data" / "history.db")
    store.start()
    bus = EventBus()
    bus.subscribe(store.record)
    yield store, bus
    store.close()


def test_a_value_split_across_chunks_is_never_kept_in_pieces(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, bus = history
    bus.publish("s1", SessionStarted("offline"))
    bus.publish("s1", ShopperSpoke("take my details", "typed"))
    for piece in REPLY:
        bus.publish("s1", ReplyChunkStreamed(piece))
    bus.publish("s1", ReplyCompleted("".join(REPLY)))
    assert store.flush()
    redacted = "Sure, I'll call you on [phone] or write to [email]; the card [card] is noted, and [phone] too."
    chunks = chunk_texts(store, "s1")
    assert len(chunks) == len(REPLY) and "".join(chunks) == redacted  # every chunk kept, adding up to the reply
    record = store.session("s1")
    assert record is not None and record["turns_list"][-1]["text"] == redacted
    store.close()
    assert files_holding(tmp_path / "data", PIECES) == []


def test_a_reply_cut_short_keeps_its_rest_when_the_next_turn_starts(history) -> None:  # type: ignore[no-untyped-def]
    store, bus = history
    bus.publish("s1", SessionStarted("offline"))
    bus.publish("s1", ReplyChunkStreamed("Your number, 555"))
    bus.publish("s1", ReplyChunkStreamed(" 123 4567, is saved. Anything else"))
    bus.publish("s1", ShopperSpoke("stop", "typed"))  # no completion came
    bus.publish("s1", ReplyChunkStreamed("Stopped."))
    bus.publish("s1", ReplyCompleted("Stopped."))
    assert store.flush()
    # the number spans the first two chunks: the first holds the redacted stretch, the second nothing
    assert chunk_texts(store, "s1") == ["Your number, [phone], is saved. Anything else", "", "Stopped."]


def test_ordinary_chunks_are_kept_as_they_came() -> None:
    events = [Event("s1", i, ReplyChunkStreamed(t))
              for i, t in enumerate(["The tent costs $129.99 and ", "weighs 2 kg. Look at", " the TNT-1001."], 1)]
    events.append(Event("s1", 4, ReplyCompleted("...")))
    kept = redact_stream(events)
    assert [e.data["text"] for e in kept[:3]] == ["The tent costs $129.99 and ", "weighs 2 kg. Look at",
                                                  " the TNT-1001."]  # each chunk as it came


@pytest.mark.parametrize("said", ["555 123 4567", "(555) 123-4567", "+44 20 7946 0958", "+1 555 123 4567",
                                  "5551234567", "07946 095800", "07946095800", "555-1234"])
def test_phone_numbers_are_redacted(said: str) -> None:
    assert redact_text(f"call me on {said} please") == "call me on [phone] please"


@pytest.mark.parametrize("kept", ["the event at 1764763200 was kept", "order 48213377 is ready",
                                  "order A261203-3F2A is ready", "reference 20261203 is the date",
                                  "SKU 123456789 in aisle 4"])
def test_unix_times_and_order_numbers_are_not_phone_numbers(kept: str) -> None:
    assert redact_text(kept) == kept
