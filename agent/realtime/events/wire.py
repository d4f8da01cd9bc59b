"""What every part of the realtime protocol shares: the audio format, the two dialects, the error for a message that
cannot be decoded, the base of every server event, and the lenient readers server events are decoded with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

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


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerEvent:
    """Base of every parsed server event. `TYPE` is the GA wire name the event was normalised to."""

    TYPE: ClassVar[str] = ""

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ServerEvent:
        """Every event class reads its own fields; the base has none to read."""
        raise NotImplementedError(f"{cls.__name__} does not say how to read itself from a server message")


# Lenient field readers: the server adds fields over time and sometimes omits or nulls optional ones.


def text_field(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def int_field(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value)


def float_field(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def mapping_field(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def content_ref(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "response_id": text_field(data, "response_id"),
        "item_id": text_field(data, "item_id"),
        "output_index": int_field(data, "output_index"),
        "content_index": int_field(data, "content_index"),
    }
