"""Small value types several server events carry (items, function calls, token usage, rate limits), and how an item
and a usage block are read from the wire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent.realtime.events.wire import int_field, mapping_field, text_field


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


def item_from_wire(data: Mapping[str, Any]) -> Item:
    parts = data.get("content")
    texts: list[str] = []
    for part in parts if isinstance(parts, Sequence) and not isinstance(parts, str) else ():
        if isinstance(part, Mapping):
            texts.append(text_field(part, "text") or text_field(part, "transcript"))
    return Item(
        id=text_field(data, "id"),
        type=text_field(data, "type"),
        status=text_field(data, "status"),
        role=text_field(data, "role"),
        text="".join(texts),
        call_id=text_field(data, "call_id"),
        name=text_field(data, "name"),
        arguments=text_field(data, "arguments"),
        output=text_field(data, "output"),
    )


def usage_from_wire(data: Mapping[str, Any]) -> Usage:
    inp = mapping_field(data, "input_token_details")
    out = mapping_field(data, "output_token_details")
    return Usage(
        total_tokens=int_field(data, "total_tokens"),
        input_tokens=int_field(data, "input_tokens"),
        output_tokens=int_field(data, "output_tokens"),
        input_text_tokens=int_field(inp, "text_tokens"),
        input_audio_tokens=int_field(inp, "audio_tokens"),
        cached_tokens=int_field(inp, "cached_tokens"),
        output_text_tokens=int_field(out, "text_tokens"),
        output_audio_tokens=int_field(out, "audio_tokens"),
    )
