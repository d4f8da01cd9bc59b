"""What a realtime session is asked to be (`SessionConfig`) and the `session.update` that asks it, in the shape of
either dialect (GA nests audio settings under `audio.input` / `audio.output`; beta has them flat)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from agent.realtime.events.client import ClientEvent
from agent.realtime.events.wire import SAMPLE_RATE, Dialect

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
