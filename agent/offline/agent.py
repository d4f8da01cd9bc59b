"""The offline shopping agent: the embedded default brain. No key, no network.

It reads each message into a `Request`, resolves references against what the shopper was shown, acts only through
the shopping tools (exactly like the cloud brains), and streams a short, friendly reply as `text_chunk` events
followed by one `completion`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from agent.offline import replies
from agent.offline.lexicon import Lexicon, typo_of
from agent.offline.understanding import Request, understand
from agent.tools import BlockingRunner, run_in_thread
from app.brain import ToolRunner
from app.cart import MAX_QUANTITY_PER_LINE
from app.catalog.store import Catalog
from app.events import EventKind
from app.session import ShopperSession

log = logging.getLogger("aisle.agent.offline")

# words that describe what the shopper asks about, not which product they mean
TOPIC_WORDS = {"waterproof", "water", "proof", "rain", "wet", "heavy", "weigh", "weight", "light", "warm", "cold",
               "temperature", "rating", "rated", "sleep", "fit", "hold", "capacity", "big", "bright", "lumens",
               "left", "cost", "long", "good", "any"}


@dataclass
class _State:
    awaiting_confirmation: bool = False  # the order was read back; "yes" places it
    # what "yes" would do: ("add", product_id, quantity) | ("similar", category, 0) | ("pick", "", 0)
    offer: tuple[str, str, int] | None = None
    last_search: dict[str, Any] = field(default_factory=dict)
    listed: list[str] = field(default_factory=list)  # the list the agent last presented ("the second one")
    subject: str | None = None  # the product the conversation is about ("it", "that one")
    last_added: str | None = None
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
        """A touch action already went through the tools: what is on screen now is what the shopper refers to."""
        state = self._states.setdefault(session.id, _State())
        state.awaiting_confirmation = False
        state.offer = None
        state.listed = []
        state.subject = session.context.focus

    async def close(self) -> None:
        self._states.clear()

    async def respond(self, session: ShopperSession, text: str) -> None:
        state = self._states.setdefault(session.id, _State())
        self._interrupted.discard(session.id)
        lexicon = await self.lexicon()
        request = understand(text, lexicon, state.awaiting_confirmation or state.offer is not None)
        log.debug("session %s: %s", session.id, request)
        offer, state.offer = state.offer, None
        if request.intent not in ("confirm", "decline", "checkout"):
            state.awaiting_confirmation = False
        if request.intent == "confirm":
            reply = await self._on_confirm(session, state, request, lexicon, offer)
        elif request.intent == "decline":
            reply = await self._on_decline(session, state, request, lexicon, offer)
        else:
            handler = getattr(self, f"_on_{request.intent}", self._on_search)
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

    async def _tool(self, session: ShopperSession, name: str, **args: Any) -> dict[str, Any]:
        return await self.tools.call(session, name, args, call_id=f"offline-{next(self._calls)}")

    @staticmethod
    def _trouble(result: dict[str, Any]) -> str:
        """A tool failure the agent did not expect, in words for the shopper (details go to the log)."""
        error = result.get("error") or {}
        log.warning("offline agent: unexpected tool failure %s", error)
        if error.get("code") == "catalog_unavailable":
            return "Sorry, I can't reach the product catalog right now. Please ask a member of staff for help."
        if error.get("code") in ("invalid_quantity", "insufficient_stock", "out_of_stock", "empty_cart"):
            return str(error.get("message"))
        return "Sorry, something went wrong on my side. Could you say that another way?"

    # -- what the shopper is referring to ------------------------------------------------------------------------
    @staticmethod
    def _listed(session: ShopperSession, state: _State) -> list[str]:
        cart = {ln.product_id for ln in session.cart.lines}
        listed = [p for p in state.listed if session.context.was_shown(p) or p in cart]
        return listed or session.context.current_list

    @staticmethod
    def _summaries(session: ShopperSession) -> dict[str, dict[str, Any]]:
        known = dict(session.context.products)
        for line in session.cart.lines:
            known.setdefault(line.product_id, {
                "id": line.product_id, "name": line.name, "brand": line.brand, "category": line.category,
                "price": line.unit_price, "stock": line.stock,
                "in_stock": line.stock is None or line.stock > 0,
            })
        return known

    @staticmethod
    def _name_score(terms: list[str], product: dict[str, Any]) -> int:
        words = re.findall(r"[a-z0-9]+", replies.name_of(product).lower())
        score = 0
        for term in terms:
            if any(w == term or (len(term) >= 3 and w.startswith(term)) or (len(term) >= 4 and typo_of(term, w))
                   for w in words):
                score += 1
        return score

    def _best_named(self, terms: list[str], candidates: list[str], known: dict[str, dict[str, Any]],
                    focus: str | None) -> str | None:
        scored = [(self._name_score(terms, known[pid]), pid == focus, -i, pid)
                  for i, pid in enumerate(candidates) if pid in known]
        scored = [s for s in scored if s[0] > 0]
        return max(scored)[3] if scored else None

    def _resolve(self, session: ShopperSession, state: _State, request: Request,
                 among: list[str] | None = None) -> str | None:
        """Which product the shopper means: an ordinal, "the cheapest", a name, a category, a pronoun or the focus."""
        known = self._summaries(session)
        listed = among if among is not None else self._listed(session, state)
        pool = among if among is not None else list(dict.fromkeys(
            [*listed, *session.context.shown_ids(), *(ln.product_id for ln in session.cart.lines)]))
        if not pool:
            return None
        focus = state.subject if state.subject in pool else None
        if request.ordinal is not None:
            index = request.ordinal
            return listed[index] if listed and -len(listed) <= index < len(listed) else None
        if request.superlative and listed:
            priced = [(known[p]["price"], p) for p in listed if p in known]
            if request.category:
                priced = [(price, p) for price, p in priced if known[p].get("category") == request.category] or priced
            if priced:
                return (min(priced) if request.superlative == "cheapest" else max(priced))[1]
        terms = [t for t in request.terms if t not in TOPIC_WORDS] if request.intent == "question" else request.terms
        candidates = pool
        if request.category:
            candidates = [p for p in pool if known.get(p, {}).get("category") == request.category]
        if request.brand:
            candidates = [p for p in candidates if known.get(p, {}).get("brand", "").lower() == request.brand.lower()]
        if terms:
            named = self._best_named(terms, candidates, known, focus)
            if named is not None:
                return named
            if not request.pronoun or request.category or request.brand:
                return None  # they named something not shown: the caller looks it up
        if request.indefinite and among is None and not request.pronoun:
            return None  # "a headlamp": any headlamp, not one on screen
        if request.category or request.brand:
            if focus in candidates:
                return focus
            if state.last_added in candidates:
                return state.last_added
            in_cart = [ln.product_id for ln in session.cart.lines if ln.product_id in candidates]
            if in_cart:  # "the jacket" when there is one in the cart
                return in_cart[-1]
            in_list = [p for p in listed if p in candidates] or candidates
            return in_list[0] if in_list else None
        if focus is not None:
            return focus
        if among is not None:  # a cart change: the line added last, or the only line
            if state.last_added in among:
                return state.last_added
            return among[0] if len(among) == 1 else None
        if len(listed) == 1:
            return listed[0]
        return None

    async def _look_up(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str | None:
        """A product named but not shown yet ("add the granite peak boot"): search for it and pick the clear match."""
        terms = [t for t in request.terms if t not in TOPIC_WORDS]
        if not terms:
            return None
        args: dict[str, Any] = {"query": " ".join(terms)}
        if request.category:
            args["category"] = request.category
        if request.brand:
            args["brand"] = request.brand
        result = await self._tool(session, "search_products", **args)
        if result.get("ok") and result["count"] == 0:
            corrected = [lexicon.correct(t) or t for t in terms]
            if corrected != terms:
                terms = corrected
                args["query"] = " ".join(corrected)
                result = await self._tool(session, "search_products", **args)
        if not result.get("ok") or not result["count"]:
            return None
        products = result["products"]
        state.listed = [p["id"] for p in products]
        state.subject = None
        state.last_search = args
        known = {p["id"]: p for p in products}
        scores = sorted(((self._name_score(terms, p), -i, p["id"]) for i, p in enumerate(products)), reverse=True)
        best = scores[0]
        if best[0] >= max(1, min(2, len(terms))) and (len(scores) == 1 or scores[1][0] < best[0]
                                                      or len(products) == 1):
            return str(best[2])
        if len(products) == 1 and self._name_score(terms, known[products[0]["id"]]) > 0:
            return str(products[0]["id"])
        return None

    # -- search --------------------------------------------------------------------------------------------------
    def _query_terms(self, request: Request, lexicon: Lexicon) -> tuple[list[str], list[str]]:
        """The shopper's words the catalog knows (misspellings corrected), and the ones it does not."""
        known: list[str] = []
        unknown: list[str] = []
        for term in request.terms:
            if lexicon.knows(term):
                known.append(term)
            elif (fixed := lexicon.correct(term)) is not None:
                known.append(fixed)
            else:
                unknown.append(term)
        return list(dict.fromkeys(known)), unknown

    async def _on_search(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        has_price = request.max_price is not None or request.min_price is not None
        if not request.has_product_words and not has_price:
            if request.pronoun and state.subject:
                return await self._on_details(session, state, request, lexicon)
            return replies.NOT_UNDERSTOOD
        terms, unknown = self._query_terms(request, lexicon)
        if not (terms or request.category or request.brand or request.persons):
            if has_price:
                return ("What kind of gear should I look for at that price? I have " + replies.CATEGORIES_SPOKEN
                        + ".")
            if not re.search(r"\b(need|want|looking|have|sell|carry|buy|show|find|any|get|stock)\b", request.text):
                return replies.NOT_UNDERSTOOD
            return (f"Sorry, I don't think we carry anything like \"{' '.join(unknown)}\". I can help you find "
                    f"{replies.CATEGORIES_SPOKEN}. What are you looking for?")
        query_words = list(terms)
        if request.persons and request.category in (None, "tents"):
            query_words.append(f"{request.persons} person")
        label = lexicon.category_label(request.category) if request.category else ""
        synonym = lexicon.specific_synonym(request.category_phrase, request.category)
        query = " ".join(query_words) or synonym or label or (request.brand or "")
        args: dict[str, Any] = {"query": query}
        if request.category:
            args["category"] = request.category
        if request.max_price is not None:
            args["max_price"] = request.max_price
        if request.min_price is not None:
            args["min_price"] = request.min_price
        if request.brand:
            args["brand"] = request.brand
        if request.superlative:
            args["limit"] = 20
        result = await self._tool(session, "search_products", **args)
        relaxed = ""
        if result.get("ok") and result["count"] == 0 and not terms and synonym and request.category:
            args["query"] = label  # "head torch": the category is what they meant
            result = await self._tool(session, "search_products", **args)
        if result.get("ok") and result["count"] == 0 and terms and (request.category or request.brand):
            # Descriptive words can over-constrain; keep the category, brand and price and drop them.
            relaxed = " ".join(terms)
            args["query"] = label or request.brand or ""
            result = await self._tool(session, "search_products", **args)
        if not result.get("ok"):
            return self._trouble(result)
        state.last_search = args
        state.listed = [p["id"] for p in result["products"]]
        state.subject = state.listed[0] if len(state.listed) == 1 else None
        if request.superlative and result["products"]:  # "the cheapest is the ...": that is what "it" means now
            pick = (min if request.superlative == "cheapest" else max)(result["products"], key=lambda p: p["price"])
            state.subject = pick["id"]
        brand_part = f"{request.brand} " if request.brand else ""
        described = f"{' '.join(terms)} " if terms and len(terms) <= 2 and not relaxed else ""
        if label:
            noun = f"{brand_part}{described}{label}"
        elif request.brand:
            noun = f"{request.brand} products"
        else:
            noun = f"matches for \"{' '.join(terms)}\"" if terms else "matches"
        reply = replies.describe_search(result["count"], noun, self._qualifier(request), result["products"],
                                        state.turn, request.superlative)
        if relaxed and result["count"]:
            reply = f"I couldn't find anything matching \"{relaxed}\" exactly, but here's what I have. " + reply
        elif result["count"] == 0 and not has_price and not request.category and not request.brand:
            reply = (f"Sorry, I couldn't find anything matching \"{query}\". I can help you find "
                     f"{replies.CATEGORIES_SPOKEN}. What are you looking for?")
        if result["count"] == 1 and not result["products"][0]["in_stock"] and request.category:
            state.offer = ("similar", request.category, 0)
        if request.other_categories:
            others = " and ".join(lexicon.category_label(c) for c in request.other_categories)
            reply += f" When you're ready, ask me about the {others} too."
        return reply

    @staticmethod
    def _qualifier(request: Request) -> str:
        parts = []
        if request.persons and request.category in (None, "tents"):
            parts.append(f" for {replies.number(request.persons)}" if request.persons > 1 else " for one person")
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
        known = self._summaries(session)
        listed = self._listed(session, state)
        prices = [known[p]["price"] for p in listed if p in known]
        if not prices:
            return "Tell me what you're looking for and your budget, and I'll find cheaper options."
        focus = state.subject
        ceiling = known[focus]["price"] if focus in listed and focus in known else sorted(prices)[len(prices) // 2]
        args = {**state.last_search, "max_price": round(ceiling - 0.01, 2)}
        args.pop("min_price", None)
        args.pop("limit", None)
        result = await self._tool(session, "search_products", **args)
        if not result.get("ok"):
            return self._trouble(result)
        if result["count"] == 0:
            return (f"Sorry, that's already the lowest price I have for that: the cheapest option is "
                    f"{replies.money(min(prices))}. Want to try another kind of gear?")
        state.last_search = args
        state.listed = [p["id"] for p in result["products"]]
        state.subject = None
        category = args.get("category")
        label = lexicon.category_label(category) if category else "options"
        return replies.describe_search(result["count"], label, f" under {replies.money(ceiling)}",
                                       result["products"], state.turn)

    # -- one product -----------------------------------------------------------------------------------------------
    def _which_one(self, session: ShopperSession, state: _State, request: Request) -> str:
        listed = self._listed(session, state)
        if request.ordinal is not None and listed:
            return (f"I only showed {replies.number(len(listed))} {replies.plural(len(listed), 'option')}. "
                    "Which one do you mean? Say 'the first one', or tap it on the screen.")
        if not listed:
            return "Sure! What are you looking for? Tell me and I'll find some options first."
        return "Which one would you like to hear about? Say 'the first one', or tap it on the screen."

    async def _pick(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str | None:
        pid = self._resolve(session, state, request)
        if pid is None and request.ordinal is None and request.superlative is None:
            pid = await self._look_up(session, state, request, lexicon)
        return pid

    async def _on_details(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        pid = await self._pick(session, state, request, lexicon)
        if pid is None:
            if (request.category or request.brand or request.terms) and request.ordinal is None:
                return await self._on_search(session, state, request, lexicon)
            return self._which_one(session, state, request)
        result = await self._tool(session, "show_product_details", product_id=pid)
        if not result.get("ok"):
            return self._trouble(result)
        product = result["product"]
        state.subject = pid
        if pid in session.cart:
            return replies.describe_details(product, [], in_cart=session.cart.quantity_of(pid))
        state.offer = ("add", pid, 1) if product["in_stock"] else ("similar", product["category"], 0)
        return replies.describe_details(product, result.get("recommendations") or [])

    async def _on_question(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        pid = await self._pick(session, state, request, lexicon)
        if pid is None:
            if request.category or request.brand:
                return await self._on_search(session, state, request, lexicon)
            return self._which_one(session, state, request)
        result = await self._tool(session, "show_product_details", product_id=pid, include_recommendations=False)
        if not result.get("ok"):
            return self._trouble(result)
        product = result["product"]
        state.subject = pid
        answer = self._answer(product, request.topic)
        if answer is None:
            return replies.describe_details(product, [], in_cart=session.cart.quantity_of(pid))
        if pid in session.cart:
            return answer + " It's in your cart already."
        if product["in_stock"]:
            state.offer = ("add", pid, 1)
            return answer + " Shall I add it to your cart?"
        state.offer = ("similar", product["category"], 0)
        return answer + " It's out of stock right now, though. Want me to find a similar one?"

    @staticmethod
    def _answer(product: dict[str, Any], topic: str | None) -> str | None:
        specs = product.get("specs") or {}
        name = replies.name_of(product)
        if topic == "waterproof":
            rating = specs.get("waterproof_rating_mm")
            if rating:
                return f"Yes, the {name} is waterproof, rated to {rating} mm."
            if specs.get("waterproof") is True or "waterproof" in product.get("tags", []):
                return f"Yes, the {name} is waterproof."
            return f"No, the {name} isn't waterproof."
        if topic == "weight":
            for key, unit in (("weight_kg", "kg"), ("weight_g", "g"), ("weight_g_pair", "g a pair")):
                if specs.get(key):
                    return f"The {name} weighs {specs[key]} {unit}."
            return None
        if topic == "warmth":
            if specs.get("comfort_rating_c") is not None:
                text = f"The {name} is comfortable down to {specs['comfort_rating_c']}°C"
                if specs.get("limit_rating_c") is not None:
                    text += f", with a limit of {specs['limit_rating_c']}°C"
                return text + "."
            return f"The {name} doesn't have a temperature rating."
        if topic == "capacity":
            if specs.get("capacity_persons"):
                people = specs["capacity_persons"]
                return f"The {name} sleeps {replies.number(people)} {replies.plural(people, 'person', 'people')}."
            if specs.get("capacity_l"):
                return f"The {name} holds {specs['capacity_l']} litres."
            if specs.get("max_load_kg"):
                return f"The {name} holds up to {specs['max_load_kg']} kg."
            return None
        if topic == "brightness" and specs.get("lumens"):
            return f"The {name} puts out {specs['lumens']} lumens."
        if topic == "stock":
            if product["stock"] is None:
                return f"Yes, the {name} is available; I can't see how many are on the shelf."
            if 0 < product["stock"] <= 3:
                return f"Yes, the {name} is in stock, but only {replies.number(product['stock'])} are left."
            if product["stock"] > 0:
                return f"Yes, we have {product['stock']} of the {name} in stock."
            return f"Sorry, the {name} is out of stock right now."
        if topic == "price":
            return f"The {name} is {replies.money(product['price'])}."
        return None

    # -- the cart ---------------------------------------------------------------------------------------------------
    async def _on_add(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        pid = await self._pick(session, state, request, lexicon)
        if pid is None:
            if (request.category or request.brand) and request.ordinal is None:
                reply = await self._on_search(session, state, request, lexicon)
                if state.listed:
                    return reply.rsplit(". ", 1)[0] + ". Which one shall I add? Say 'the first one', or tap it."
                return reply
            if self._listed(session, state):
                return ("Which one shall I add? Say 'the first one' or its name, or tap Add to cart on the screen."
                        if request.ordinal is None else self._which_one(session, state, request))
            return "Which product shall I add? Tell me what you're looking for, or tap Add to cart on a card."
        return await self._add(session, state, pid, request.quantity or 1)

    async def _add(self, session: ShopperSession, state: _State, pid: str, quantity: int) -> str:
        if quantity > MAX_QUANTITY_PER_LINE:
            return (f"I can add up to {MAX_QUANTITY_PER_LINE} of one product here. For a bigger order, please ask a "
                    "member of staff and they'll be glad to help.")
        result = await self._tool(session, "add_to_cart", product_id=pid, quantity=quantity)
        known = self._summaries(session)
        name = replies.name_of(known[pid]) if pid in known else "that"
        if not result.get("ok"):
            error = result["error"]
            if error["code"] == "out_of_stock":
                return self._out_of_stock(session, state, pid, name)
            if error["code"] == "insufficient_stock":
                can_add = int(error.get("available", 0)) - session.cart.quantity_of(pid)
                if can_add <= 0:
                    return (f"You already have all {replies.number(error.get('available', 0))} of the {name} we "
                            "have in stock in your cart.")
                state.offer = ("add", pid, can_add)
                left = replies.number(error.get("available", 0))
                return f"Sorry, we only have {left} of the {name} left. Shall I add {replies.number(can_add)}?"
            return self._trouble(result)
        state.last_added = pid
        state.subject = pid
        state.offer = ("pair", pid, 0)
        cart = result["cart"]
        count = cart["item_count"]
        what = f"{replies.number(quantity)} of the {name}" if quantity > 1 else f"the {name}"
        return (f"I've added {what} to your cart. That's {replies.number(count)} "
                f"{replies.plural(count, 'item')}, {replies.money(cart['total'])} in total. "
                "Anything else? I can suggest what goes well with it.")

    def _out_of_stock(self, session: ShopperSession, state: _State, pid: str, name: str) -> str:
        known = self._summaries(session)
        category = known.get(pid, {}).get("category", "")
        alternatives = [known[p] for p in self._listed(session, state)
                        if p in known and p != pid and known[p].get("category") == category and known[p]["in_stock"]]
        text = f"Sorry, the {name} is out of stock right now, so I couldn't add it."
        if alternatives:
            alt = alternatives[0]
            state.offer = ("add", alt["id"], 1)
            return text + f" The {replies.name_of(alt)} is in stock at {replies.money(alt['price'])}. " \
                          "Shall I add that one instead?"
        if category:
            state.offer = ("similar", category, 0)
        return text + " Want me to find a similar one that's in stock?"

    def _cart_ids(self, session: ShopperSession) -> list[str]:
        return [ln.product_id for ln in session.cart.lines]

    def _cart_names(self, session: ShopperSession) -> str:
        names = [f"the {ln.brand} {ln.name}".replace("  ", " ") for ln in session.cart.lines]
        return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]

    async def _on_set_quantity(self, session: ShopperSession, state: _State, request: Request,
                               lexicon: Lexicon) -> str:
        in_cart = self._cart_ids(session)
        if not in_cart:
            return "Your cart is empty at the moment. Tell me what you're looking for and I'll find it."
        pid = self._resolve(session, state, request, among=in_cart)
        if pid is None or request.quantity is None:
            return f"Which item and how many? You have {self._cart_names(session)}. For example: 'make it 2'."
        result = await self._tool(session, "update_cart_item", product_id=pid, quantity=request.quantity)
        if not result.get("ok"):
            error = result["error"]
            if error["code"] == "insufficient_stock":
                return (f"Sorry, we only have {replies.number(error.get('available', 0))} of those in stock, so I "
                        "left your cart as it was.")
            return self._trouble(result)
        updated = result["updated"]
        total = replies.money(result["cart"]["total"])
        if updated["quantity"] == 0:
            return f"I've taken the {updated['name']} out of your cart. Your total is {total}."
        return (f"Done, you now have {replies.number(updated['quantity'])} of the {updated['name']}. "
                f"Your total is {total}.")

    async def _on_remove(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        in_cart = self._cart_ids(session)
        if not in_cart:
            return "Your cart is already empty. What can I find for you?"
        pid = self._resolve(session, state, request, among=in_cart)
        if pid is None:
            if request.category:
                label = lexicon.category_label(request.category)
                return f"There aren't any {label} in your cart. You have {self._cart_names(session)}."
            return f"Which item should I remove? You have {self._cart_names(session)}."
        current = session.cart.quantity_of(pid)
        target = 0
        if request.quantity is not None and 0 < request.quantity < current and re.search(r"\b\d+\b", request.text):
            target = current - request.quantity
        result = await self._tool(session, "update_cart_item", product_id=pid, quantity=target)
        if not result.get("ok"):
            return self._trouble(result)
        cart = result["cart"]
        name = result["updated"]["name"]
        if target:
            return (f"Okay, you now have {replies.number(target)} of the {name}. Your cart comes to "
                    f"{replies.money(cart['total'])}.")
        rest = (f"Your cart now comes to {replies.money(cart['total'])}." if cart["items"]
                else "Your cart is empty now.")
        return f"I've removed the {name}. {rest}"

    async def _on_clear_cart(self, session: ShopperSession, state: _State, request: Request,
                             lexicon: Lexicon) -> str:
        in_cart = self._cart_ids(session)
        if not in_cart:
            return "Your cart is already empty. What can I find for you?"
        for pid in in_cart:
            result = await self._tool(session, "update_cart_item", product_id=pid, quantity=0)
            if not result.get("ok"):
                return self._trouble(result)
        return "Done, I've emptied your cart. What would you like to look at next?"

    async def _on_view_cart(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        result = await self._tool(session, "view_cart")
        if not result.get("ok"):
            return self._trouble(result)
        return replies.describe_cart(result["cart"], result.get("warnings") or [])

    # -- recommendations -------------------------------------------------------------------------------------------
    async def _on_recommend(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        pid: str | None = None
        refers = request.pairing or request.pronoun or request.ordinal is not None or request.superlative
        if not refers and not request.category and request.terms:
            return await self._on_search(session, state, request, lexicon)  # "what's good for cooking?"
        if refers or not request.category:
            pid = self._resolve(session, state, request)
            if pid is None and request.terms:
                pid = await self._look_up(session, state, request, lexicon)
            if pid is None and not request.category and session.cart.lines:
                pid = state.last_added if state.last_added in session.cart else session.cart.lines[-1].product_id
        based_on = pid or request.category
        if based_on is None:
            return "Happy to suggest something. Which product or kind of gear should I match?"
        result = await self._tool(session, "get_recommendations", based_on=based_on, max_results=4)
        if not result.get("ok"):
            return self._trouble(result)
        products = result["products"]
        if not products:
            return "I don't have a good match for that right now. Is there something else I can find for you?"
        state.listed = [p["id"] for p in products]
        state.offer = ("pick", "", 0)
        picks = [f"the {replies.name_of(p)} ({replies.money(p['price'])})" for p in products[:3]]
        listing = ", ".join(picks[:-1]) + " and " + picks[-1] if len(picks) > 1 else picks[0]
        if pid:
            return (f"These go well with the {result['based_on']['name']}: {listing}. "
                    "Want me to add any of them?")
        label = lexicon.category_label(result["based_on"].get("category"))
        return f"My picks in {label}: {listing}. Want to hear more about one of them?"

    # -- checkout --------------------------------------------------------------------------------------------------
    async def _on_checkout(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        result = await self._tool(session, "view_cart")
        if not result.get("ok"):
            return self._trouble(result)
        cart = result["cart"]
        if not cart["items"]:
            state.awaiting_confirmation = False
            return "Your cart is empty, so there's nothing to check out yet. What can I find for you?"
        state.awaiting_confirmation = True
        return replies.read_back(cart, result.get("warnings") or [])

    async def _on_confirm(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon,
                          offer: tuple[str, str, int] | None = None) -> str:
        if state.awaiting_confirmation:
            state.awaiting_confirmation = False
            result = await self._tool(session, "checkout")
            if not result.get("ok"):
                error = result["error"]
                if error["code"] == "insufficient_stock":
                    return (f"Sorry, I couldn't place the order: {error['message']} Let's fix the cart first: "
                            "say 'what's in my cart'.")
                return self._trouble(result)
            return (f"Your order is placed! The order number is {result['order_number']}, total "
                    f"{replies.money(result['total'])}. Scan the code on the screen with your phone and pay at the "
                    "register. Thanks for shopping with us!")
        if offer and offer[0] == "add":
            return await self._add(session, state, offer[1], request.quantity or offer[2])
        if offer and offer[0] == "pair":
            pairing = Request(intent="recommend", text="", pairing=True)
            state.subject = offer[1]
            return await self._on_recommend(session, state, pairing, lexicon)
        if offer and offer[0] == "pick":
            return "Great, which one? Say 'the first one', or tap it on the screen."
        if offer and offer[0] == "similar":
            similar = Request(intent="search", text="", category=offer[1])
            return await self._on_search(session, state, similar, lexicon)
        return await self._on_affirm(session, state, request, lexicon)

    async def _on_decline(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon,
                          offer: tuple[str, str, int] | None = None) -> str:
        if state.awaiting_confirmation:
            state.awaiting_confirmation = False
            return "No problem, I haven't placed the order. Keep browsing, or tell me what to change."
        return "No problem. Is there anything else I can help you find?"

    # -- conversation --------------------------------------------------------------------------------------------
    async def _on_start_over(self, session: ShopperSession, state: _State, request: Request,
                             lexicon: Lexicon) -> str:
        session.end_requested = "shopper_start_over"
        return "Okay, let's start fresh. Your cart is cleared and I've forgotten everything from before."

    async def _on_help(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        return replies.HELP

    async def _on_greet(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        return "Hi! I'm Aisle, the store's assistant. What are you shopping for today?"

    async def _on_thanks(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        return "You're welcome! Anything else I can help you find?"

    async def _on_goodbye(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        return "Thanks for stopping by, and enjoy your time outdoors!"

    async def _on_affirm(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        return "Great! What would you like to do next? I can find gear, tell you more about it, or show your cart."

    async def _on_negate(self, session: ShopperSession, state: _State, request: Request, lexicon: Lexicon) -> str:
        return "No problem. Is there anything else I can help you find?"

