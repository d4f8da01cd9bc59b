"""Several needs in one sentence ("a stove and something to cook in, 120 dollars for both"): one search per kind
of product, each within the budget, and a pair (or set) that keeps to the shared budget, priced from the results."""

from __future__ import annotations

from itertools import product as combinations
from typing import Any

from agent.offline import replies
from agent.offline.search_turns import constraints
from agent.offline.turn import Turn, trouble


def _cheapest_set(lists: list[list[dict[str, Any]]], budget: float | None) -> list[dict[str, Any]] | None:
    """The best-value set with one product of each list within `budget` (the priciest that fits, so the shopper
    gets the most for the money), or None."""
    pools = [[p for p in items if p["in_stock"]][:6] for items in lists]
    if any(not pool for pool in pools):
        return None
    sets = [list(s) for s in combinations(*pools)]
    if budget is None:
        return min(sets, key=lambda s: sum(p["price"] for p in s))
    fitting = [s for s in sets if sum(p["price"] for p in s) <= budget + 1e-9]
    return max(fitting, key=lambda s: sum(p["price"] for p in s)) if fitting else None


async def several_needs(turn: Turn) -> str:
    request = turn.request
    kinds = [c for c in [request.category, *request.other_categories] if c]
    budget = request.max_price
    shared = {k: v for k, v in constraints(request).items() if k not in ("max_price", "min_price")}
    lists: list[list[dict[str, Any]]] = []
    shown: list[str] = []
    for slug in kinds:
        args: dict[str, Any] = {"query": turn.lexicon.category_label(slug), "category": slug, **shared}
        if budget is not None:
            args["max_price"] = budget
        result = await turn.tool("search_products", **args)
        if not result.get("ok"):
            return trouble(result)
        lists.append(result["products"])
        shown += [p["id"] for p in result["products"]]
        turn.state.remember_search(args, [p["id"] for p in result["products"]])
    turn.state.listed = shown
    labels = [turn.lexicon.category_label(slug) for slug in kinds]
    missing = [label for label, items in zip(labels, lists, strict=True) if not items]
    if missing:
        return (f"I couldn't find any {replies.join_words(missing, 'or')}"
                + (f" under {replies.money(budget)}" if budget is not None else "") + ". Want me to widen the search?")
    picks = _cheapest_set(lists, budget)
    if picks is None:
        low = sum(min(p["price"] for p in items) for items in lists)
        return (f"I can't make {replies.join_words(labels)} fit {replies.money(budget or 0)} together: the lowest "
                f"prices add up to {replies.money(low)}. Want to raise the budget a little?")
    total = sum(p["price"] for p in picks)
    named = replies.join_words([f"the {replies.name_of(p)} ({replies.money(p['price'])})" for p in picks])
    within = f", within your {replies.money(budget)}" if budget is not None else ""
    return (f"I've put {replies.join_words(labels)} on the screen. Together, {named} come to "
            f"{replies.money(total)}{within}. Tap one, or tell me which to add.")
