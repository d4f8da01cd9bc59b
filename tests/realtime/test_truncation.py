"""The truncate-or-delete decision after a barge-in."""

from __future__ import annotations

from agent.realtime.truncation import cut_off_event, samples_to_ms

SECOND = 24_000  # samples
SECOND_BYTES = 48_000  # PCM16


def test_truncates_at_the_audio_actually_played() -> None:
    event = cut_off_event("item_1", 0, played_samples=SECOND + 12_000, received_bytes=3 * SECOND_BYTES).to_dict()
    assert event["type"] == "conversation.item.truncate"
    assert (event["item_id"], event["content_index"], event["audio_end_ms"]) == ("item_1", 0, 1500)


def test_position_is_rounded_down() -> None:
    event = cut_off_event("item_1", 1, played_samples=35, received_bytes=SECOND_BYTES).to_dict()
    assert event["audio_end_ms"] == 1  # 35 samples = 1.46 ms
    assert event["content_index"] == 1


def test_clamped_to_the_audio_received() -> None:
    event = cut_off_event("item_1", 0, played_samples=5 * SECOND, received_bytes=SECOND_BYTES + 100).to_dict()
    assert event["audio_end_ms"] == 1002  # 24_050 samples received


def test_nothing_heard_deletes_the_item() -> None:
    for played, received in ((0, SECOND_BYTES), (23, SECOND_BYTES), (SECOND, 0), (-5, SECOND_BYTES)):
        event = cut_off_event("item_9", 0, played_samples=played, received_bytes=received).to_dict()
        assert event["type"] == "conversation.item.delete"
        assert event["item_id"] == "item_9"


def test_samples_to_ms() -> None:
    assert samples_to_ms(24_000) == 1000
    assert samples_to_ms(23) == 0
    assert samples_to_ms(-1) == 0
