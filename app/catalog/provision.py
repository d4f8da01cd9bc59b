"""Puts a usable catalog in the data directory: the shipped demo on first run, upgraded only while it is unchanged.

A store's imported catalog is never overwritten by an upgrade; the shipped bundle itself is never written to.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

from app.catalog.safe_write import swap_in
from app.paths import shipped_catalog_path

log = logging.getLogger("aisle.app.catalog")


def _meta(path: Path) -> dict[str, str]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return dict(conn.execute("select key, value from meta").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def ensure_data_catalog(target: Path, shipped: Path | None = None) -> Path:
    """Return `target`, copying the shipped catalog there first if it is missing or an outdated shipped copy."""
    shipped = shipped or shipped_catalog_path()
    if not shipped.is_file():
        return target
    if target.is_file():
        mine, theirs = _meta(target), _meta(shipped)
        if mine.get("source") != "shipped" or mine.get("source_sha256") == theirs.get("source_sha256"):
            return target
        log.info("updating the demo catalog in %s to the shipped version", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".db.copy")
    shutil.copyfile(shipped, tmp)
    swap_in(tmp, target)
    return target
