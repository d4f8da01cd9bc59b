"""Turns about one product: its details, and questions answered honestly from its data ("is it waterproof?",
"how heavy is it?", "what's the warranty?"): specs first, then the store's own words, else "I don't know"."""

from __future__ import annotations

from agent.offline import replies
from agent.offline.asking import part_word
from agent.offline.facts import (
    feature_answer,
    named_spec_answer,
    part_answer,
    passage_answer,
    stock_answer,
    topic_answer,
)
from agent.offline.looks import colour_answer, colours_in, size_answer
from agent.offline.resolver import resolve, which_of
from agent.offline.search_turns import look_up, search, show
from agent.offline.turn import Turn, trouble

MEASURED = ("weight", "warmth", "capacity", "brightness", "runtime", "range")


def which_one(turn: Turn) -> str:
    listed = turn.listed()
    if turn.request.ordinal is not None and listed:
        return (f"I only showed {replies.number(len(listed))} {replies.plural(len(listed), 'option')}. "
                "Which one do you mean? Say 'the first one', or tap it on the screen.")
    if not listed:
        return "Sure! What are you looking for? Tell me and I'll find some options first."
    return "Which one would you like to hear about? Say 'the first one', or tap it on the screen."


async def pick(turn: Turn) -> tuple[str | None, list[str]]:
    """The product meant (looked up by name when it was not shown yet), or the candidates to ask about."""
    found = resolve(turn)
    request = turn.request
    colours = colours_in(request.slots.features) if request.intent != "question" else []
    if colours and (found.ambiguous or found.product_id is None):  # "the green kids one", "the navy one"
        return await _by_colour(turn, found.ambiguous or turn.listed(), colours)
    if found.ambiguous:
        return None, found.ambiguous
    pid = found.product_id
    if pid is None and request.ordinal is None and request.superlative is None:
        pid = await look_up(turn)
    return pid, []


async def _by_colour(turn: Turn, candidates: list[str], colours: list[str]) -> tuple[str | None, list[str]]:
    """Of the candidates, those the catalog lists in the colour said (searched with the list's own terms)."""
    last = turn.state.last_search
    if not candidates or not last:
        return None, []
    args = {k: v for k, v in last.items() if k in ("query", "category", "brand")}
    result = await turn.tool("search_products", **args, features=colours, limit=20)
    matching = {p["id"] for p in result.get("products", [])} if result.get("ok") else set()
    chosen = [pid for pid in candidates if pid in matching]
    if len(chosen) == 1:
        return chosen[0], []
    return None, chosen


async def details(turn: Turn) -> str:
    pid, ambiguous = await pick(turn)
    request = turn.request
    if ambiguous:
        return which_of(turn, ambiguous)
    if pid is None:
        if (request.category or request.brand or request.terms) and request.ordinal is None:
            return await search(turn)
        if request.superlative and not turn.listed():  # "the cheapest thing you sell"
            order = "price_asc" if request.superlative == "cheapest" else "price_desc"
            result = await show(turn, {"query": "everything", "sort": order, "limit": 5})
            return replies.describe_list(result, turn.state.turn, request.superlative) if result.get("ok") \
                else trouble(result)
        return which_one(turn)
    result = await turn.tool("show_product_details", product_id=pid)
    if not result.get("ok"):
        return trouble(result)
    product = result["product"]
    state = turn.state
    state.subject = pid
    if pid in turn.session.cart:
        return replies.describe_details(product, [], in_cart=turn.session.cart.quantity_of(pid))
    state.offer = ("add", pid, 1) if product["in_stock"] else ("similar", product["category"], 0)
    return replies.describe_details(product, result.get("recommendations") or [])


async def question(turn: Turn) -> str:
    subject = turn.state.subject  # before a look-up by name replaces the list
    pid, ambiguous = await pick(turn)
    request = turn.request
    if ambiguous:
        return which_of(turn, ambiguous)
    if pid is None and subject is not None and not request.brand and request.ordinal is None \
            and request.category in (None, _category_of(turn, subject)):
        pid = subject  # "what are the poles made of?": a question naming no other product is about this one
    if pid is None:
        if request.category or request.brand:
            return await search(turn)
        return which_one(turn)
    result = await turn.tool("show_product_details", product_id=pid, include_recommendations=False)
    if not result.get("ok"):
        return trouble(result)
    product = result["product"]
    turn.state.subject = pid
    answer = await _answer(turn, product)
    if request.topic == "stock" and not product["in_stock"]:
        turn.state.offer = ("similar", product["category"], 0)
        return answer + " Want me to find a similar one?"
    if pid in turn.session.cart:
        return answer + " It's in your cart already."
    if product["in_stock"]:
        turn.state.offer = ("add", pid, 1)
        return answer + " Shall I add it to your cart?"
    turn.state.offer = ("similar", product["category"], 0)
    return answer + " It's out of stock right now, though. Want me to find a similar one?"


def _part_asked(turn: Turn, product: dict[str, object]) -> str | None:
    """"Is the floor of the Fernhill waterproof?": a part of the product the question is about, if any."""
    word = part_word(turn.request.text)
    if not word or word in turn.lexicon.category_words or word in str(product.get("name", "")).lower() \
            or word in ("one", "first", "second", "third", "last", "other"):
        return None
    return word


def _category_of(turn: Turn, product_id: str) -> str | None:
    known = turn.session.context.products.get(product_id)
    return str(known["category"]) if known else None


async def _answer(turn: Turn, product: dict[str, object]) -> str:
    request = turn.request
    topic = request.topic
    if topic in MEASURED:
        measured = topic_answer(product, topic)
        if measured is not None:
            return measured
    if topic == "colour":
        return colour_answer(product, colours_in(request.slots.features))
    if topic == "size":
        return size_answer(product, request.slots.size)
    feature = "waterproof" if topic == "waterproof" else request.asked_feature if topic not in ("stock", "price") \
        else None
    if feature:
        whole = feature_answer(product, feature, turn.lexicon.spec_values)
        part = _part_asked(turn, product)
        return part_answer(product, part, feature, whole) if part else whole
    if topic == "stock":
        return stock_answer(product)
    if topic == "price":
        return f"The {replies.name_of(product)} is {replies.money(float(str(product['price'])))}."
    named = named_spec_answer(product, request.text)
    if named is not None:
        return named
    info = await turn.tool("get_product_info", product_id=str(product["id"]), question=request.text)
    if not info.get("ok"):
        return trouble(info)
    return passage_answer(replies.name_of(product), info["passages"], request.text)
