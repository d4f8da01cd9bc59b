"""Server events about the connection itself: rate limits, errors (which do not close the socket), and `Unknown` for
anything not modelled yet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agent.realtime.events.values import RateLimit
from agent.realtime.events.wire import ServerEvent, float_field, int_field, mapping_field, text_field


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimitsUpdated(ServerEvent):
    TYPE: ClassVar[str] = "rate_limits.updated"
    limits: tuple[RateLimit, ...]

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> RateLimitsUpdated:
        raw = data.get("rate_limits")
        limits = tuple(
            RateLimit(
                name=text_field(entry, "name"),
                limit=int_field(entry, "limit"),
                remaining=int_field(entry, "remaining"),
                reset_seconds=float_field(entry, "reset_seconds"),
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
        error = mapping_field(data, "error")
        return cls(
            type=text_field(error, "type"),
            code=text_field(error, "code"),
            message=text_field(error, "message"),
            param=text_field(error, "param"),
            event_id=text_field(error, "event_id"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Unknown(ServerEvent):
    """A server event this module does not model (yet). `type` is its wire name, `payload` the whole message."""

    type: str
    payload: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Unknown:
        return cls(type=text_field(data, "type"), payload=data)
