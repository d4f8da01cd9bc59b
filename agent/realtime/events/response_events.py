"""Server events of one response: its lifecycle, its output items, audio, transcripts, text and function-call
arguments, and `response.done` with the calls to answer and the tokens used."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agent.realtime.events.values import FunctionCall, Item, Usage, item_from_wire, usage_from_wire
from agent.realtime.events.wire import (
    BYTES_PER_SAMPLE,
    MalformedEvent,
    ServerEvent,
    content_ref,
    int_field,
    mapping_field,
    text_field,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseCreated(ServerEvent):
    TYPE: ClassVar[str] = "response.created"
    response_id: str
    status: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ResponseCreated:
        response = mapping_field(data, "response")
        return cls(response_id=text_field(response, "id"), status=text_field(response, "status"))


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputItemAdded(ServerEvent):
    TYPE: ClassVar[str] = "response.output_item.added"
    response_id: str
    output_index: int
    item: Item

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> OutputItemAdded:
        return cls(
            response_id=text_field(data, "response_id"),
            output_index=int_field(data, "output_index"),
            item=item_from_wire(mapping_field(data, "item")),
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
            response_id=text_field(data, "response_id"),
            output_index=int_field(data, "output_index"),
            item=item_from_wire(mapping_field(data, "item")),
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
            pcm = base64.b64decode(text_field(data, "delta"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedEvent(f"audio delta is not valid base64: {exc}") from exc
        return cls(**content_ref(data), pcm=pcm)


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioDone(ServerEvent):
    TYPE: ClassVar[str] = "response.output_audio.done"
    response_id: str
    item_id: str
    output_index: int
    content_index: int

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> AudioDone:
        return cls(**content_ref(data))


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
        return cls(**content_ref(data), delta=text_field(data, "delta"))


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
        return cls(**content_ref(data), transcript=text_field(data, "transcript"))


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
        return cls(**content_ref(data), delta=text_field(data, "delta"))


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
        return cls(**content_ref(data), text=text_field(data, "text"))


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
            response_id=text_field(data, "response_id"),
            item_id=text_field(data, "item_id"),
            output_index=int_field(data, "output_index"),
            call_id=text_field(data, "call_id"),
            delta=text_field(data, "delta"),
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
            response_id=text_field(data, "response_id"),
            item_id=text_field(data, "item_id"),
            output_index=int_field(data, "output_index"),
            call_id=text_field(data, "call_id"),
            name=text_field(data, "name"),
            arguments=text_field(data, "arguments"),
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
        response = mapping_field(data, "response")
        output = response.get("output")
        usage = response.get("usage")
        return cls(
            response_id=text_field(response, "id"),
            status=text_field(response, "status"),
            status_details=mapping_field(response, "status_details"),
            output=tuple(item_from_wire(item) for item in output if isinstance(item, Mapping))
            if isinstance(output, Sequence)
            else (),
            usage=usage_from_wire(usage) if isinstance(usage, Mapping) else None,
        )
