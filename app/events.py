"""The event vocabulary shared by every part of Aisle: one frozen dataclass per thing that can happen.

An `Event` is the envelope (session, a per-session `id`, a wall-clock `timestamp`) around a typed payload such as
`ReplyChunkStreamed` or `ToolCalled`. Code names are past tense; the wire names (`text_chunk`, `function_call`,
`completion`, ...) and the wire `data` objects are what history stores, the SSE stream sends and `aisle chat --json`
prints, so they never change: each payload knows its `EventKind` and writes itself with `to_wire()`, and
`payload_from_wire` reads one back (history replay, SSE resume). `tests/test_event_wire.py` pins every kind's JSON.

A payload's optional wire keys are omitted when they are `None` (or, for flags, when false), exactly as publishers
left them out before the payloads were typed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, TypeAlias

from app.event_wire import JsonObject, as_bool, as_float, as_int, as_list, as_object, as_str, opt_str, put


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


class VoiceState(StrEnum):
    """What the assistant is doing, for the on-screen indicator."""

    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    UNAVAILABLE = "unavailable"


KNOWN_VOICE_STATES = frozenset(state.value for state in VoiceState)


@dataclass(frozen=True, slots=True)
class SessionStarted:
    KIND: ClassVar[EventKind] = EventKind.SESSION_STARTED
    brain: str

    def to_wire(self) -> JsonObject:
        return {"brain": self.brain}

    @staticmethod
    def from_wire(data: JsonObject) -> SessionStarted:
        return SessionStarted(as_str(data, "brain"))


@dataclass(frozen=True, slots=True)
class SessionEnded:
    KIND: ClassVar[EventKind] = EventKind.SESSION_ENDED
    reason: str
    order_number: str | None
    total: float

    def to_wire(self) -> JsonObject:
        return {"reason": self.reason, "order_number": self.order_number, "total": self.total}

    @staticmethod
    def from_wire(data: JsonObject) -> SessionEnded:
        return SessionEnded(as_str(data, "reason"), opt_str(data, "order_number"), as_float(data, "total"))


@dataclass(frozen=True, slots=True)
class ShopperSpoke:
    """A shopper turn as text, however it came: `source` is typed | touch | voice | api."""

    KIND: ClassVar[EventKind] = EventKind.SHOPPER_MESSAGE
    text: str
    source: str
    tool: str | None = None  # the tool a tap ran
    item_id: str | None = None  # the realtime model's item the transcript belongs to

    def to_wire(self) -> JsonObject:
        return put({"text": self.text, "source": self.source}, tool=self.tool, item_id=self.item_id)

    @staticmethod
    def from_wire(data: JsonObject) -> ShopperSpoke:
        return ShopperSpoke(as_str(data, "text"), as_str(data, "source"), opt_str(data, "tool"),
                            opt_str(data, "item_id"))


@dataclass(frozen=True, slots=True)
class ReplyChunkStreamed:
    KIND: ClassVar[EventKind] = EventKind.TEXT_CHUNK
    text: str
    item_id: str | None = None

    def to_wire(self) -> JsonObject:
        return put({"text": self.text}, item_id=self.item_id)

    @staticmethod
    def from_wire(data: JsonObject) -> ReplyChunkStreamed:
        return ReplyChunkStreamed(as_str(data, "text"), opt_str(data, "item_id"))


@dataclass(frozen=True, slots=True)
class ToolCalled:
    """A tool ran. `parameters` is what it was called with (the raw arguments when they did not parse)."""

    KIND: ClassVar[EventKind] = EventKind.FUNCTION_CALL
    name: str
    parameters: object
    result: JsonObject
    call_id: str = ""
    duration_ms: float = 0.0
    source: str = "assistant"

    @property
    def ok(self) -> bool:
        return bool(self.result.get("ok"))

    def to_wire(self) -> JsonObject:
        return {"name": self.name, "parameters": self.parameters, "result": self.result, "call_id": self.call_id,
                "duration_ms": self.duration_ms, "source": self.source}

    @staticmethod
    def from_wire(data: JsonObject) -> ToolCalled:
        return ToolCalled(as_str(data, "name"), data.get("parameters"), as_object(data, "result"),
                          as_str(data, "call_id"), as_float(data, "duration_ms"), as_str(data, "source"))


@dataclass(frozen=True, slots=True)
class ReplyCompleted:
    """The assistant's turn is over: `text` is what was said (up to where it was cut off when `interrupted`);
    a turn that `failed` has no text and no `interrupted` flag on the wire."""

    KIND: ClassVar[EventKind] = EventKind.COMPLETION
    text: str
    interrupted: bool = False
    failed: bool = False

    def to_wire(self) -> JsonObject:
        if self.failed:
            return {"text": self.text, "failed": True}
        return {"text": self.text, "interrupted": self.interrupted}

    @staticmethod
    def from_wire(data: JsonObject) -> ReplyCompleted:
        return ReplyCompleted(as_str(data, "text"), as_bool(data, "interrupted"), as_bool(data, "failed"))


@dataclass(frozen=True, slots=True)
class ErrorRaised:
    KIND: ClassVar[EventKind] = EventKind.ERROR
    message: str
    code: str
    detail: str | None = None
    permanent: bool | None = None
    audience: str | None = None  # "staff" when only staff can act on it

    def to_wire(self) -> JsonObject:
        return put({"message": self.message, "code": self.code}, detail=self.detail, permanent=self.permanent,
                   audience=self.audience)

    @staticmethod
    def from_wire(data: JsonObject) -> ErrorRaised:
        permanent = data.get("permanent")
        return ErrorRaised(as_str(data, "message"), as_str(data, "code"), opt_str(data, "detail"),
                           permanent if isinstance(permanent, bool) else None, opt_str(data, "audience"))


@dataclass(frozen=True, slots=True)
class ContextChanged:
    """What the shopper has: the cart (as `Cart.to_dict()`), the products on screen, the product in focus."""

    KIND: ClassVar[EventKind] = EventKind.CONTEXT
    cart: JsonObject
    shown_ids: list[str] = field(default_factory=list)
    focus: str | None = None

    def to_wire(self) -> JsonObject:
        return {"cart": self.cart, "shown_ids": self.shown_ids, "focus": self.focus}

    @staticmethod
    def from_wire(data: JsonObject) -> ContextChanged:
        return ContextChanged(as_object(data, "cart"), [str(i) for i in as_list(data, "shown_ids")],
                              opt_str(data, "focus"))


@dataclass(frozen=True, slots=True)
class NoticePosted:
    """A status line. Most notices carry `message`; history's own notices carry `text` (as they always have)."""

    KIND: ClassVar[EventKind] = EventKind.NOTICE
    code: str
    message: str | None = None
    level: str | None = None  # info | warning
    text: str | None = None
    audience: str | None = None

    @property
    def words(self) -> str:
        return self.message or self.text or ""

    def to_wire(self) -> JsonObject:
        return put({}, level=self.level, message=self.message, text=self.text, code=self.code,
                   audience=self.audience)

    @staticmethod
    def from_wire(data: JsonObject) -> NoticePosted:
        return NoticePosted(as_str(data, "code"), opt_str(data, "message"), opt_str(data, "level"),
                            opt_str(data, "text"), opt_str(data, "audience"))


@dataclass(frozen=True, slots=True)
class VoiceStateChanged:
    KIND: ClassVar[EventKind] = EventKind.VOICE_STATE
    state: VoiceState
    text: str | None = None  # the words heard so far, while listening
    message: str | None = None  # why voice is unavailable
    brain: str | None = None

    def to_wire(self) -> JsonObject:
        return put({"state": self.state.value}, text=self.text, message=self.message, brain=self.brain)

    @staticmethod
    def from_wire(data: JsonObject) -> VoiceStateChanged:
        state = as_str(data, "state")
        return VoiceStateChanged(VoiceState(state) if state in KNOWN_VOICE_STATES else VoiceState.IDLE,
                                 opt_str(data, "text"), opt_str(data, "message"), opt_str(data, "brain"))


@dataclass(frozen=True, slots=True)
class TranscriptHeard:
    """Speech recognised so far (`final` False) or for the whole utterance; `accepted` False when it was not
    understood well enough to take as a turn."""

    KIND: ClassVar[EventKind] = EventKind.TRANSCRIPT
    text: str
    final: bool
    role: str = "shopper"
    accepted: bool | None = None
    item_id: str | None = None

    def to_wire(self) -> JsonObject:
        return put({"role": self.role, "text": self.text, "final": self.final}, accepted=self.accepted,
                   item_id=self.item_id)

    @staticmethod
    def from_wire(data: JsonObject) -> TranscriptHeard:
        accepted = data.get("accepted")
        return TranscriptHeard(as_str(data, "text"), as_bool(data, "final"), as_str(data, "role", "shopper"),
                               accepted if isinstance(accepted, bool) else None, opt_str(data, "item_id"))


@dataclass(frozen=True, slots=True)
class BrainChanged:
    KIND: ClassVar[EventKind] = EventKind.BRAIN_CHANGED
    brain: str
    previous: str
    fallback: bool
    reason: str = ""

    def to_wire(self) -> JsonObject:
        return {"brain": self.brain, "previous": self.previous, "fallback": self.fallback, "reason": self.reason}

    @staticmethod
    def from_wire(data: JsonObject) -> BrainChanged:
        return BrainChanged(as_str(data, "brain"), as_str(data, "previous"), as_bool(data, "fallback"),
                            as_str(data, "reason"))


@dataclass(frozen=True, slots=True)
class UsageRecorded:
    """Tokens billed for one response (`session_total` so far, for the realtime brain's budget)."""

    KIND: ClassVar[EventKind] = EventKind.USAGE
    input_tokens: int
    output_tokens: int
    total_tokens: int
    session_total: int | None = None
    brain: str | None = None
    model: str | None = None

    def to_wire(self) -> JsonObject:
        return put({"input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                    "total_tokens": self.total_tokens},
                   session_total=self.session_total, brain=self.brain, model=self.model)

    @staticmethod
    def from_wire(data: JsonObject) -> UsageRecorded:
        total = data.get("session_total")
        return UsageRecorded(as_int(data, "input_tokens"), as_int(data, "output_tokens"), as_int(data, "total_tokens"),
                             total if isinstance(total, int) else None, opt_str(data, "brain"), opt_str(data, "model"))


Payload: TypeAlias = (SessionStarted | SessionEnded | ShopperSpoke | ReplyChunkStreamed | ToolCalled | ReplyCompleted
                      | ErrorRaised | ContextChanged | NoticePosted | VoiceStateChanged | TranscriptHeard | BrainChanged
                      | UsageRecorded)

DECODERS: dict[EventKind, Callable[[JsonObject], Payload]] = {
    cls.KIND: cls.from_wire
    for cls in (SessionStarted, SessionEnded, ShopperSpoke, ReplyChunkStreamed, ToolCalled, ReplyCompleted,
                ErrorRaised, ContextChanged, NoticePosted, VoiceStateChanged, TranscriptHeard, BrainChanged,
                UsageRecorded)
}


def payload_from_wire(kind: str | EventKind, data: Mapping[str, object]) -> Payload:
    """The payload of a stored or streamed event; `ValueError` for a kind Aisle does not know."""
    return DECODERS[EventKind(kind)](dict(data))


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened in a session: the envelope around its payload."""

    session_id: str
    id: int
    payload: Payload
    timestamp: float = field(default_factory=time.time)

    @property
    def kind(self) -> EventKind:
        return self.payload.KIND

    @property
    def data(self) -> JsonObject:
        """The wire `data` object (built on each read: do not change it)."""
        return self.payload.to_wire()

    def to_json_dict(self) -> JsonObject:
        """The shape printed by `aisle chat --json` and sent as SSE data."""
        return {
            "event": self.kind.value,
            "data": self.payload.to_wire(),
            "id": self.id,
            "timestamp": self.timestamp,
            "session_id": self.session_id,
        }

    @staticmethod
    def from_wire(session_id: str, event_id: int, kind: str, data: Mapping[str, object], timestamp: float) -> Event:
        """An event as history stored it."""
        return Event(session_id, event_id, payload_from_wire(kind, data), timestamp)
