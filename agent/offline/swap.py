""""Swap it for the bigger one": take a cart line out and put the product meant instead. When the new product is
clear (a name, an ordinal) both happen; when it is only described ("a bigger one, for four people") the old line
comes out, the matching products go on screen, and the agent asks which one to add (it never guesses)."""

from __future__ import annotations

import re
from typing import Any

from agent.offline import replies
from agent.offline.cart_turns import add_product, cart_names
from agent.offline.resolver import resolve, which_of
from agent.offline.search_turns import constraints, show
from agent.offline.turn import Turn, trouble
from agent.offline.understanding import understand

BIGGER = {"bigger": "capacity_desc", "larger": "capacity_desc", "roomier": "capacity_desc",
          "smaller": "capacity_asc", "lighter": "weight_asc", "cheaper": "price_asc", "brighter": "lumens_desc",
          "warmer": "temperature_asc"}


async def swap(turn: Turn) -> str:
    text = turn.request.text
    old_part, _, new_part = re.split(r"\b(for|with)\b", text, maxsplit=1) if re.search(r"\b(for|with)\b", text) \
        else (text, "", "")
    in_cart = turn.cart_ids()
    if not in_cart:
        return "Your cart is empty, so there's nothing to swap. What are you looking for?"
    old = resolve(turn.with_request(understand(old_part.replace("swap", "").strip() or "it", turn.lexicon)),
                  among=in_cart)
    if old.ambiguous:
        return which_of(turn, old.ambiguous)
    if old.product_id is None:
        return f"Which item should I swap? You have {cart_names(turn.session)}."
    wanted = turn.with_request(understand(new_part.strip(), turn.lexicon))
    new = resolve(wanted)
    if new.product_id and new.product_id != old.product_id and not wanted.request.indefinite:
        removed = await turn.tool("update_cart_item", product_id=old.product_id, quantity=0)
        if not removed.get("ok"):
            return trouble(removed)
        return "Swapped. " + await add_product(turn, new.product_id, 1)
    return await _swap_for_described(turn, old.product_id, wanted)


async def _swap_for_described(turn: Turn, old_id: str, wanted: Turn) -> str:
    known = turn.known()
    old = known.get(old_id, {"name": old_id, "category": None})
    args: dict[str, Any] = {"query": turn.lexicon.category_label(wanted.request.category or old.get("category")),
                            **constraints(wanted.request)}
    if wanted.request.category or old.get("category"):
        args["category"] = wanted.request.category or old.get("category")
    sort = next((s for word, s in BIGGER.items() if re.search(rf"\b{word}\b", wanted.request.text)), None)
    if sort and "sort" not in args:
        args["sort"] = sort
    result = await show(turn, args)
    if not result.get("ok"):
        return trouble(result)
    others = [p for p in result["products"] if p["id"] != old_id]
    if not others:
        return f"I couldn't find a {wanted.request.text or 'replacement'} to swap in, so I've left your cart as it was."
    removed = await turn.tool("update_cart_item", product_id=old_id, quantity=0)
    if not removed.get("ok"):
        return trouble(removed)
    turn.state.offer = ("pick", "", 0)
    return (f"I've taken the {replies.name_of(old)} out of your cart. "
            + replies.describe_list(result, turn.state.turn).rsplit(". ", 1)[0]
            + ". Which one shall I add instead? Say 'the first one', or tap it.")
