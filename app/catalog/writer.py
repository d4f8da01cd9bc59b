"""Writes catalogs: the schema, products with their derived keywords and images, categories, and the FTS5 index.

Used by the reproducible demo build and by store imports. Every write happens in one transaction on its own
connection, and the FTS index is kept consistent by the triggers sqlite-utils creates.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from app.catalog.images import render_product_svg
from app.catalog.schema import FTS_COLUMNS, PRODUCT_COLUMNS, SCHEMA_VERSION, derive_keywords

Progress = Callable[[int, int], None]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")


def open_for_writing(path: Path) -> sqlite_utils.Database:
    path.parent.mkdir(parents=True, exist_ok=True)
    return sqlite_utils.Database(sqlite3.connect(str(path), isolation_level=None))


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the catalog tables and FTS5 index if they are missing."""
    if "products" not in db.table_names():
        db.table("products").create(PRODUCT_COLUMNS, pk="id")
        db.table("products").create_index(["category", "price"])
        db.table("products").create_index(["brand"])
    if "categories" not in db.table_names():
        db.table("categories").create({"slug": str, "name": str, "synonyms": str}, pk="slug")
    if "product_images" not in db.table_names():
        db.table("product_images").create({"product_id": str, "svg": str}, pk="product_id")
    if "meta" not in db.table_names():
        db.table("meta").create({"key": str, "value": str}, pk="key")
    if "products_fts" not in db.table_names():
        db.table("products").enable_fts(FTS_COLUMNS, fts_version="FTS5", tokenize="porter", create_triggers=True)
    db.table("meta").upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")


def product_row(record: dict[str, Any], category_words: str = "") -> dict[str, Any]:
    """A validated product record (python values) as a products-table row; `category_words` are the category's
    synonyms, made searchable so "raincoat" finds rain jackets."""
    specs = record.get("specs") or {}
    tags = list(record.get("tags") or [])
    return {
        "id": record["id"],
        "name": record["name"],
        "brand": record.get("brand") or "",
        "category": record["category"],
        "price": round(float(record["price"]), 2),
        "stock": None if record.get("stock") is None else int(record["stock"]),
        "short_description": record.get("short_description") or "",
        "description": record.get("description") or "",
        "specs": json.dumps(specs, sort_keys=True),
        "tags": json.dumps(tags),
        "color": record.get("color") or "#4a7c59",
        "related": json.dumps(list(record.get("related") or [])),
        "keywords": " ".join(filter(None, [derive_keywords(record["category"], specs, tags), category_words])),
    }


def write_products(
    db: sqlite_utils.Database,
    records: Sequence[dict[str, Any]],
    categories: Iterable[dict[str, Any]] = (),
    replace_all: bool = False,
    progress: Progress | None = None,
    meta: dict[str, str] | None = None,
) -> None:
    """Insert or update products (and their images and categories) in one transaction."""
    total = len(records)
    with db.atomic():
        ensure_schema(db)
        if replace_all:
            db.table("products").delete_where()
            db.table("product_images").delete_where()
        known = {r["slug"] for r in db.table("categories").rows}
        for category in categories:
            db.table("categories").upsert(
                {"slug": category["slug"], "name": category["name"], "synonyms": json.dumps(category["synonyms"])},
                pk="slug",
            )
            known.add(category["slug"])
        for slug in sorted({r["category"] for r in records} - known):
            db.table("categories").insert({"slug": slug, "name": slug.replace("-", " ").capitalize(), "synonyms": "[]"})
        synonyms = {
            row["slug"]: " ".join(dict.fromkeys(json.loads(row["synonyms"] or "[]")))
            for row in db.table("categories").rows
        }
        batch = 500
        for start in range(0, total, batch):
            chunk = records[start:start + batch]
            db.table("products").upsert_all(
                (product_row(r, synonyms.get(r["category"], "")) for r in chunk), pk="id"
            )
            db.table("product_images").upsert_all(
                ({"product_id": r["id"], "svg": render_product_svg(r)} for r in chunk), pk="product_id"
            )
            if progress:
                progress(min(start + batch, total), total)
        for key, value in (meta or {}).items():
            db.table("meta").upsert({"key": key, "value": value}, pk="key")
