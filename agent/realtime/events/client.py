"""Client events: `ClientEvent` (type, fields, an id the server quotes back in errors) and the builders of every
message Aisle sends except `session.update` (`agent.realtime.events.session_config`). They have the same shape in
both dialects."""

from __future__ import annotations

import base64
import itertools
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agent.realtime.events.wire import BYTES_PER_SAMPLE

_ID_PREFIX = secrets.token_hex(3)
_ID_COUNTER = itertools.count(1)


def new_event_id() -> str:
    """A client event id, unique in this process; the server quotes it back in `ErrorEvent.event_id`."""
    return f"aisle_{_ID_PREFIX}_{next(_ID_COUNTER)}"


@dataclass(frozen=True, slots=True)
class ClientEvent:
    """One message for the server: its `type`, the other top-level `fields`, and an `event_id` for correlation."""

    type: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    event_id: str = field(default_factory=new_event_id)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "event_id": self.event_id, **self.fields}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    def __repr__(self) -> str:
        keys = ", ".join(self.fields)
        return f"ClientEvent({self.type!r}, event_id={self.event_id!r}, fields=[{keys}])"


def input_audio_append(pcm24k: bytes) -> ClientEvent:
    """Append microphone audio (PCM16 mono 24 kHz) to the server's input buffer."""
    if len(pcm24k) % BYTES_PER_SAMPLE:
        raise ValueError(f"PCM16 audio has an even number of bytes, got {len(pcm24k)}")
    return ClientEvent("input_audio_buffer.append", {"audio": base64.b64encode(pcm24k).decode("ascii")})


def input_audio_commit() -> ClientEvent:
    """Turn the input buffer into a user item (manual turn detection)."""
    return ClientEvent("input_audio_buffer.commit")


def input_audio_clear() -> ClientEvent:
    return ClientEvent("input_audio_buffer.clear")


def user_text_item(text: str) -> ClientEvent:
    """Add a typed user message to the conversation (follow with `response_create()` to get an answer)."""
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    return ClientEvent("conversation.item.create", {"item": item})


def function_call_output(call_id: str, output_json: str | Mapping[str, Any]) -> ClientEvent:
    """The result of one function call; `output_json` is JSON text or a mapping to serialise.

    Send one for every call of a response (errors too, as structured output), then one `response_create()`.
    """
    output = output_json if isinstance(output_json, str) else json.dumps(output_json, ensure_ascii=False)
    item = {"type": "function_call_output", "call_id": call_id, "output": output}
    return ClientEvent("conversation.item.create", {"item": item})


def response_create(*, instructions: str | None = None) -> ClientEvent:
    """Ask for a response; `instructions` override the session's for this response only."""
    if instructions is None:
        return ClientEvent("response.create")
    return ClientEvent("response.create", {"response": {"instructions": instructions}})


def response_cancel(response_id: str | None = None) -> ClientEvent:
    """Stop the response in progress (or the given one)."""
    return ClientEvent("response.cancel", {"response_id": response_id} if response_id else {})


def item_truncate(item_id: str, content_index: int, audio_end_ms: int) -> ClientEvent:
    """Tell the server the user heard only the first `audio_end_ms` of an assistant item (see `truncation`)."""
    if audio_end_ms <= 0:
        raise ValueError("audio_end_ms must be positive; delete the item instead of truncating it at 0 ms")
    return ClientEvent(
        "conversation.item.truncate",
        {"item_id": item_id, "content_index": content_index, "audio_end_ms": audio_end_ms},
    )


def item_delete(item_id: str) -> ClientEvent:
    return ClientEvent("conversation.item.delete", {"item_id": item_id})
