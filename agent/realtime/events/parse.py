"""THE parse table: every modelled server event with the beta wire names that mean the same thing, and
`parse_server_event`, which turns one server message into its typed event (GA names whatever dialect arrived)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from agent.realtime.events.response_events import (
    AudioDelta,
    AudioDone,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    OutputItemAdded,
    OutputItemDone,
    ResponseCreated,
    ResponseDone,
    TextDelta,
    TextDone,
    TranscriptDelta,
    TranscriptDone,
)
from agent.realtime.events.session_events import (
    InputAudioCleared,
    InputAudioCommitted,
    InputTranscriptCompleted,
    InputTranscriptDelta,
    InputTranscriptFailed,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemTruncated,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
)
from agent.realtime.events.status_events import (
    ErrorEvent,
    RateLimitsUpdated,
    Unknown,
)
from agent.realtime.events.wire import MalformedEvent, ServerEvent

_TABLE: tuple[tuple[type[ServerEvent], tuple[str, ...]], ...] = (
    (SessionCreated, ()),
    (SessionUpdated, ()),
    (SpeechStarted, ()),
    (SpeechStopped, ()),
    (InputAudioCommitted, ()),
    (InputAudioCleared, ()),
    (ItemAdded, ("conversation.item.created",)),
    (ItemDone, ()),
    (InputTranscriptDelta, ()),
    (InputTranscriptCompleted, ()),
    (InputTranscriptFailed, ()),
    (ResponseCreated, ()),
    (OutputItemAdded, ()),
    (OutputItemDone, ()),
    (AudioDelta, ("response.audio.delta",)),
    (AudioDone, ("response.audio.done",)),
    (TranscriptDelta, ("response.audio_transcript.delta",)),
    (TranscriptDone, ("response.audio_transcript.done",)),
    (TextDelta, ("response.text.delta",)),
    (TextDone, ("response.text.done",)),
    (FunctionCallArgumentsDelta, ()),
    (FunctionCallArgumentsDone, ()),
    (ResponseDone, ()),
    (ItemTruncated, ()),
    (ItemDeleted, ()),
    (RateLimitsUpdated, ()),
    (ErrorEvent, ()),
)

_PARSERS: dict[str, Callable[[Mapping[str, Any]], ServerEvent]] = {}
_GA_NAMES: dict[str, str] = {}
for _cls, _beta_names in _TABLE:
    for _wire_name in (_cls.TYPE, *_beta_names):
        _PARSERS[_wire_name] = _cls.from_wire
        _GA_NAMES[_wire_name] = _cls.TYPE
del _cls, _beta_names, _wire_name

BETA_TO_GA: Mapping[str, str] = {wire: ga for wire, ga in _GA_NAMES.items() if wire != ga}
"""Beta wire names of server events and the GA names they are normalised to."""


def normalise_type(wire_type: str) -> str:
    """The GA name of a server event type (beta names are renamed, every other name is returned unchanged)."""
    return _GA_NAMES.get(wire_type, wire_type)


def parse_server_event(message: str | bytes | Mapping[str, Any]) -> ServerEvent:
    """Parse one server message (JSON text or an already decoded object) into its event type.

    Unknown event types become `Unknown`; a message that is not a JSON object, or a known event whose fields
    cannot be decoded, raises `MalformedEvent`.
    """
    if isinstance(message, Mapping):
        data: Any = message
    else:
        try:
            data = json.loads(message)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedEvent(f"server message is not JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise MalformedEvent(f"server message is not a JSON object but {type(data).__name__}")
    wire_type = data.get("type")
    parser = _PARSERS.get(wire_type) if isinstance(wire_type, str) else None
    if parser is None:
        return Unknown.from_wire(data)
    try:
        return parser(data)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, MalformedEvent):
            raise
        raise MalformedEvent(f"cannot decode {wire_type}: {exc}") from exc
