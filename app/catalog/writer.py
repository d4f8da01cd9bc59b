"""Writes catalogs: the schema, products with their derived keywords and images, categories, and the FTS5 index.

Used by the reproducible demo build and by store imports. Every write happens in one transaction on its own
connection, and the FTS index is kept consistent by the triggers sqlite-utils creates.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from app.catalog.images import render_product_svg
from app.catalog.knowledge import product_passages
from app.catalog.schema import FTS_COLUMNS, PRODUCT_COLUMNS, SCHEMA_VERSION, derive_keywords

Progress = Callable[[int, int], None]
FTS_TABLES = ("products_fts", "passages_fts")


def open_for_writing(path: Path, scratch: bool = False) -> sqlite_utils.Database:
    """A write connection. `scratch`: a temporary file that is verified and synced before use, so it needs no
    on-disk journal and no syncing while it is built."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None)
    if scratch:
        conn.execute("pragma journal_mode=memory")
        conn.execute("pragma synchronous=off")
    return sqlite_utils.Database(conn)


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
    if "passages" not in db.table_names():
        # a product's facts: its specs, description sentences and manual sections (app.catalog.knowledge)
        db.table("passages").create({"id": int, "product_id": str, "source": str, "section": str, "text": str},
                                    pk="id")
        db.table("passages").create_index(["product_id", "source"])
        db.table("passages").enable_fts(["section", "text"], fts_version="FTS5", tokenize="porter",
                                        create_triggers=True)
    if "product_photos" not in db.table_names():
        # store photos, resized once at import (app.catalog.photos): JPEG thumbnail and large image
        db.table("product_photos").create(
            {"product_id": str, "position": int, "thumb": bytes, "large": bytes, "width": int, "height": int,
             "source": str}, pk=("product_id", "position"))
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
            for table in ("products", "product_images", "passages", "product_photos"):
                db.table(table).delete_where()
        known = {r["slug"] for r in db.table("categories").rows}
        for category in categories:
            db.table("categories").upsert(
                {"slug": category["slug"], "name": category["name"], "synonyms": json.dumps(category["synonyms"])},
                pk="slug",
            )
            known.add(category["slug"])
        names = {r["category"]: r.get("category_name") for r in records}
        for slug in sorted(set(names) - known):
            name = names[slug] or slug.replace("-", " ").capitalize()
            db.table("categories").insert({"slug": slug, "name": name, "synonyms": "[]"})
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
            write_passages(db, chunk)
            if progress:
                progress(min(start + batch, total), total)
        for key, value in (meta or {}).items():
            db.table("meta").upsert({"key": key, "value": value}, pk="key")


def write_passages(db: sqlite_utils.Database, records: Sequence[dict[str, Any]]) -> None:
    """Replace the products' spec and description passages, and their manual passages when the record brings a
    manual (`manual_sections`: (title, text) pairs); a record without one keeps the manual it had."""
    conn = db.conn
    for record in records:
        pid = record["id"]
        manual = record.get("manual_sections")
        if manual is None:
            conn.execute("delete from passages where product_id = ? and source != 'manual'", (pid,))
        else:
            conn.execute("delete from passages where product_id = ?", (pid,))
        rows = [(pid, source, section, text) for source, section, text in product_passages(record)]
        rows += [(pid, "manual", title, text) for title, text in manual or ()]
        conn.executemany("insert into passages (product_id, source, section, text) values (?, ?, ?, ?)", rows)
