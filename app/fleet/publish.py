"""Publishing a catalog to the fleet: validated by the same importer as `aisle catalog import`, then one transaction.

The file is imported into a temporary SQLite catalog with `app.catalog.importer.import_catalog` (so a fleet
publish accepts and refuses exactly what a kiosk import would), and that finished catalog file is what kiosks
receive. The central `products` table mirrors its products for queries; `store_prices` holds per-store price and
stock. With `--store S` the file's prices and stock become store S's for the products it lists; the chain's
catalog itself is unchanged. Every publish is a new catalog version, announced with NOTIFY when it commits.
"""

from __future__ import annotations

import inspect
import logging
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from app.catalog.importer import ImportFailed, import_catalog
from app.fleet.schema import CATALOG_CHANNEL

log = logging.getLogger("aisle.app.fleet")

Progress = Callable[..., None]  # (done, total) or (done, total, stage), as the importer calls it


@dataclass(frozen=True)
class Published:
    version: int
    products: int
    store_id: str | None
    summary: str  # the importer's own summary of what it read


def _import(source: Path, target: Path, assets: Path | None, progress: Progress | None) -> str:
    """The importer, run exactly as `aisle catalog import` runs it, into `target`."""
    kwargs: dict[str, Any] = {"replace_all": True, "progress": progress}
    if assets is not None:
        accepted = inspect.signature(import_catalog).parameters
        name = next((n for n in ("assets", "assets_dir") if n in accepted), None)
        if name is None:
            raise ImportFailed("This Aisle's catalog importer does not take an assets folder yet; publish without "
                               "--assets (product images are then drawn).")
        kwargs[name] = assets
    report = import_catalog(source, target, **kwargs)
    return report.summary()


def _products(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("select id, name, brand, category, price, stock from products order by id").fetchall()
    finally:
        conn.close()


def _latest_version(conn: psycopg.Connection[tuple[Any, ...]]) -> int | None:
    row = conn.execute("select max(id) from catalog_versions").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def publish_catalog(conn: psycopg.Connection[tuple[Any, ...]], source: Path, assets: Path | None = None,
                    store_id: str | None = None, progress: Progress | None = None) -> Published:
    """Validate `source` and publish it as a new version (or as store `store_id`'s prices and stock)."""
    with tempfile.TemporaryDirectory(prefix="aisle-publish-") as tmp:
        built = Path(tmp) / "catalog.db"
        summary = _import(source, built, assets, progress)
        rows = _products(built)
        blob = built.read_bytes()
    with conn.transaction():
        conn.execute("lock table catalog_versions in share row exclusive mode")  # one publish at a time
        previous = _latest_version(conn)
        if store_id:
            version = _publish_store(conn, store_id, rows, previous, source.name)
        else:
            version = _publish_chain(conn, rows, blob, previous, source.name)
        conn.execute("select pg_notify(%s, %s)", (CATALOG_CHANNEL, str(version)))
    log.info("published catalog version %d (%d products, store %s)", version, len(rows), store_id or "all")
    return Published(version, len(rows), store_id, summary)


def _publish_chain(conn: psycopg.Connection[tuple[Any, ...]], rows: list[tuple[Any, ...]], blob: bytes,
                   previous: int | None, source: str) -> int:
    found = conn.execute(
        "insert into catalog_versions (source, product_count, catalog) values (%s, %s, %s) returning id",
        (source, len(rows), blob)).fetchone()
    assert found is not None
    version = int(found[0])
    with conn.cursor() as cur:
        cur.executemany(
            "insert into products (version_id, id, name, brand, category, price, stock) "
            "values (%s, %s, %s, %s, %s, %s, %s)", [(version, *row) for row in rows])
    if previous is not None:  # each store keeps its prices and stock for the products still sold
        conn.execute(
            "insert into store_prices (version_id, store_id, product_id, price, stock) "
            "select %s, s.store_id, s.product_id, s.price, s.stock from store_prices s "
            "join products p on p.version_id = %s and p.id = s.product_id where s.version_id = %s",
            (version, version, previous))
    return version


class UnknownProducts(ImportFailed):
    """A store's file lists products the chain's catalog does not have."""


def _publish_store(conn: psycopg.Connection[tuple[Any, ...]], store_id: str, rows: list[tuple[Any, ...]],
                   previous: int | None, source: str) -> int:
    if previous is None:
        raise ImportFailed("There is no chain catalog yet: publish one without --store first.")
    known = {r[0] for r in conn.execute("select id from products where version_id = %s", (previous,))}
    unknown = [row[0] for row in rows if row[0] not in known]
    if unknown:
        raise UnknownProducts(
            f"{source} was not published: {len(unknown)} product(s) are not in the chain's catalog "
            f"(version {previous}). Publish them to the chain first (without --store). Nothing was changed.",
            [f"id {pid}: not in the chain's catalog" for pid in unknown])
    conn.execute("insert into stores (id) values (%s) on conflict do nothing", (store_id,))
    found = conn.execute(
        "insert into catalog_versions (source, store_id, product_count, catalog) "
        "select %s, %s, product_count, catalog from catalog_versions where id = %s returning id",
        (source, store_id, previous)).fetchone()
    assert found is not None
    version = int(found[0])
    conn.execute(
        "insert into products (version_id, id, name, brand, category, price, stock) "
        "select %s, id, name, brand, category, price, stock from products where version_id = %s",
        (version, previous))
    conn.execute(
        "insert into store_prices (version_id, store_id, product_id, price, stock) "
        "select %s, store_id, product_id, price, stock from store_prices where version_id = %s",
        (version, previous))
    with conn.cursor() as cur:
        cur.executemany(
            "insert into store_prices (version_id, store_id, product_id, price, stock) values (%s, %s, %s, %s, %s) "
            "on conflict (version_id, store_id, product_id) do update set price = excluded.price, "
            "stock = excluded.stock",
            [(version, store_id, row[0], row[4], row[5]) for row in rows])
    return version
