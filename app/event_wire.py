"""Reading and writing the JSON objects events travel as (SSE `data`, history rows, `chat --json`).

Readers are lenient on purpose: history written by any earlier Aisle must still read back, so a missing or
ill-typed key gives the field's neutral value instead of an exception.
"""

from __future__ import annotations

from typing import Any, TypeAlias

JsonObject: TypeAlias = dict[str, Any]  # a decoded JSON object: its values are whatever JSON holds


def put(base: JsonObject, **optional: object) -> JsonObject:
    """`base` with each optional key added after it, in order, unless its value is None."""
    base.update((key, value) for key, value in optional.items() if value is not None)
    return base


def as_str(data: JsonObject, key: str, default: str = "") -> str:
    value = data.get(key)
    return value if isinstance(value, str) else default


def opt_str(data: JsonObject, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def as_bool(data: JsonObject, key: str) -> bool:
    return bool(data.get(key, False))


def as_int(data: JsonObject, key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def as_float(data: JsonObject, key: str) -> float:
    value = data.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def as_object(data: JsonObject, key: str) -> JsonObject:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def as_list(data: JsonObject, key: str) -> list[object]:
    value = data.get(key)
    return value if isinstance(value, list) else []
