"""The shopping tools every brain calls, validated against what the shopper was actually shown.

`ToolBox.call()` is the one way in: it parses and checks the arguments, runs the tool off the event loop (catalog
reads are SQLite work), times it, publishes a `function_call` event (and a `context` event when the cart or the
screen changed), and returns a result dict. It never raises: every failure is a structured result with
`ok: false` and an `error` the brain can speak about.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from app.cart import CartError
from app.catalog.filters import FeatureCondition
from app.catalog.passages import find_passages
from app.catalog.schema import Category, Product
from app.catalog.sizes import comes_in, size_phrase
from app.catalog.store import Catalog, CatalogError, SearchFilters, fts_terms
from app.events import ToolCalled
from app.session import ShopperSession
from app.tools.args import ToolArgumentError, parse_arguments
from app.tools.search_terms import (
    SpecArgumentError,
    catalog_keys,
    heading,
    kind_words,
    resolve_feature,
    resolve_sort,
    resolve_spec,
    sort_phrase,
)

OWN_TEXT = ("name", "short_description", "description")
log = logging.getLogger("aisle.app.tools.toolbox")

T = TypeVar("T")
BlockingRunner = Callable[[Callable[[], T]], Awaitable[T]]
CHANGES_CONTEXT = {"search_products", "show_product_details", "add_to_cart", "get_recommendations",
                   "update_cart_item", "checkout"}


async def run_in_thread(fn: Callable[[], T]) -> T:
    return await asyncio.to_thread(fn)


def shown_name(product: Product) -> str:
    """The product's name as shoppers see it: its brand in front, unless the name already starts with it."""
    if not product.brand or product.name.lower().startswith(product.brand.lower()):
        return product.name
    return f"{product.brand} {product.name}"


def failure(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


def _short(product: Product, quantity: int) -> bool:
    """Fewer in stock than the cart holds (never when the store does not track stock)."""
    return product.stock is not None and product.stock < quantity


class ToolFailure(Exception):
    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.result = failure(code, message, **extra)


class ShoppingTools:
    """The tools' behaviour. Blocking (reads the catalog); call through `ToolBox`."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._category_words: dict[str, str] | None = None
        self._category_list: list[Category] | None = None
        self._kinds: dict[str, set[str]] = {}

    def reload(self) -> None:
        """The catalog changed: forget the cached category words."""
        self._category_words = None
        self._category_list = None
        self._kinds = {}

    def _categories(self) -> list[Category]:
        if self._category_list is None:
            self._category_list = self.catalog.categories()
        return self._category_list

    # -- helpers ---------------------------------------------------------------------------------------------------
    def resolve_category(self, text: str | None) -> str | None:
        if not text:
            return None
        if self._category_words is None:
            words: dict[str, str] = {}
            for category in self.catalog.categories():
                for word in (category.slug, category.name.lower(), *category.synonyms):
                    words.setdefault(word.lower(), category.slug)
            self._category_words = words
        key = text.strip().lower()
        if key in self._category_words:
            return self._category_words[key]
        from rapidfuzz import fuzz, process

        best = process.extractOne(key, list(self._category_words), scorer=fuzz.ratio, score_cutoff=80)
        if best:
            return self._category_words[best[0]]
        slugs = sorted(set(self._category_words.values()))
        raise ToolFailure("unknown_category", f"There is no category '{text}'.", categories=slugs)

    def _suggestions(self, session: ShopperSession, text: str) -> list[dict[str, Any]]:
        shown = session.context.shown_ids() + [line.product_id for line in session.cart.lines]
        found = self.catalog.suggest(text, limit=3, among=shown or None)
        return [{"id": p.id, "name": shown_name(p), "price": p.price} for p in found]

    def _shown_product(self, session: ShopperSession, product_id: str) -> Product:
        """The product, if the shopper was shown it recently (or has it in the cart); else a failure with ideas."""
        pid = product_id.strip()
        product = self.catalog.get(pid) or self.catalog.get(pid.upper())
        if product is None:
            log.warning("session %s: unknown product id %r", session.id, product_id)
            raise ToolFailure(
                "unknown_product", f"There is no product with id '{product_id}'.",
                suggestions=self._suggestions(session, product_id),
            )
        if not session.context.was_shown(product.id) and product.id not in session.cart:
            log.warning("session %s: product %s was not shown to the shopper", session.id, product.id)
            raise ToolFailure(
                "not_shown",
                f"{shown_name(product)} ({product.id}) has not been shown to the shopper. "
                "Search for it first, or pick one of the suggestions.",
                suggestions=self._suggestions(session, product_id),
            )
        return product

    @staticmethod
    def _cart_result(session: ShopperSession, **extra: Any) -> dict[str, Any]:
        return {"ok": True, **extra, "cart": session.cart.to_dict()}

    # -- the tools -------------------------------------------------------------------------------------------------
    def search_products(self, session: ShopperSession, query: str, category: str | None = None,
                        max_price: float | None = None, min_price: float | None = None, brand: str | None = None,
                        specs: list[dict[str, Any]] | None = None, features: list[str] | None = None,
                        sort: str | None = None, in_stock_only: bool = False, limit: int = 10,
                        offset: int = 0, size: str | None = None) -> dict[str, Any]:
        slug = self.resolve_category(category)
        if min_price is not None and max_price is not None and min_price > max_price:
            min_price, max_price = max_price, min_price
        samples = self.catalog.spec_keys()
        keys = catalog_keys(samples)
        try:
            resolved = tuple(resolve_spec(keys, raw, samples) for raw in specs or [])
            wanted = tuple(dict.fromkeys(f.strip().lower() for f in features or [] if f.strip()))
            values = self.catalog.spec_text_values()
            feature_conditions = self._own_words(tuple(resolve_feature(keys, samples, w, values) for w in wanted),
                                                 slug)
            price_order, spec_order = resolve_sort(keys, sort or "")
        except SpecArgumentError as exc:
            raise ToolFailure("invalid_filter", str(exc)) from exc
        filters = SearchFilters(category=slug, brand=brand or None, min_price=min_price, max_price=max_price,
                                in_stock=in_stock_only, specs=tuple(r.condition for r in resolved),
                                features=feature_conditions, price_order=price_order, spec_order=spec_order,
                                stock_first=(sort or "").strip().lower() != "relevance")
        # a query that only names the category ("tents" in tents) adds nothing to the filter: skip full-text ranking
        wanted_rows = 50 if size else min(limit + offset, 50)
        if self._names_only(slug, query):  # the whole kind, in the catalog's order
            products = self.catalog.search("", replace(filters, price_order=filters.price_order or (
                None if filters.spec_order else "catalog")), wanted_rows)
        else:
            products = self.catalog.search(query, filters, wanted_rows)
        if size:  # only products whose listed sizes include it (a listing that cannot tell is left out)
            products = [p for p in products if comes_in(p.specs, size) is True]
        products = products[offset:offset + limit]
        applied: dict[str, Any] = {k: v for k, v in (("category", slug), ("brand", brand), ("min_price", min_price),
                                                     ("max_price", max_price)) if v is not None}
        if resolved:
            applied["specs"] = [{"key": r.name, "op": r.op, "value": r.value, "unit": r.unit} for r in resolved]
        if wanted:
            applied["features"] = list(wanted)
        if sort and (price_order or spec_order):
            applied["sort"] = sort
        if in_stock_only:
            applied["in_stock_only"] = True
        if offset:
            applied["offset"] = offset
        if size:
            applied["size"] = size
        stock_known = any(p.stock is not None for p in products) or not products
        title = heading(len(products), self._noun(slug, query, brand), brand=brand, features=wanted, specs=resolved,
                        min_price=min_price, max_price=max_price, in_stock_only=in_stock_only and stock_known,
                        sort=sort_phrase(price_order, spec_order, keys)) + size_phrase(size)
        session.context.record(
            "search", query, [p.id for p in products], applied, [p.summary() for p in products]
        )
        return {"ok": True, "query": query, "filters": applied, "count": len(products), "heading": title,
                "products": [p.summary() for p in products]}

    def _own_words(self, conditions: tuple[FeatureCondition, ...], slug: str | None) -> tuple[FeatureCondition, ...]:
        """A word that names a kind within the category ("gravel" of "Gravel Bike") must be in the product's name or
        tags, not a passing mention in its copy ("built for gravel adventures"); a feature word that is also a
        category's word ("dome" of "dome tent", in every tent's keywords) must be in the product's own name or copy."""
        naming = {w for c in self._categories() for phrase in (c.name.lower(), *c.synonyms) for w in phrase.split()}
        kinds = self._kind_words(slug) if slug else set()
        plain = [c for c in conditions if not (c.flag_keys or c.value_keys or c.part_keys or c.name_only)]
        return tuple(c if c not in plain else replace(c, name_only=True) if c.word in kinds else
                     replace(c, columns=OWN_TEXT) if c.word in naming else c for c in conditions)

    def _kind_words(self, slug: str) -> set[str]:
        if slug not in self._kinds:
            category = next((c for c in self._categories() if c.slug == slug), None)
            phrases = (category.name, *category.synonyms) if category else (slug.replace("-", " "),)
            nouns = {w.removesuffix("s") for phrase in phrases for w in phrase.lower().replace("&", " ").split()}
            self._kinds[slug] = kind_words(self.catalog.product_names(slug), nouns)
        return self._kinds[slug]

    def _names_only(self, slug: str | None, query: str) -> bool:
        if not slug:
            return False
        category = next((c for c in self._categories() if c.slug == slug), None)
        if category is None:
            return False
        naming = {w for phrase in (category.name.lower(), slug.replace("-", " "), *category.synonyms)
                  for w in phrase.replace("&", " ").split()}
        words = fts_terms(query)
        return bool(words) and all(w in naming or w.rstrip("s") in naming for w in words)

    def _noun(self, slug: str | None, query: str, brand: str | None) -> str:
        """What the list is of: the category, or the shopper's words ("matches for ...")."""
        words = [w for w in fts_terms(query) if w.isalpha()]
        if slug:
            category = next((c for c in self._categories() if c.slug == slug), None)
            name = (category.name if category else slug.replace("-", " ")).lower().replace("&", "and")
            return name  # the shopper's other words are not claimed of every product (features are, by filter)
        if not words or (brand and " ".join(words) == brand.lower()):
            return "products"
        return f"matches for \"{query}\""

    def show_product_details(self, session: ShopperSession, product_id: str,
                             include_recommendations: bool = True) -> dict[str, Any]:
        product = self._shown_product(session, product_id)
        result: dict[str, Any] = {"ok": True, "product": product.details()}
        if include_recommendations:
            recs = self.catalog.recommend(product.id, 4)
            result["recommendations"] = [p.summary() for p in recs]
            session.context.record(
                "recommendations", product.id, [p.id for p in recs], products=[p.summary() for p in recs]
            )
        session.context.record("details", product.id, [product.id], products=[product.summary()])
        return result

    def get_product_info(self, session: ShopperSession, product_id: str, question: str) -> dict[str, Any]:
        product = self._shown_product(session, product_id)
        passages = find_passages(self.catalog, product.id, question, limit=3)
        return {"ok": True, "product_id": product.id, "name": shown_name(product), "question": question,
                "specs": product.specs,
                "passages": [{"source": p.source, "section": p.section, "text": p.text} for p in passages]}

    def add_to_cart(self, session: ShopperSession, product_id: str, quantity: int = 1) -> dict[str, Any]:
        product = self._shown_product(session, product_id)
        fresh = self.catalog.get(product.id) or product
        try:
            before, after = session.cart.add(fresh, quantity)
        except CartError as exc:
            raise ToolFailure(exc.code, str(exc), **exc.details) from exc
        session.context.focus = product.id
        session.cart_version += 1
        return self._cart_result(
            session, added={"product_id": product.id, "name": shown_name(product), "quantity": quantity},
            cart_change={"product_id": product.id, "before": before, "after": after},
        )

    def update_cart_item(self, session: ShopperSession, product_id: str, quantity: int) -> dict[str, Any]:
        pid = product_id.strip()
        if pid not in session.cart:
            lines = session.cart.lines
            raise ToolFailure(
                "not_in_cart", f"'{product_id}' is not in the cart.",
                suggestions=[{"id": ln.product_id, "name": f"{ln.brand} {ln.name}".strip(), "quantity": ln.quantity}
                             for ln in lines],
            )
        product = self.catalog.get(pid)
        if product is None:  # removed from the catalog since: removing is still allowed
            if quantity != 0:
                raise ToolFailure("unknown_product", f"'{pid}' is no longer sold here; it can only be removed.")
            line = next(ln for ln in session.cart.lines if ln.product_id == pid)
            product = Product(pid, line.name, line.brand, "", line.unit_price, 0, "")
        try:
            before, after = session.cart.set_quantity(product, quantity)
        except CartError as exc:
            raise ToolFailure(exc.code, str(exc), **exc.details) from exc
        session.cart_version += 1
        return self._cart_result(
            session, updated={"product_id": pid, "name": shown_name(product), "quantity": after},
            cart_change={"product_id": pid, "before": before, "after": after},
        )

    def view_cart(self, session: ShopperSession) -> dict[str, Any]:
        fresh = {p.id: p for p in self.catalog.get_many(line.product_id for line in session.cart.lines)}
        warnings = [
            f"Only {fresh[ln.product_id].stock} of {ln.name} left (cart has {ln.quantity})."
            for ln in session.cart.lines
            if ln.product_id in fresh and _short(fresh[ln.product_id], ln.quantity)
        ]
        session.read_back_version = session.cart_version
        session.read_back_at_turn = session.shopper_turns
        return self._cart_result(session, warnings=warnings)

    def checkout(self, session: ShopperSession) -> dict[str, Any]:
        if not session.cart.lines:
            raise ToolFailure("empty_cart", "The cart is empty: there is nothing to check out.")
        if session.read_back_version != session.cart_version or session.read_back_at_turn is None:
            raise ToolFailure(
                "confirmation_required",
                "Read the order back to the shopper (view_cart) and ask them to confirm before checking out.",
            )
        if session.shopper_turns <= session.read_back_at_turn:
            raise ToolFailure("confirmation_required", "Wait for the shopper to confirm the order you read back.")
        fresh = {p.id: p for p in self.catalog.get_many(line.product_id for line in session.cart.lines)}
        short = [ln for ln in session.cart.lines if fresh.get(ln.product_id) is None
                 or _short(fresh[ln.product_id], ln.quantity)]
        if short:
            raise ToolFailure(
                "insufficient_stock",
                "Some items are no longer available in that quantity: " + ", ".join(ln.name for ln in short) + ".",
                product_ids=[ln.product_id for ln in short],
            )
        order_number = "A" + time.strftime("%y%m%d") + "-" + secrets.token_hex(2).upper()
        order = session.cart.to_dict()
        session.order_number = order_number
        session.cart.clear()
        session.cart_version += 1
        return {"ok": True, "order_number": order_number, "order": order, "total": order["total"],
                "qr_payload": f"AISLE-ORDER:{order_number}:{order['total']:.2f}:"
                              + ",".join(f"{i['product_id']}x{i['quantity']}" for i in order["items"])}

    def get_recommendations(self, session: ShopperSession, based_on: str, max_results: int = 5) -> dict[str, Any]:
        target = based_on.strip()
        product = self.catalog.get(target) or self.catalog.get(target.upper())
        if product is not None:
            product = self._shown_product(session, product.id)
            recs = self.catalog.recommend(product.id, max_results, exclude=[ln.product_id for ln in session.cart.lines])
            basis: dict[str, Any] = {"product_id": product.id, "name": shown_name(product)}
        else:
            try:
                slug = self.resolve_category(target)
            except ToolFailure as exc:
                raise ToolFailure(
                    "unknown_reference", f"'{based_on}' is neither a product id nor a category.",
                    categories=exc.result["error"].get("categories", []),
                    suggestions=self._suggestions(session, based_on),
                ) from exc
            assert slug is not None
            recs = self.catalog.recommend(slug, max_results)
            basis = {"category": slug}
        session.context.record(
            "recommendations", target, [p.id for p in recs], products=[p.summary() for p in recs]
        )
        return {"ok": True, "based_on": basis, "products": [p.summary() for p in recs]}


class ToolBox:
    """Runs tool calls for every brain and for touch, and reports them on the bus."""

    def __init__(self, tools: ShoppingTools, run_blocking: BlockingRunner[Any] = run_in_thread) -> None:
        self.tools = tools
        self._run = run_blocking
        self._lock = asyncio.Lock()

    async def call(self, session: ShopperSession, name: str, arguments: str | dict[str, Any] | None,
                   call_id: str = "", source: str = "assistant") -> dict[str, Any]:
        started = time.perf_counter()
        parameters: Any = arguments
        try:
            parameters = parse_arguments(name, arguments)
            method = getattr(self.tools, name)
            async with self._lock:  # one tool at a time: tools mutate the session
                result: dict[str, Any] = await self._run(lambda: method(session, **parameters))
        except ToolArgumentError as exc:
            log.warning("session %s: tool %s rejected arguments %r: %s", session.id, name, arguments, exc)
            result = failure(exc.code, str(exc))
        except ToolFailure as exc:
            result = exc.result
        except CatalogError as exc:
            log.error("session %s: tool %s: %s", session.id, name, exc)
            result = failure("catalog_unavailable", str(exc))
        except Exception as exc:
            log.exception("session %s: tool %s failed", session.id, name)
            result = failure("tool_failed", f"{name} failed unexpectedly ({type(exc).__name__}).")
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        session.publish(ToolCalled(name, parameters, result, call_id, duration_ms, source))
        if name in CHANGES_CONTEXT and result.get("ok"):
            session.publish_context()
        return result
