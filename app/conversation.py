"""The conversation host: one active shopper session, one brain, and every way a shopper can take a turn.

Typed, tapped, spoken and posted turns all come through here, so the transcript, the history and every screen see
the same conversation. Turns are handled one at a time; a new turn interrupts a reply still streaming. Ending a
session (idle, "start over", checkout finished, shutdown) drops everything about it from memory.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from app.brain import Brain, ListeningBrain, ToolRunner
from app.bus import EventBus
from app.events import ErrorRaised, ReplyCompleted, SessionEnded, SessionStarted
from app.fallback import active_brain
from app.session import ShopperSession
from app.text_clean import strip_invisible

log = logging.getLogger("aisle.app.conversation")

MAX_MESSAGE_CHARS = 1000


class MessageRejected(ValueError):
    """A shopper message that cannot be taken (empty or too long); the message says why."""


class Conversation:
    def __init__(self, bus: EventBus, tools: ToolRunner, brain: Brain, max_chars: int = MAX_MESSAGE_CHARS) -> None:
        self.bus = bus
        self.tools = tools
        self.brain = brain
        self.max_chars = max_chars
        self.session: ShopperSession | None = None
        self._turn_lock = asyncio.Lock()

    def listening_brain(self) -> ListeningBrain | None:
        """The brain answering now when it hears the shopper itself (a realtime model); None for text brains."""
        brain = active_brain(self.brain)
        return brain if isinstance(brain, ListeningBrain) else None

    async def start_session(self, shown_ids: list[str] | None = None) -> ShopperSession:
        """Begin a new session (ending any current one first)."""
        if self.session is not None:
            await self.end_session("replaced")
        session = ShopperSession(self.bus, self.brain.name)
        self.session = session
        session.publish(SessionStarted(self.brain.name))
        if shown_ids:
            session.context.record("featured", "featured", shown_ids)
        await self.brain.start_session(session)
        session.publish_context()
        return session

    async def ensure_session(self) -> ShopperSession:
        return self.session if self.session is not None else await self.start_session()

    def check_message(self, text: str) -> str:
        clean = " ".join(strip_invisible(str(text or "")).split())  # NUL, zero-width: nothing
        if not clean:
            raise MessageRejected("The message is empty.")
        if len(clean) > self.max_chars:
            raise MessageRejected(f"The message is too long ({len(clean)} characters; the limit is {self.max_chars}).")
        return clean

    async def submit_text(self, text: str, source: str = "typed") -> None:
        """Take one shopper turn and let the brain answer it. Never raises for brain failures."""
        clean = self.check_message(text)
        session = await self.ensure_session()
        if self._turn_lock.locked():
            await self.brain.interrupt(session)
        async with self._turn_lock:
            if session is not self.session:  # the session ended while this turn waited
                return
            session.record_shopper_turn(clean, source)
            try:
                await self.brain.respond(session, clean)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("brain %s failed on a turn", self.brain.name)
                session.publish(ErrorRaised(
                    "Sorry, something went wrong on my side. Please try again, or ask a staff member.",
                    "brain_failed", detail=type(exc).__name__))
                session.publish(ReplyCompleted("", failed=True))
        if session.end_requested and session is self.session:
            await self.end_session(session.end_requested)

    async def touch(self, tool: str, arguments: dict[str, Any], label: str) -> dict[str, Any]:
        """A tap on the screen: a shopper turn (`label`, e.g. "Add to cart: Northpeak Ridgeline 2") that runs
        `tool` directly, so the transcript, history and other screens record it like any other turn."""
        session = await self.ensure_session()
        if self._turn_lock.locked():
            await self.brain.interrupt(session)
        async with self._turn_lock:
            if session is not self.session:
                return {"ok": False, "error": {"code": "session_ended", "message": "The session has ended."}}
            session.record_shopper_turn(label, "touch", tool=tool)
            result = await self.tools.call(session, tool, arguments, source="touch")
            outcome = "done" if result.get("ok") else result["error"]["message"]
            try:
                await self.brain.note_action(session, f"The shopper tapped '{label}' ({tool} {arguments}): {outcome}")
            except Exception:
                log.exception("brain %s failed to note a touch action", self.brain.name)
        return result

    async def end_session(self, reason: str) -> None:
        """End the current session: history records why, and nothing of it stays in memory."""
        session = self.session
        if session is None:
            return
        self.session = None
        session.ended = True
        try:
            await self.brain.interrupt(session)
            await self.brain.end_session(session)
        except Exception:
            log.exception("brain %s failed to end a session", self.brain.name)
        session.publish(SessionEnded(reason, session.order_number, session.cart.total))
        self.bus.forget(session.id)
        session.cart.clear()
        session.context.clear()
        session.turns.clear()
