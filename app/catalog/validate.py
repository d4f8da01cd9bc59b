"""Checks and coerces every value of a store's export before anything is written.

Prices are finite numbers >= 0, stock whole numbers >= 0 (or not tracked), ids are ones the API can serve, category
names get a usable slug and are matched to existing categories ignoring case, plural and punctuation. Every problem
names its row (as a spreadsheet numbers it) and field; warnings are things a person should look at but that do not
stop the import.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from app.catalog.schema import PRODUCT_ID_PATTERN
from app.catalog.source_file import MAX_FIELD_CHARS, SourceRow

REQUIRED = ("id", "name", "category", "price")
MAX_PRICE = 10_000_000.0
MAX_STOCK = 1_000_000_000
MAX_NAME_CHARS = 300
_LIST_SPLIT = re.compile(r"[;,|]")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_PRODUCT_ID = re.compile(PRODUCT_ID_PATTERN)


def plain_ascii(text: str) -> str:
    """Accents dropped ("Tentes à dôme" -> "Tentes a dome")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plain_ascii(text).strip().lower()).strip("-")


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def category_key(text: str) -> str:
    """What two spellings of one category share: "Sleeping bag", "sleeping-bags", "SLEEPING BAGS!" -> sleepingbag."""
    return "".join(_singular(w) for w in re.findall(r"[a-z0-9]+", plain_ascii(text).lower()))


@dataclass
class CategoryMatcher:
    """Maps a row's category text to a slug: an existing category when it is the same words, else a new one."""

    existing: dict[str, str]  # slug -> display name
    warnings: list[str] = field(default_factory=list)
    _by_key: dict[str, str] = field(default_factory=dict)
    _said: dict[str, str] = field(default_factory=dict)  # text as written -> slug
    new: dict[str, str] = field(default_factory=dict)  # new slug -> display name

    def __post_init__(self) -> None:
        for slug, name in self.existing.items():
            self._by_key.setdefault(category_key(slug), slug)
            self._by_key.setdefault(category_key(name), slug)

    def slug_for(self, text: str) -> str | None:
        if text in self._said:
            return self._said[text]
        key = category_key(text)
        if not key:
            return None
        slug = self._by_key.get(key)
        if slug is None:
            slug = slugify(text)
            self._by_key[key] = slug
            self.new[slug] = text.strip()
            self._warn_if_near(text, key)
        else:
            known = self.existing.get(slug) or self.new.get(slug, slug)
            if text.strip() not in (slug, known) and text.strip().lower() not in (slug, known.lower()):
                self.warnings.append(f"Category '{text.strip()}' was taken as the category '{known}'.")
        self._said[text] = slug
        return slug

    def _warn_if_near(self, text: str, key: str) -> None:
        for name in self.existing.values():
            if fuzz.ratio(key, category_key(name)) >= 85:
                self.warnings.append(
                    f"New category '{text.strip()}' looks like the existing '{name}': check the spelling, or use "
                    f"'{name}' in the file."
                )
                return


def number(value: Any) -> float:
    """A price or quantity as a float: "$1,249.00", "19,95", "1.234,50"; raises ValueError when it is not one."""
    if isinstance(value, bool):
        raise ValueError("a yes/no value is not a number")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    for sign in ("$", "€", "£", "USD", "EUR", "GBP", " ", "\u00a0"):
        text = text.replace(sign, "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+,\d{1,2}", text):
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    return float(text)


def text_list(value: Any) -> list[str]:
    """A list from a JSON list, a list written as a string ('["a.jpg", "b.jpg"]'), or values split by , ; |"""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        loaded = json.loads(text)
        if not isinstance(loaded, list):
            raise ValueError("expected a list")
        return [str(v).strip() for v in loaded if v is not None and str(v).strip()]
    return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]


def specs_of(value: Any) -> dict[str, Any]:
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
            if not math.isfinite(specs[key]):
                specs[key] = val
        except ValueError:
            specs[key] = {"true": True, "false": False}.get(val.lower(), val)
    return specs


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _price(value: Any, problems: list[str], where: str) -> float | None:
    try:
        price = number(value)
    except (TypeError, ValueError):
        problems.append(f"{where}, price: '{_short(value)}' is not a number")
        return None
    if not math.isfinite(price):
        problems.append(f"{where}, price: '{_short(value)}' is not a finite number")
    elif price < 0:
        problems.append(f"{where}, price: {_short(value)} is negative")
    elif price > MAX_PRICE:
        problems.append(f"{where}, price: {_short(value)} is over {MAX_PRICE:,.0f}")
    else:
        return price
    return None


def _stock(value: Any, problems: list[str], where: str) -> int | None:
    if value is None or str(value).strip() == "":
        return None  # not tracked: sellable
    try:
        stock = number(value)
    except (TypeError, ValueError):
        problems.append(f"{where}, stock: '{_short(value)}' is not a number")
        return None
    if not math.isfinite(stock):
        problems.append(f"{where}, stock: '{_short(value)}' is not a finite number")
    elif stock < 0:
        problems.append(f"{where}, stock: {_short(value)} is negative")
    elif stock != int(stock):
        problems.append(f"{where}, stock: {_short(value)} is not a whole number")
    elif stock > MAX_STOCK:
        problems.append(f"{where}, stock: {_short(value)} is over {MAX_STOCK:,}")
    else:
        return int(stock)
    return None


def _too_long(values: dict[str, Any], problems: list[str], where: str) -> None:
    for name, value in values.items():
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            problems.append(f"{where}, {name}: {len(value):,} characters is over the limit of {MAX_FIELD_CHARS:,}")
    extra = values.get("\0extra")
    if extra:
        problems.append(f"{where}: {len(extra)} more value(s) than the header has columns (a quote not closed?)")


def _identity(row: dict[str, Any], rec: dict[str, Any], problems: list[str], where: str) -> None:
    pid = str(row.get("id") if row.get("id") is not None else "").strip()
    if pid and not _PRODUCT_ID.match(pid):
        problems.append(
            f"{where}, id: '{_short(pid)}' cannot be used: an id is 1-64 letters (A-Z, no accents), digits, "
            "'-', '_' or '.', starting with a letter or digit"
        )
    rec["id"] = pid
    rec["name"] = str(row.get("name") or "").strip()
    if len(rec["name"]) > MAX_NAME_CHARS:
        problems.append(f"{where}, name: {len(rec['name']):,} characters is over the limit of {MAX_NAME_CHARS}")
    rec["brand"] = str(row.get("brand") or "").strip()[:MAX_NAME_CHARS]


def validate_row(row: dict[str, Any], where: str, categories: CategoryMatcher,
                 problems: list[str]) -> dict[str, Any]:
    """One row as a clean record (python values); appends 'row N, field: what' for each problem."""
    rec: dict[str, Any] = {}
    for name in REQUIRED:
        if row.get(name) is None or str(row.get(name)).strip() == "":
            problems.append(f"{where}, {name}: missing (required)")
    _too_long(row, problems, where)
    _identity(row, rec, problems, where)
    category = str(row.get("category") or "").strip()
    slug = categories.slug_for(category) if category else ""
    if category and not slug:
        problems.append(f"{where}, category: '{_short(category)}' has no letters or digits to name it by")
    rec["category"] = slug or ""
    if row.get("price") is not None and str(row.get("price")).strip() != "":
        rec["price"] = _price(row["price"], problems, where)
    rec["stock"] = _stock(row.get("stock"), problems, where)
    for name in ("short_description", "description"):
        rec[name] = str(row.get(name) or "").strip()
    for name, parse in (("tags", text_list), ("related", text_list), ("specs", specs_of)):
        try:
            rec[name] = parse(row.get(name))
        except (ValueError, TypeError) as exc:
            problems.append(f"{where}, {name}: cannot read '{_short(row.get(name))}' ({exc})")
    color = str(row.get("color") or "").strip()
    if color and not _COLOR.match(color):
        problems.append(f"{where}, color: '{_short(color)}' is not #RRGGBB")
    rec["color"] = color or None
    rec["image_refs"], rec["manual_refs"] = [], []
    for name, target in (("image", "image_refs"), ("image_url", "image_refs"), ("images", "image_refs"),
                         ("manual", "manual_refs"), ("manual_url", "manual_refs"), ("manuals", "manual_refs")):
        try:
            rec[target] += text_list(row.get(name)) if name.endswith("s") else (
                [str(row[name]).strip()] if row.get(name) is not None and str(row[name]).strip() else [])
        except (ValueError, TypeError) as exc:
            problems.append(f"{where}, {name}: cannot read '{_short(row.get(name))}' ({exc})")
    rec["where"] = where
    return rec


def validate_rows(rows: list[SourceRow], existing_categories: dict[str, str]
                  ) -> tuple[list[dict[str, Any]], list[str], CategoryMatcher]:
    """Every row checked; returns the clean records, every problem, and the category matcher (its warnings and new
    categories)."""
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    categories = CategoryMatcher(dict(existing_categories))
    for source_row in rows:
        rec = validate_row(source_row.values, source_row.label, categories, problems)
        pid = rec["id"]
        if pid:
            if pid in seen:
                problems.append(f"{source_row.label}, id: '{pid}' repeats {seen[pid]}")
            else:
                seen[pid] = source_row.label
        records.append(rec)
    return records, problems, categories
