"""Keeps the kiosk answering when a cloud brain cannot: the offline brain is the net.

`FallbackBrain` is the one brain the conversation sees. It delegates to the cloud brain while it is healthy. When the
cloud brain reports `BrainUnavailable` (a wrong key at once; a network outage after the brain's own retries) it
switches to the offline brain, says so on screen, and — unless the failure was permanent — probes the cloud brain in
the background and switches back by itself when the service answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from app.brain import Brain, BrainUnavailable
from app.events import BrainChanged, NoticePosted
from app.session import ShopperSession

log = logging.getLogger("aisle.app.fallback")

Probe = Callable[[], Awaitable[None]]


class FallbackBrain:
    def __init__(
        self, primary: Brain, offline: Brain, probe: Probe | None = None, probe_interval_s: float = 30.0
    ) -> None:
        self.primary = primary
        self.offline = offline
        self._probe = probe
        self.probe_interval_s = probe_interval_s
        self.active: Brain = primary
        self.reason = ""
        self._session: ShopperSession | None = None
        self._probe_task: asyncio.Task[None] | None = None
        self._for_this_session_only = False

    @property
    def name(self) -> str:
        return self.active.name

    @property
    def on_cloud(self) -> bool:
        return self.active is self.primary

    async def fall_back(self, failure: BrainUnavailable) -> None:
        """Switch to the offline brain (idempotent) and start probing unless the failure is permanent."""
        if self.active is self.offline:
            return
        log.warning("brain %s unavailable (%s); using the offline brain", self.primary.name, failure)
        self.active = self.offline
        self.reason = str(failure)
        self._for_this_session_only = failure.session_only
        session = self._session
        if session is not None and not session.ended:
            await self.offline.start_session(session)
            session.brain = self.offline.name
            session.publish(BrainChanged(self.offline.name, self.primary.name, True, str(failure)))
            session.publish(NoticePosted("brain_fallback", f"Offline mode: {failure}", level="warning"))
        if not failure.permanent and self._probe is not None and self._probe_task is None:
            self._probe_task = asyncio.create_task(self._probe_until_back())

    async def _probe_until_back(self) -> None:
        assert self._probe is not None
        try:
            while self.active is self.offline:
                await asyncio.sleep(self.probe_interval_s)
                try:
                    await self._probe()
                except BrainUnavailable as exc:
                    log.info("cloud brain still unavailable: %s", exc)
                    if exc.permanent:
                        return
                    continue
                except Exception:
                    log.exception("probing the cloud brain failed")
                    continue
                await self._return_to_primary()
        finally:
            self._probe_task = None

    async def _return_to_primary(self) -> None:
        self.active = self.primary
        self.reason = ""
        session = self._session
        if session is not None and not session.ended:
            try:
                await self.primary.start_session(session)
            except BrainUnavailable as exc:
                await self.fall_back(exc)
                return
            session.brain = self.primary.name
            session.publish(BrainChanged(self.primary.name, self.offline.name, False, ""))
            session.publish(NoticePosted("brain_restored", "Back online.", level="info"))

    async def _guard(self, call: Callable[[Brain], Awaitable[None]]) -> None:
        if self.active is self.primary:
            try:
                await call(self.primary)
                return
            except BrainUnavailable as exc:
                await self.fall_back(exc)
        await call(self.offline)

    async def start_session(self, session: ShopperSession) -> None:
        if self.active is self.offline and self._for_this_session_only:
            self.active, self.reason, self._for_this_session_only = self.primary, "", False
        self._session = session
        await self._guard(lambda brain: brain.start_session(session))

    async def respond(self, session: ShopperSession, text: str) -> None:
        await self._guard(lambda brain: brain.respond(session, text))

    async def note_action(self, session: ShopperSession, summary: str) -> None:
        await self._guard(lambda brain: brain.note_action(session, summary))

    async def interrupt(self, session: ShopperSession) -> None:
        await self.active.interrupt(session)

    async def end_session(self, session: ShopperSession) -> None:
        self._session = None
        for brain in (self.primary, self.offline):
            with contextlib.suppress(BrainUnavailable):
                await brain.end_session(session)

    async def close(self) -> None:
        if self._probe_task is not None:
            self._probe_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe_task
        for brain in (self.primary, self.offline):
            await brain.close()


def active_brain(brain: Brain) -> Brain:
    """The brain actually answering now (looks through a `FallbackBrain`)."""
    return brain.active if isinstance(brain, FallbackBrain) else brain
