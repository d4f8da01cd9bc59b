"""The event vocabulary shared by every part of Aisle.

An `Event` is something that already happened in one shopper session. The wire names (`text_chunk`,
`function_call`, `completion`, `error`, `context`, ...) are what history stores and what the SSE stream sends, so
they never change meaning. Events carry an `id` that increases within their session and a wall-clock `timestamp`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What happened. Values are the names on the wire and in history."""

    SESSION_STARTED = "session_started"
    SESSION_ENDED = "session_ended"
    SHOPPER_MESSAGE = "shopper_message"  # a shopper turn as text: typed, tapped, spoken (final transcript) or posted
    TEXT_CHUNK = "text_chunk"  # a piece of the assistant's reply as it streams
    FUNCTION_CALL = "function_call"  # a tool ran: name, parameters, result
    COMPLETION = "completion"  # the assistant's turn is complete
    ERROR = "error"  # something went wrong that the shopper or staff should know about
    CONTEXT = "context"  # the cart and the products currently shown
    NOTICE = "notice"  # a status line for the screen ("Reconnecting…", "Voice is off")
    VOICE_STATE = "voice_state"  # idle | listening | thinking | speaking | unavailable
    TRANSCRIPT = "transcript"  # partial or final speech transcript, of the shopper or the assistant
    BRAIN_CHANGED = "brain_changed"  # the brain in use changed (e.g. fell back to offline)
    USAGE = "usage"  # tokens billed for one response


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened in a session."""

    session_id: str
    id: int
    kind: EventKind
    data: dict[str, Any]
    timestamp: float = field(default_factory=time.time)

    def to_json_dict(self) -> dict[str, Any]:
        """The shape printed by `aisle chat --json` and sent as SSE data."""
        return {
            "event": self.kind.value,
            "data": self.data,
            "id": self.id,
            "timestamp": self.timestamp,
            "session_id": self.session_id,
        }


class VoiceState(StrEnum):
    """What the assistant is doing, for the on-screen indicator."""

    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    UNAVAILABLE = "unavailable"
