"""The kiosk's catalog follows the fleet: notice a new version, build it off the UI thread, hand it over ready.

A thread LISTENs on the catalog channel (and polls every `poll_s` in case a notification was missed, e.g. while
offline). For a newer version it downloads the catalog the publisher built, applies this store's prices and stock,
checks the result and leaves it next to the live catalog as `<catalog>.fleet-v<N>`. Swapping it in is not done here:
`FleetService` calls `swap_in()` between shoppers, never mid-conversation.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from app.fleet.connection import FleetUnavailable, connect
from app.fleet.schema import CATALOG_CHANNEL

log = logging.getLogger("aisle.app.fleet")


@dataclass(frozen=True)
class ReadyCatalog:
    version: int
    path: Path


def local_version(catalog_path: Path) -> int | None:
    """The fleet version of the catalog file (None: not from the fleet, or unreadable)."""
    try:
        conn = sqlite3.connect(f"file:{catalog_path}?mode=ro", uri=True)
        try:
            row = conn.execute("select value from meta where key = 'fleet_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return int(row[0]) if row and str(row[0]).isdigit() else None


def build_local_catalog(pg: psycopg.Connection[tuple[Any, ...]], version: int, store_id: str, target: Path) -> None:
    """Write version `version` with store `store_id`'s prices and stock to `target` (checked, synced to disk)."""
    found = pg.execute("select catalog from catalog_versions where id = %s", (version,)).fetchone()
    if found is None:
        raise LookupError(f"catalog version {version} is not in the fleet database")
    overrides = pg.execute("select product_id, price, stock from store_prices where version_id = %s and "
                           "store_id = %s", (version, store_id)).fetchall()
    target.unlink(missing_ok=True)
    target.write_bytes(bytes(found[0]))
    conn = sqlite3.connect(str(target), isolation_level=None)
    try:
        conn.execute("begin")
        conn.executemany("update products set price = coalesce(?, price), stock = coalesce(?, stock) where id = ?",
                         [(None if p is None else float(p), s, pid) for pid, p, s in overrides])
        conn.executemany("insert or replace into meta (key, value) values (?, ?)",
                         [("fleet_version", str(version)), ("fleet_store", store_id), ("source", "fleet")])
        conn.execute("commit")
        check = conn.execute("pragma quick_check").fetchone()
        if not check or check[0] != "ok":
            raise sqlite3.DatabaseError(f"the built catalog failed its check: {check}")
        conn.execute("pragma journal_mode=delete")
    finally:
        conn.close()
    with open(target, "rb") as fh:
        os.fsync(fh.fileno())


class CatalogSync:
    """The watcher thread. `on_ready` is called on that thread when a new catalog waits to be swapped in."""

    def __init__(self, dsn: str, store_id: str, catalog_path: Path, poll_s: float,
                 on_ready: Callable[[ReadyCatalog], None], retry_max_s: float = 30.0) -> None:
        self.dsn = dsn
        self.store_id = store_id
        self.catalog_path = catalog_path
        self.poll_s = poll_s
        self.on_ready = on_ready
        self.retry_max_s = retry_max_s
        self.current = local_version(catalog_path)
        self.ready: ReadyCatalog | None = None
        self.lock = threading.Lock()  # guards `ready` and the staged file between this thread and the swap
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def staging_path(self, version: int) -> Path:
        return self.catalog_path.with_name(f"{self.catalog_path.name}.fleet-v{version}")

    def start(self) -> None:
        for stale in self.catalog_path.parent.glob(f"{self.catalog_path.name}.fleet-v*"):
            stale.unlink(missing_ok=True)  # left by a kiosk that stopped before swapping it in: rebuilt if needed
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="aisle-fleet-catalog", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def swap_in(self) -> int | None:
        """Rename the catalog waiting to go live over the live one (a rename: quick enough for the loop's thread).
        Returns the version now live, or None when nothing was waiting."""
        with self.lock:
            ready, self.ready = self.ready, None
            if ready is None:
                return None
            os.replace(ready.path, self.catalog_path)
            self.current = ready.version
            return ready.version

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                with connect(self.dsn, autocommit=True) as pg:
                    pg.execute(f"listen {CATALOG_CHANNEL}")
                    delay = 0.5
                    self._watch(pg)
            except (FleetUnavailable, psycopg.OperationalError, psycopg.InterfaceError) as exc:
                log.debug("fleet catalog watcher offline: %s", type(exc).__name__)
            except Exception:
                self.failures += 1
                log.exception("fleet: building the new catalog failed; the kiosk keeps its current catalog")
            self._stop.wait(delay)
            delay = min(delay * 2, self.retry_max_s)

    def _watch(self, pg: psycopg.Connection[tuple[Any, ...]]) -> None:
        next_poll = 0.0
        while not self._stop.is_set():
            if time.monotonic() >= next_poll:
                self._check(pg)
                next_poll = time.monotonic() + self.poll_s
            notified = False
            for _ in pg.notifies(timeout=min(1.0, self.poll_s), stop_after=1):
                notified = True
            if notified:
                next_poll = 0.0

    def _check(self, pg: psycopg.Connection[tuple[Any, ...]]) -> None:
        row = pg.execute("select max(id) from catalog_versions").fetchone()
        latest = int(row[0]) if row and row[0] is not None else None
        waiting = self.ready.version if self.ready else None
        if latest is None or latest == self.current or latest == waiting:
            return
        started = time.monotonic()
        ready = ReadyCatalog(latest, self.staging_path(latest))
        build_local_catalog(pg, latest, self.store_id, ready.path)
        log.info("fleet: catalog version %d built in %.1f s; it goes live between shoppers",
                 latest, time.monotonic() - started)
        with self.lock:
            superseded, self.ready = self.ready, ready
            if superseded is not None:
                superseded.path.unlink(missing_ok=True)
        self.on_ready(ready)
