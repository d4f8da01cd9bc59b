"""The offline brain is the net: a failing cloud brain hands over, visibly, and comes back when it can."""

from __future__ import annotations

import asyncio

from app.brain import BrainUnavailable
from app.bus import EventBus
from app.events import Event, EventKind, ReplyCompleted
from app.fallback import FallbackBrain, active_brain
from app.session import ShopperSession


class ScriptedBrain:
    """A brain that answers with its name, or fails the way it is told to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.failure: BrainUnavailable | None = None
        self.answered: list[str] = []

    async def start_session(self, session: ShopperSession) -> None:
        if self.failure:
            raise self.failure

    async def respond(self, session: ShopperSession, text: str) -> None:
        if self.failure:
            raise self.failure
        self.answered.append(text)
        session.publish(ReplyCompleted(f"{self.name}: {text}"))

    async def note_action(self, session: ShopperSession, summary: str) -> None:
        return None

    async def interrupt(self, session: ShopperSession) -> None:
        return None

    async def end_session(self, session: ShopperSession) -> None:
        return None

    async def close(self) -> None:
        return None


def _setup() -> tuple[FallbackBrain, ScriptedBrain, ScriptedBrain, ShopperSession, list[Event]]:
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    cloud, offline = ScriptedBrain("openai"), ScriptedBrain("offline")

    async def probe() -> None:
        if cloud.failure:
            raise cloud.failure

    brain = FallbackBrain(cloud, offline, probe=probe, probe_interval_s=0.05)
    return brain, cloud, offline, ShopperSession(bus, "openai"), events


async def test_an_outage_hands_over_to_offline_and_the_cloud_returns_by_itself() -> None:
    brain, cloud, offline, session, events = _setup()
    await brain.start_session(session)
    cloud.failure = BrainUnavailable("The voice service cannot be reached.", permanent=False)
    await brain.respond(session, "tents")
    assert offline.answered == ["tents"] and active_brain(brain) is offline
    assert [e.data["brain"] for e in events if e.kind is EventKind.BRAIN_CHANGED] == ["offline"]

    cloud.failure = None
    async with asyncio.timeout(2):
        while not brain.on_cloud:  # noqa: ASYNC110 (waiting for the background probe)
            await asyncio.sleep(0.01)
    await brain.respond(session, "boots")
    assert cloud.answered == ["boots"]
    notices = [e.data["code"] for e in events if e.kind is EventKind.NOTICE]
    assert notices == ["brain_fallback", "brain_restored"]
    await brain.close()


async def test_a_permanent_failure_is_not_retried() -> None:
    brain, cloud, _offline, session, _ = _setup()
    cloud.failure = BrainUnavailable("OPENAI_API_KEY was rejected by the server (401).", permanent=True)
    await brain.start_session(session)
    await asyncio.sleep(0.2)
    cloud.failure = None
    await asyncio.sleep(0.2)
    assert not brain.on_cloud and "OPENAI_API_KEY" in brain.reason
    await brain.close()
