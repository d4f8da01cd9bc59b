"""One shopper's session: its id, turns, cart and search context. Pure data; events go out through the bus."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from app.bus import EventBus
from app.cart import Cart
from app.events import ContextChanged, Event, Payload, ShopperSpoke
from app.search_context import SearchContext


@dataclass(frozen=True)
class Turn:
    role: str  # shopper | assistant
    text: str
    source: str = ""  # typed | touch | voice | api (shopper turns)
    at: float = field(default_factory=time.time)


def new_session_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


class ShopperSession:
    def __init__(self, bus: EventBus, brain: str, session_id: str | None = None) -> None:
        self.id = session_id or new_session_id()
        self.bus = bus
        self.brain = brain
        self.started_at = time.time()
        self.turns: list[Turn] = []
        self.cart = Cart()
        self.context = SearchContext()
        self.order_number: str | None = None
        self.read_back_at_turn: int | None = None  # shopper-turn count when the order was last read back
        self.cart_version = 0
        self.read_back_version = -1
        self.ended = False
        self.end_requested = ""  # set by a brain when the shopper asked to start over: the reason to end with

    def publish(self, payload: Payload) -> Event:
        return self.bus.publish(self.id, payload)

    def add_turn(self, role: str, text: str, source: str = "") -> Turn:
        turn = Turn(role, text, source)
        self.turns.append(turn)
        return turn

    def record_shopper_turn(self, text: str, source: str, tool: str | None = None, item_id: str | None = None) -> Event:
        """The one place a shopper turn is recorded, however it came (typed, touch, voice, api, a realtime model's
        transcript): the transcript gets the turn and every screen and history get a `shopper_message`."""
        self.add_turn("shopper", text, source)
        return self.publish(ShopperSpoke(text, source, tool=tool, item_id=item_id))

    @property
    def shopper_turns(self) -> int:
        return sum(1 for t in self.turns if t.role == "shopper")

    def context_snapshot(self) -> ContextChanged:
        return ContextChanged(self.cart.to_dict(), self.context.shown_ids()[:30], self.context.focus)

    def publish_context(self) -> Event:
        return self.publish(self.context_snapshot())
