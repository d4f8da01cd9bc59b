"""The import's asset stages: manuals read into sections before the products are written, photos resized and
written in batches afterwards (never all in memory), both on a small thread pool. A missing or unreadable asset is
a warning for its row; a product whose new photos all fail keeps the photos it had."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlite_utils

from app.catalog.assets import AssetMissing, AssetSource
from app.catalog.manuals import ManualUnreadable, sections
from app.catalog.photos import Photo, PhotoRejected, make_photo

Progress = Callable[[int, int], None]
PHOTO_BATCH = 48
MAX_PHOTOS_PER_PRODUCT = 8


def _workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))


def _manual_for(record: dict[str, Any], assets: AssetSource) -> tuple[list[tuple[str, str]] | None, list[str]]:
    found: list[tuple[str, str]] = []
    warnings: list[str] = []
    read_any = False
    for ref in record["manual_refs"]:
        try:
            asset = assets.get(ref)
            found += [(s.title, s.text) for s in sections(asset.name, asset.data)]
            read_any = True
        except (AssetMissing, ManualUnreadable) as exc:
            warnings.append(f"{record['where']}, manual: {exc}; the product is imported without it")
    return (found if read_any else None), warnings


def load_manuals(records: Sequence[dict[str, Any]], assets: AssetSource, progress: Progress | None) -> list[str]:
    """Attach `manual_sections` to every record with a manual; returns the warnings."""
    todo = [r for r in records if r.get("manual_refs")]
    warnings: list[str] = []
    if not todo:
        return warnings
    with ThreadPoolExecutor(_workers()) as pool:
        for done, (record, (found, problems)) in enumerate(
                zip(todo, pool.map(lambda r: _manual_for(r, assets), todo), strict=True), start=1):
            record["manual_sections"] = found
            warnings += problems
            if progress and (done % 20 == 0 or done == len(todo)):
                progress(done, len(todo))
    return warnings


def _photos_for(record: dict[str, Any], assets: AssetSource) -> tuple[list[tuple[Photo, str]], list[str]]:
    photos: list[tuple[Photo, str]] = []
    warnings: list[str] = []
    for ref in list(dict.fromkeys(record["image_refs"]))[:MAX_PHOTOS_PER_PRODUCT]:
        try:
            photos.append((make_photo(assets.get(ref).data), ref))
        except AssetMissing as exc:
            warnings.append(f"{record['where']}, image: {exc}")
        except PhotoRejected as exc:
            warnings.append(f"{record['where']}, image: '{ref}' is {exc}")
    if warnings and not photos:
        warnings[-1] += "; the drawn picture is used"
    return photos, warnings


def write_photos(db: sqlite_utils.Database, records: Sequence[dict[str, Any]], assets: AssetSource,
                 progress: Progress | None) -> tuple[int, list[str]]:
    """Resize and store every record's photos; returns how many were stored and the warnings."""
    todo = [r for r in records if r.get("image_refs")]
    total = sum(min(len(set(r["image_refs"])), MAX_PHOTOS_PER_PRODUCT) for r in todo)
    stored, done = 0, 0
    warnings: list[str] = []
    conn = db.conn
    with ThreadPoolExecutor(_workers()) as pool:
        for start in range(0, len(todo), PHOTO_BATCH):
            batch = todo[start:start + PHOTO_BATCH]
            results = list(pool.map(lambda r: _photos_for(r, assets), batch))
            conn.execute("begin")
            for record, (photos, problems) in zip(batch, results, strict=True):
                warnings += problems
                done += min(len(set(record["image_refs"])), MAX_PHOTOS_PER_PRODUCT)
                if not photos:
                    continue
                conn.execute("delete from product_photos where product_id = ?", (record["id"],))
                conn.executemany(
                    "insert into product_photos (product_id, position, thumb, large, width, height, source) "
                    "values (?, ?, ?, ?, ?, ?, ?)",
                    [(record["id"], i, p.thumb, p.large, p.width, p.height, ref) for i, (p, ref) in enumerate(photos)],
                )
                stored += len(photos)
            conn.execute("commit")
            if progress:
                progress(done, total)
    return stored, warnings
