"""A kiosk's catalog watcher: builds a new version ready to swap, finds one by polling when no NOTIFY came, and the
DSN is resolved from the secrets without its password ever being part of what is shown."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import psycopg

from app.catalog.store import Catalog
from app.compose.cli import main as aisle
from app.fleet.catalog_sync import CatalogSync, ReadyCatalog, local_version
from app.fleet.connection import describe_dsn, resolve_dsn
from app.settings import load_settings
from tests.fleet.kiosk_process import REPO, wait_until


def test_a_version_published_without_notify_is_found_by_polling(tmp_path: Path, fleet_dsn: str,
                                                                  demo_catalog_path: Path) -> None:
    it = ["--dsn", fleet_dsn, "--data-dir", str(tmp_path / "it")]
    assert aisle(["fleet", "init", *it]) == 0
    assert aisle(["fleet", "publish", str(REPO / "resources/catalog/products.json"), *it]) == 0
    live = tmp_path / "catalog.db"
    shutil.copyfile(demo_catalog_path, live)
    catalog = Catalog(live)
    ready: list[ReadyCatalog] = []
    sync = CatalogSync(fleet_dsn, "north", live, poll_s=0.3, on_ready=ready.append, retry_max_s=0.5)
    sync.start()
    try:
        wait_until(lambda: ready, 20, "version 1 to be built")
        assert catalog.get("STV-1005") is not None and local_version(live) is None  # not live yet
        assert sync.swap_in() == 1 and local_version(live) == 1 and sync.ready is None
        with psycopg.connect(fleet_dsn) as conn:  # a version that arrives with no notification at all
            conn.execute("insert into catalog_versions (source, product_count, catalog) "
                         "select 'by hand', product_count, catalog from catalog_versions where id = 1")
            conn.execute("insert into stores (id) values ('north')")
            conn.execute("insert into store_prices (version_id, store_id, product_id, price, stock) "
                         "values (2, 'north', 'STV-1005', 9.5, 7)")
        started = time.monotonic()
        wait_until(lambda: len(ready) == 2, 20, "version 2 to be found by polling")
        assert time.monotonic() - started < 10
    finally:
        sync.stop()
    assert sync.swap_in() == 2
    catalog.invalidate()  # what the service does right after the swap: every thread reopens on the new file
    product = catalog.get("STV-1005")
    assert product is not None and (product.price, product.stock) == (9.5, 7)


def test_the_dsn_comes_from_the_secrets_and_is_shown_without_its_password(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path}, environ={})
    assert resolve_dsn(settings, environ={"AISLE_NO_KEYRING": "1"}) is None
    from_file = settings.replace(fleet_dsn="postgresql://aisle@db.example:5433/fleet")
    dsn = resolve_dsn(from_file, environ={"AISLE_NO_KEYRING": "1", "AISLE_FLEET_PASSWORD": "s3cret"})
    assert dsn is not None and "s3cret" in dsn
    assert describe_dsn(dsn) == "aisle@db.example:5433/fleet"
    env = {"AISLE_NO_KEYRING": "1", "AISLE_FLEET_DSN": "postgresql://it:pw@central/chain"}
    assert resolve_dsn(from_file, environ=env) == "postgresql://it:pw@central/chain"
    assert "fleet_dsn" not in repr(from_file) and "it:pw@" not in repr(load_settings({"data_dir": tmp_path}, env))


def test_a_kiosk_keeps_the_identity_it_made_up(tmp_path: Path) -> None:
    from app.fleet.config import kiosk_identity

    settings = load_settings({"data_dir": tmp_path}, environ={})
    made = kiosk_identity(settings)
    assert made and kiosk_identity(settings) == made
    assert kiosk_identity(settings.replace(kiosk_id="front-door")) == "front-door"
