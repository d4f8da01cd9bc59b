"""The realtime protocol as types: server events parsed through one table, client events built for either dialect.

Two dialects of the same protocol are in the field:

- **GA** (`Dialect.GA`): OpenAI's generally available Realtime API and Azure OpenAI's `/openai/v1` route.
- **beta** (`Dialect.BETA`): the original preview protocol, still spoken by Azure deployments reached with a
  `*-preview` api-version.

Server events are normalised to GA names whatever dialect arrives (`response.audio.delta` becomes
`response.output_audio.delta`, `conversation.item.created` becomes `conversation.item.added`, ...) and parsed into
small frozen dataclasses. `_TABLE` in `parse.py` is the one place that says which wire names map to which type;
read it to learn the protocol. Anything not in the table becomes `Unknown`, so a new server event never breaks a
session. The events themselves are grouped by what they are about: `session_events.py` (the session, the input
buffer, the conversation's items), `response_events.py` (one response's output) and `status_events.py` (rate
limits, errors); `values.py` holds what several of them carry and `wire.py` what all of them share.

Client events are `ClientEvent` values built by the functions in `client.py` and `session_config.py`. Only
`session_update` differs between the dialects (GA nests audio settings under `audio.input` / `audio.output`; beta
has them flat); every other client event has the same shape in both.

Audio is PCM16 mono at 24 kHz everywhere (`SAMPLE_RATE`), base64 inside JSON on the wire and raw bytes here.
"""

from __future__ import annotations

from agent.realtime.events.client import (
    ClientEvent,
    function_call_output,
    input_audio_append,
    input_audio_clear,
    input_audio_commit,
    item_delete,
    item_truncate,
    new_event_id,
    response_cancel,
    response_create,
    user_text_item,
)
from agent.realtime.events.parse import (
    BETA_TO_GA,
    normalise_type,
    parse_server_event,
)
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
from agent.realtime.events.session_config import (
    Eagerness,
    Modality,
    NoiseReduction,
    SessionConfig,
    TurnDetectionMode,
    function_tool,
    session_update,
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
from agent.realtime.events.values import (
    FunctionCall,
    Item,
    RateLimit,
    Usage,
)
from agent.realtime.events.wire import (
    BYTES_PER_SAMPLE,
    SAMPLE_RATE,
    Dialect,
    MalformedEvent,
    ServerEvent,
)

__all__ = [
    "BETA_TO_GA",
    "BYTES_PER_SAMPLE",
    "SAMPLE_RATE",
    "AudioDelta",
    "AudioDone",
    "ClientEvent",
    "Dialect",
    "Eagerness",
    "ErrorEvent",
    "FunctionCall",
    "FunctionCallArgumentsDelta",
    "FunctionCallArgumentsDone",
    "InputAudioCleared",
    "InputAudioCommitted",
    "InputTranscriptCompleted",
    "InputTranscriptDelta",
    "InputTranscriptFailed",
    "Item",
    "ItemAdded",
    "ItemDeleted",
    "ItemDone",
    "ItemTruncated",
    "MalformedEvent",
    "Modality",
    "NoiseReduction",
    "OutputItemAdded",
    "OutputItemDone",
    "RateLimit",
    "RateLimitsUpdated",
    "ResponseCreated",
    "ResponseDone",
    "ServerEvent",
    "SessionConfig",
    "SessionCreated",
    "SessionUpdated",
    "SpeechStarted",
    "SpeechStopped",
    "TextDelta",
    "TextDone",
    "TranscriptDelta",
    "TranscriptDone",
    "TurnDetectionMode",
    "Unknown",
    "Usage",
    "function_call_output",
    "function_tool",
    "input_audio_append",
    "input_audio_clear",
    "input_audio_commit",
    "item_delete",
    "item_truncate",
    "new_event_id",
    "normalise_type",
    "parse_server_event",
    "response_cancel",
    "response_create",
    "session_update",
    "user_text_item",
]
