"""A product's facts as short passages: one per spec ("Capacity (persons): 4"), one per sentence of the
description, and a manual's sections. They are stored in the catalog's `passages` table and indexed with FTS5, so
a question about one product finds the sentence that answers it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

SPEC_UNITS = (
    ("_persons", "persons"), ("_kg", "kg"), ("_g", "g"), ("_l", "litres"), ("_ml", "ml"), ("_c", "°C"),
    ("_mm", "mm"), ("_cm", "cm"), ("_m", "m"), ("_min", "minutes"), ("_h", "hours"), ("_w", "W"),
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def spec_line(key: str, value: Any) -> str:
    """One spec in words: ("capacity_persons", 4) -> "Capacity (persons): 4", ("waterproof", True) ->
    "Waterproof: yes"."""
    name, unit = key.strip(), ""
    for suffix, unit_text in SPEC_UNITS:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name, unit = name[: -len(suffix)], unit_text
            break
    words = name.replace("_", " ").replace("-", " ").strip()
    words = words[:1].upper() + words[1:]
    if unit:
        words += f" ({unit})"
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{k}: {v}" for k, v in value.items())
    else:
        text = str(value)
    return f"{words}: {text}"


def sentences(text: str) -> list[str]:
    """The description's sentences (bullet lines stay whole), very short ones joined to the next."""
    out: list[str] = []
    pending = ""
    for line in text.splitlines():
        for part in _SENTENCE.split(line.strip()):
            part = part.strip()
            if not part:
                continue
            pending = f"{pending} {part}".strip()
            if len(pending) >= 25:
                out.append(pending)
                pending = ""
    if pending:
        if out:
            out[-1] = f"{out[-1]} {pending}"
        else:
            out.append(pending)
    return out


def product_passages(record: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(source, section, text) for a product record's specs and description (manual sections come separately)."""
    for key, value in (record.get("specs") or {}).items():
        yield "specs", "", spec_line(str(key), value)
    for sentence in sentences(str(record.get("description") or "")):
        yield "description", "", sentence
