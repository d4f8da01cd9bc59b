"""Server events about the session, the input audio buffer, the user's transcription and the conversation's items."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from agent.realtime.events.values import Item, item_from_wire
from agent.realtime.events.wire import ServerEvent, int_field, mapping_field, text_field


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionCreated(ServerEvent):
    TYPE: ClassVar[str] = "session.created"
    session: Mapping[str, Any]

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SessionCreated:
        return cls(session=mapping_field(data, "session"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionUpdated(ServerEvent):
    TYPE: ClassVar[str] = "session.updated"
    session: Mapping[str, Any]

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SessionUpdated:
        return cls(session=mapping_field(data, "session"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechStarted(ServerEvent):
    """Server VAD heard the user start speaking (the cue for barge-in)."""

    TYPE: ClassVar[str] = "input_audio_buffer.speech_started"
    item_id: str
    audio_start_ms: int

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SpeechStarted:
        return cls(item_id=text_field(data, "item_id"), audio_start_ms=int_field(data, "audio_start_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechStopped(ServerEvent):
    TYPE: ClassVar[str] = "input_audio_buffer.speech_stopped"
    item_id: str
    audio_end_ms: int

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SpeechStopped:
        return cls(item_id=text_field(data, "item_id"), audio_end_ms=int_field(data, "audio_end_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class InputAudioCommitted(ServerEvent):
    TYPE: ClassVar[str] = "input_audio_buffer.committed"
    item_id: str
    previous_item_id: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InputAudioCommitted:
        return cls(item_id=text_field(data, "item_id"), previous_item_id=text_field(data, "previous_item_id"))


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
        return cls(item=item_from_wire(mapping_field(data, "item")),
                   previous_item_id=text_field(data, "previous_item_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDone(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.done"
    item: Item
    previous_item_id: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ItemDone:
        return cls(item=item_from_wire(mapping_field(data, "item")),
                   previous_item_id=text_field(data, "previous_item_id"))


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptDelta(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.input_audio_transcription.delta"
    item_id: str
    content_index: int
    delta: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InputTranscriptDelta:
        return cls(item_id=text_field(data, "item_id"), content_index=int_field(data, "content_index"),
                   delta=text_field(data, "delta"))


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTranscriptCompleted(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.input_audio_transcription.completed"
    item_id: str
    content_index: int
    transcript: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InputTranscriptCompleted:
        return cls(
            item_id=text_field(data, "item_id"),
            content_index=int_field(data, "content_index"),
            transcript=text_field(data, "transcript"),
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
        error = mapping_field(data, "error")
        return cls(
            item_id=text_field(data, "item_id"),
            content_index=int_field(data, "content_index"),
            code=text_field(error, "code"),
            message=text_field(error, "message"),
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
            item_id=text_field(data, "item_id"),
            content_index=int_field(data, "content_index"),
            audio_end_ms=int_field(data, "audio_end_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDeleted(ServerEvent):
    TYPE: ClassVar[str] = "conversation.item.deleted"
    item_id: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ItemDeleted:
        return cls(item_id=text_field(data, "item_id"))
