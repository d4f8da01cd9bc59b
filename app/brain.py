"""The one interface every conversation brain implements (offline, OpenAI Realtime, Azure OpenAI, Azure Speech).

A brain answers shopper turns by publishing `text_chunk` events and exactly one `completion` per turn on the
session, and acts only through the tool runner it was given. Voice brains additionally take captured audio through
`VoiceBrain`; the conversation host treats all brains the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias, runtime_checkable

from app.session import ShopperSession


class ToolRunner(Protocol):
    async def call(self, session: ShopperSession, name: str, arguments: str | dict[str, Any] | None,
                   call_id: str = "", source: str = "assistant") -> dict[str, Any]: ...


@runtime_checkable
class Brain(Protocol):
    @property
    def name(self) -> str:
        """Which brain this is: offline, openai, azure, azure-speech."""

    async def start_session(self, session: ShopperSession) -> None:
        """A new shopper session begins; forget everything about the previous one."""

    async def respond(self, session: ShopperSession, text: str) -> None:
        """Answer one shopper turn: stream `text_chunk`s, call tools, end with one `completion`."""

    async def note_action(self, session: ShopperSession, summary: str) -> None:
        """The shopper acted by touch (the tool already ran); keep the brain's picture of the conversation right."""

    async def interrupt(self, session: ShopperSession) -> None:
        """Stop the reply in progress (barge-in or a new typed turn)."""

    async def end_session(self, session: ShopperSession) -> None:
        """The session ended; drop its state."""

    async def close(self) -> None:
        """Release connections and threads."""


class BrainUnavailable(RuntimeError):
    """A brain cannot serve right now. `permanent` (a wrong key, a forbidden model) means: do not retry until the
    configuration changes. The message is for people and names the setting to fix when there is one."""

    def __init__(self, message: str, permanent: bool = False, session_only: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.session_only = session_only  # e.g. a spent token budget: the next shopper gets the cloud brain again


UnavailableHook: TypeAlias = Callable[[BrainUnavailable], Awaitable[None]]


@runtime_checkable
class ReportsUnavailable(Protocol):
    """A port: a brain that can find out, outside any call of ours (a socket lost for good, a spent voice budget),
    that it cannot serve, and says so through `on_unavailable` — which the composition root wires to
    `FallbackBrain.fall_back` (the shopper then sees `BrainChanged` and a notice on the bus)."""

    on_unavailable: UnavailableHook | None


class SpeechOutput(Protocol):
    """The speaker, as brains that produce their own audio see it (the kiosk's playback behind it)."""

    def play(self, pcm: bytes, samplerate: int, tag: str) -> None:
        """Queue mono PCM16 audio; `tag` names the utterance (e.g. the realtime item id)."""

    def stop(self) -> None:
        """Silence now and drop everything queued (barge-in)."""

    def played_samples(self, tag: str, samplerate: int) -> int:
        """Samples of `tag` the device has actually played, counted at `samplerate`."""

    def is_playing(self) -> bool: ...


@runtime_checkable
class ListeningBrain(Protocol):
    """A brain that hears the shopper itself (the realtime models) instead of taking recognised text."""

    input_samplerate: int

    def attach_voice(self, output: SpeechOutput | None) -> None:
        """Where to play the brain's audio; None when voice is off or the device is gone."""

    def feed_audio(self, pcm: bytes) -> None:
        """Captured PCM16 mono at `input_samplerate` (already echo-controlled). Must not block."""

    async def shopper_speech_started(self) -> None:
        """Local VAD heard the shopper start speaking (debounced): barge in on the assistant."""

    async def shopper_speech_stopped(self) -> None:
        """Local VAD heard the end of the shopper's turn (used with manual turn detection)."""
