"""Fonts shipped with the kiosk (resources/ui/fonts), so the look is the same on every machine."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("aisle.ui.fonts")
FONT_DIR = Path(__file__).resolve().parent.parent / "resources" / "ui" / "fonts"
_loaded: list[str] = []


def load_fonts() -> str:
    """Register the shipped fonts once; returns the family to use ("" for the platform default)."""
    if _loaded:
        return _loaded[0]
    from PySide6.QtGui import QFontDatabase

    family = ""
    for path in sorted(FONT_DIR.glob("*.[ot]tf")) if FONT_DIR.is_dir() else []:
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families and not family:
            family = families[0]
    _loaded.append(family)
    return family
