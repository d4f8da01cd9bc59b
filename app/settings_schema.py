"""What each setting may be: its type (from the `Settings` field) plus a range, a set of choices or a length.

`CONSTRAINTS` is a table keyed by field name; a field without a row is checked for its type only. `check(name, kind,
raw)` turns a raw value (from TOML, an environment string or a flag) into the field's type and checks its
constraint; it raises `SettingInvalid` whose message says what is allowed, in words ("a whole number from 1 to
3650"). To constrain a new setting, add its plain field line to `Settings` and a row here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SettingInvalid(ValueError):
    """A value a setting cannot take; the message describes what it can."""


@dataclass(frozen=True)
class Range:
    low: float
    high: float

    def check(self, value: float) -> None:
        if not self.low <= value <= self.high:
            raise SettingInvalid("out of range")

    def describe(self, kind: Any) -> str:
        noun = "a whole number" if kind is int else "a number"
        low = int(self.low) if kind is int else self.low
        high = int(self.high) if kind is int else self.high
        return f"{noun} from {low} to {high}"


@dataclass(frozen=True)
class OneOf:
    choices: tuple[str, ...]

    def check(self, value: str) -> None:
        if value not in self.choices:
            raise SettingInvalid("not one of the choices")

    def describe(self, kind: Any) -> str:
        return "one of " + ", ".join(self.choices)


@dataclass(frozen=True)
class Text:
    max_len: int

    def check(self, value: str) -> None:
        if len(value) > self.max_len:
            raise SettingInvalid("too long")

    def describe(self, kind: Any) -> str:
        return f"text of at most {self.max_len} characters"


Constraint = Range | OneOf | Text

CONSTRAINTS: dict[str, Constraint] = {
    "store_name": Text(80),
    "brain": OneOf(("auto", "offline", "openai", "azure", "azure-speech", "local")),
    "history_retention_days": Range(1, 3650),
    "reply_pacing_ms": Range(0, 5000),
    "idle_timeout_s": Range(0, 86_400),  # 0: never reset
    "idle_countdown_s": Range(0, 600),
    "theme": OneOf(("light", "dark", "contrast")),
    "max_message_chars": Range(1, 100_000),
    "api_port": Range(0, 65_535),  # 0: any free port
    "api_post_rate_per_min": Range(0.1, 100_000),
    "api_post_burst": Range(1, 10_000),
    "api_header_timeout_s": Range(1, 600),
    "api_keepalive_s": Range(1, 600),
    "api_max_connections": Range(16, 1_000_000),
    "sse_heartbeat_s": Range(1, 3600),
    "sse_client_queue": Range(10, 1_000_000),
    "sse_ring_size": Range(16, 1_000_000),
    "sse_send_timeout_s": Range(1, 3600),
    "sse_max_clients": Range(1, 100_000),
    "vad_aggressiveness": Range(0, 3),
    "vad_start_ms": Range(10, 5000),
    "vad_silence_ms": Range(100, 10_000),
    "barge_in_ms": Range(0, 5000),
    "echo_mode": OneOf(("auto", "aec", "half-duplex", "off")),
    "tts_rate_wpm": Range(80, 450),
    "openai_speed": Range(0.25, 1.5),
    "turn_detection": OneOf(("server_vad", "semantic_vad", "manual")),
    "session_token_budget": Range(1000, 100_000_000),
    "session_rotate_s": Range(60, 86_400),
}

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def describe(name: str, kind: Any) -> str:
    """What `name` may be, in words."""
    constraint = CONSTRAINTS.get(name)
    if constraint is not None:
        return constraint.describe(kind)
    return {bool: "true or false", int: "a whole number", float: "a number", str: "text"}.get(
        kind, "a list of text" if kind == tuple[str, ...] else "a path")


def _to_type(kind: Any, raw: Any) -> Any:
    text = raw.strip() if isinstance(raw, str) else None
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if text is not None and text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        raise SettingInvalid("not true or false")
    if kind in (int, float):
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise SettingInvalid("not a number")
        try:
            number = float(raw) if kind is float or isinstance(raw, float) or "." in str(raw) else int(str(raw))
        except ValueError as exc:
            raise SettingInvalid("not a number") from exc
        if not math.isfinite(number) or (kind is int and number != int(number)):
            raise SettingInvalid("not a whole number")
        return int(number) if kind is int else float(number)
    if kind == tuple[str, ...]:
        if isinstance(raw, list | tuple):
            items = list(raw)
        elif isinstance(raw, str):
            items = raw.split(",")
        else:
            raise SettingInvalid("not a list")
        return tuple(str(item).strip() for item in items if str(item).strip())
    if kind in (Path, Path | None):
        if not isinstance(raw, str | Path):
            raise SettingInvalid("not a path")
        path = str(raw).strip()
        return Path(path).expanduser() if path else None
    if not isinstance(raw, str):
        raise SettingInvalid("not text")
    return raw.strip() if kind is str else raw


def check(name: str, kind: Any, raw: Any) -> Any:
    """`raw` as the field's type, within its constraint; SettingInvalid (saying what is allowed) otherwise."""
    try:
        value = _to_type(kind, raw)
        constraint = CONSTRAINTS.get(name)
        if constraint is not None:
            constraint.check(value)
    except SettingInvalid as exc:
        raise SettingInvalid(f"{name} = {raw!r} is not allowed: it must be {describe(name, kind)}") from exc
    return value
