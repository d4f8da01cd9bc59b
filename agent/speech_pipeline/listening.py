"""The speech pipeline's listening: Azure recognition started while voice is on and a session is active, stopped when
not, restarted with backoff after it fails; its partial and final transcripts go to the brain.

Belongs to :class:`agent.speech_pipeline.brain.SpeechPipelineBrain` (like `SpokenReply`), which owns the session,
the speaker, the reply in progress and the voice state this reads and sets.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import TYPE_CHECKING

from agent.speech_pipeline.recognition import Recognizer
from app.brain import BrainUnavailable
from app.events import NoticePosted, TranscriptHeard, VoiceState
from app.session import ShopperSession

if TYPE_CHECKING:
    from agent.speech_pipeline.brain import SpeechPipelineBrain

log = logging.getLogger("aisle.agent.speech_pipeline")


class Listening:
    """The recogniser's life in a session. `active`: audio goes to the recogniser; `failed`: recognition failed and
    is being retried (the brain's resting state is then `unavailable`)."""

    def __init__(self, brain: SpeechPipelineBrain, recognizer: Recognizer,
                 restart_delays_s: tuple[float, ...]) -> None:
        self.brain = brain
        self.recognizer = recognizer
        self.restart_delays_s = restart_delays_s or (1.0,)
        self.active = False
        self.failed = False
        self.lock = asyncio.Lock()  # one start/stop of the recogniser at a time
        self.task: asyncio.Task[None] | None = None  # the background (re)start, while one runs

    def want(self, session: ShopperSession | None) -> None:
        """Start listening in the background if voice is on, a session is active and nobody is on it yet."""
        brain = self.brain
        if (session is not None and not session.ended and brain._output is not None and not self.active
                and not brain._suspended and self.task is None):
            self.task = brain._spawn(self._again(session, None), "listen")

    async def start(self, session: ShopperSession) -> bool:
        """Start the recogniser for `session` unless that is no longer wanted; True when listening."""
        brain = self.brain
        async with self.lock:
            if self.active:
                return True
            if brain._output is None or brain._suspended or session is not brain._session or session.ended:
                return False
            await self.recognizer.start(self._on_partial, self._on_final, self._on_error)
            if session is not brain._session or session.ended or brain._output is None or brain._suspended:
                await self.recognizer.stop()
                return False
            self.active = True
            self.failed = False
        if brain._current is None:
            brain._set_state(VoiceState.LISTENING)
        return True

    async def stop(self) -> None:
        self.active = False
        async with self.lock:
            try:
                await self.recognizer.stop()
            except Exception:
                log.debug("stopping recognition failed", exc_info=True)

    def _on_partial(self, text: str) -> None:
        session = self.brain._session
        if session is None or session.ended:
            return
        session.publish(TranscriptHeard(text, final=False))
        if self.brain._current is None:
            self.brain._set_state(VoiceState.LISTENING)

    def _on_final(self, text: str) -> None:
        brain = self.brain
        session = brain._session
        if session is None or session.ended or not text.strip():
            return
        session.publish(TranscriptHeard(text, final=True))
        brain._barge()  # the shopper has taken the turn: whatever we were saying is over
        if brain.turn_handler is not None:
            brain._spawn(brain.turn_handler(text), "turn-handler")
        else:
            brain._spawn(brain._spoken_turn(session, text), "spoken-turn")

    def _on_error(self, failure: BrainUnavailable) -> None:
        brain = self.brain
        session = brain._session
        self.active = False
        self.failed = True
        log.warning("recognition failed: %s", failure)
        if session is None or session.ended:
            return
        session.publish(NoticePosted("speech_recognition_failed", f"Voice input stopped: {failure}",
                                     level="warning"))
        brain._set_state(VoiceState.UNAVAILABLE)
        if self.task is None:
            self.task = brain._spawn(self._again(session, failure), "listen")

    async def _again(self, session: ShopperSession, failure: BrainUnavailable | None) -> None:
        """(Re)start recognition for `session`, with backoff after a failure; give up on a permanent one."""
        brain = self.brain
        try:
            if failure is not None:
                await self.stop()
                if failure.permanent:
                    await brain._notify_unavailable(failure)
                    return
            delays = itertools.chain(self.restart_delays_s, itertools.repeat(self.restart_delays_s[-1]))
            first = failure is None
            while session is brain._session and not session.ended and brain._output is not None:
                if not first:
                    await asyncio.sleep(next(delays))
                    if session is not brain._session or session.ended or brain._output is None:
                        return
                first = False
                try:
                    listening = await self.start(session)
                except BrainUnavailable as exc:
                    if await self._still_unavailable(session, exc):
                        return
                    continue
                if listening and failure is not None:
                    session.publish(NoticePosted("speech_recognition_restored", "Voice input is back.",
                                                 level="info"))
                return
        finally:
            if self.task is asyncio.current_task():
                self.task = None

    async def _still_unavailable(self, session: ShopperSession, exc: BrainUnavailable) -> bool:
        """A restart failed: show it; True when it is permanent (the brain's hook is told and retrying stops)."""
        log.info("recognition still unavailable: %s", exc)
        self.failed = True
        if self.brain._current is None:
            self.brain._set_state(VoiceState.UNAVAILABLE)
        if exc.permanent:
            session.publish(NoticePosted("speech_recognition_failed", str(exc), level="warning"))
            await self.brain._notify_unavailable(exc)
        return exc.permanent
