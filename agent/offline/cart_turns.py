"""Cart turns as people say them: "add two of those", "make that three", "hmm, only one of those", "take the stove
out", "empty my cart", "how much is all that?". When a reference is ambiguous the agent asks which one: a wrong
item is never put in (or taken out of) the cart."""

from __future__ import annotations

import re
from typing import Any

from agent.offline import replies
from agent.offline.product_turns import pick, which_one
from agent.offline.resolver import resolve, which_of
from agent.offline.search_turns import search
from agent.offline.turn import Turn, trouble
from app.cart import MAX_QUANTITY_PER_LINE
from app.session import ShopperSession

FIRST_N = re.compile(r"\b(?:first|top) (\d)\b|\bboth( of (them|those|these))?\b")
EACH = re.compile(r"\b(\d+) of each\b|\beach\b")


def several_meant(turn: Turn) -> list[str] | None:
    """"add the first and the second", "one of each of the first two", "the meadow 4 and the fernhill 3": every
    product meant, or None when the message names one (or when any part is unclear: then nothing is added)."""
    from agent.offline.patterns import ORDINALS
    from agent.offline.understanding import understand  # the request reader, for each part

    text, listed = turn.request.text, turn.listed()
    m = FIRST_N.search(text)
    if m and listed:
        count = int(m.group(1)) if m.group(1) else 2
        return listed[:count] if len(listed) >= count else None
    said = [ORDINALS[w] for w in re.findall(r"\b(" + "|".join(ORDINALS) + r")\b", text)]
    if len(said) >= 2 and listed:
        picked = [listed[i] for i in said if -len(listed) <= i < len(listed)]
        return picked if len(picked) == len(said) else None
    parts = [p for p in re.split(r"\band\b|,", text) if p.strip()]
    if len(parts) < 2:
        return None
    found = []
    for part in parts:
        sub = resolve(turn.with_request(understand(part.strip(), turn.lexicon)))
        if sub.product_id is None:
            return None
        found.append(sub.product_id)
    return list(dict.fromkeys(found)) if len(set(found)) >= 2 else None


async def add_several(turn: Turn, ids: list[str]) -> str:
    each = EACH.search(turn.request.text)
    quantity = int(each.group(1)) if each and each.group(1) else 1
    replies_said = [await add_product(turn, pid, quantity) for pid in ids]
    failed = [r for r in replies_said if not r.startswith("I've added")]
    cart = turn.session.cart.to_dict()
    names = replies.join_words([f"the {replies.name_of(turn.known().get(p, {'name': p}))}" for p in ids])
    if failed:
        return " ".join(replies_said)
    what = f"{replies.number(quantity)} of each of {names}" if quantity > 1 else names
    return (f"I've added {what} to your cart. That's {replies.number(cart['item_count'])} "
            f"{replies.plural(cart['item_count'], 'item')}, {replies.money(cart['total'])} in total.")


def named(turn: Turn, line: dict[str, Any]) -> str:
    """A product's name as the shopper saw it (never the brand twice)."""
    known = turn.known().get(str(line.get("product_id")))
    return replies.name_of(known) if known else str(line.get("name", "that"))


async def add(turn: Turn) -> str:
    state, request = turn.state, turn.request
    several = several_meant(turn)
    if several:
        return await add_several(turn, several)
    pid, ambiguous = await pick(turn)
    if ambiguous:
        return which_of(turn, ambiguous)
    if pid is None:
        if (request.category or request.brand) and request.ordinal is None:
            reply = await search(turn)
            if len(state.listed) == 1 and turn.session.context.was_shown(state.listed[0]):
                return await add_product(turn, state.listed[0], request.quantity or 1)  # the only match
            if state.listed:
                state.offer = ("choose_add", "", request.quantity or 1)  # "the cheapest of those" adds it
                return reply.rsplit(". ", 1)[0] + ". Which one shall I add? Say 'the first one', or tap it."
            return reply
        if turn.listed():
            return ("Which one shall I add? Say 'the first one' or its name, or tap Add to cart on the screen."
                    if request.ordinal is None else which_one(turn))
        return "Which product shall I add? Tell me what you're looking for, or tap Add to cart on a card."
    return await add_product(turn, pid, request.quantity or 1)


async def add_product(turn: Turn, pid: str, quantity: int) -> str:
    session, state = turn.session, turn.state
    if quantity > MAX_QUANTITY_PER_LINE:
        return (f"I can add up to {MAX_QUANTITY_PER_LINE} of one product here. For a bigger order, please ask a "
                "member of staff and they'll be glad to help.")
    result = await turn.tool("add_to_cart", product_id=pid, quantity=quantity)
    known = turn.known()
    name = replies.name_of(known[pid]) if pid in known else "that"
    if not result.get("ok"):
        error = result["error"]
        if error["code"] == "out_of_stock":
            return out_of_stock(turn, pid, name)
        if error["code"] == "insufficient_stock":
            can_add = int(error.get("available", 0)) - session.cart.quantity_of(pid)
            if can_add <= 0:
                return (f"You already have all {replies.number(error.get('available', 0))} of the {name} we "
                        "have in stock in your cart.")
            state.offer = ("add", pid, can_add)
            left = replies.number(error.get("available", 0))
            return f"Sorry, we only have {left} of the {name} left. Shall I add {replies.number(can_add)}?"
        return trouble(result)
    state.last_added = pid
    state.subject = pid
    state.offer = ("pair", pid, 0)
    cart = result["cart"]
    count = cart["item_count"]
    what = f"{replies.number(quantity)} of the {name}" if quantity > 1 else f"the {name}"
    return (f"I've added {what} to your cart. That's {replies.number(count)} "
            f"{replies.plural(count, 'item')}, {replies.money(cart['total'])} in total. "
            "Anything else? I can suggest what goes well with it.")


def out_of_stock(turn: Turn, pid: str, name: str) -> str:
    state = turn.state
    known = turn.known()
    category = known.get(pid, {}).get("category", "")
    alternatives = [known[p] for p in turn.listed()
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


def cart_names(session: ShopperSession) -> str:
    names = [f"the {replies.name_of({'brand': ln.brand, 'name': ln.name})}" for ln in session.cart.lines]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


async def set_quantity(turn: Turn) -> str:
    session, request = turn.session, turn.request
    in_cart = turn.cart_ids()
    if not in_cart:
        return "Your cart is empty at the moment. Tell me what you're looking for and I'll find it."
    found = resolve(turn, among=in_cart)
    pid = found.product_id
    if found.ambiguous and request.quantity is not None:
        return which_of(turn, found.ambiguous)
    if pid is None or request.quantity is None:
        return f"Which item and how many? You have {cart_names(session)}. For example: 'make it 2'."
    result = await turn.tool("update_cart_item", product_id=pid, quantity=request.quantity)
    if not result.get("ok"):
        error = result["error"]
        if error["code"] == "insufficient_stock":
            return (f"Sorry, we only have {replies.number(error.get('available', 0))} of those in stock, so I "
                    "left your cart as it was.")
        return trouble(result)
    updated = result["updated"]
    total = replies.money(result["cart"]["total"])
    if updated["quantity"] == 0:
        return f"I've taken the {named(turn, updated)} out of your cart. Your total is {total}."
    return (f"Done, you now have {replies.number(updated['quantity'])} of the {named(turn, updated)}. "
            f"Your total is {total}.")


async def remove(turn: Turn) -> str:
    session, request, lexicon = turn.session, turn.request, turn.lexicon
    in_cart = turn.cart_ids()
    if not in_cart:
        return "Your cart is already empty. What can I find for you?"
    found = resolve(turn, among=in_cart)
    pid = found.product_id
    if found.ambiguous:
        return which_of(turn, found.ambiguous)
    if pid is None:
        if request.category:
            label = lexicon.category_label(request.category)
            return f"There aren't any {label} in your cart. You have {cart_names(session)}."
        return f"Which item should I remove? You have {cart_names(session)}."
    current = session.cart.quantity_of(pid)
    target = 0
    if request.quantity is not None and 0 < request.quantity < current and re.search(r"\b\d+\b", request.text):
        target = current - request.quantity
    result = await turn.tool("update_cart_item", product_id=pid, quantity=target)
    if not result.get("ok"):
        return trouble(result)
    cart = result["cart"]
    name = named(turn, result["updated"])
    if target:
        return (f"Okay, you now have {replies.number(target)} of the {name}. Your cart comes to "
                f"{replies.money(cart['total'])}.")
    rest = (f"Your cart now comes to {replies.money(cart['total'])}." if cart["items"]
            else "Your cart is empty now.")
    return f"I've removed the {name}. {rest}"


async def clear_cart(turn: Turn) -> str:
    in_cart = turn.cart_ids()
    if not in_cart:
        return "Your cart is already empty. What can I find for you?"
    for pid in in_cart:
        result = await turn.tool("update_cart_item", product_id=pid, quantity=0)
        if not result.get("ok"):
            return trouble(result)
    return "Done, I've emptied your cart. What would you like to look at next?"


async def view_cart(turn: Turn) -> str:
    result = await turn.tool("view_cart")
    if not result.get("ok"):
        return trouble(result)
    return replies.describe_cart(result["cart"], result.get("warnings") or [])
