"""The offline shopping agent: the embedded default brain. No key, no network.

It reads each message into a `Request`, resolves references against what the shopper was shown, acts only through
the shopping tools (exactly like the cloud brains), and streams a short, friendly reply as `text_chunk` events
followed by one `completion`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from agent.offline import replies
from agent.offline.lexicon import Lexicon
from agent.offline.understanding import Request, understand
from agent.tools import BlockingRunner, run_in_thread
from app.brain import ToolRunner
from app.catalog.store import Catalog
from app.events import EventKind
from app.session import ShopperSession

log = logging.getLogger("aisle.agent.offline")


@dataclass
class _State:
    awaiting_confirmation: bool = False
    last_search: dict[str, Any] = field(default_factory=dict)
    turn: int = 0


class OfflineAgent:
    name = "offline"

    def __init__(self, tools: ToolRunner, catalog: Catalog, pacing_ms: int = 0,
                 run_blocking: BlockingRunner[Any] = run_in_thread) -> None:
        self.tools = tools
        self.catalog = catalog
        self.pacing_s = pacing_ms / 1000
        self._run = run_blocking
        self._lexicon: Lexicon | None = None
        self._states: dict[str, _State] = {}
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
        self._states[session.id] = _State()
        await self.lexicon()

    async def end_session(self, session: ShopperSession) -> None:
        self._states.pop(session.id, None)
        self._interrupted.discard(session.id)

    async def interrupt(self, session: ShopperSession) -> None:
        self._interrupted.add(session.id)

    async def note_action(self, session: ShopperSession, summary: str) -> None:
        """Touch actions already went through the tools and the session; remember products they showed."""
        state = self._states.setdefault(session.id, _State())
        state.awaiting_confirmation = False

    async def close(self) -> None:
        self._states.clear()

    async def respond(self, session: ShopperSession, text: str) -> None:
        state = self._states.setdefault(session.id, _State())
        self._interrupted.discard(session.id)
        lexicon = await self.lexicon()
        request = understand(text, lexicon, state.awaiting_confirmation)
        log.debug("session %s: %s", session.id, request)
        handler = getattr(self, f"_on_{request.intent}", self._on_search)
        if request.intent not in ("confirm", "decline", "checkout"):
            state.awaiting_confirmation = False
        reply = await handler(session, state, request, lexicon)
        state.turn += 1
        await self._say(session, reply)

    # -- speaking ----------------------------------------------------------------------------------------------------
    async def _say(self, session: ShopperSession, reply: str) -> None:
        words = reply.split(" ")
        chunks = [" ".join(words[i:i + 4]) + (" " if i + 4 < len(words) else "") for i in range(0, len(words), 4)]
        sent: list[str] = []
        for chunk in chunks:
            if session.id in self._interrupted:
                break
            session.publish(EventKind.TEXT_CHUNK, {"text": chunk})
            sent.append(chunk)
            if self.pacing_s:
                await asyncio.sleep(self.pacing_s)
        full = "".join(sent)
        session.add_turn("assistant", full)
        session.publish(EventKind.COMPLETION, {"text": full, "interrupted": len(sent) < len(chunks)})

    async def _tool(self, session: ShopperSession, state: _State, name: str, **args: Any) -> dict[str, Any]:
        return await self.tools.call(session, name, args, call_id=f"offline-{next(self._calls)}")

    # -- references ----------------------------------------------------------------------------------------------
    def _resolve(self, session: ShopperSession, state: _State, request: Request,
                 among: list[str] | None = None) -> str | None:
        """Which product the shopper means, from an ordinal, a name, a category, a pronoun or the focus."""
        current = session.context.current_list
        pool = among if among is not None else list(dict.fromkeys(
            [*session.context.shown_ids(), *(ln.product_id for ln in session.cart.lines)]))
        if not pool:
            return None
        if request.ordinal is not None and among is None and current:
            index = request.ordinal
            if -len(current) <= index < len(current):
                return current[index]
            return None
        if request.superlative and current:
            priced = [(session.context.products[p]["price"], p) for p in current if p in session.context.products]
            if priced:
                return (min(priced) if request.superlative == "cheapest" else max(priced))[1]
        known = session.context.products
        names = {pid: replies.name_of(known[pid]) for pid in pool if pid in known}
        for line in session.cart.lines:
            if line.product_id in pool:
                names.setdefault(line.product_id, f"{line.brand} {line.name}")
        phrase = " ".join(w for w in request.terms if w not in ("cart", "remove", "add", "details", "more"))
        if phrase and names:
            best = process.extractOne(phrase, names, scorer=fuzz.partial_token_set_ratio, score_cutoff=80)
            if best and len(phrase) >= 4:
                return str(best[2])
        if request.category:
            categories = {ln.product_id: ln.category for ln in session.cart.lines}
            categories.update({pid: p.get("category", "") for pid, p in known.items()})
            in_category = [pid for pid in pool if categories.get(pid) == request.category]
            if session.context.focus in in_category:
                return session.context.focus
            if in_category:
                return in_category[0]
        if session.context.focus and session.context.focus in pool:
            return session.context.focus
        if among is not None and len(among) == 1:
            return among[0]
        if len(current) == 1 and current[0] in pool:
            return current[0]
        return None

    # -- handlers --------------------------------------------------------------------------------------------------
    async def _on_search(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        if not request.has_product_words and request.max_price is None and request.min_price is None:
            return replies.NOT_UNDERSTOOD
        terms = list(request.terms)
        if request.persons:
            terms.append(f"{request.persons} person")
        query = " ".join(terms) or (lexicon.category_label(request.category) if request.category else "")
        args: dict[str, Any] = {"query": query}
        if request.category:
            args["category"] = request.category
        if request.max_price is not None:
            args["max_price"] = request.max_price
        if request.min_price is not None:
            args["min_price"] = request.min_price
        if request.brand:
            args["brand"] = request.brand
        result = await self._tool(session, state, "search_products", **args)
        if result["ok"] and result["count"] == 0 and terms and (request.category or request.brand):
            # Descriptive words can over-constrain; keep the category, brand and price and drop them.
            args["query"] = lexicon.category_label(request.category) if request.category else ""
            result = await self._tool(session, state, "search_products", **args)
        if result["ok"] and result["count"] == 0 and not request.category and terms:
            found = await self._run(lambda: self.catalog.suggest(" ".join(terms), limit=1))
            if found:
                args = {"query": found[0].name}
                result = await self._tool(session, state, "search_products", **args)
        if not result["ok"]:
            return result["error"]["message"]
        state.last_search = args
        label = lexicon.category_label(request.category) if request.category else (
            f"{request.brand} products" if request.brand else "matches")
        return replies.describe_search(result["count"], label, self._qualifier(request), result["products"],
                                       state.turn)

    @staticmethod
    def _qualifier(request: Request) -> str:
        parts = []
        if request.persons:
            parts.append(f" for {request.persons}" if request.persons > 1 else " for one person")
        if request.min_price is not None and request.max_price is not None:
            parts.append(f" between {replies.money(request.min_price)} and {replies.money(request.max_price)}")
        elif request.max_price is not None:
            parts.append(f" under {replies.money(request.max_price)}")
        elif request.min_price is not None:
            parts.append(f" over {replies.money(request.min_price)}")
        return "".join(parts)

    async def _on_cheaper(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        if not state.last_search:
            return "Cheaper than what? Tell me what you're looking for and your budget, and I'll find options."
        known = session.context.products
        prices = [known[p]["price"] for p in session.context.current_list if p in known]
        if not prices:
            return "Tell me what you're looking for and your budget, and I'll find cheaper options."
        focus = session.context.focus
        ceiling = known[focus]["price"] if focus in known else sorted(prices)[len(prices) // 2]
        args = {**state.last_search, "max_price": round(ceiling - 0.01, 2)}
        args.pop("min_price", None)
        result = await self._tool(session, state, "search_products", **args)
        if not result["ok"]:
            return result["error"]["message"]
        if result["count"] == 0:
            return f"That's already the lowest price I have for that. The cheapest option is {replies.money(min(prices))}."
        state.last_search = args
        category = args.get("category")
        return replies.describe_search(result["count"], lexicon.category_label(category),
                                       f" under {replies.money(args['max_price'])}", result["products"], state.turn)

    async def _on_details(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        pid = self._resolve(session, state, request)
        if pid is None:
            if request.category or request.terms:
                return await self._on_search(session, state, request, lexicon)
            return "Which one would you like to hear about? Say 'the first one', or tap it on the screen."
        result = await self._tool(session, state, "show_product_details", product_id=pid)
        if not result["ok"]:
            return result["error"]["message"]
        return replies.describe_details(result["product"], result.get("recommendations") or [])

    async def _on_add(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        pid = self._resolve(session, state, request)
        if pid is None:
            if request.category or request.brand:
                reply = await self._on_search(session, state, request, lexicon)
                return reply.split(". ")[0] + ". Which one shall I add? Say 'the first one', or tap Add to cart."
            return "Which product shall I add? Search for something first, or tap Add to cart on a card."
        quantity = request.quantity or 1
        result = await self._tool(session, state, "add_to_cart", product_id=pid, quantity=quantity)
        if not result["ok"]:
            error = result["error"]
            if error["code"] == "insufficient_stock":
                return f"{error['message']} Shall I add {error['available']} instead?"
            return error["message"]
        added = result["added"]
        cart = result["cart"]
        count = f"{quantity} × " if quantity > 1 else ""
        return (f"Added {count}{added['name']} to your cart. You have {cart['item_count']} "
                f"item{'s' if cart['item_count'] != 1 else ''}, {replies.money(cart['total'])} in total. "
                "Anything else? I can suggest what goes well with it.")

    async def _on_set_quantity(self, session: ShopperSession, state: _State, request: Request,
                               lexicon: Lexicon) -> str:
        in_cart = [ln.product_id for ln in session.cart.lines]
        pid = self._resolve(session, state, request, among=in_cart)
        if pid is None or request.quantity is None:
            return "Which item and how many? For example: 'make it 2 of the tent'."
        result = await self._tool(session, state, "update_cart_item", product_id=pid, quantity=request.quantity)
        if not result["ok"]:
            return result["error"]["message"]
        updated = result["updated"]
        return f"Done: {updated['quantity']} × {updated['name']}. Your total is {replies.money(result['cart']['total'])}."

    async def _on_remove(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        in_cart = [ln.product_id for ln in session.cart.lines]
        if not in_cart:
            return "Your cart is already empty."
        pid = self._resolve(session, state, request, among=in_cart)
        if pid is None:
            names = ", ".join(f"{ln.brand} {ln.name}" for ln in session.cart.lines)
            return f"Which item should I remove? Your cart has: {names}."
        result = await self._tool(session, state, "update_cart_item", product_id=pid, quantity=0)
        if not result["ok"]:
            return result["error"]["message"]
        cart = result["cart"]
        rest = (f"Your cart now comes to {replies.money(cart['total'])}." if cart["items"]
                else "Your cart is empty now.")
        return f"I've removed the {result['updated']['name']}. {rest}"

    async def _on_view_cart(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        result = await self._tool(session, state, "view_cart")
        return replies.describe_cart(result["cart"], result.get("warnings") or [])

    async def _on_recommend(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        pid = self._resolve(session, state, request)
        based_on = pid or request.category
        if based_on is None:
            return "Happy to suggest something. Which product or kind of gear should I match?"
        result = await self._tool(session, state, "get_recommendations", based_on=based_on, max_results=4)
        if not result["ok"]:
            return result["error"]["message"]
        products = result["products"]
        if not products:
            return "I don't have a good match for that right now."
        basis = result["based_on"].get("name") or lexicon.category_label(result["based_on"].get("category"))
        picks = ", ".join(f"the {replies.name_of(p)} ({replies.money(p['price'])})" for p in products[:3])
        opener = "These go well with the" if pid else "Good picks in"
        return f"{opener} {basis}: {picks}. Want me to add any of them?"

    async def _on_checkout(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        result = await self._tool(session, state, "view_cart")
        cart = result["cart"]
        if not cart["items"]:
            state.awaiting_confirmation = False
            return "Your cart is empty, so there's nothing to check out yet. What can I find for you?"
        state.awaiting_confirmation = True
        return replies.describe_cart(cart, result.get("warnings") or []) + " Shall I place the order?"

    async def _on_confirm(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        state.awaiting_confirmation = False
        result = await self._tool(session, state, "checkout")
        if not result["ok"]:
            return result["error"]["message"]
        return (f"Your order is placed. The order number is {result['order_number']}, total "
                f"{replies.money(result['total'])}. Scan the code on the screen with your phone and pay at the "
                "register. Thanks for shopping with us!")

    async def _on_decline(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        state.awaiting_confirmation = False
        return "No problem, I haven't placed the order. Keep browsing, or tell me what to change."

    async def _on_start_over(self, session: ShopperSession, state: _State, request: Request,
                             lexicon: Lexicon) -> str:
        session.end_requested = "shopper_start_over"
        return "Okay, let's start fresh. Your cart is cleared."

    async def _on_help(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        return replies.HELP

    async def _on_greet(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        return "Hi! I'm Aisle, the store's assistant. What are you shopping for today?"

    async def _on_thanks(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        return "You're welcome! Anything else I can help you find?"


