"""The realtime protocol as types: server events parsed through one table, client events built for either dialect.

Two dialects of the same protocol are in the field:

- **GA** (`Dialect.GA`): OpenAI's generally available Realtime API and Azure OpenAI's `/openai/v1` route.
- **beta** (`Dialect.BETA`): the original preview protocol, still spoken by Azure deployments reached with a
  `*-preview` api-version.

Server events are normalised to GA names whatever dialect arrives (`response.audio.delta` becomes
`response.output_audio.delta`, `conversation.item.created` becomes `conversation.item.added`, ...) and parsed into
small frozen dataclasses. `_TABLE` below is the one place that says which wire names map to which type; read it to
learn the protocol. Anything not in the table becomes `Unknown`, so a new server event never breaks a session.

Client events are `ClientEvent` values built by the functions at the bottom. Only `session_update` differs between
the dialects (GA nests audio settings under `audio.input` / `audio.output`; beta has them flat); every other client
event has the same shape in both.

Audio is PCM16 mono at 24 kHz everywhere (`SAMPLE_RATE`), base64 inside JSON on the wire and raw bytes here.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Literal

log = logging.getLogger("aisle.agent.realtime")

SAMPLE_RATE = 24_000
"""Samples per second of every realtime audio stream, in both directions."""
BYTES_PER_SAMPLE = 2
"""PCM16: two bytes per (mono) sample."""


class Dialect(StrEnum):
    """Which flavour of the realtime protocol a socket speaks."""

    GA = "ga"
    BETA = "beta"


class MalformedEvent(ValueError):
    """A server message that is not a JSON object, or a known event whose fields cannot be decoded."""


# --------------------------------------------------------------------------------------------------------------------
# Small value types shared by several events
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """A conversation item as the server reports it (a message, a function call or a function call output).

    `text` joins the text or transcript of a message's content parts; `call_id`, `name` and `arguments` are set for
    `type == "function_call"`; `output` for `type == "function_call_output"`.
    """

    id: str
    type: str
    status: str = ""
    role: str = ""
    text: str = ""
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    output: str = ""

    @property
    def is_function_call(self) -> bool:
        return self.type == "function_call"


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """One function the model asked us to run; answer it with `function_call_output(call_id, ...)`."""

    item_id: str
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one response (`response.done.usage`); every turn re-bills the conversation so far."""

    total_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    input_text_tokens: int = 0
    input_audio_tokens: int = 0
    cached_tokens: int = 0
    output_text_tokens: int = 0
    output_audio_tokens: int = 0


@dataclass(frozen=True, slots=True)
class RateLimit:
    name: str
    limit: int
    remaining: int
    reset_seconds: float


# --------------------------------------------------------------------------------------------------------------------
# Server events
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerEvent:
    """Base of every parsed server event. `TYPE` is the GA wire name the event was normalised to."""

    TYPE: ClassVar[str] = ""

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ServerEvent:
        raise NotImplementedError


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionCreated(ServerEvent):
    TYPE: ClassVar[str] = "session.created"
    session: Mapping[str, Any]

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SessionCreated:
        return cls(session=_mapping(data, "session"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionUpdated(ServerEvent):
    TYPE: ClassVar[str] = "session.updated"
    session: Mapping[str, Any]

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SessionUpdated:
        return cls(session=_mapping(data, "session"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechStarted(ServerEvent):
    """Server VAD heard the user start speaking (the cue for barge-in)."""

    TYPE: ClassVar[str] = "input_audio_buffer.speech_started"
    item_id: str
    audio_start_ms: int

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SpeechStarted:
        return cls(item_id=_str(data, "item_id"), audio_start_ms=_int(data, "audio_start_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechStopped(ServerEvent):
    TYPE: ClassVar[str] = "input_audio_buffer.speech_stopped"
    item_id: str
    audio_end_ms: int

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SpeechStopped:
        return cls(item_id=_str(data, "item_id"), audio_end_ms=_int(data, "audio_end_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class InputAudioCommitted(ServerEvent):
    TYPE: ClassVar[str] = "input_audio_buffer.committed"
    item_id: str
    previous_item_id: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InputAudioCommitted:
        return cls(item_id=_str(data, "item_id"), previous_item_id=_str(data, "previous_item_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class InputAudioCleared(ServerEvent):
    TYPE: ClassVar[str] = "input_audio_buffer.cleared"

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InputAudioCleared:
        return cls()


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemAdded(ServerEvent):
    """An item joined the conversation (GA `conversation.item.added`, beta `conversation.item.created`).

    Order turns by `previous_item_id`, not by arrival: a user's transcript can land after the reply started.
    """

    TYPE: ClassVar[str] = "conversation.item.added"
    item: Item
    previous_item_id: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ItemAdded:
        return cls(item=_item(_mapping(data, "item")), previous_item_id=_str(data, "previous_item_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDone(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.done"
    item: Item
    previous_item_id: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ItemDone:
        return cls(item=_item(_mapping(data, "item")), previous_item_id=_str(data, "previous_item_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptDelta(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.input_audio_transcription.delta"
    item_id: str
    content_index: int
    delta: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InputTranscriptDelta:
        return cls(item_id=_str(data, "item_id"), content_index=_int(data, "content_index"), delta=_str(data, "delta"))


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptCompleted(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.input_audio_transcription.completed"
    item_id: str
    content_index: int
    transcript: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InputTranscriptCompleted:
        return cls(
            item_id=_str(data, "item_id"),
            content_index=_int(data, "content_index"),
            transcript=_str(data, "transcript"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptFailed(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.input_audio_transcription.failed"
    item_id: str
    content_index: int
    code: str
    message: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InputTranscriptFailed:
        error = _mapping(data, "error")
        return cls(
            item_id=_str(data, "item_id"),
            content_index=_int(data, "content_index"),
            code=_str(error, "code"),
            message=_str(error, "message"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseCreated(ServerEvent):
    TYPE: ClassVar[str] = "response.created"
    response_id: str
    status: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ResponseCreated:
        response = _mapping(data, "response")
        return cls(response_id=_str(response, "id"), status=_str(response, "status"))


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputItemAdded(ServerEvent):
    TYPE: ClassVar[str] = "response.output_item.added"
    response_id: str
    output_index: int
    item: Item

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> OutputItemAdded:
        return cls(
            response_id=_str(data, "response_id"),
            output_index=_int(data, "output_index"),
            item=_item(_mapping(data, "item")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputItemDone(ServerEvent):
    TYPE: ClassVar[str] = "response.output_item.done"
    response_id: str
    output_index: int
    item: Item

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> OutputItemDone:
        return cls(
            response_id=_str(data, "response_id"),
            output_index=_int(data, "output_index"),
            item=_item(_mapping(data, "item")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioDelta(ServerEvent):
    """A chunk of assistant speech: `pcm` is PCM16 mono 24 kHz, already decoded from base64."""

    TYPE: ClassVar[str] = "response.output_audio.delta"
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    pcm: bytes = field(repr=False)

    @property
    def samples(self) -> int:
        return len(self.pcm) // BYTES_PER_SAMPLE

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> AudioDelta:
        try:
            pcm = base64.b64decode(_str(data, "delta"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedEvent(f"audio delta is not valid base64: {exc}") from exc
        return cls(**_content_ref(data), pcm=pcm)


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioDone(ServerEvent):
    TYPE: ClassVar[str] = "response.output_audio.done"
    response_id: str
    item_id: str
    output_index: int
    content_index: int

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> AudioDone:
        return cls(**_content_ref(data))


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptDelta(ServerEvent):
    """A piece of the transcript of the assistant's speech."""

    TYPE: ClassVar[str] = "response.output_audio_transcript.delta"
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> TranscriptDelta:
        return cls(**_content_ref(data), delta=_str(data, "delta"))


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptDone(ServerEvent):
    TYPE: ClassVar[str] = "response.output_audio_transcript.done"
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    transcript: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> TranscriptDone:
        return cls(**_content_ref(data), transcript=_str(data, "transcript"))


@dataclass(frozen=True, slots=True, kw_only=True)
class TextDelta(ServerEvent):
    """A piece of a text-only reply (`output_modalities=["text"]`)."""

    TYPE: ClassVar[str] = "response.output_text.delta"
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> TextDelta:
        return cls(**_content_ref(data), delta=_str(data, "delta"))


@dataclass(frozen=True, slots=True, kw_only=True)
class TextDone(ServerEvent):
    TYPE: ClassVar[str] = "response.output_text.done"
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    text: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> TextDone:
        return cls(**_content_ref(data), text=_str(data, "text"))


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionCallArgumentsDelta(ServerEvent):
    TYPE: ClassVar[str] = "response.function_call_arguments.delta"
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    delta: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> FunctionCallArgumentsDelta:
        return cls(
            response_id=_str(data, "response_id"),
            item_id=_str(data, "item_id"),
            output_index=_int(data, "output_index"),
            call_id=_str(data, "call_id"),
            delta=_str(data, "delta"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionCallArgumentsDone(ServerEvent):
    """The arguments of one function call are complete. A response may carry several: see `ResponseDone`."""

    TYPE: ClassVar[str] = "response.function_call_arguments.done"
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    name: str
    arguments: str

    @property
    def call(self) -> FunctionCall:
        return FunctionCall(item_id=self.item_id, call_id=self.call_id, name=self.name, arguments=self.arguments)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> FunctionCallArgumentsDone:
        return cls(
            response_id=_str(data, "response_id"),
            item_id=_str(data, "item_id"),
            output_index=_int(data, "output_index"),
            call_id=_str(data, "call_id"),
            name=_str(data, "name"),
            arguments=_str(data, "arguments"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseDone(ServerEvent):
    """A response ended (`status`: completed, cancelled, incomplete or failed).

    `output` lists every item of the response; `function_calls` is every `function_call` item among them, in order.
    Answer all of them, not only the first.
    """

    TYPE: ClassVar[str] = "response.done"
    response_id: str
    status: str
    status_details: Mapping[str, Any]
    output: tuple[Item, ...]
    usage: Usage | None

    @property
    def function_calls(self) -> tuple[FunctionCall, ...]:
        return tuple(
            FunctionCall(item_id=item.id, call_id=item.call_id, name=item.name, arguments=item.arguments)
            for item in self.output
            if item.is_function_call
        )

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ResponseDone:
        response = _mapping(data, "response")
        output = response.get("output")
        usage = response.get("usage")
        return cls(
            response_id=_str(response, "id"),
            status=_str(response, "status"),
            status_details=_mapping(response, "status_details"),
            output=tuple(_item(item) for item in output if isinstance(item, Mapping))
            if isinstance(output, Sequence)
            else (),
            usage=_usage(usage) if isinstance(usage, Mapping) else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemTruncated(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.truncated"
    item_id: str
    content_index: int
    audio_end_ms: int

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ItemTruncated:
        return cls(
            item_id=_str(data, "item_id"),
            content_index=_int(data, "content_index"),
            audio_end_ms=_int(data, "audio_end_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDeleted(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.deleted"
    item_id: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ItemDeleted:
        return cls(item_id=_str(data, "item_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimitsUpdated(ServerEvent):
    TYPE: ClassVar[str] = "rate_limits.updated"
    limits: tuple[RateLimit, ...]

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> RateLimitsUpdated:
        raw = data.get("rate_limits")
        limits = tuple(
            RateLimit(
                name=_str(entry, "name"),
                limit=_int(entry, "limit"),
                remaining=_int(entry, "remaining"),
                reset_seconds=_float(entry, "reset_seconds"),
            )
            for entry in (raw if isinstance(raw, Sequence) else ())
            if isinstance(entry, Mapping)
        )
        return cls(limits=limits)


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorEvent(ServerEvent):
    """The server refused something. An error does not close the socket.

    `type` is the error's type (e.g. `invalid_request_error`), `event_id` the id of the client event that caused it
    when the server says so (our `ClientEvent.event_id`).
    """

    TYPE: ClassVar[str] = "error"
    type: str
    code: str
    message: str
    param: str
    event_id: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ErrorEvent:
        error = _mapping(data, "error")
        return cls(
            type=_str(error, "type"),
            code=_str(error, "code"),
            message=_str(error, "message"),
            param=_str(error, "param"),
            event_id=_str(error, "event_id"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Unknown(ServerEvent):
    """A server event this module does not model (yet). `type` is its wire name, `payload` the whole message."""

    type: str
    payload: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Unknown:
        return cls(type=_str(data, "type"), payload=data)


# --------------------------------------------------------------------------------------------------------------------
# THE parse table: every modelled server event, with the beta wire names that mean the same thing.
# --------------------------------------------------------------------------------------------------------------------

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


# Lenient field readers: the server adds fields over time and sometimes omits or nulls optional ones.


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value)


def _float(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _content_ref(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "response_id": _str(data, "response_id"),
        "item_id": _str(data, "item_id"),
        "output_index": _int(data, "output_index"),
        "content_index": _int(data, "content_index"),
    }


def _item(data: Mapping[str, Any]) -> Item:
    parts = data.get("content")
    texts: list[str] = []
    for part in parts if isinstance(parts, Sequence) and not isinstance(parts, str) else ():
        if isinstance(part, Mapping):
            texts.append(_str(part, "text") or _str(part, "transcript"))
    return Item(
        id=_str(data, "id"),
        type=_str(data, "type"),
        status=_str(data, "status"),
        role=_str(data, "role"),
        text="".join(texts),
        call_id=_str(data, "call_id"),
        name=_str(data, "name"),
        arguments=_str(data, "arguments"),
        output=_str(data, "output"),
    )


def _usage(data: Mapping[str, Any]) -> Usage:
    inp = _mapping(data, "input_token_details")
    out = _mapping(data, "output_token_details")
    return Usage(
        total_tokens=_int(data, "total_tokens"),
        input_tokens=_int(data, "input_tokens"),
        output_tokens=_int(data, "output_tokens"),
        input_text_tokens=_int(inp, "text_tokens"),
        input_audio_tokens=_int(inp, "audio_tokens"),
        cached_tokens=_int(inp, "cached_tokens"),
        output_text_tokens=_int(out, "text_tokens"),
        output_audio_tokens=_int(out, "audio_tokens"),
    )


# --------------------------------------------------------------------------------------------------------------------
# Client events
# --------------------------------------------------------------------------------------------------------------------

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


TurnDetectionMode = Literal["server_vad", "semantic_vad", "manual"]
Modality = Literal["audio", "text"]
NoiseReduction = Literal["near_field", "far_field"]
Eagerness = Literal["low", "medium", "high", "auto"]

_TURN_DETECTION_MODES = ("server_vad", "semantic_vad", "manual")


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """What `session.update` asks for, independent of the dialect it is sent in.

    `turn_detection="manual"` switches the server's VAD off: the client commits the input buffer and asks for
    responses itself. `tools` are JSON-schema function descriptions, either flat (`{"name", "description",
    "parameters"}`) or in the chat-completions wrapping (`{"type": "function", "function": {...}}`).
    `transcription_model=None` turns transcription of the user's speech off.
    """

    instructions: str = ""
    voice: str = "alloy"
    speed: float = 1.0
    tools: Sequence[Mapping[str, Any]] = ()
    tool_choice: str = "auto"
    turn_detection: TurnDetectionMode = "server_vad"
    threshold: float = 0.5
    silence_ms: int = 500
    prefix_padding_ms: int = 300
    eagerness: Eagerness = "auto"
    create_response: bool = True
    interrupt_response: bool = True
    transcription_model: str | None = "gpt-4o-mini-transcribe"
    transcription_language: str | None = None
    noise_reduction: NoiseReduction | None = None
    output_modalities: Sequence[Modality] = ("audio",)
    max_output_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.turn_detection not in _TURN_DETECTION_MODES:
            raise ValueError(f"turn_detection must be one of {_TURN_DETECTION_MODES}, not {self.turn_detection!r}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be within 0..1, not {self.threshold}")
        if not 0.25 <= self.speed <= 1.5:
            raise ValueError(f"speed must be within 0.25..1.5, not {self.speed}")
        if not self.output_modalities or any(m not in ("audio", "text") for m in self.output_modalities):
            raise ValueError(f"output_modalities must be a non-empty subset of audio/text: {self.output_modalities}")
        object.__setattr__(self, "tools", tuple(function_tool(tool) for tool in self.tools))
        object.__setattr__(self, "output_modalities", tuple(self.output_modalities))

    @property
    def speaks(self) -> bool:
        return "audio" in self.output_modalities


def function_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """A realtime function tool (`{"type": "function", "name", "description", "parameters"}`) from either the flat
    or the chat-completions wrapped JSON-schema description."""
    inner = tool.get("function")
    spec: Mapping[str, Any] = inner if isinstance(inner, Mapping) else tool
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"a tool needs a name: {tool!r}")
    return {
        "type": "function",
        "name": name,
        "description": str(spec.get("description") or ""),
        "parameters": dict(spec.get("parameters") or {"type": "object", "properties": {}}),
    }


def _turn_detection(config: SessionConfig) -> dict[str, Any] | None:
    if config.turn_detection == "manual":
        return None
    if config.turn_detection == "semantic_vad":
        return {
            "type": "semantic_vad",
            "eagerness": config.eagerness,
            "create_response": config.create_response,
            "interrupt_response": config.interrupt_response,
        }
    return {
        "type": "server_vad",
        "threshold": config.threshold,
        "prefix_padding_ms": config.prefix_padding_ms,
        "silence_duration_ms": config.silence_ms,
        "create_response": config.create_response,
        "interrupt_response": config.interrupt_response,
    }


def _transcription(config: SessionConfig) -> dict[str, Any] | None:
    if not config.transcription_model:
        return None
    settings: dict[str, Any] = {"model": config.transcription_model}
    if config.transcription_language:
        settings["language"] = config.transcription_language
    return settings


def session_update(config: SessionConfig, dialect: Dialect = Dialect.GA) -> ClientEvent:
    """`session.update` in the shape the dialect expects.

    GA nests audio settings (`session.type="realtime"`, `output_modalities`, `audio.input.*`, `audio.output.*`);
    beta has them flat (`modalities`, `voice`, `input_audio_format`, `input_audio_transcription`,
    `turn_detection`). GA accepts a single output modality (audio replies carry their transcript anyway); beta
    wants `["audio", "text"]` for spoken replies.
    """
    transcription = _transcription(config)
    session: dict[str, Any]
    if dialect is Dialect.GA:
        audio_input: dict[str, Any] = {
            "format": {"type": "audio/pcm", "rate": SAMPLE_RATE},
            "turn_detection": _turn_detection(config),
        }
        if transcription is not None:
            audio_input["transcription"] = transcription
        if config.noise_reduction is not None:
            audio_input["noise_reduction"] = {"type": config.noise_reduction}
        session = {
            "type": "realtime",
            "output_modalities": ["audio"] if config.speaks else ["text"],
            "audio": {
                "input": audio_input,
                "output": {
                    "format": {"type": "audio/pcm", "rate": SAMPLE_RATE},
                    "voice": config.voice,
                    "speed": config.speed,
                },
            },
        }
        if config.max_output_tokens is not None:
            session["max_output_tokens"] = config.max_output_tokens
    else:
        session = {
            "modalities": ["audio", "text"] if config.speaks else ["text"],
            "voice": config.voice,
            "input_audio_format": "pcm16",
            "output_audio_format": "pcm16",
            "input_audio_transcription": transcription,
            "turn_detection": _turn_detection(config),
        }
        if config.speed != 1.0:
            session["speed"] = config.speed
        if config.noise_reduction is not None:
            session["input_audio_noise_reduction"] = {"type": config.noise_reduction}
        if config.max_output_tokens is not None:
            session["max_response_output_tokens"] = config.max_output_tokens
    if config.instructions:
        session["instructions"] = config.instructions
    session["tools"] = [dict(tool) for tool in config.tools]
    session["tool_choice"] = config.tool_choice
    return ClientEvent("session.update", {"session": session})


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
