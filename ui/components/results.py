"""`search_products` → a results grid; `get_recommendations` → the same grid under a "goes well with" heading;
`add_to_cart` → a toast (the cart panel and badge follow the `context` event); `update_cart_item` → no change."""

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


def _filters_text(filters: dict[str, Any]) -> str:
    parts = []
    if filters.get("category"):
        parts.append(str(filters["category"]).replace("-", " ").capitalize())
    if filters.get("brand"):
        parts.append(str(filters["brand"]))
    if filters.get("min_price") is not None and filters.get("max_price") is not None:
        parts.append(f"{money(float(filters['min_price']))} – {money(float(filters['max_price']))}")
    elif filters.get("max_price") is not None:
        parts.append(f"under {money(float(filters['max_price']))}")
    elif filters.get("min_price") is not None:
        parts.append(f"over {money(float(filters['min_price']))}")
    return " · ".join(parts)


@register("search_products")
def search_results(ctx: ComponentContext, call: dict[str, Any]) -> QWidget:
    result = call["result"]
    products = list(result.get("products") or [])
    query = str(result.get("query") or call.get("parameters", {}).get("query") or "").strip()
    count = len(products)
    noun = "result" if count == 1 else "results"
    title = f"{count} {noun} for “{query}”" if query else f"{count} {noun}"
    view = ResultsView(ctx, title, _filters_text(result.get("filters") or {}), products)
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
