"""The sync worker: ships the outbox to PostgreSQL, oldest first, and reports the kiosk's state.

One thread with its own SQLite and PostgreSQL connections. A batch is upserted in one PostgreSQL transaction and
only then deleted from the outbox, so a crash at any point loses nothing and a retry duplicates nothing (see
`central`). While PostgreSQL is unreachable the thread retries with backoff and the outbox simply grows; a row the
server refuses outright (it would block the queue forever) is moved aside to `fleet_rejected` and logged.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from app.fleet import central
from app.fleet.connection import FleetUnavailable, connect, describe_dsn
from app.fleet.outbox import Outbox, OutboxRow

log = logging.getLogger("aisle.app.fleet")


class Shipper:
    def __init__(self, outbox: Outbox, dsn: str, kiosk_id: str, store_id: str, *, batch_size: int = 500,
                 heartbeat_s: float = 15.0, retry_max_s: float = 30.0, backlog_warn: int = 20_000,
                 state: Callable[[], dict[str, Any]] = dict,
                 on_backlog: Callable[[int], None] | None = None) -> None:
        self.outbox = outbox
        self.dsn = dsn
        self.kiosk_id = kiosk_id
        self.store_id = store_id
        self.batch_size = batch_size
        self.heartbeat_s = heartbeat_s
        self.retry_max_s = retry_max_s
        self.backlog_warn = backlog_warn
        self.state = state
        self.on_backlog = on_backlog
        self.connected = False
        self.depth = 0
        self.shipped = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pg: psycopg.Connection[tuple[Any, ...]] | None = None
        self._warned = False
        self._reported_depth = 0  # the outbox depth the last heartbeat told the fleet

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="aisle-fleet-shipper", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.outbox.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def status(self) -> str:
        if self.connected:
            return f"connected, {self.depth} waiting"
        return f"offline, {self.depth} waiting" + (f" ({self.last_error})" if self.last_error else "")

    # -- the loop --------------------------------------------------------------------------------------------------
    def _run(self) -> None:
        local = self.outbox.connect()
        delay = 0.5
        next_beat = 0.0
        recheck_until = 0.0
        try:
            while not self._stop.is_set():
                try:
                    pg = self._connection()
                    shipped = self.ship_once(local, pg)
                    drained = shipped and self.depth == 0 and self._reported_depth > 0  # a backlog is gone: say so
                    if time.monotonic() >= next_beat or drained:
                        self._beat(local, pg)
                        next_beat = time.monotonic() + self.heartbeat_s
                    delay = 0.5
                    if shipped >= self.batch_size:
                        continue
                    if shipped == 0 and time.monotonic() < recheck_until:
                        # woken from inside a history transaction that may not have committed yet: look again soon
                        self._stop.wait(0.02)
                        continue
                    if self.outbox.wake.wait(max(0.0, min(self.heartbeat_s, next_beat - time.monotonic()))):
                        recheck_until = time.monotonic() + 1.0
                    self.outbox.wake.clear()
                except (FleetUnavailable, psycopg.OperationalError, psycopg.InterfaceError) as exc:
                    self._disconnect(exc)
                    self.depth = Outbox.depth(local)
                    self._check_backlog()
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.retry_max_s)
                except Exception as exc:  # a bug or a local disk error must not stop shipping for good
                    log.exception("fleet: shipping failed; trying again")
                    self._disconnect(exc)
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.retry_max_s)
        finally:
            self._disconnect(None)
            local.close()

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._pg is None or self._pg.closed:
            self._pg = connect(self.dsn, autocommit=True)
            central.register_kiosk(self._pg, self.kiosk_id, self.store_id)
            if not self.connected:
                log.info("fleet: connected to %s", describe_dsn(self.dsn))
            self.connected = True
            self.last_error = ""
        return self._pg

    def _disconnect(self, exc: BaseException | None) -> None:
        if exc is not None and self.connected:
            log.warning("fleet: lost the fleet database (%s); the kiosk keeps selling and queues its events",
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        if exc is not None:
            self.last_error = "unreachable"
        self.connected = False
        if self._pg is not None:
            try:
                self._pg.close()
            except psycopg.Error:
                pass
            self._pg = None

    def ship_once(self, local: sqlite3.Connection, pg: psycopg.Connection[tuple[Any, ...]]) -> int:
        """Ship the oldest batch; returns how many rows left the outbox."""
        rows = Outbox.oldest(local, self.batch_size)
        if rows:
            try:
                with pg.transaction():
                    central.write_batch(pg, self.kiosk_id, self.store_id, rows)
            except (psycopg.DataError, psycopg.IntegrityError, psycopg.ProgrammingError):
                self._ship_one_by_one(local, pg, rows)
                return len(rows)
            Outbox.remove(local, rows)
            self.shipped += len(rows)
        self.depth = Outbox.depth(local) if rows or self.depth else 0
        self._check_backlog()
        return len(rows)

    def _ship_one_by_one(self, local: sqlite3.Connection, pg: psycopg.Connection[tuple[Any, ...]],
                         rows: list[OutboxRow]) -> None:
        for row in rows:
            try:
                with pg.transaction():
                    central.write_batch(pg, self.kiosk_id, self.store_id, [row])
            except (psycopg.DataError, psycopg.IntegrityError, psycopg.ProgrammingError) as exc:
                log.error("fleet: the fleet database refused event %s/%d (%s); kept in fleet_rejected",
                          row.session_id, row.event_id, type(exc).__name__)
                Outbox.reject(local, row, f"{type(exc).__name__}: {str(exc).splitlines()[0]}", time.time())
                continue
            Outbox.remove(local, [row])
            self.shipped += 1

    def _beat(self, local: sqlite3.Connection, pg: psycopg.Connection[tuple[Any, ...]]) -> None:
        self.depth = Outbox.depth(local)
        central.heartbeat(pg, self.kiosk_id, {**self.state(), "outbox_depth": self.depth})
        self._reported_depth = self.depth

    def _check_backlog(self) -> None:
        if self.depth >= self.backlog_warn and not self._warned:
            self._warned = True
            log.warning("fleet: %d events are waiting to be sent to the fleet database", self.depth)
            if self.on_backlog is not None:
                self.on_backlog(self.depth)
        elif self.depth < self.backlog_warn // 2:
            self._warned = False
