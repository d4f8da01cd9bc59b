"""Ports: what the core offers the layers around it, as typed protocols (the runtime implements them).

`audio/` sees the running app only through `VoiceHost`, so it cannot reach the brain set-up or the composition root.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from app.bus import EventBus
from app.catalog.store import Catalog
from app.conversation import Conversation
from app.settings import Settings

T = TypeVar("T")


class VoiceHost(Protocol):
    """What the voice pipeline needs from the running app."""

    settings: Settings
    bus: EventBus
    conversation: Conversation
    catalog: Catalog
    catalog_listeners: list[Callable[[], Any]]

    def run_blocking(self, fn: Callable[[], T]) -> Awaitable[T]:
        """Run blocking work on the app's worker pool."""
