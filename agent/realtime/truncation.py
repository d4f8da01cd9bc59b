"""What to tell the server when the assistant's speech was cut off (barge-in): truncate the item, or delete it.

The server keeps the full text of a reply even if the shopper heard only its beginning; `conversation.item.truncate`
makes it forget what was not heard. The position must be the audio the speaker actually played — samples consumed
by the output callback, never a wall-clock estimate, which overshoots — clamped to the audio received for the item,
because the server rejects a position past the audio it sent. Truncating at 0 ms is rejected too: when nothing was
heard, delete the item instead.
"""

from __future__ import annotations

from agent.realtime.events import BYTES_PER_SAMPLE, SAMPLE_RATE, ClientEvent, item_delete, item_truncate


def samples_to_ms(samples: int) -> int:
    """Whole milliseconds of 24 kHz audio in `samples` (rounded down, never negative)."""
    return max(0, samples) * 1000 // SAMPLE_RATE


def cut_off_event(item_id: str, content_index: int, *, played_samples: int, received_bytes: int) -> ClientEvent:
    """The client event for an assistant audio item that stopped playing after `played_samples` (24 kHz).

    `received_bytes` is the PCM16 audio received for the item so far (the sum of its `AudioDelta.pcm` lengths).
    Returns `conversation.item.truncate` at `played_samples * 1000 // 24000` ms clamped to the received audio's
    duration, or `conversation.item.delete` when that is 0 ms.
    """
    received_ms = samples_to_ms(max(0, received_bytes) // BYTES_PER_SAMPLE)
    audio_end_ms = min(samples_to_ms(played_samples), received_ms)
    if audio_end_ms <= 0:
        return item_delete(item_id)
    return item_truncate(item_id, content_index, audio_end_ms)
