"""Turns that finish or extend an order: suggestions that go with a product, checkout (read back, then "yes"
places it), and answers to the agent's own questions ("Shall I add it?" -> "yes")."""

from __future__ import annotations

from agent.offline import replies
from agent.offline.cart_turns import add_product
from agent.offline.resolver import resolve
from agent.offline.search_turns import look_up, search
from agent.offline.state import Offer
from agent.offline.turn import Turn, trouble
from agent.offline.understanding import Request


async def recommend(turn: Turn) -> str:
    session, state, request, lexicon = turn.session, turn.state, turn.request, turn.lexicon
    pid: str | None = None
    refers = request.pairing or request.pronoun or request.ordinal is not None or request.superlative
    if not refers and not request.category and request.terms:
        return await search(turn)  # "what's good for cooking?"
    if refers or not request.category:
        pid = resolve(turn).product_id
        if pid is None and request.terms:
            pid = await look_up(turn)
        if pid is None and not request.category and session.cart.lines:
            pid = state.last_added if state.last_added in session.cart else session.cart.lines[-1].product_id
    based_on = pid or request.category
    if based_on is None:
        return "Happy to suggest something. Which product or kind of gear should I match?"
    result = await turn.tool("get_recommendations", based_on=based_on, max_results=4)
    if not result.get("ok"):
        return trouble(result)
    products = result["products"]
    if not products:
        return "I don't have a good match for that right now. Is there something else I can find for you?"
    state.listed = [p["id"] for p in products]
    state.offer = ("pick", "", 0)
    picks = [f"the {replies.name_of(p)} ({replies.money(p['price'])})" for p in products[:3]]
    listing = ", ".join(picks[:-1]) + " and " + picks[-1] if len(picks) > 1 else picks[0]
    if pid:
        basis = turn.known().get(pid) or {"name": result["based_on"]["name"]}
        return (f"These go well with the {replies.name_of(basis)}: {listing}. "
                "Want me to add any of them?")
    label = lexicon.category_label(result["based_on"].get("category"))
    return f"My picks in {label}: {listing}. Want to hear more about one of them?"


async def checkout(turn: Turn) -> str:
    state = turn.state
    result = await turn.tool("view_cart")
    if not result.get("ok"):
        return trouble(result)
    cart = result["cart"]
    if not cart["items"]:
        state.awaiting_confirmation = False
        return "Your cart is empty, so there's nothing to check out yet. What can I find for you?"
    state.awaiting_confirmation = True
    return replies.read_back(cart, result.get("warnings") or [])


async def confirm(turn: Turn, offer: Offer | None = None) -> str:
    state, request = turn.state, turn.request
    if state.awaiting_confirmation:
        state.awaiting_confirmation = False
        result = await turn.tool("checkout")
        if not result.get("ok"):
            error = result["error"]
            if error["code"] == "insufficient_stock":
                return (f"Sorry, I couldn't place the order: {error['message']} Let's fix the cart first: "
                        "say 'what's in my cart'.")
            return trouble(result)
        return (f"Your order is placed! The order number is {result['order_number']}, total "
                f"{replies.money(result['total'])}. Scan the code on the screen with your phone and pay at the "
                "register. Thanks for shopping with us!")
    if offer and offer[0] == "add":
        return await add_product(turn, offer[1], request.quantity or offer[2])
    if offer and offer[0] == "pair":
        pairing = Request(intent="recommend", text="", pairing=True)
        state.subject = offer[1]
        return await recommend(turn.with_request(pairing))
    if offer and offer[0] == "pick":
        return "Great, which one? Say 'the first one', or tap it on the screen."
    if offer and offer[0] == "similar":
        similar = Request(intent="search", text="", category=offer[1])
        return await search(turn.with_request(similar))
    return "Great! What would you like to do next? I can find products, tell you more about them, or show your cart."


async def decline(turn: Turn, offer: Offer | None = None) -> str:
    state = turn.state
    if state.awaiting_confirmation:
        state.awaiting_confirmation = False
        return "No problem, I haven't placed the order. Keep browsing, or tell me what to change."
    return "No problem. Is there anything else I can help you find?"
