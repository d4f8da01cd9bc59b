"""What a search does when it finds nothing as asked: the same in any colour or size, without the descriptive words,
without a word about size or weight that no product of the kind says ("packs down small"), or, for a thing asked
for with its own purpose ("a waterproof bag for my bike commute"), the kind of product whose
own text says the purpose. Each says what it changed; all through `search_products`."""

from __future__ import annotations

from typing import Any

from agent.offline import replies
from agent.offline.looks import colours_in
from agent.offline.search_turns import show
from agent.offline.turn import Turn
from app.catalog.sizes import size_phrase

# words about size and weight that a product's text may or may not use, while its specs measure them
SOFT_FEATURES = frozenset("packable compact lightweight ultralight portable small".split())


async def relaxed_search(turn: Turn, args: dict[str, Any], result: dict[str, Any],
                   terms: list[str]) -> tuple[dict[str, Any], str]:
    """Descriptive words can over-constrain: with nothing found, keep the category, brand, price and specs and drop
    them; the words dropped, to say so."""
    request = turn.request
    if not (result.get("ok") and result["count"] == 0 and terms and (request.category or request.brand)):
        return result, ""
    args["query"] = turn.lexicon.category_label(request.category) if request.category else request.brand
    return await show(turn, args, request.superlative), " ".join(terms)


async def any_look_at(turn: Turn, args: dict[str, Any], result: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Nothing listed in the colour or size asked for: the same search in any, and a sentence saying so."""
    colours = colours_in(args.get("features", []))
    if not (result.get("ok") and result["count"] == 0 and (colours or args.get("size"))):
        return result, ""
    size = args.pop("size", None)
    args["features"] = [f for f in args.get("features", []) if f not in colours]
    if not args["features"]:
        args.pop("features")
    again = await show(turn, args, turn.request.superlative)
    if size:
        return again, f"Their details don't list size {size_phrase(size).split()[-1]}, so here they are in any size. "
    return again, f"Their details don't list {' or '.join(colours)}, so here they are in any colour. "


def purpose_words(turn: Turn) -> list[str]:
    """The words of what a thing is for ("for my bike commute") that the catalog's own text uses."""
    lexicon = turn.lexicon
    return [w for w in turn.request.need_context.split()
            if len(w) > 3 and lexicon.knows(w) and lexicon.category_words.get(w) is None]


def _half_named(turn: Turn) -> bool:
    """The kind was named by the last word of a longer name only ("bag" of "sleeping bags")."""
    request = turn.request
    name = turn.lexicon.category_names.get(request.category or "", "").lower().split()
    said = request.category_phrase.split()
    return len(said) == 1 and len(name) > 1 and said[0].rstrip("s") == name[-1].rstrip("s")


async def for_the_purpose(turn: Turn, args: dict[str, Any], result: dict[str, Any]) -> str:
    """Nothing of the kind named fits, or it was only half-named and none of its products says the purpose, but
    products of another kind say it ("a waterproof bag for my bike commute": no sleeping bag is waterproof or says
    commute, a commuter pack does): show those. The searches that only look do not change the list on screen."""
    request = turn.request
    words = " ".join(purpose_words(turn))
    if not (result.get("ok") and request.category and words) or (result["count"] and not _half_named(turn)):
        return ""
    wider = {k: v for k, v in args.items() if k not in ("category", "query", "limit")}
    if result["count"]:  # "a bag for my bike commute": "bag" only half-names sleeping bags; do any say the purpose?
        inside = await show(turn, {"query": words, "category": request.category, **wider})
        if inside.get("ok") and inside["count"] >= 2:  # they do: the ones that say it ("commuter" panniers)
            return replies.describe_list(inside, turn.state.turn)
        if not inside.get("ok") or inside["count"]:
            await show(turn, args)  # one, or trouble: the whole kind named
            return ""
    found = await turn.tool("search_products", query=words, **wider)
    kinds = [p["category"] for p in found.get("products", []) if p["category"] != request.category]
    found = await show(turn, {"query": words, **wider, "category": kinds[0]}) if kinds else {}
    if not (found.get("ok") and found["count"]):
        await show(turn, args)
        return ""
    label = turn.lexicon.category_label
    return (f"For your {request.need_context}, I'd look at {label(kinds[0])} rather than {label(request.category)}. "
            + replies.describe_list(found, turn.state.turn))


async def without_soft_words(turn: Turn, args: dict[str, Any], result: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """No product of the kind is described as packable (or compact...) with the rest of the request: show the ones
    that fit the rest, lightest first when their weight is known, and a sentence saying the word was left out."""
    slug = args.get("category")
    features = args.get("features", [])
    soft = [f for f in features if f in SOFT_FEATURES and f not in turn.lexicon.category_flags.get(slug or "", set())]
    if not (result.get("ok") and result["count"] == 0 and slug and soft):
        return result, ""
    wider = {**args, "features": [f for f in features if f not in soft]}
    if not wider["features"]:
        wider.pop("features")
    lightest = "mass" in turn.lexicon.category_kinds.get(slug, set()) and "sort" not in args
    if lightest:
        wider["sort"] = "weight_asc"
    again = await show(turn, wider, turn.request.superlative)
    if not (again.get("ok") and again["count"]):
        return result, ""
    kinds = turn.lexicon.category_label(slug)
    return again, f"The details of our {kinds} don't mention {' or '.join(soft)}, so I've left that word out. "
