"""The central schema, versioned: each migration runs once, in order, in one transaction with the others.

`migrate()` is what `aisle fleet init` runs; it is idempotent and safe to run from two places at once (an advisory
lock serialises it). Add a migration by appending to `MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import psycopg

log = logging.getLogger("aisle.app.fleet")

CATALOG_CHANNEL = "aisle_catalog"  # NOTIFY payload: the new catalog version number
ORDERS_CHANNEL = "aisle_orders"  # NOTIFY payload: the store id of a new order
_LOCK_KEY = 0x41_49_53_4C  # "AISL": the advisory lock that serialises migrations


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "stores, kiosks, catalog versions, products, store prices, sessions, events, orders", """
create table stores (
    id text primary key,
    name text not null default '',
    created_at timestamptz not null default now()
);
create table kiosks (
    id text primary key,
    store_id text not null references stores(id),
    last_seen timestamptz,
    catalog_version integer,
    pending_version integer,
    outbox_depth bigint not null default 0,
    brain text not null default '',
    voice_state text not null default '',
    session_open boolean not null default false
);
create table catalog_versions (
    id serial primary key,
    published_at timestamptz not null default now(),
    source text not null,
    store_id text references stores(id),
    product_count integer not null,
    catalog bytea not null
);
create table products (
    version_id integer not null references catalog_versions(id) on delete cascade,
    id text not null,
    name text not null,
    brand text not null default '',
    category text not null,
    price numeric(12, 2) not null,
    stock integer,
    primary key (version_id, id)
);
create table store_prices (
    version_id integer not null references catalog_versions(id) on delete cascade,
    store_id text not null references stores(id),
    product_id text not null,
    price numeric(12, 2),
    stock integer,
    primary key (version_id, store_id, product_id)
);
create table sessions (
    kiosk_id text not null,
    session_id text not null,
    store_id text not null,
    started_at timestamptz,
    ended_at timestamptz,
    brain text,
    end_reason text,
    order_number text,
    total numeric(12, 2),
    primary key (kiosk_id, session_id)
);
create index sessions_store_started on sessions (store_id, started_at);
create table events (
    kiosk_id text not null,
    session_id text not null,
    event_id integer not null,
    store_id text not null,
    kind text not null,
    data jsonb not null,
    at timestamptz not null,
    received_at timestamptz not null default clock_timestamp(),
    primary key (kiosk_id, session_id, event_id)
);
create index events_store_at on events (store_id, at);
create table orders (
    seq bigserial unique,
    kiosk_id text not null,
    order_number text not null,
    store_id text not null,
    session_id text not null,
    lines jsonb not null,
    total numeric(12, 2) not null,
    item_count integer not null,
    qr_payload text not null default '',
    placed_at timestamptz not null,
    received_at timestamptz not null default clock_timestamp(),
    primary key (kiosk_id, order_number)
);
create index orders_store_seq on orders (store_id, seq);
create function aisle_notify_order() returns trigger language plpgsql as $$
begin
    perform pg_notify('aisle_orders', new.store_id);
    return new;
end $$;
create trigger orders_notify after insert on orders for each row execute function aisle_notify_order();
"""),
)

LATEST = MIGRATIONS[-1].version


class SchemaTooNew(RuntimeError):
    """The central database was migrated by a newer Aisle than this one."""


def current_version(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
    """The schema version of the database (0: not initialised)."""
    row = conn.execute("select to_regclass('aisle_schema') is not null").fetchone()
    if not row or not row[0]:
        return 0
    found = conn.execute("select coalesce(max(version), 0) from aisle_schema").fetchone()
    return int(found[0]) if found else 0


def migrate(conn: psycopg.Connection[tuple[Any, ...]]) -> tuple[int, int]:
    """Bring the schema to `LATEST` in one transaction; returns (version before, version after)."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            "create table if not exists aisle_schema (version integer primary key, description text not null, "
            "applied_at timestamptz not null default now())"
        )
        before = current_version(conn)
        if before > LATEST:
            raise SchemaTooNew(
                f"The fleet database has schema version {before}, newer than this Aisle understands ({LATEST}). "
                "Upgrade Aisle on this machine."
            )
        for migration in MIGRATIONS:
            if migration.version > before:
                log.info("fleet schema: applying migration %d (%s)", migration.version, migration.description)
                conn.execute(migration.sql.encode())
                conn.execute("insert into aisle_schema (version, description) values (%s, %s)",
                             (migration.version, migration.description))
    return before, LATEST


def require_schema(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
    """Fail in words when `aisle fleet init` has not been run (or an older Aisle runs against a newer schema)."""
    version = current_version(conn)
    if version == 0:
        raise SchemaMissing("The fleet database has no Aisle schema yet: run `aisle fleet init` first.")
    if version > LATEST:
        raise SchemaTooNew(f"The fleet database has schema version {version}; this Aisle knows up to {LATEST}.")


class SchemaMissing(RuntimeError):
    """`aisle fleet init` has not been run against this database."""
