"""The shopper's cart: lines with quantities, totals, and stock validation. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.catalog.schema import Product

MAX_QUANTITY_PER_LINE = 20


@dataclass
class CartLine:
    product_id: str
    name: str
    brand: str
    unit_price: float
    quantity: int
    stock: int | None  # None: stock not tracked, no limit we know of
    category: str = ""

    @property
    def line_total(self) -> float:
        return round(self.unit_price * self.quantity, 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "name": self.name,
            "brand": self.brand,
            "unit_price": round(self.unit_price, 2),
            "quantity": self.quantity,
            "line_total": self.line_total,
            "stock": self.stock,
            "category": self.category,
            "in_stock": self.stock is None or self.stock >= self.quantity,
        }


class CartError(ValueError):
    """A cart change that cannot be made; `code` is machine-readable, the message is for people."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


class Cart:
    def __init__(self) -> None:
        self._lines: dict[str, CartLine] = {}

    @property
    def lines(self) -> list[CartLine]:
        return list(self._lines.values())

    def quantity_of(self, product_id: str) -> int:
        line = self._lines.get(product_id)
        return line.quantity if line else 0

    @property
    def total(self) -> float:
        return round(sum(line.line_total for line in self._lines.values()), 2)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self._lines.values())

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._lines

    def __len__(self) -> int:
        return len(self._lines)

    def set_quantity(self, product: Product, quantity: int) -> tuple[int, int]:
        """Set a line's quantity (0 removes it); returns (before, after). Raises CartError when stock is short."""
        before = self.quantity_of(product.id)
        if quantity < 0:
            raise CartError("invalid_quantity", "The quantity cannot be negative.", quantity=quantity)
        if quantity > MAX_QUANTITY_PER_LINE:
            raise CartError(
                "invalid_quantity",
                f"At most {MAX_QUANTITY_PER_LINE} of one product can be added here; please ask staff for more.",
                quantity=quantity,
            )
        if quantity == 0:
            self._lines.pop(product.id, None)
            return before, 0
        if product.stock is not None and product.stock <= 0:
            raise CartError("out_of_stock", f"{product.display_name} is out of stock.", product_id=product.id)
        if product.stock is not None and quantity > product.stock:
            raise CartError(
                "insufficient_stock",
                f"Only {product.stock} of {product.display_name} left in stock.",
                product_id=product.id,
                available=product.stock,
                requested=quantity,
            )
        self._lines[product.id] = CartLine(
            product.id, product.name, product.brand, product.price, quantity, product.stock, product.category
        )
        return before, quantity

    def add(self, product: Product, quantity: int) -> tuple[int, int]:
        if quantity < 1:
            raise CartError("invalid_quantity", "The quantity to add must be at least 1.", quantity=quantity)
        return self.set_quantity(product, self.quantity_of(product.id) + quantity)

    def clear(self) -> None:
        self._lines.clear()

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [line.to_dict() for line in self._lines.values()],
            "total": self.total,
            "item_count": self.item_count,
            "currency": "USD",
        }
