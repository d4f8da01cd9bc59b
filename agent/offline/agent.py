"""The offline shopping agent: the embedded default brain. No key, no network.

Each message is read into a typed `Request` (understanding, slots), references are resolved against the dialogue
state (resolver), one turn handler acts only through the shopping tools (exactly like the cloud brains) and writes
the reply from tool results (replies, facts, wording). This module wires those parts: it keeps one
`DialogueState` per session, picks the handler for the request's intent, and streams the reply as `text_chunk`
events followed by one `completion`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from agent.offline import cart_turns, order_turns, product_turns, search_turns, talk
from agent.offline.compare import compare
from agent.offline.lexicon import Lexicon
from agent.offline.state import DialogueState
from agent.offline.swap import swap
from agent.offline.turn import Turn
from agent.offline.understanding import understand
from app.brain import ToolRunner
from app.catalog.store import Catalog
from app.events import ReplyChunkStreamed, ReplyCompleted
from app.session import ShopperSession
from app.tools.toolbox import BlockingRunner, run_in_thread

log = logging.getLogger("aisle.agent.offline")
CHECKOUT = re.compile(r"\bcheck ?out\b|\bi'?m done\b|\bthat'?s all\b|\bready to pay\b")
ALSO = re.compile(r"^(and|also|plus)\b|\b(as well|too|also)\b")
Handler = Callable[[Turn], Awaitable[str]]
HANDLERS: dict[str, Handler] = {
    "search": search_turns.search, "cheaper": search_turns.cheaper, "more": search_turns.more,
    "back": search_turns.back, "similar": search_turns.similar, "details": product_turns.details,
    "question": product_turns.question,
    "compare": compare, "add": cart_turns.add, "swap": swap, "set_quantity": cart_turns.set_quantity,
    "remove": cart_turns.remove, "clear_cart": cart_turns.clear_cart, "view_cart": cart_turns.view_cart,
    "recommend": order_turns.recommend, "checkout": order_turns.checkout, "smalltalk": talk.smalltalk,
    "start_over": talk.start_over, "store_info": talk.store_info, "help": talk.help_,
    "greet": talk.greet, "thanks": talk.thanks,
    "goodbye": talk.goodbye, "affirm": talk.affirm, "negate": talk.negate,
}


class OfflineAgent:
    name = "offline"

    def __init__(self, tools: ToolRunner, catalog: Catalog, pacing_ms: int = 0,
                 run_blocking: BlockingRunner[Any] = run_in_thread) -> None:
        self.tools = tools
        self.catalog = catalog
        self.pacing_s = pacing_ms / 1000
        self._run = run_blocking
        self._lexicon: Lexicon | None = None
        self._states: dict[str, DialogueState] = {}
        self._calls = itertools.count(1)
        self._interrupted: set[str] = set()

    async def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = await self._run(lambda: Lexicon.from_catalog(self.catalog))
        return self._lexicon

    def reload(self) -> None:
        """The catalog changed (an import): rebuild the vocabulary on next use."""
        self._lexicon = None

    # -- Brain interface ---------------------------------------------------------------------------------------------
    async def start_session(self, session: ShopperSession) -> None:
        self._states[session.id] = DialogueState()
        await self.lexicon()

    async def end_session(self, session: ShopperSession) -> None:
        self._states.pop(session.id, None)
        self._interrupted.discard(session.id)

    async def interrupt(self, session: ShopperSession) -> None:
        self._interrupted.add(session.id)

    async def note_action(self, session: ShopperSession, summary: str) -> None:
        """A touch action already went through the tools: what was touched is what "it" refers to now."""
        state = self._states.setdefault(session.id, DialogueState())
        state.after_tap(session.context.focus)
        if re.search(r"\badd_to_cart\b", summary) and session.context.focus in session.cart:
            state.last_added = session.context.focus
        last = session.context.last_search
        if last is not None and re.search(r"\bsearch_products\b", summary):
            state.last_search = {"query": last.query, **{k: v for k, v in last.filters.items()}}
            state.listed = list(last.result_ids)

    async def close(self) -> None:
        self._states.clear()

    async def respond(self, session: ShopperSession, text: str) -> None:
        state = self._states.setdefault(session.id, DialogueState())
        self._interrupted.discard(session.id)
        lexicon = await self.lexicon()
        request = understand(text, lexicon, state.awaiting_confirmation or state.offer is not None)
        log.debug("session %s: %s", session.id, request)
        offer, state.offer = state.offer, None
        if request.intent not in ("confirm", "decline", "checkout"):
            state.awaiting_confirmation = False
        if ALSO.search(request.text) and request.intent in ("details", "search") and (
                (offer and offer[0] == "pair") or (state.last_added in session.cart and request.terms)):
            request.intent = "add"  # "and the second one as well", "and the zephyr 7 as well"
        if offer and offer[0] == "choose_add" and request.intent == "details" and (
                request.ordinal is not None or request.superlative or request.terms):
            request.intent = "add"  # "Which one shall I add?" -> "the cheapest of those"
        if request.intent == "confirm" and not state.awaiting_confirmation and CHECKOUT.search(request.text):
            request.intent = "checkout"  # "ok I'm done, check out" answers no offer: it asks to check out
        turn = Turn(session, state, request, lexicon, self._call)
        if request.intent == "confirm":
            reply = await order_turns.confirm(turn, offer)
        elif request.intent == "decline":
            reply = await order_turns.decline(turn, offer)
        else:
            reply = await HANDLERS.get(request.intent, search_turns.search)(turn)
        state.turn += 1
        await self._say(session, reply)

    # -- acting and speaking -----------------------------------------------------------------------------------------
    async def _call(self, session: ShopperSession, name: str, args: dict[str, Any]) -> dict[str, Any]:
        return await self.tools.call(session, name, args, call_id=f"offline-{next(self._calls)}")

    async def _say(self, session: ShopperSession, reply: str) -> None:
        words = reply.split(" ")
        chunks = [" ".join(words[i:i + 4]) + (" " if i + 4 < len(words) else "") for i in range(0, len(words), 4)]
        sent: list[str] = []
        for chunk in chunks:
            if session.id in self._interrupted:
                break
            session.publish(ReplyChunkStreamed(chunk))
            sent.append(chunk)
            if self.pacing_s:
                await asyncio.sleep(self.pacing_s)
        full = "".join(sent)
        session.add_turn("assistant", full)
        session.publish(ReplyCompleted(full, interrupted=len(sent) < len(chunks)))
