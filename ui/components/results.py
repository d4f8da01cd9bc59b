"""`search_products` → a results grid; `get_recommendations` → the same grid under a "goes well with" heading;
`add_to_cart` → a toast (the cart panel and badge follow the `context` event); `update_cart_item` and
`get_product_info` (the answer is said) → no change."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.components.common import CardGrid, ScrollPage
from ui.components.registry import ComponentContext, register
from ui.widgets import label, money


class ResultsView(QWidget):
    def __init__(self, ctx: ComponentContext, title: str, subtitle: str, products: list[dict[str, Any]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ResultsView")
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        page = ScrollPage()
        outer.addWidget(page)
        self.title = label(title, "h2", wrap=True)
        page.content.addWidget(self.title)
        if subtitle:
            sub = label(subtitle, "muted", wrap=True)
            page.content.addWidget(sub)
        page.content.setSpacing(8)
        if products:
            self.grid: CardGrid | None = CardGrid(ctx, products)
            page.content.addSpacing(6)
            page.content.addWidget(self.grid)
        else:
            self.grid = None
            page.content.addWidget(label("Nothing matched. Try other words, a different price, or ask Aisle for "
                                         "ideas.", "muted", wrap=True))
        page.content.addStretch(1)

    @property
    def cards(self) -> list[Any]:
        return self.grid.cards if self.grid is not None else []


def _price(value: Any) -> str:
    """$150 for whole dollars, $149.95 otherwise."""
    amount = float(value)
    return f"${amount:,.0f}" if amount.is_integer() else money(amount)


def results_heading(count: int, filters: dict[str, Any], category_names: dict[str, str]) -> str:
    """"7 sleeping bags under $150", "3 results from Northpeak", "12 results": what was asked for, in the
    catalog's words. Never the search term the brain used internally ("7 results for “warm”")."""
    slug = str(filters.get("category") or "")
    category = category_names.get(slug, slug.replace("-", " ")).lower()
    if category:
        heading = f"{count} {category}" if count != 1 else f"1 product in {category}"
    else:
        heading = f"{count} result{'s' if count != 1 else ''}"
    if filters.get("brand"):
        heading += f" from {filters['brand']}"
    low, high = filters.get("min_price"), filters.get("max_price")
    if low is not None and high is not None:
        heading += f" from {_price(low)} to {_price(high)}"
    elif high is not None:
        heading += f" under {_price(high)}"
    elif low is not None:
        heading += f" over {_price(low)}"
    return heading


@register("search_products")
def search_results(ctx: ComponentContext, call: dict[str, Any]) -> QWidget:
    result = call["result"]
    products = list(result.get("products") or [])
    names = ctx.extra.get("category_names") or {}
    title = str(result.get("heading") or "").strip() or results_heading(len(products), result.get("filters") or {},
                                                                         names)
    view = ResultsView(ctx, title, "", products)
    view.setProperty("root_page", True)  # a new search starts the back stack afresh
    return view


@register("get_recommendations")
def recommendations(ctx: ComponentContext, call: dict[str, Any]) -> QWidget:
    result = call["result"]
    basis = result.get("based_on") or {}
    target = basis.get("name") or str(basis.get("category", "")).replace("-", " ")
    title = f"Goes well with {target}" if target else "You might also like"
    return ResultsView(ctx, title, "", list(result.get("products") or []))


@register("add_to_cart")
def added(ctx: ComponentContext, call: dict[str, Any]) -> None:
    item = call["result"].get("added") or {}
    qty = int(item.get("quantity", 1))
    name = item.get("name", "the item")
    ctx.toast(f"Added {qty} × {name} to your cart" if qty > 1 else f"Added {name} to your cart")
    return None


@register("update_cart_item")
def updated(ctx: ComponentContext, call: dict[str, Any]) -> None:
    return None


@register("get_product_info")
def answered(ctx: ComponentContext, call: dict[str, Any]) -> None:
    """A question about a product is answered in words; the products on screen stay (not a raw fallback card)."""
    return None
