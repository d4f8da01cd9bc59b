"""What a dialogue turn may expect, and how each expectation is checked against what happened.

Turn keys (all optional besides `says`/`taps`):

    calls:        none | [search_products, {add_to_cart: {product_id: second, quantity: 2}}]
                  tools that must run, in this order (others may run between); `none`: no tool may run
    no_calls:     [add_to_cart]            tools that must not run
    shows:        the list on screen after the turn
        count / at_least / at_most: N      how many products
        new_list: true|false               whether this turn put a new list on screen
        same_as_before: true               the list did not change
        every / some / none / first / last: {product conditions}
        includes / excludes: ref or [refs]
        categories: [a, b]                 at least one product of each (in any list this turn showed)
        order: price low to high | weight high to low | ...
    cart:         empty | unchanged | {ref: quantity, ...}   the whole cart after the turn
    cart_has:     {ref: quantity}          these lines (others may be there too)
    cart_lacks:   [ref]
    cart_count:   N                        items in the cart, all lines
    mentions / not_mentions: [ref]         the reply names (or does not name) these products
    says_price_of: [ref]                   the reply states these products' prices
    reply_has:    ["words", "either | or"] case-insensitive; "a | b" means one of them
    reply_lacks:  ["words"]
    heading_has:  ["words", "either | or"]  the heading of the list this turn put on screen ("4 tents under $80")
    asks:         true|false               the reply asks the shopper something (a question mark)
    gives_figure: weight | [weight, price] the reply states a figure of that kind (the honesty check makes sure
                                           it is the right one): weight, brightness, volume, people, warmth,
                                           width, runtime, price
    remember:     {name: ref}              keep a product of the list now on screen as @name

Product conditions: category, brand, price_at_most, price_at_least, in_stock (true: not known to be out of stock),
name_has, text_has (name, copy, tags or spec values), feature / not_feature (the data says it has / has not),
at_least / at_most ("300 lumens", "2 kg", "4 people", "-5 °C": some spec of that kind, in any unit), is (a ref).

Refs: first .. tenth, 2nd, last, cheapest, priciest, lightest, heaviest, brightest, warmest, biggest, roomiest (of the
list the shopper was looking at when speaking; add " now" for the list after the turn; "lightest of first and third"),
@name (remembered), or words of a product's name. A superlative with a tie accepts any of the tied products in
`mentions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.catalog.schema import Product
from tests.conversations.product_facts import feature_support
from tests.conversations.quantities import in_base_unit, parse_quantity, stated_quantities
from tests.conversations.refs import (
    KIND_WORDS,
    RefError,
    label,
    named,
    price_text,
    quantities_of,
    resolve_ref,
    resolve_refs,
)

if TYPE_CHECKING:
    from tests.conversations.runner import DialogueRun


@dataclass
class TurnContext:
    """What one turn did, as the expectations see it; lists are product ids."""

    run: DialogueRun
    calls: list[dict[str, Any]]
    reply: str
    list_before: list[str]
    shown_before: list[str]
    shown_after: list[str]
    new_list: bool
    cart_before: dict[str, int]
    cart_after: dict[str, int]
    turn_lists: list[str]  # every product any list call of this turn showed (several needs: several lists)


def _refs(ref: Any, ctx: TurnContext) -> list[str]:
    text = str(ref)
    if text.endswith(" now"):
        return resolve_refs(text[:-4], ctx.run, ctx.shown_after)
    return resolve_refs(text, ctx.run, ctx.list_before)


def _ref(ref: Any, ctx: TurnContext) -> str:
    text = str(ref)
    if text.endswith(" now"):
        return resolve_ref(text[:-4], ctx.run, ctx.shown_after)
    return resolve_ref(text, ctx.run, ctx.list_before)


# -- product conditions -------------------------------------------------------------------------------------------
def product_problem(product: Product, cond: dict[str, Any], ctx: TurnContext) -> str | None:
    """Why the product does not meet the condition, or None."""
    for key, want in cond.items():
        problem = _condition(product, key, want, ctx)
        if problem:
            return f"{label(product)} ({product.id}): {problem}"
    return None


def _condition(product: Product, key: str, want: Any, ctx: TurnContext) -> str | None:
    if key == "category":
        slug = re.sub(r"[^a-z0-9]+", "-", str(want).lower()).strip("-")
        return None if product.category == slug else f"category is {product.category}, not {want}"
    if key == "brand":
        return None if product.brand.lower() == str(want).lower() else f"brand is {product.brand}"
    if key == "price_at_most":
        return None if product.price <= float(want) + 0.001 else f"price {product.price} > {want}"
    if key == "price_at_least":
        return None if product.price >= float(want) - 0.001 else f"price {product.price} < {want}"
    if key == "in_stock":
        stock = product.stock
        sellable = stock is None or stock > 0
        return None if sellable == bool(want) else f"stock is {stock}"
    if key == "name_has":
        options = [o.strip().lower() for o in str(want).split("|")]
        return None if any(o in product.display_name.lower() for o in options) else f"name lacks {want!r}"
    if key == "text_has":
        text = " ".join([product.display_name, product.short_description, product.description, *product.tags,
                         *(str(v) for v in product.specs.values()), *product.specs]).lower().replace("-", " ")
        options = [o.strip().lower().replace("-", " ") for o in str(want).split("|")]
        return None if any(o in text for o in options) else f"nothing in its data says {want!r}"
    if key in ("feature", "not_feature"):
        verdict = feature_support(product, str(want))
        wanted = key == "feature"
        return None if verdict is wanted else f"the data says {verdict} about {want!r}"
    if key in ("at_least", "at_most"):
        quantity = parse_quantity(str(want))
        if quantity is None:
            raise AssertionError(f"the dialogue's {key}: {want!r} is not a figure with a unit")
        value, kind = in_base_unit(quantity)
        have = quantities_of(product, kind)
        if not have:
            return f"no spec of its data is a {kind}"
        ok = any(h >= value - 1e-6 for h in have) if key == "at_least" else any(h <= value + 1e-6 for h in have)
        return None if ok else f"{kind} specs {have} not {key.replace('_', ' ')} {want}"
    if key == "is":
        return None if product.id == _ref(want, ctx) else f"is not {want}"
    raise AssertionError(f"unknown product condition '{key}'")


# -- the turn -----------------------------------------------------------------------------------------------------
def check_turn(expect: dict[str, Any], ctx: TurnContext) -> list[str]:
    problems: list[str] = []
    for key, want in expect.items():
        try:
            problem = CHECKS[key](want, ctx)
        except RefError as exc:
            problem = f"{key}: {exc}"
        if problem:
            problems.append(problem)
    return problems


def _params_match(expected: Any, actual: Any, ctx: TurnContext, key: str = "") -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            _params_match(v, actual.get(k), ctx, k) for k, v in expected.items())
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        return all(any(_params_match(e, a, ctx, key) for a in actual) for e in expected)
    if expected is None:
        return actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and abs(float(actual) - float(expected)) < 0.01
    text = str(expected)
    if isinstance(actual, int | float) and re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return abs(float(actual) - float(text)) < 0.01
    if key in ("product_id", "based_on") and isinstance(actual, str):
        try:
            return actual == _ref(text, ctx)
        except RefError:
            pass
    if text.startswith("~"):
        return isinstance(actual, str) and text[1:].lower() in actual.lower()
    if key == "category" and isinstance(actual, str):
        slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
        return actual.lower() in (text.lower(), slug)
    return isinstance(actual, str) and actual.lower() == text.lower()


def _calls(want: Any, ctx: TurnContext) -> str | None:
    made = [(c["name"], c["parameters"]) for c in ctx.calls]
    if want == "none" or want == []:
        return None if not made else f"expected no tool call, got {[m[0] for m in made]}"
    position = 0
    for item in want:
        name, params = (item, {}) if isinstance(item, str) else next(iter(item.items()))
        while position < len(made) and not (made[position][0] == name
                                            and _params_match(params or {}, made[position][1], ctx)):
            position += 1
        if position == len(made):
            return f"expected a call {name}({params or ''}) (in order), got {made}"
        position += 1
    return None


def _no_calls(want: Any, ctx: TurnContext) -> str | None:
    bad = [c["name"] for c in ctx.calls if c["name"] in want]
    return f"these tools must not run here: {bad}" if bad else None


def _shows(want: dict[str, Any], ctx: TurnContext) -> str | None:
    products = ctx.run.store.products
    shown = [products[p] for p in ctx.shown_after if p in products]
    names = [label(p) for p in shown]
    for key, value in want.items():
        problem: str | None = None
        if key == "count" and len(shown) != int(value):
            problem = f"expected {value} products on screen, got {len(shown)}"
        elif key == "at_least" and len(shown) < int(value):
            problem = f"expected at least {value} products on screen, got {len(shown)}"
        elif key == "at_most" and len(shown) > int(value):
            problem = f"expected at most {value} products on screen, got {len(shown)}"
        elif key == "new_list" and ctx.new_list != bool(value):
            problem = "expected a new list on screen" if value else "expected the list on screen to stay as it was"
        elif key == "same_as_before" and (ctx.shown_after == ctx.shown_before) != bool(value):
            problem = "expected the same list as before" if value else "expected the list to change"
        elif key in ("every", "some", "none", "first", "last"):
            if not shown:
                problem = f"shows.{key}: nothing is on screen"
            elif key == "every":
                bad = [p for p in (product_problem(s, value, ctx) for s in shown) if p]
                problem = f"not every product on screen meets {value}: {bad}" if bad else None
            elif key == "some":
                if all(product_problem(s, value, ctx) for s in shown):
                    problem = f"no product on screen meets {value}"
            elif key == "none":
                bad = [label(s) for s in shown if not product_problem(s, value, ctx)]
                problem = f"products on screen that should not be: {bad} ({value})" if bad else None
            else:
                problem = product_problem(shown[0 if key == "first" else -1], value, ctx)
        elif key in ("includes", "excludes"):
            for ref in value if isinstance(value, list) else [value]:
                pid = _ref(ref, ctx)
                if (pid in ctx.shown_after) != (key == "includes"):
                    problem = f"{label(products[pid])} {'is not' if key == 'includes' else 'is'} on screen"
        elif key == "categories":
            listed = [products[p] for p in ctx.turn_lists if p in products]
            missing = [c for c in value if not any(_condition(s, "category", c, ctx) is None for s in listed)]
            problem = f"no product of {missing} on screen" if missing else None
        elif key == "order":
            problem = _order(str(value), shown)
        elif key not in ("count", "at_least", "at_most", "new_list", "same_as_before"):
            raise AssertionError(f"unknown 'shows' key '{key}'")
        if problem:
            return f"{problem}\n    on screen: {names}"
    return None


def _order(want: str, shown: list[Product]) -> str | None:
    m = re.fullmatch(r"(\w+) (low to high|high to low)", want.strip())
    if not m:
        raise AssertionError(f"order '{want}': say e.g. 'price low to high' or 'weight high to low'")
    if m.group(1) == "price":
        values = [p.price for p in shown]
    else:
        kind = KIND_WORDS[m.group(1)]
        values = [(quantities_of(p, kind) or [float("nan")])[0] for p in shown]
    wanted = sorted(values, reverse=m.group(2) == "high to low")
    return None if values == wanted else f"not in order of {want}: {values}"


def _cart_refs(want: dict[str, Any], ctx: TurnContext) -> dict[str, int]:
    expected = {_ref(ref, ctx): int(qty) for ref, qty in want.items()}
    for pid, qty in expected.items():
        product = ctx.run.store.products[pid]
        if product.stock is not None and qty > max(product.stock, ctx.cart_before.get(pid, 0)):
            raise RefError(f"the DIALOGUE expects {qty} of {label(product)} in the cart, but its stock is "
                           f"{product.stock}, so Aisle rightly cannot: refer to a product with enough stock "
                           "(did the ranking change?)")
    return expected


def _describe_cart(cart: dict[str, int], ctx: TurnContext) -> str:
    products = ctx.run.store.products
    return "{" + ", ".join(f"{label(products[p]) if p in products else p}: {q}" for p, q in cart.items()) + "}"


def _cart(want: Any, ctx: TurnContext) -> str | None:
    if want == "empty":
        expected: dict[str, int] = {}
    elif want == "unchanged":
        expected = ctx.cart_before
    else:
        expected = _cart_refs(want, ctx)
    if ctx.cart_after != expected:
        return f"the cart is {_describe_cart(ctx.cart_after, ctx)}, expected {_describe_cart(expected, ctx)}"
    return None


def _cart_has(want: dict[str, Any], ctx: TurnContext) -> str | None:
    for pid, qty in _cart_refs(want, ctx).items():
        if ctx.cart_after.get(pid) != qty:
            return f"the cart is {_describe_cart(ctx.cart_after, ctx)}: expected {qty} of {pid}"
    return None


def _cart_lacks(want: list[Any], ctx: TurnContext) -> str | None:
    for ref in want:
        pid = _ref(ref, ctx)
        if pid in ctx.cart_after:
            return f"{pid} should not be in the cart: {_describe_cart(ctx.cart_after, ctx)}"
    return None


def _cart_count(want: Any, ctx: TurnContext) -> str | None:
    count = sum(ctx.cart_after.values())
    return None if count == int(want) else f"the cart holds {count} items, expected {want}"


def _mentions(want: list[Any], ctx: TurnContext, present: bool = True) -> str | None:
    for ref in want:
        products = [ctx.run.store.products[p] for p in _refs(ref, ctx)]  # any of several tied for a superlative
        if any(named(ctx.reply, p) for p in products) != present:
            names = " or ".join(label(p) for p in products)
            return f"the reply {'does not name' if present else 'names'} {names}"
    return None


def _says_price_of(want: list[Any], ctx: TurnContext) -> str | None:
    for ref in want:
        product = ctx.run.store.products[_ref(ref, ctx)]
        if not any(t in ctx.reply for t in price_text(product.price)):
            return f"the reply does not state the price of {label(product)} ({price_text(product.price)[0]})"
    return None


def _reply_has(want: list[str], ctx: TurnContext) -> str | None:
    text = ctx.reply.lower()
    for item in want:
        options = [o.strip().lower() for o in str(item).split("|")]
        if not any(o in text for o in options):
            return f"the reply lacks {item!r}"
    return None


def _reply_lacks(want: list[str], ctx: TurnContext) -> str | None:
    text = ctx.reply.lower()
    bad = [w for w in want if str(w).lower() in text]
    return f"the reply must not contain {bad}" if bad else None


def _asks(want: Any, ctx: TurnContext) -> str | None:
    asked = "?" in ctx.reply
    return None if asked == bool(want) else ("expected Aisle to ask the shopper something" if want
                                             else "expected an answer, not a question")


def _heading_has(want: list[str], ctx: TurnContext) -> str | None:
    titles = [str((c.get("result") or {}).get("heading", "")) for c in ctx.calls
              if c["name"] in ("search_products", "get_recommendations") and (c.get("result") or {}).get("ok")]
    if not titles:
        return "no new list (with a heading) was put on screen"
    text = titles[-1].lower()
    for item in want:
        if not any(o.strip().lower() in text for o in str(item).split("|")):
            return f"the heading {titles[-1]!r} lacks {item!r}"
    return None


def _gives_figure(want: Any, ctx: TurnContext) -> str | None:
    stated = {in_base_unit(q)[1] for q in stated_quantities(ctx.reply)}
    for word in want if isinstance(want, list) else [want]:
        if word == "price":
            if "$" not in ctx.reply:
                return "the reply states no price"
        elif KIND_WORDS[word] not in stated:
            return f"the reply states no {word} figure"
    return None


CHECKS: dict[str, Any] = {
    "calls": _calls, "no_calls": _no_calls, "shows": _shows, "cart": _cart, "cart_has": _cart_has,
    "cart_lacks": _cart_lacks, "cart_count": _cart_count, "mentions": _mentions,
    "not_mentions": lambda w, c: _mentions(w, c, present=False), "says_price_of": _says_price_of,
    "reply_has": _reply_has, "reply_lacks": _reply_lacks, "asks": _asks, "gives_figure": _gives_figure,
    "heading_has": _heading_has,
}
