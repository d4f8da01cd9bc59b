"""The one interface every conversation brain implements (offline, OpenAI Realtime, Azure OpenAI, Azure Speech).

A brain answers shopper turns by publishing `text_chunk` events and exactly one `completion` per turn on the
session, and acts only through the tool runner it was given. Voice brains additionally take captured audio through
`VoiceBrain`; the conversation host treats all brains the same.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from app.session import ShopperSession


class ToolRunner(Protocol):
    async def call(self, session: ShopperSession, name: str, arguments: str | dict[str, Any] | None,
                   call_id: str = "", source: str = "assistant") -> dict[str, Any]: ...


@runtime_checkable
class Brain(Protocol):
    name: str

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
