"""`aisle fleet init|publish|orders|status`: the command-line side of fleet mode, for IT and the store's desk.

The DSN comes from `--dsn`, else `AISLE_FLEET_DSN` (environment or keyring), else `fleet_dsn` in settings (password
from `AISLE_FLEET_PASSWORD`). Messages name the server without its password. Exit codes: 0 done, 1 cannot reach or
use the database, 2 bad input (nothing changed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from app.settings import Settings

Common = Callable[..., None]


def add_fleet_parser(sub: Any, common: Common) -> None:
    """Register `aisle fleet …` on the top-level subparsers."""
    fleet = sub.add_parser("fleet", help="many kiosks on one PostgreSQL: schema, catalog, orders, status")
    fleet_sub = fleet.add_subparsers(dest="fleet_command", required=True)
    init = fleet_sub.add_parser("init", help="create or migrate the central schema (idempotent)")
    publish = fleet_sub.add_parser("publish", help="publish a catalog (or one store's prices and stock) to kiosks")
    publish.add_argument("file", type=Path)
    publish.add_argument("--assets", type=Path, help="folder with the catalog's images and manuals")
    publish.add_argument("--store", help="the file holds this store's prices and stock")
    orders = fleet_sub.add_parser("orders", help="orders placed on kiosks (the store's pick-up desk)")
    orders.add_argument("--store", help="only this store's orders")
    orders.add_argument("--json", action="store_true", help="one JSON object a line")
    orders.add_argument("--follow", action="store_true", help="keep printing new orders as they arrive")
    orders.add_argument("--limit", type=int, default=1000, help="at most this many past orders (default 1000)")
    status = fleet_sub.add_parser("status", help="kiosks and today's sessions and orders per store")
    status.add_argument("--json", action="store_true", help="the same as one JSON object")
    for parser in (init, publish, orders, status):
        parser.add_argument("--dsn", help="postgresql://user@host:port/db (prefer AISLE_FLEET_DSN: a command line "
                                          "is visible to other users of the machine)")
        common(parser, subcommand=True)


def cmd_fleet(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    from app.catalog.importer import ImportFailed
    from app.fleet.connection import FleetUnavailable, connect, resolve_dsn
    from app.fleet.schema import SchemaMissing, SchemaTooNew

    try:
        dsn = resolve_dsn(settings, getattr(args, "dsn", None))
        if dsn is None:
            print("aisle fleet: no fleet database is configured. Set AISLE_FLEET_DSN (or store it with "
                  "`python -m keyring set aisle AISLE_FLEET_DSN`), or pass --dsn.", file=sys.stderr)
            return 2
        out = out or sys.stdout
        handler = {"init": _init, "publish": _publish, "orders": _orders, "status": _status}[args.fleet_command]
        with connect(dsn, autocommit=args.fleet_command in ("orders", "status")) as conn:
            return handler(args, conn, out)
    except ImportFailed as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    except (FleetUnavailable, SchemaMissing, SchemaTooNew) as exc:
        print(f"aisle fleet: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def _init(args: argparse.Namespace, conn: Any, out: TextIO) -> int:
    from app.fleet.schema import migrate

    before, after = migrate(conn)
    if before == after:
        print(f"The fleet schema is up to date (version {after}).", file=out)
    elif before == 0:
        print(f"Created the fleet schema (version {after}).", file=out)
    else:
        print(f"Migrated the fleet schema from version {before} to {after}.", file=out)
    return 0


def _publish(args: argparse.Namespace, conn: Any, out: TextIO) -> int:
    from app.fleet.publish import publish_catalog
    from app.fleet.schema import require_schema

    require_schema(conn)
    conn.commit()
    published = publish_catalog(conn, args.file, assets=args.assets, store_id=args.store, progress=_progress)
    what = f"store {published.store_id}'s prices and stock for {published.products} products" \
        if published.store_id else f"{published.products} products"
    summary = "" if published.store_id else published.summary + " "
    print(f"{summary}Published catalog version {published.version}: {what}. Kiosks pick it up "
          "between shoppers.", file=out)
    return 0


def _orders(args: argparse.Namespace, conn: Any, out: TextIO) -> int:
    from app.fleet.reports import follow_orders, format_order, orders
    from app.fleet.schema import require_schema

    require_schema(conn)

    def show(order: dict[str, Any]) -> None:
        out.write((json.dumps(order) if args.json else format_order(order)) + "\n")
        out.flush()

    past = orders(conn, args.store, limit=args.limit, latest=True)
    for order in past:
        show(order)
    if not args.follow:
        if not past and not args.json:
            print("No orders yet." if not args.store else f"No orders yet for store {args.store}.", file=out)
        return 0
    for order in follow_orders(conn, args.store, int(past[-1]["seq"]) if past else _last_seq(conn)):
        show(order)
    return 0


def _last_seq(conn: Any) -> int:
    row = conn.execute("select coalesce(max(seq), 0) from orders").fetchone()
    return int(row[0])


def _status(args: argparse.Namespace, conn: Any, out: TextIO) -> int:
    from app.fleet.reports import format_status, status
    from app.fleet.schema import require_schema

    require_schema(conn)
    report = status(conn)
    print(json.dumps(report) if args.json else format_status(report), file=out)
    return 0


def _progress(done: int, total: int, stage: str = "products") -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r  {stage}: {done}/{total}   ")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
