"""Turns that put a list on screen: a new search, a refinement of the list on screen ("which of these are under
80?", "lowest price at the top", "just what you have on the shelf"), "show me more", "back to the tents",
"anything cheaper?", and a product named but not shown yet. All of it through `search_products`."""

from __future__ import annotations

import re
from typing import Any

from agent.offline import replies
from agent.offline.resolver import TOPIC_WORDS, name_score, naming_terms
from agent.offline.turn import Turn, trouble
from agent.offline.understanding import Request
from app.catalog.units import kind_of
from app.tools.search_terms import heading_label

ASKS_FOR_PRODUCTS = re.compile(r"\b(need|want|looking|have|sell|carry|buy|show|find|any|get|stock)\b")
REPLACES = ("category", "brand", "min_price", "max_price", "sort", "in_stock_only", "size")


def query_terms(turn: Turn) -> tuple[list[str], list[str]]:
    """The shopper's words the catalog knows (misspellings corrected), and the ones it does not."""
    known: list[str] = []
    unknown: list[str] = []
    for term in turn.request.terms:
        if turn.lexicon.knows(term):
            known.append(term)
        elif (fixed := turn.lexicon.correct(term)) is not None:
            known.append(fixed)
        else:
            unknown.append(term)
    known += [w for w in turn.request.kind_words if "-" in w and w in unknown]  # "a u-lock": a kind names say
    return list(dict.fromkeys(known)), [w for w in unknown if w not in known]


def constraints(request: Request) -> dict[str, Any]:
    """The search arguments a request states, other than the query and category."""
    args: dict[str, Any] = {}
    if request.brand:
        args["brand"] = request.brand
    if request.max_price is not None:
        args["max_price"] = request.max_price
    if request.min_price is not None:
        args["min_price"] = request.min_price
    slots = request.slots
    if slots.specs:
        args["specs"] = [s.as_argument() for s in slots.specs]
    if slots.features:
        args["features"] = list(slots.features)
    if slots.sort:
        args["sort"] = slots.sort
    if slots.size is not None:
        args["size"] = slots.size
    if slots.in_stock_only:
        args["in_stock_only"] = True
    return args


def merged(previous: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A refinement keeps the earlier constraints unless the shopper replaces one (a spec of the same measure and
    direction, a price bound, the brand, the order)."""
    args = {k: v for k, v in previous.items() if k not in ("limit", "offset")}
    for key in REPLACES:
        if key in new:
            args[key] = new[key]
    if "features" in new:
        args["features"] = list(dict.fromkeys([*args.get("features", []), *new["features"]]))
    if "specs" in new:
        replaced = {(s["key"], s["op"][0]) for s in new["specs"]}
        kept = [s for s in args.get("specs", []) if (s["key"], s["op"][0]) not in replaced]
        args["specs"] = kept + list(new["specs"])
    return args


async def show(turn: Turn, args: dict[str, Any], superlative: str | None = None) -> dict[str, Any]:
    """Run a search and make its list the one on screen."""
    result = await turn.tool("search_products", **args)
    if result.get("ok") and (result["count"] or not turn.state.last_search):  # an empty list refines nothing
        turn.state.remember_search(args, [p["id"] for p in result["products"]])
        if superlative and result["products"]:  # "the cheapest is the ...": that is what "it" means now
            pick = (min if superlative == "cheapest" else max)(result["products"], key=lambda p: p["price"])
            turn.state.subject = pick["id"]
    return result


def _search_args(turn: Turn, terms: list[str]) -> dict[str, Any]:
    request, lexicon = turn.request, turn.lexicon
    features = request.slots.features
    if terms and features and not all(t in lexicon.feature_words for t in terms):
        # "the Alpenglow down mummy": a name, with its words in order (tags like "commuting" are not a name)
        terms = [w for w in request.text.split() if w in terms or w in features]
        features = []
    label = lexicon.category_label(request.category) if request.category else ""
    synonym = lexicon.specific_synonym(request.category_phrase, request.category)
    people = [f"{int(s.value)} person" for s in request.slots.specs if s.unit == "persons"]
    query = " ".join([*terms, *people]) or synonym or label or (request.brand or "") \
        or " ".join(features)
    args: dict[str, Any] = {"query": query or "products"}
    if request.category:
        args["category"] = request.category
    args.update(constraints(request))
    if features:
        args["features"] = features
    else:
        args.pop("features", None)
    if request.superlative:
        args["limit"] = 20
    return args


def without_brands(turn: Turn, text: str) -> str:
    for brand in turn.lexicon.brands:
        for said in {brand, brand.replace("&", "and")}:
            text = re.sub(rf"\b{re.escape(said)}\b", " ", text)
    return text


def is_refinement(turn: Turn, terms: list[str]) -> bool:
    """Constraints said about the list on screen, rather than a new search."""
    request, state = turn.request, turn.state
    if not state.last_search or not (constraints(request) or request.about_list or request.drop_price):
        return False
    if request.drop_price:
        return True
    kinds = {kind_of(s.unit) for s in request.slots.specs} - {None}
    listed_kind = state.last_search.get("category")
    if kinds and listed_kind and not kinds <= turn.lexicon.category_kinds.get(str(listed_kind), set()):
        return False  # "90 km of range" said over a list of bottles is a new search
    from agent.offline.search_fallbacks import purpose_words
    if request.category and request.indefinite and purpose_words(turn) and not request.about_list:
        return False  # "I need a waterproof bag for my bike commute": a new need, stated with its own purpose
    same_kind = request.category in (None, state.last_search.get("category"))
    return same_kind and (not terms or request.about_list) and not request.other_categories


async def search(turn: Turn) -> str:
    request = turn.request
    has_price = request.max_price is not None or request.min_price is not None
    terms, unknown = query_terms(turn)
    if is_refinement(turn, terms):
        return await refine(turn)
    from agent.offline import need_turns  # "so my bike doesn't get nicked": what serves the need (builds on this)
    if (need := await need_turns.plain_need(turn)) is not None:
        return need
    if not request.has_product_words and not has_price and not request.slots.any:
        return replies.not_understood(turn.categories_spoken())
    if not (terms or request.category or request.brand or request.slots.features or request.slots.specs) \
            and NEED.search(request.text) and not has_price:
        described = await _described(turn, [w for w in unknown if len(w) > 3])
        if described is not None:
            return described
    if not (terms or request.category or request.brand or request.slots.features or request.slots.specs):
        if has_price and re.search(r"\b(everything|anything|all|whatever|something|stuff)\b", request.text):
            result = await show(turn, {"query": "everything", **constraints(request), "sort": "price_asc"})
            return replies.describe_list(result, turn.state.turn) if result.get("ok") else trouble(result)
        if has_price:
            return f"What kind of product should I look for at that price? I have {turn.categories_spoken()}."
        if not ASKS_FOR_PRODUCTS.search(request.text):
            return replies.not_understood(turn.categories_spoken())
        return not_sold(turn, unknown)
    plain = without_brands(turn, request.text)  # "spindle and co" is one brand, not two needs
    if " and " in request.category_phrase:  # nor is "panniers and bags", a category's own name
        plain = plain.replace(request.category_phrase, " ")
    if request.other_categories or (request.category and re.search(r"\band\b|,", plain)) or (
            re.search(r"\b(and|plus)\b", plain) and re.search(r"\b(for both|for all|in total|together|"
                                                               r"combined|altogether)\b", plain)):
        from agent.offline.needs import several_needs  # needs builds on this module
        several = await several_needs(turn)
        if several is not None:
            return several
    args = _search_args(turn, terms)
    from agent.offline import search_fallbacks as fallback  # it builds on this module
    result, any_look = await fallback.any_look_at(turn, args, await show(turn, args, request.superlative))
    result, relaxed = await fallback.relaxed_search(turn, args, result, terms)
    result, soft = await fallback.without_soft_words(turn, args, result)
    if not result.get("ok"):
        return trouble(result)
    if for_purpose := await fallback.for_the_purpose(turn, args, result):
        return for_purpose
    if result["count"] == 0 and len(terms) > 1 and not (request.category or request.brand):
        result = await _one_kind(turn, args, result, terms)  # no product says all the words: each word votes
    if result["count"] == 0 and not (request.category or request.brand or has_price or request.slots.any):
        return not_sold(turn, terms)
    named = any(name_score(terms, p) >= max(1, len(terms) - 1) for p in result["products"][:3])
    if not (request.category or request.brand or named) and (result["count"] > 1 or len(terms) > 1):
        result = await _one_kind(turn, args, result, terms)
    reply = replies.describe_list(result, turn.state.turn, request.superlative)
    if relaxed and result["count"]:
        reply = f"I couldn't find anything matching \"{relaxed}\" exactly, but here's what I have. " + reply
    reply = any_look + soft + reply
    if result["count"] == 1 and not result["products"][0]["in_stock"] and request.category:
        turn.state.offer = ("similar", request.category, 0)
    return reply + need_turns.the_others_too(turn)


async def _one_kind(turn: Turn, args: dict[str, Any], result: dict[str, Any], terms: list[str]) -> dict[str, Any]:
    """A need in plain words ("something to boil water on", "cold at night in my tent") matched products of several
    kinds, or few: each word votes, through the catalog's own text, for the kind of product meant; show that kind."""
    votes: dict[str, float] = {}
    lists = [result["products"]]
    if len(terms) > 1 and (result["count"] < 3 or len({p["category"] for p in result["products"]}) > 1):
        for term in terms:
            single = await turn.tool("search_products", query=term, limit=6, sort="relevance")
            if single.get("ok"):
                lists.append(single["products"])
    for products in lists:
        for rank, product in enumerate(products[:6]):
            votes[product["category"]] = votes.get(product["category"], 0.0) + 1.0 / (rank + 1)
    if not votes or (len(votes) < 2 and len(lists) == 1):
        return result
    best = max(votes, key=lambda slug: votes[slug])
    if votes[best] < 0.5 * sum(votes.values()):
        return result
    narrowed = {**args, "category": best}
    again = await show(turn, narrowed)
    if again.get("ok") and again["count"] < 2:  # few say it in so many words: the whole kind
        again = await show(turn, {**narrowed, "query": turn.lexicon.category_label(best)})
    if again.get("ok") and again["count"]:
        return again
    turn.state.remember_search(args, [p["id"] for p in result["products"]])
    return result


NEED = re.compile(r"\b(need|keep|always|so|ride|riding|carry|stop|help|get|want)\b")


async def _described(turn: Turn, words: list[str]) -> str | None:
    """A need in words only the products' descriptions use ("I keep getting flats"): search the store's own text,
    and show the kind of product the matches are of; None when nothing says those words."""
    if not words or re.search(r"\b(do you (sell|have|carry)|any)\b", turn.request.text):
        return None
    found = await turn.tool("search_products", query=" ".join(words), limit=6)
    if not found.get("ok") or not found["count"]:
        return None
    result = await _one_kind(turn, {"query": " ".join(words)}, found, words)
    return replies.describe_list(result, turn.state.turn) if result["count"] else None


def not_sold(turn: Turn, words: list[str]) -> str:
    if not re.search(r"\b(do you (sell|have|carry|stock)|have you got|got any|any|sell|carry)\b", turn.request.text):
        return (f"I'm not sure which of our products would help with that. I have {turn.categories_spoken()}. "
                "Which kind should I look at?")
    said = " ".join(words) or "that"
    return (f"Sorry, we don't sell {said} here. I can help you find {turn.categories_spoken()}. "
            "What are you looking for?")


async def refine(turn: Turn) -> str:
    """Apply what the shopper just said to the list on screen, keeping its earlier constraints."""
    state, request = turn.state, turn.request
    new = constraints(request)
    terms, _ = query_terms(turn)
    if request.about_list:  # "just the ones for kids", "only the dome tents": words their own text must have
        said = [*terms, *(w for w in request.kind_words if w.rstrip("s") not in {t.rstrip("s") for t in terms})]
        if said:
            new["features"] = list(dict.fromkeys([*new.get("features", []), *said]))
    args = merged(state.last_search, new)
    if request.slots.lighter_half and len(state.listed) > 1:
        args["limit"] = max(1, len(state.listed) // 2)
    if request.drop_price:
        args.pop("max_price", None)
        args.pop("min_price", None)
    result = await show(turn, args)
    if not result.get("ok"):
        return trouble(result)
    if result["count"] == 0 and new and args != {**state.last_search, **new}:
        fresh = {"query": args["query"], **({"category": args["category"]} if "category" in args else {}), **new}
        retry = await show(turn, fresh)
        if retry.get("ok") and retry["count"]:
            limits = heading_label(result["heading"])
            return (f"Nothing matches that together with the earlier limits ({limits}), so I've dropped them. "
                    + replies.describe_list(retry, state.turn))
    return replies.describe_list(result, state.turn)


async def similar(turn: Turn) -> str:
    """"Show me similar ones": the same kind of product as the one being talked about, near its price."""
    known = turn.known()
    subject = known.get(turn.state.subject or "")
    if subject is None:
        listed = turn.listed()
        subject = known.get(listed[0]) if len(listed) == 1 else None
    if subject is None or not subject.get("category"):
        return await search(turn) if turn.request.has_product_words else \
            "Similar to which one? Tap it, or say 'the first one'."
    slug = subject["category"]
    price = float(subject["price"])
    args: dict[str, Any] = {"query": turn.lexicon.category_label(slug), "category": slug,
                            "min_price": round(price * 0.6, 2), "max_price": round(price * 1.4, 2)}
    result = await show(turn, args)
    if not result.get("ok"):
        return trouble(result)
    if result["count"] <= 1:
        args.pop("min_price")
        args.pop("max_price")
        result = await show(turn, args)
    return f"Here's what's like the {replies.name_of(subject)}. " + replies.describe_list(result, turn.state.turn)


async def more(turn: Turn) -> str:
    """"Show me more": the same search, the next page."""
    state = turn.state
    if not state.last_search:
        return "More of what? Tell me what you're looking for and I'll find some options."
    shown_before = int(state.last_search.get("offset", 0)) + len(state.listed)
    args = {**state.last_search, "offset": shown_before}
    result = await turn.tool("search_products", **args)
    if not result.get("ok"):
        return trouble(result)
    if not result["count"]:
        return "That's everything I have for that. Want me to widen the search?"
    state.remember_search(args, [p["id"] for p in result["products"]])
    names = replies.join_words([f"the {replies.name_of(p)} ({replies.money(p['price'])})"
                                for p in result["products"][:3]])
    return (f"Here are {replies.number(result['count'])} more: {names}"
            + (" and others" if result["count"] > 3 else "") + ". Want details on one of them?")


async def back(turn: Turn) -> str:
    category = turn.request.category
    previous = turn.state.by_category.get(category or "")
    if previous is None:
        return await search(turn)
    result = await show(turn, previous)
    if not result.get("ok"):
        return trouble(result)
    return "Back to the " + turn.lexicon.category_label(category) + ". " + replies.describe_list(result, 1)


async def cheaper(turn: Turn) -> str:
    state = turn.state
    if not state.last_search:
        return "Cheaper than what? Tell me what you're looking for and your budget, and I'll find options."
    known = turn.known()
    listed = turn.listed()
    prices = [known[p]["price"] for p in listed if p in known]
    if not prices:
        return "Tell me what you're looking for and your budget, and I'll find cheaper options."
    focus = state.subject
    ceiling = known[focus]["price"] if focus in listed and focus in known else sorted(prices)[len(prices) // 2]
    args = {**state.last_search, "max_price": round(ceiling - 0.01, 2)}
    args.pop("min_price", None)
    args.pop("limit", None)
    result = await turn.tool("search_products", **args)
    if not result.get("ok"):
        return trouble(result)
    if result["count"] == 0:
        return (f"Sorry, that's already the lowest price I have for that: the cheapest option is "
                f"{replies.money(min(prices))}. Want to try something else?")
    state.remember_search(args, [p["id"] for p in result["products"]])
    return replies.describe_list(result, state.turn)


async def look_up(turn: Turn) -> str | None:
    """A product named but not shown yet ("add the granite peak boot"): search for it and pick the clear match."""
    request, lexicon = turn.request, turn.lexicon
    terms = naming_terms(turn) if request.intent in ("question", "compare") else \
        [t for t in request.terms if t not in TOPIC_WORDS]
    if not terms:
        return None
    args: dict[str, Any] = {"query": " ".join(terms)}
    if request.category:
        args["category"] = request.category
    if request.brand:
        args["brand"] = request.brand
    result = await turn.tool("search_products", **args)
    if result.get("ok") and result["count"] == 0:
        corrected = [lexicon.correct(t) or t for t in terms]
        if corrected != terms:
            terms = corrected
            args["query"] = " ".join(corrected)
            result = await turn.tool("search_products", **args)
    if not result.get("ok") or not result["count"]:
        return None
    products = result["products"]
    turn.state.remember_search(args, [p["id"] for p in products])
    turn.state.subject = None
    scores = sorted(((name_score(terms, p), -i, p["id"]) for i, p in enumerate(products)), reverse=True)
    best = scores[0]
    if best[0] >= max(1, min(2, len(terms))) and (len(scores) == 1 or scores[1][0] < best[0]):
        return str(best[2])
    if len(products) == 1 and best[0] > 0:
        return str(products[0]["id"])
    return None
