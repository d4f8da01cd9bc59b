"""One shopper turn as the offline agent's parts see it: the session, the dialogue state, the understood request,
the vocabulary, and the one way to act (the shopping tools, exactly as cloud brains call them)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from agent.offline import replies
from agent.offline.lexicon import Lexicon
from agent.offline.state import DialogueState
from agent.offline.understanding import Request
from app.session import ShopperSession

log = logging.getLogger("aisle.agent.offline")
ToolCall = Callable[[ShopperSession, str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class Turn:
    session: ShopperSession
    state: DialogueState
    request: Request
    lexicon: Lexicon
    call: ToolCall

    async def tool(self, name: str, **args: Any) -> dict[str, Any]:
        return await self.call(self.session, name, args)

    def known(self) -> dict[str, dict[str, Any]]:
        """Summaries of every product the shopper has seen recently or has in the cart, by id."""
        known = dict(self.session.context.products)
        for line in self.session.cart.lines:
            known.setdefault(line.product_id, {
                "id": line.product_id, "name": line.name, "brand": line.brand, "category": line.category,
                "price": line.unit_price, "stock": line.stock,
                "in_stock": line.stock is None or line.stock > 0,
            })
        return known

    def listed(self) -> list[str]:
        """The list on screen the shopper refers to ("the second one")."""
        cart = {ln.product_id for ln in self.session.cart.lines}
        listed = [p for p in self.state.listed if self.session.context.was_shown(p) or p in cart]
        return listed or self.session.context.current_list

    def cart_ids(self) -> list[str]:
        return [ln.product_id for ln in self.session.cart.lines]

    def categories_spoken(self) -> str:
        return replies.categories_spoken(self.lexicon.category_order)

    def with_request(self, request: Request) -> Turn:
        return Turn(self.session, self.state, request, self.lexicon, self.call)


def trouble(result: dict[str, Any]) -> str:
    """A tool failure the agent did not expect, in words for the shopper (details go to the log)."""
    error = result.get("error") or {}
    log.warning("offline agent: unexpected tool failure %s", error)
    if error.get("code") == "catalog_unavailable":
        return "Sorry, I can't reach the product catalog right now. Please ask a member of staff for help."
    if error.get("code") in ("invalid_quantity", "insufficient_stock", "out_of_stock", "empty_cart"):
        return str(error.get("message"))
    return "Sorry, something went wrong on my side. Could you say that another way?"
