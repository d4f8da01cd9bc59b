"""Catalog queries: full-text search with BM25 ranking and filters, details, suggestions and recommendations.

All ranking and limiting happens inside SQLite. Each thread gets its own read connection, so the catalog can be
queried from a worker pool; the UI thread never calls into this module.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from app.catalog.filters import (
    SPEC_OPS,
    USABLE_PRICE,
    FeatureCondition,
    SearchFilters,
    SpecCondition,
    SpecOrder,
    filter_sql,
    order_sql,
    phrase,
    query_phrases,
)
from app.catalog.matching import TOKEN, best_name_match, fts_terms, rank_by_name
from app.catalog.safe_write import has_hot_journal, recover
from app.catalog.schema import FTS_WEIGHTS, Category, Product, products_from_rows

__all__ = ["SPEC_OPS", "Catalog", "CatalogError", "FeatureCondition", "SearchFilters", "SpecCondition", "SpecOrder",
           "fts_terms"]


class CatalogError(RuntimeError):
    """The catalog cannot be used; the message says why and what to do."""


def fix_advice(path: Path) -> str:
    """The commands that put a usable catalog at `path` (the store's own file, or the demo)."""
    return (f"Import the store's catalog file again with `aisle catalog import FILE --replace --catalog {path}`, "
            f"or put the demo catalog there with `aisle catalog build --out {path}`.")


# BM25 is computed for at most this many matching rows per query (see `Catalog.search`)
MAX_CANDIDATES = 300


class Catalog:
    """Read access to one catalog database file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._names: list[tuple[str, str]] | None = None
        self._spec_keys: dict[str, Any] | None = None
        self._spec_values: dict[str, set[str]] | None = None
        self._names_lock = threading.Lock()
        self.check()

    # -- connections -----------------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        try:
            stat = self.path.stat()
            identity: tuple[int, int] | None = (stat.st_dev, stat.st_ino)
        except OSError:
            identity = None
        if conn is not None and identity != getattr(self._local, "identity", None):
            conn.close()  # an import swapped a new file in: read that one
            conn = self._local.conn = None
        if conn is None:
            if identity is None:
                raise CatalogError(f"No catalog file at {self.path}. {fix_advice(self.path)}")
            self._roll_back_interrupted_write()
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
            self._local.identity = identity
        return conn

    def _roll_back_interrupted_write(self) -> None:
        """A hot journal (a write that was interrupted) must be rolled back before a read-only connection can read."""
        if not has_hot_journal(self.path):
            return
        try:
            recover(self.path)
        except (sqlite3.Error, OSError) as exc:
            raise CatalogError(
                f"The catalog at {self.path} has an unfinished write that could not be rolled back ({exc}). "
                f"Give Aisle write access to {self.path.parent} and start it again; or: {fix_advice(self.path)}"
            ) from exc

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise CatalogError(
                f"The catalog at {self.path} cannot be read ({exc}). It may be damaged or not a catalog. "
                f"{fix_advice(self.path)}"
            ) from exc

    def check(self) -> None:
        """Fail early, in words, when the file is missing, not SQLite, or not a catalog."""
        rows = self._query("select name from sqlite_master where type in ('table', 'view')")
        tables = {r["name"] for r in rows}
        missing = {"products", "products_fts", "categories"} - tables
        if missing:
            raise CatalogError(
                f"{self.path} is not an Aisle catalog (missing tables: {', '.join(sorted(missing))}). "
                f"{fix_advice(self.path)}"
            )

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def invalidate(self) -> None:
        """Forget cached names after the catalog changed (an import, or a fleet update that replaced the file)."""
        with self._names_lock:
            self._names = None
            self._spec_keys = None
            self._spec_values = None

    # -- queries -------------------------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self._query("select count(*) from products")[0][0])

    def categories(self) -> list[Category]:
        rows = self._query("select slug, name, synonyms from categories order by name")
        return [Category(r["slug"], r["name"], json.loads(r["synonyms"] or "[]")) for r in rows]

    def brands(self) -> list[str]:
        return [r[0] for r in self._query("select distinct brand from products where brand != '' order by brand")]

    def spec_keys(self) -> dict[str, Any]:
        """Every spec key of the catalog with one of its values (to read its unit from), cached until `invalidate`."""
        with self._names_lock:
            if self._spec_keys is None:
                rows = self._query("select j.key as key, j.value as value, j.type as type "
                                   "from products p, json_each(p.specs) j group by j.key")
                self._spec_keys = {r["key"]: (r["type"] == "true") if r["type"] in ("true", "false") else r["value"]
                                   for r in rows}
            return dict(self._spec_keys)

    def spec_text_values(self, per_key: int = 40) -> dict[str, set[str]]:
        """The text values each spec key takes ("fill": {"down", "synthetic"}), at most `per_key` of each; cached
        until `invalidate`."""
        with self._names_lock:
            if self._spec_values is None:
                self._spec_values = self._read_spec_values(per_key)
            return {k: set(v) for k, v in self._spec_values.items()}

    def _read_spec_values(self, per_key: int) -> dict[str, set[str]]:
        rows = self._query("select key, value from (select j.key as key, j.value as value, row_number() over "
                           "(partition by j.key order by count(*) desc) as n from products p, json_each(p.specs) j "
                           "where j.type = 'text' group by j.key, j.value) where n <= ?", (per_key,))
        values: dict[str, set[str]] = {}
        for row in rows:
            values.setdefault(row["key"], set()).add(str(row["value"]).lower())
        return values

    def spec_keys_by_category(self) -> dict[str, set[str]]:
        """Which spec keys the products of each category carry."""
        rows = self._query("select p.category as category, j.key as key from products p, json_each(p.specs) j "
                           "group by p.category, j.key")
        keys: dict[str, set[str]] = {}
        for row in rows:
            keys.setdefault(row["category"], set()).add(row["key"])
        return keys

    def tags(self, limit: int = 500) -> list[str]:
        """The most used product tags."""
        rows = self._query("select j.value as tag from products p, json_each(p.tags) j group by j.value "
                           "order by count(*) desc limit ?", (limit,))
        return [str(r["tag"]) for r in rows]

    def product_names(self, category: str | None = None) -> list[str]:
        if category is not None:
            return [r[0] for r in self._query("select distinct name from products where category = ? order by name",
                                              (category,))]
        return [r[0] for r in self._query("select distinct name from products order by name")]

    def product_ids(self) -> list[str]:
        return [r[0] for r in self._query("select id from products")]

    def get(self, product_id: str) -> Product | None:
        rows = self._query("select * from products where id = ?", (product_id,))
        found = products_from_rows(rows)
        return found[0] if found else None

    def get_many(self, product_ids: Iterable[str]) -> list[Product]:
        ids = list(dict.fromkeys(product_ids))
        if not ids:
            return []
        rows = self._query(f"select * from products where id in ({','.join('?' * len(ids))})", ids)
        by_id = {p.id: p for p in products_from_rows(rows)}
        return [by_id[i] for i in ids if i in by_id]

    def search(self, query: str, filters: SearchFilters | None = None, limit: int = 10) -> list[Product]:
        """Products matching all the query's words (or, failing that, any), ranked by BM25, filtered, limited.

        Words match exactly (after porter stemming) first, then as prefixes ("recharg"), then any word. Ranking and
        limiting happen inside SQLite; to keep a very common word fast, BM25 is computed for at most
        `MAX_CANDIDATES` matching rows, and when that cap is reached the best name and brand hits are found
        separately and come first.
        """
        filters = filters or SearchFilters()
        limit = max(1, min(int(limit), 50))
        where, params = filter_sql(filters)
        terms = fts_terms(query)
        if not terms:
            order = order_sql(filters) or "coalesce(p.stock, 1) = 0, p.price"
            sql = f"select p.* from products p where {where} order by {order} limit ?"
            return products_from_rows(self._query(sql, [*params, limit]))
        attempts = [(" AND ", False)]
        if any(len(t) > 2 for t in terms):
            attempts.append((" AND ", True))
        if len(terms) > 1:
            attempts.append((" OR ", True))
        for joiner, prefix in attempts:
            expression = joiner.join(query_phrases(terms, prefix))
            rowids = self._ranked(expression, filters, where, params, limit)
            if rowids:
                rows = self._query(
                    f"select rowid as rid, * from products where rowid in ({','.join('?' * len(rowids))})", rowids
                )
                by_rowid = {r["rid"]: p for r in rows for p in products_from_rows([r])}
                ranked = [by_rowid[r] for r in rowids if r in by_rowid]
                if order_sql(filters) or not filters.stock_first:  # an order was asked for: keep it
                    return ranked
                return sorted(ranked, key=lambda p: not p.in_stock)  # in stock first, best match first within
        return []

    def _ranked(self, expression: str, filters: SearchFilters, where: str, params: list[Any],
                limit: int) -> list[int]:
        """Row ids of the best matches of an FTS5 expression that pass the filters, best first."""
        category = f" AND (category : {phrase(filters.category.replace('-', ' '), False)})" \
            if filters.category else ""
        weights = ", ".join(str(w) for w in FTS_WEIGHTS)
        order = order_sql(filters)
        expression_o, direction = order.rsplit(" ", 1) if order else ("", "")
        sql = (
            "select rid, score, count(*) over () as n from ("
            f"select f.rowid as rid, bm25(products_fts, {weights}) as score"
            f"{', ' + expression_o + ' as o' if order else ''} "
            f"from products_fts f cross join products p on p.rowid = f.rowid where products_fts match ? and {where} "
            f"limit {MAX_CANDIDATES}) order by {'o ' + direction + ', ' if order else ''}score limit ?"
        )
        rows = self._query(sql, [f"({expression}){category}", *params, limit])
        ranked = [int(r["rid"]) for r in rows]
        if rows and rows[0]["n"] >= MAX_CANDIDATES:
            # a very common word: make sure the best name and brand hits are not among the rows left out
            names = self._query(sql, [f"({{name brand}} : ({expression})){category}", *params, limit])
            ranked = list(dict.fromkeys([*(int(r["rid"]) for r in names), *ranked]))[:limit]
        return ranked

    def _name_index(self) -> list[tuple[str, str]]:
        with self._names_lock:
            if self._names is None:
                rows = self._query("select id, brand, name from products")
                self._names = [(r["id"], f"{r['brand']} {r['name']}".strip()) for r in rows]
            return self._names

    def vocabulary(self) -> set[str]:
        """Every lowercase word of the products' names, brands, tags and keywords (for typo correction)."""
        words: set[str] = set()
        for row in self._query("select name, brand, tags, keywords from products"):
            words.update(TOKEN.findall(" ".join(str(v or "") for v in row).lower()))
        return words

    def suggest(self, text: str, limit: int = 3, among: Sequence[str] | None = None) -> list[Product]:
        """Products whose id or name is closest to `text` (typo tolerant), preferring those in `among`."""
        text = text.strip()
        if not text:
            return []
        names = self._name_index()
        if among is not None:
            allowed = set(among)
            names = [n for n in names if n[0] in allowed] or self._name_index()
        return self.get_many(rank_by_name(text, names, limit))

    def match_name(self, text: str, among: Sequence[str], cutoff: float = 70) -> tuple[str, float] | None:
        """The product among `among` whose name best matches a phrase the shopper said, with its score."""
        if not among or not text.strip():
            return None
        products = self.get_many(among)
        return best_name_match(text, {p.id: f"{p.brand} {p.name}" for p in products}, cutoff)

    def recommend(self, based_on: str, max_results: int = 5, exclude: Iterable[str] = ()) -> list[Product]:
        """Products that go with a product (its related items, then complementary in-stock picks) or a category."""
        max_results = max(1, min(int(max_results), 20))
        excluded = set(exclude)
        product = self.get(based_on)
        picks: list[Product] = []
        if product is not None:
            excluded.add(product.id)
            picks = [p for p in self.get_many(product.related) if p.in_stock and p.id not in excluded]
            if len(picks) < max_results:
                tags = product.tags[:3]
                if tags:
                    match = " OR ".join(f'"{t}"' for t in tags)
                    rows = self._query(
                        "select p.* from products_fts f join products p on p.rowid = f.rowid "
                        "where products_fts match ? and p.category != ? and (p.stock is null or p.stock > 0) "
                        f"and {USABLE_PRICE} "
                        "order by bm25(products_fts) limit ?",
                        (match, product.category, max_results * 3),
                    )
                    seen = {p.id for p in picks} | excluded
                    picks += [p for p in products_from_rows(rows) if p.id not in seen]
        else:
            rows = self._query(
                "select * from products p where category = ? and (stock is null or stock > 0) and "
                f"{USABLE_PRICE} order by abs(price - (select avg(price) from products p where category = ? "
                f"and {USABLE_PRICE})) limit ?",
                (based_on, based_on, max_results + len(excluded)),
            )
            picks = [p for p in products_from_rows(rows) if p.id not in excluded]
        unique = list({p.id: p for p in picks}.values())
        return unique[:max_results]

    def featured(self, limit: int = 12) -> list[Product]:
        """A varied row for the attract screen: in-stock products, a few from each category."""
        rows = self._query(
            "select * from (select p.*, row_number() over (partition by category order by stock desc, id) as n "
            f"from products p where (stock is null or stock > 0) and {USABLE_PRICE}) where n <= 2 "
            "order by n, category limit ?",
            (limit,),
        )
        return products_from_rows(rows)

    def image_svg(self, product_id: str) -> str | None:
        rows = self._query("select svg from product_images where product_id = ?", (product_id,))
        return rows[0]["svg"] if rows else None

    def _optional(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """A query on a table older catalogs do not have (photos, passages): no rows there."""
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise CatalogError(f"The catalog at {self.path} cannot be read ({exc}). {fix_advice(self.path)}") from exc

    def photo(self, product_id: str, position: int = 0, large: bool = False) -> bytes | None:
        """A store photo as JPEG bytes (the card thumbnail, or the large one for the details screen)."""
        column = "coalesce(large, thumb)" if large else "thumb"  # no large one: the thumbnail is the whole picture
        rows = self._optional(f"select {column} from product_photos where product_id = ? and position = ?",
                              (product_id, int(position)))
        return bytes(rows[0][0]) if rows else None

    def photo_counts(self, product_ids: Iterable[str]) -> dict[str, int]:
        """How many store photos each product has (products without any are left out)."""
        ids = list(dict.fromkeys(product_ids))
        if not ids:
            return {}
        rows = self._optional(
            f"select product_id, count(*) from product_photos where product_id in ({','.join('?' * len(ids))}) "
            "group by product_id", ids)
        return {r[0]: int(r[1]) for r in rows}

    def passages_of(self, product_id: str) -> list[sqlite3.Row]:
        """Every stored passage of a product (id, source, section, text)."""
        return self._optional("select id, source, section, text from passages where product_id = ? order by id",
                              (product_id,))

    def ranked_passages(self, product_id: str, expression: str, limit: int) -> list[sqlite3.Row] | None:
        """A product's passages matching an FTS5 expression, best first by bm25 (a section title weighs twice the
        text); None when the catalog has no passage index (an older catalog)."""
        try:
            return self._conn().execute(
                "select p.id, p.source, p.section, p.text, bm25(passages_fts, 2.0, 1.0) as score "
                "from passages_fts f join passages p on p.id = f.rowid "
                "where passages_fts match ? and p.product_id = ? order by score limit ?",
                (expression, product_id, int(limit))).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise CatalogError(f"The catalog at {self.path} cannot be read ({exc}). {fix_advice(self.path)}") from exc

    def meta(self) -> dict[str, str]:
        try:
            return {r["key"]: r["value"] for r in self._conn().execute("select key, value from meta").fetchall()}
        except sqlite3.DatabaseError:
            return {}
