"""Builds the shipped demo catalog (`catalog.db`) from the source data under `resources/catalog/`, reproducibly.

The same source files always give the same rows; the build stamps a hash of its sources into the `meta` table so a
stale database is easy to spot.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from app.catalog.safe_write import swap_in
from app.catalog.writer import open_for_writing, write_products
from app.paths import resources_dir


def source_files(resources: Path | None = None) -> tuple[Path, Path]:
    base = (resources or resources_dir()) / "catalog"
    return base / "categories.json", base / "products.json"


def source_digest(resources: Path | None = None) -> str:
    digest = hashlib.sha256()
    for path in source_files(resources):
        digest.update(path.read_bytes())
    images = Path(__file__).with_name("images.py")
    if images.is_file():
        digest.update(images.read_bytes())
    return digest.hexdigest()


def load_sources(resources: Path | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    categories_file, products_file = source_files(resources)
    categories = json.loads(categories_file.read_text(encoding="utf-8"))
    products = sorted(json.loads(products_file.read_text(encoding="utf-8")), key=lambda p: p["id"])
    return categories, products


def build_catalog(out: Path, resources: Path | None = None) -> int:
    """Write a fresh catalog database to `out` (replacing it) and return the number of products."""
    categories, products = load_sources(resources)
    tmp = out.with_suffix(".db.tmp")
    tmp.unlink(missing_ok=True)
    db = open_for_writing(tmp)
    write_products(
        db, products, categories, replace_all=True,
        meta={"source": "shipped", "source_sha256": source_digest(resources)},
    )
    db.conn.execute("vacuum")
    db.conn.close()
    swap_in(tmp, out)  # never leaves a new file beside an old file's journal
    return len(products)


def dump_rows(path: Path) -> list[str]:
    """A canonical dump of a catalog's content, for comparing two builds."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        lines = []
        for table in ("categories", "products", "product_images", "meta"):
            for row in conn.execute(f"select * from {table} order by 1"):
                lines.append(f"{table}|{json.dumps(row)}")
        return lines
    finally:
        conn.close()
