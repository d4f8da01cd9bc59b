"""Ports: typed protocols between the core and the layers around it.

`audio/` sees the running app only through `VoiceHost` (the runtime implements it), so it cannot reach the brain set-up
or the composition root; the window sees voice only through `VoicePort` (implemented in `audio/`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeAlias, TypeVar

from app.bus import EventBus
from app.catalog.store import Catalog
from app.conversation import Conversation
from app.events import VoiceState
from app.settings import Settings

T = TypeVar("T")

CatalogListener: TypeAlias = Callable[[], Awaitable[None] | None]
"""Told that the catalog changed (a staff import, a fleet swap): the tools, the offline brain and voice rebuild what
they derived from it. A port, not a bus event: it belongs to no shopper session."""


class VoiceHost(Protocol):
    """What the voice pipeline needs from the running app."""

    settings: Settings
    bus: EventBus
    conversation: Conversation
    catalog: Catalog
    catalog_listeners: list[CatalogListener]

    def run_blocking(self, fn: Callable[[], T]) -> Awaitable[T]:
        """Run blocking work on the app's worker pool."""


class VoiceProblem(Exception):
    """Voice could not do what was asked; ``str(exc)`` is a sentence a person can act on."""


class VoicePort(Protocol):
    """What the kiosk window needs from voice: its state, the staff panel's controls, push-to-talk.

    Implemented in `audio/` (`audio.voice_port.ServiceVoicePort`); the window holds one only when voice runs."""

    def state(self) -> VoiceState:
        """What voice is doing now."""

    def on_state_changed(self, listener: Callable[[VoiceState], None]) -> None:
        """Call `listener(state)` on every change, from any thread (the caller queues it to its own)."""

    def status(self) -> str:
        """One line for /health and the staff panel ("on (aec)", "unavailable: …"); reads only, any thread."""

    def problem(self) -> str:
        """Why voice is not working, in words for staff; "" while it works."""

    def input_level_dbfs(self) -> float:
        """The microphone's current level (-120 when there is none)."""

    def push_to_talk(self, pressed: bool) -> None:
        """The shopper pressed (True) or released (False) the hold-to-talk button."""

    async def device_names(self) -> tuple[list[str], list[str]]:
        """The microphones and speakers that can be chosen (empty without a sound system)."""

    async def reconfigure(self, input_device: str, output_device: str, push_to_talk: bool) -> None:
        """Switch to the devices chosen by name ("" = the system default) and the push-to-talk mode."""

    async def say(self, text: str) -> None:
        """Speak `text` on the kiosk speaker; raises `VoiceProblem` when it cannot."""
