"""Conversation that is not shopping: greetings, thanks, help, goodbyes, starting over, and things this kiosk does
not do (forecasts, directions, parking, hours, returns, jokes, "how's your day?") — a short, friendly answer and no
product search."""

from __future__ import annotations

import re

from agent.offline import replies
from agent.offline.turn import Turn

STAFF_TOPICS = [
    (r"\b(forecast|weather|rain tomorrow)\b", "I can't check the weather forecast from here"),
    (r"\b(directions?|how do i get|where is the)\b", "I can't give directions from here"),
    (r"\b(parking|park (my|the) car)\b", "I don't have the parking details"),
    (r"\b(opening hours|store hours|what time|when do you|are you open)\b", "I don't have the store's hours"),
    (r"\b(return|returns|refund|exchange)\b", "I can't handle returns or refunds"),
]


async def smalltalk(turn: Turn) -> str:
    text = turn.request.text
    if re.search(r"\bjokes?\b", text):
        return ("Here's one: why don't shopping carts ever get lost? They always stick to the aisles. I'm better at "
                "finding products, though. What are you shopping for?")
    if re.search(r"\b(how'?s your day|how are you|how is your day)\b", text):
        return "I'm doing well, thanks for asking! What can I help you find today?"
    for pattern, reason in STAFF_TOPICS:
        if re.search(pattern, text):
            return (f"{reason}, sorry; a staff member can help you with that. I can find products for you and look "
                    "after your cart.")
    return ("That's outside what I can help with here; a staff member can help. I can find products, tell you "
            "about them and look after your cart. What are you looking for?")


async def store_info(turn: Turn) -> str:
    """"What brands do you carry?", "what kinds of things do you sell?": from the loaded catalog."""
    if re.search(r"\b(brands?|makes?|makers|labels?)\b", turn.request.text):
        brands = sorted(turn.lexicon.brands.values())
        return f"We carry {replies.join_words(brands)}. Which would you like to see?"
    names = [n.lower().replace("&", "and") for n in turn.lexicon.category_order]
    return f"We sell {replies.join_words(names)}. What are you looking for?"


async def start_over(turn: Turn) -> str:
    turn.session.end_requested = "shopper_start_over"
    return "Okay, let's start fresh. Your cart is cleared and I've forgotten everything from before."


async def help_(turn: Turn) -> str:
    from agent.offline.need_purposes import read_needs
    if read_needs(turn.request.text).purposes:  # "what would help with blisters": a need, not a question about Aisle
        from agent.offline.search_turns import search
        return await search(turn)
    names = turn.lexicon.category_order
    kind = names[0].lower().replace("&", "and") if names else "a product"
    return replies.help_text(f"{kind} under 100 dollars") + f" Here I have {turn.categories_spoken()}."


async def greet(turn: Turn) -> str:
    """The full welcome once; later in the session a short hello, with the cart's count when it holds anything."""
    items = turn.session.cart.item_count
    if not (items or turn.state.last_search):
        return "Hi! I'm Aisle, the store's assistant. What are you shopping for today?"
    cart = f" Your cart has {replies.number(items)} item{'s' if items != 1 else ''}." if items else ""
    return f"Hi again!{cart} What else can I find for you?"


async def thanks(turn: Turn) -> str:
    return "You're welcome! Anything else I can help you find?"


async def goodbye(turn: Turn) -> str:
    return "Thanks for stopping by, and have a great day!"


async def affirm(turn: Turn) -> str:
    return "Great! What would you like to do next? I can find products, tell you more about them, or show your cart."


async def negate(turn: Turn) -> str:
    return "No problem. Is there anything else I can help you find?"
