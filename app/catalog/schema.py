"""The catalog's tables and the `Product` record, shared by the builder, the importer and the queries."""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("aisle.app.catalog")

PRODUCT_COLUMNS: dict[str, type] = {
    "id": str,
    "name": str,
    "brand": str,
    "category": str,
    "price": float,
    "stock": int,
    "short_description": str,
    "description": str,
    "specs": str,  # JSON object
    "tags": str,  # JSON list
    "color": str,
    "related": str,  # JSON list of product ids
    "keywords": str,  # searchable words derived from specs and tags
}
FTS_COLUMNS = ["name", "brand", "category", "keywords", "short_description", "description"]
# bm25 weights in FTS_COLUMNS order: a hit in the name counts most
FTS_WEIGHTS = (10.0, 6.0, 4.0, 3.0, 1.5, 1.0)
SCHEMA_VERSION = 1
# ids the HTTP API can serve in a path (`/api/products/{id}`) and a voice can spell: keep in step with app/server/api.py
PRODUCT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


@dataclass(frozen=True)
class Product:
    """One product as the tools and screens see it."""

    id: str
    name: str
    brand: str
    category: str
    price: float
    stock: int | None  # None: the store does not track stock; the product is sellable
    short_description: str
    description: str = ""
    specs: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    color: str = "#4a7c59"
    related: list[str] = field(default_factory=list)

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0

    @property
    def display_name(self) -> str:
        # a catalog imported before names were stored without their brand must not say it twice
        if not self.brand or self.name.lower().startswith(self.brand.lower()):
            return self.name
        return f"{self.brand} {self.name}"

    @classmethod
    def from_row(cls, row: sqlite3.Row | dict[str, Any]) -> Product:
        r = dict(row)
        price = float(r["price"])  # None raises TypeError: the caller leaves such a row out
        if not math.isfinite(price) or price < 0:
            raise ValueError(f"price {price} is not a usable price")
        stock = r.get("stock")
        return cls(
            id=r["id"],
            name=r["name"],
            brand=r.get("brand") or "",
            category=r["category"],
            price=price,
            stock=None if stock is None else int(stock),
            short_description=r.get("short_description") or "",
            description=r.get("description") or "",
            specs=json.loads(r.get("specs") or "{}"),
            tags=json.loads(r.get("tags") or "[]"),
            color=r.get("color") or "#4a7c59",
            related=json.loads(r.get("related") or "[]"),
        )

    def summary(self) -> dict[str, Any]:
        """The compact form tools return in result lists."""
        return {
            "id": self.id,
            "name": self.name,
            "brand": self.brand,
            "category": self.category,
            "price": round(self.price, 2),
            "stock": self.stock,
            "in_stock": self.in_stock,
            "short_description": self.short_description,
        }

    def details(self) -> dict[str, Any]:
        return {**self.summary(), "description": self.description, "specs": self.specs, "tags": self.tags}


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    synonyms: list[str]


NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def derive_keywords(category: str, specs: dict[str, Any], tags: list[str]) -> str:
    """Words a shopper might say that live in the specs rather than the copy ("2 person", "down", "waterproof")."""
    words: list[str] = list(tags)
    persons = specs.get("capacity_persons")
    if isinstance(persons, int):
        words += [f"{persons} person", f"{NUMBER_WORDS[persons] if persons < len(NUMBER_WORDS) else persons} person"]
    for key in ("fill", "shape", "fuel", "battery", "filter_type", "material", "locking", "cut", "frame"):
        value = specs.get(key)
        if isinstance(value, str) and value != "none":
            words.append(value)
    for key in ("waterproof", "packable", "folding", "rain_cover", "hood"):
        if specs.get(key) is True:
            words.append(key.replace("_", " "))
    if specs.get("waterproof_rating_mm"):
        words.append("waterproof")
    seasons = specs.get("seasons")
    if isinstance(seasons, int):
        words.append(f"{seasons} season")
    comfort = specs.get("comfort_rating_c")
    if isinstance(comfort, int | float):
        words.append("warm" if comfort <= 0 else "summer")
        if comfort <= -9:
            words.append("winter")
    return " ".join(dict.fromkeys(words))


_unreadable: set[str] = set()


def products_from_rows(rows: Iterable[sqlite3.Row]) -> list[Product]:
    """Rows as products, leaving out any whose price or stock cannot be shown honestly (logged once per id)."""
    found = []
    for row in rows:
        try:
            found.append(Product.from_row(row))
        except (TypeError, ValueError, OverflowError) as exc:
            if row["id"] not in _unreadable:
                _unreadable.add(row["id"])
                log.warning("product %s is left out: its price or stock cannot be read (%s)", row["id"], exc)
    return found
