"""Several needs in one sentence ("a stove and something to cook in, 120 dollars for both"): one search per kind
of product, each within the budget, and a pair (or set) that keeps to the shared budget, priced from the results."""

from __future__ import annotations

import re
from itertools import product as combinations
from typing import Any

from agent.offline import replies
from agent.offline.search_turns import constraints, query_terms, without_brands
from agent.offline.turn import Turn, trouble
from agent.offline.understanding import understand
from app.tools.search_terms import heading_label


def _cheapest_set(lists: list[list[dict[str, Any]]], budget: float | None) -> list[dict[str, Any]] | None:
    """The best-value set with one product of each list within `budget` (the priciest that fits, so the shopper
    gets the most for the money), or None."""
    pools: list[list[dict[str, Any]]] = []
    for items in lists:  # each need from a kind of product the earlier needs did not already cover, if it can
        taken = {p["category"] for pool in pools for p in pool[:1]}
        fresh = [p for p in items if p["in_stock"] and p["category"] not in taken]
        pools.append((fresh or [p for p in items if p["in_stock"]])[:6])
    if any(not pool for pool in pools):
        return None
    sets = [list(s) for s in combinations(*pools) if len({p["id"] for p in s}) == len(s)]
    if not sets:
        return None
    if budget is None:
        return min(sets, key=lambda s: sum(p["price"] for p in s))
    fitting = [s for s in sets if sum(p["price"] for p in s) <= budget + 1e-9]
    return max(fitting, key=lambda s: sum(p["price"] for p in s)) if fitting else None


BUDGET = re.compile(r"\$?\d+(?:\.\d+)?\s?(?:dollars|bucks|usd)?\s?(?:for (?:both|all|the lot|everything)|in total|"
                    r"total|together|combined)|\b(?:under|below|less than|up to|budget of|with)\s\$?\d+(?:\.\d+)?"
                    r"\s?(?:dollars|bucks|usd)?(?: for (?:both|all))?")


def split_needs(text: str) -> list[str]:
    """The separate needs of one sentence, without the shared budget ("a stove", "something to cook in")."""
    parts = re.split(r"\band\b|\bplus\b|,|\bwith (?:a|an|some)\b", BUDGET.sub(" ", text))
    return [p.strip() for p in parts if re.search(r"[a-z]{3,}", p)]


def _need_args(turn: Turn, part: str, shared: dict[str, Any], budget: float | None) -> dict[str, Any] | None:
    sub = turn.with_request(understand(part, turn.lexicon))
    terms, _ = query_terms(sub)
    request = sub.request
    if not (terms or request.category):
        return None
    label = turn.lexicon.category_label(request.category) if request.category else ""
    args: dict[str, Any] = {"query": label or " ".join(terms), **shared}  # a kind named: the whole kind
    if request.category:
        args["category"] = request.category
    if budget is not None:
        args["max_price"] = budget
    return args


async def several_needs(turn: Turn) -> str | None:
    """Search for each need and price a set within the budget; None when the sentence holds only one need."""
    from agent.offline.need_turns import only_possessed  # need_turns builds on search_turns, as this module does
    request = turn.request
    budget = request.max_price
    shared = {k: v for k, v in constraints(request).items() if k not in ("max_price", "min_price", "brand")}
    parts = split_needs(without_brands(turn, request.text))
    wanted = [a for a in (_need_args(turn, part, shared, budget) for part in parts) if a]
    named = {a.get("category") for a in wanted}
    for slug in [request.category, *request.other_categories]:  # "a helmet a lock and a light": each kind named
        if slug and slug not in named and not only_possessed(turn, slug):
            label = turn.lexicon.category_label(slug)
            wanted.append({"query": label, "category": slug, **shared, **({"max_price": budget} if budget else {})})
            named.add(slug)
    if len(wanted) < 2:
        return None
    lists: list[list[dict[str, Any]]] = []
    headings: list[str] = []
    shown: list[str] = []
    for args in wanted:
        result = await turn.tool("search_products", **args)
        if not result.get("ok"):
            return trouble(result)
        lists.append(result["products"])
        headings.append(str(result["heading"]))
        shown += [p["id"] for p in result["products"]]
        turn.state.remember_search(args, [p["id"] for p in result["products"]])
    turn.state.listed = shown
    return _several_reply(lists, headings, budget)


def spoken_count(heading: str) -> str:
    count, _, rest = heading.partition(" ")
    return f"{replies.number(int(count))} {rest}" if count.isdigit() else heading


def _several_reply(lists: list[list[dict[str, Any]]], headings: list[str], budget: float | None) -> str:
    labels = [heading_label(h) for h in headings]
    missing = [label for label, items in zip(labels, lists, strict=True) if not items]
    if missing:
        return f"I couldn't find any {replies.join_words(missing, 'or')}. Want me to widen the search?"
    picks = _cheapest_set(lists, budget)
    if picks is None:
        low = sum(min(p["price"] for p in items) for items in lists)
        return (f"I can't make those fit {replies.money(budget or 0)} together: the lowest prices add up to "
                f"{replies.money(low)}. Want to raise the budget a little?")
    total = sum(p["price"] for p in picks)
    named = replies.join_words([f"the {replies.name_of(p)} ({replies.money(p['price'])})" for p in picks])
    within = f", within your {replies.money(budget)}" if budget is not None else ""
    spoken = [spoken_count(h) for h in headings]
    return (f"I found {replies.join_words(spoken)}. Together, {named} come to {replies.money(total)}{within}. "
            "Tap one, or tell me which to add.")
