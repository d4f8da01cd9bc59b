"""Sensible defaults for a real store's export: what a person would fill in by hand.

A name that starts with its brand ("PowerBurner Camping Stove" by PowerBurner) is stored without it, since every
screen and reply puts the brand in front; a missing short description is the description's first sentence.
"""

from __future__ import annotations

import re
from typing import Any

from app.catalog.knowledge import sentences

MAX_SHORT_CHARS = 140


def name_without_brand(name: str, brand: str) -> str:
    """`name` minus a leading `brand` (case and punctuation between them ignored); the name itself if that would
    leave nothing."""
    if not brand:
        return name
    match = re.match(rf"\s*{re.escape(brand)}(?:[\s:–—-]+|$)", name, re.IGNORECASE)
    rest = name[match.end():].strip() if match else name
    return rest or name


def short_from(description: str) -> str:
    """The description's first sentence, cut at a word (with "…") if it is long."""
    first = next(iter(sentences(description)), "").strip()
    if len(first) <= MAX_SHORT_CHARS:
        return first
    cut = first[:MAX_SHORT_CHARS].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def apply_defaults(records: list[dict[str, Any]]) -> list[str]:
    """Fill in what the export left out; returns one note per kind of change (for the import report)."""
    names = shorts = 0
    for rec in records:
        trimmed = name_without_brand(rec["name"], rec.get("brand") or "")
        if trimmed != rec["name"]:
            rec["name"] = trimmed
            names += 1
        if not rec.get("short_description") and rec.get("description"):
            rec["short_description"] = short_from(rec["description"])
            shorts += 1
    notes = []
    if names:
        notes.append(f"{names} name(s) started with the brand: stored without it, so it is not said twice.")
    if shorts:
        notes.append(f"{shorts} short description(s) taken from the description's first sentence.")
    return notes
