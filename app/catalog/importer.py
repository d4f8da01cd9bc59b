"""Store catalog import from CSV or JSON: every value checked first, then a new catalog built beside the old one,
verified, and swapped in atomically. An import that fails or is interrupted changes nothing.

Columns (CSV header or JSON keys):
    id (required)          the SKU, unique; letters, digits, '-', '_', '.'
    name (required)        product name (a leading brand is not repeated on screen)
    category (required)    a category slug or name ("Sleeping bag", "sleeping-bags" and "Sleeping Bags" are the same)
    price (required)       a finite number >= 0; "$1,249.00" and "19,95" style strings are accepted
    brand                  text
    stock                  a whole number >= 0; no column (or an empty cell) means stock is not tracked: sellable
    short_description      one line (derived from the description when empty)
    description            longer copy
    specs                  a JSON object, or "key=value; key=value"
    tags                   a JSON list, or words separated by , ; or |
    related                product ids, as a list or separated by , ; or |
    color                  "#RRGGBB" for the generated image
    image, image_url       one photo: a path under the assets folder, or an http(s) URL
    images                 several photos: a list, or a list written as a string
    manual, manual_url     a manual or spec sheet (Markdown, text or PDF): a path or an http(s) URL
Unknown columns are reported and ignored.
"""

from __future__ import annotations

import inspect
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.catalog.assets import AssetSource
from app.catalog.import_assets import load_manuals, write_photos
from app.catalog.safe_write import (
    copy_database,
    import_lock,
    keep_aside,
    recover,
    remove_stale_temps,
    swap_in,
    temp_path,
    verify,
)
from app.catalog.source_file import ImportFailed, SourceFile, read_source
from app.catalog.store import Catalog
from app.catalog.validate import REQUIRED, validate_rows
from app.catalog.writer import FTS_TABLES, open_for_writing, write_products

__all__ = ["KNOWN_COLUMNS", "ImportFailed", "ImportReport", "import_catalog"]

log = logging.getLogger("aisle.app.catalog")

KNOWN_COLUMNS = (
    "id", "name", "category", "price", "brand", "stock", "short_description", "description",
    "specs", "tags", "related", "color", "image", "image_url", "images", "manual", "manual_url", "manuals",
)
Progress = Callable[[int, int], None]


def _staged(progress: Callable[..., None] | None) -> Callable[[str], Progress | None]:
    """Per-stage (done, total) callbacks for a progress callable that may or may not take the stage's name."""
    if progress is None:
        return lambda stage: None
    try:
        takes_stage = len(inspect.signature(progress).parameters) >= 3
    except (TypeError, ValueError):
        takes_stage = False

    def for_stage(stage: str) -> Progress:
        return (lambda done, total: progress(done, total, stage)) if takes_stage else progress
    return for_stage


@dataclass
class ImportReport:
    imported: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    damaged_catalog_kept_as: str = ""
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    photos: int = 0
    manuals: int = 0

    def summary(self) -> str:
        text = f"Imported {self.imported} products."
        if self.photos or self.manuals:
            text += f" Photos: {self.photos}. Products with a manual: {self.manuals}."
        if self.new_categories:
            text += f" New categories: {', '.join(self.new_categories)}."
        if self.unknown_columns:
            text += f" Ignored unknown columns: {', '.join(self.unknown_columns)}."
        for note in self.notes:
            text += f" {note}"
        return text

    def details(self) -> str:
        """The summary and every warning, one per line (what the CLI and the staff panel show)."""
        lines = [self.summary()] + [f"  ! {w}" for w in self.warnings[:50]]
        if len(self.warnings) > 50:
            lines.append(f"  … and {len(self.warnings) - 50} more warnings")
        return "\n".join(lines)


@dataclass
class _Existing:
    categories: dict[str, str] = field(default_factory=dict)  # slug -> name
    ids: set[str] = field(default_factory=set)
    readable: bool = False
    damage: str = ""


def _read_existing(target: Path) -> _Existing:
    found = _Existing()
    if not target.is_file():
        return found
    try:
        recover(target)
        catalog = Catalog(target)
        try:
            found.categories = {c.slug: c.name for c in catalog.categories()}
            found.ids = set(catalog.product_ids())
        finally:
            catalog.close()
        found.readable = True
    except Exception as exc:  # any unreadable file: kept aside, never lost
        found.damage = str(exc)
    return found


def _check_columns(source: SourceFile, path: Path) -> list[str]:
    if not set(REQUIRED) & set(source.columns):
        raise ImportFailed(
            f"{path.name} does not look like a product catalog: none of the columns "
            f"{', '.join(REQUIRED)} were found (it has: {', '.join(source.columns[:8]) or 'none'})."
        )
    return [c for c in source.columns if c not in KNOWN_COLUMNS]


def prepare(path: Path, existing_categories: dict[str, str]) -> tuple[list[dict[str, Any]], ImportReport]:
    """Read and validate a file without touching any catalog: the clean records and the report so far."""
    source = read_source(path)
    report = ImportReport(unknown_columns=_check_columns(source, path))
    report.warnings += source.warnings
    records, problems, categories = validate_rows(source.rows, existing_categories)
    if problems:
        unknown = f" Unknown columns (ignored): {', '.join(report.unknown_columns)}." if report.unknown_columns else ""
        raise ImportFailed(
            f"{path.name} was not imported: {len(problems)} problem(s) found. Nothing was changed.{unknown}",
            problems,
        )
    report.warnings += categories.warnings
    report.new_categories = sorted(categories.new)
    if "stock" not in source.columns:
        report.notes.append("No stock column: stock is unknown and products are sellable.")
    for rec in records:
        rec["category_name"] = categories.new.get(rec["category"])
    return records, report


def import_catalog(
    source: Path,
    catalog_path: Path,
    replace_all: bool = False,
    progress: Callable[..., None] | None = None,
    assets_dir: Path | None = None,
    fetch: bool = True,
) -> ImportReport:
    """Import `source` into the catalog at `catalog_path`; all or nothing, and never a half-written catalog.

    `progress(done, total)` (or `progress(done, total, stage)`) is called as products and photos are written;
    image and manual paths are looked up under `assets_dir` (default: the file's folder); http(s) assets are
    downloaded when `fetch` is true.
    """
    staged = _staged(progress)
    with import_lock(catalog_path):
        remove_stale_temps(catalog_path)
        existing = _read_existing(catalog_path)
        records, report = prepare(source, existing.categories)
        assets = AssetSource(assets_dir or source.parent, fetch=fetch)
        temp = temp_path(catalog_path)
        try:
            report.warnings += load_manuals(records, assets, staged("manuals"))
            if existing.readable and not replace_all:
                copy_database(catalog_path, temp)
            db = open_for_writing(temp, scratch=True)
            try:
                write_products(db, records, replace_all=replace_all, progress=staged("products"),
                               meta={"source": "imported"})
                report.photos, photo_warnings = write_photos(db, records, assets, staged("photos"))
                report.warnings += photo_warnings
            finally:
                db.conn.close()
            keep = existing.ids if existing.readable and not replace_all else set()
            verify(temp, len(keep | {r["id"] for r in records}), FTS_TABLES)
            if existing.damage:
                kept = keep_aside(catalog_path)
                report.damaged_catalog_kept_as = str(kept)
                log.warning("catalog %s could not be read (%s); kept as %s", catalog_path, existing.damage, kept)
            swap_in(temp, catalog_path)
        except sqlite3.Error as exc:
            raise ImportFailed(f"The new catalog could not be written ({exc}). Nothing was changed.") from exc
        finally:
            assets.close()
            remove_stale_temps(catalog_path)
    report.imported = len(records)
    report.manuals = sum(1 for r in records if r.get("manual_sections"))
    return report
