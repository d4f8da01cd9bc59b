"""Store catalog import from CSV or JSON: validate every row first, then write all of it in one transaction or none.

Columns (CSV header or JSON keys):
    id (required)          the SKU, unique
    name (required)        product name, without the brand
    category (required)    a category slug or name ("Sleeping bags" and "sleeping-bags" are the same)
    price (required)       a number >= 0; "$1,249.00" and "19,95" style strings are accepted
    brand                  text
    stock                  a whole number >= 0; no column (or an empty cell) means stock is not tracked: sellable
    short_description      one line
    description            longer copy
    specs                  a JSON object, or "key=value; key=value"
    tags                   a JSON list, or words separated by , ; or |
    related                product ids, as a list or separated by , ; or |
    color                  "#RRGGBB" for the generated image
Unknown columns are reported and ignored.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.catalog.store import Catalog
from app.catalog.writer import open_for_writing, slugify, write_products

log = logging.getLogger("aisle.app.catalog")

KNOWN_COLUMNS = (
    "id", "name", "category", "price", "brand", "stock", "short_description", "description",
    "specs", "tags", "related", "color",
)
REQUIRED = ("id", "name", "category", "price")
_LIST_SPLIT = re.compile(r"[;,|]")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ImportFailed(ValueError):
    """The file cannot be imported; `problems` lists every row and field at fault."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    def report(self) -> str:
        lines = [str(self)] + [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  … and {len(self.problems) - 50} more")
        return "\n".join(lines)


@dataclass
class ImportReport:
    imported: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    damaged_catalog_kept_as: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Imported {self.imported} products."
        if self.new_categories:
            text += f" New categories: {', '.join(self.new_categories)}."
        if self.unknown_columns:
            text += f" Ignored unknown columns: {', '.join(self.unknown_columns)}."
        for note in self.notes:
            text += f" {note}"
        return text


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The raw rows of a CSV or JSON file, or ImportFailed in words a person can act on."""
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist.")
    raw = path.read_bytes()
    if not raw.strip():
        raise ImportFailed(f"{path.name} is empty: there is nothing to import.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path.name} is not a text file (CSV or JSON in UTF-8 expected).") from exc
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in "[{":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFailed(f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}.") from exc
        if isinstance(data, dict):
            data = data.get("products", data)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ImportFailed(f"{path.name} must hold a list of product objects (or {{\"products\": [...]}}).")
        return data
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise ImportFailed(f"{path.name} has a header but no products.")
    return rows


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("$", "").replace("€", "").replace("£", "").replace(" ", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    return float(text)


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        loaded = json.loads(text)
        if not isinstance(loaded, list):
            raise ValueError("expected a list")
        return [str(v).strip() for v in loaded if str(v).strip()]
    return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]


def _specs(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    text = str(value).strip()
    if text.startswith("{"):
        loaded = json.loads(text)
        if not isinstance(loaded, dict):
            raise ValueError("expected an object")
        return loaded
    specs: dict[str, Any] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"'{part.strip()}' is not key=value")
        key, val = (s.strip() for s in part.split("=", 1))
        try:
            specs[key] = int(val) if re.fullmatch(r"-?\d+", val) else float(val)
        except ValueError:
            specs[key] = {"true": True, "false": False}.get(val.lower(), val)
    return specs


def validate_rows(rows: list[dict[str, Any]], category_names: dict[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Coerce and check every row; returns the clean records and every problem as 'row N, field: what'."""
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows, start=1):
        where = f"row {index}"
        rec: dict[str, Any] = {}
        row = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        for name in REQUIRED:
            if row.get(name) is None or str(row.get(name)).strip() == "":
                problems.append(f"{where}, {name}: missing (required)")
        pid = str(row.get("id") or "").strip()
        if pid:
            if pid in seen:
                problems.append(f"{where}, id: '{pid}' repeats row {seen[pid]}")
            seen[pid] = index
        rec["id"] = pid
        rec["name"] = str(row.get("name") or "").strip()
        rec["brand"] = str(row.get("brand") or "").strip()
        category = str(row.get("category") or "").strip()
        rec["category"] = category_names.get(category.lower(), slugify(category))
        for name, convert, minimum in (("price", _number, 0.0), ("stock", _number, 0.0)):
            value = row.get(name)
            if value is None or str(value).strip() == "":
                rec[name] = 0 if name == "price" else None  # no stock figure: not tracked, sellable
                continue
            try:
                number = convert(value)
            except (TypeError, ValueError):
                problems.append(f"{where}, {name}: '{value}' is not a number")
                continue
            if number < minimum:
                problems.append(f"{where}, {name}: {value} is negative")
            if name == "stock" and number != int(number):
                problems.append(f"{where}, stock: {value} is not a whole number")
            rec[name] = int(number) if name == "stock" else number
        for name in ("short_description", "description"):
            rec[name] = str(row.get(name) or "").strip()
        for name, parse in (("tags", _list), ("related", _list), ("specs", _specs)):
            try:
                rec[name] = parse(row.get(name))
            except (ValueError, json.JSONDecodeError) as exc:
                problems.append(f"{where}, {name}: cannot read '{row.get(name)}' ({exc})")
        color = str(row.get("color") or "").strip()
        if color and not _COLOR.match(color):
            problems.append(f"{where}, color: '{color}' is not #RRGGBB")
        rec["color"] = color or None
        records.append(rec)
    return records, problems


def import_catalog(
    source: Path,
    catalog_path: Path,
    replace_all: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import `source` into the catalog at `catalog_path`; all or nothing."""
    rows = read_rows(source)
    columns = list(dict.fromkeys(str(k).strip().lower() for row in rows for k in row if k is not None))
    if not set(REQUIRED) & set(columns):
        raise ImportFailed(
            f"{source.name} does not look like a product catalog: none of the columns "
            f"{', '.join(REQUIRED)} were found (it has: {', '.join(columns[:8]) or 'none'})."
        )
    report = ImportReport(unknown_columns=[c for c in columns if c not in KNOWN_COLUMNS])
    if "stock" not in columns:
        report.notes.append("No stock column: stock is unknown and products are sellable.")
    category_names: dict[str, str] = {}
    existing: set[str] = set()
    damaged: Exception | None = None
    if catalog_path.is_file():
        try:
            for category in Catalog(catalog_path).categories():
                category_names[category.name.lower()] = category.slug
                category_names[category.slug] = category.slug
                existing.add(category.slug)
        except Exception as exc:
            damaged = exc
    records, problems = validate_rows(rows, category_names)
    if problems:
        raise ImportFailed(
            f"{source.name} was not imported: {len(problems)} problem(s) found. Nothing was changed.", problems
        )
    if damaged is not None:
        # A damaged catalog is kept aside (nothing is lost) and the import starts a fresh one.
        kept = catalog_path.with_name(f"{catalog_path.name}.damaged-{int(time.time())}")
        catalog_path.replace(kept)
        report.damaged_catalog_kept_as = str(kept)
        log.warning("catalog %s could not be read (%s); moved aside to %s", catalog_path, damaged, kept)
    report.new_categories = sorted({r["category"] for r in records} - existing)
    db = open_for_writing(catalog_path)
    try:
        write_products(db, records, replace_all=replace_all, progress=progress, meta={"source": "imported"})
    finally:
        db.conn.close()
    report.imported = len(records)
    return report
