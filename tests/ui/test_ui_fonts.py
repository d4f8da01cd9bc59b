"""The shipped font family: Inter (OFL) in resources/ui/fonts with its licence, used by the kiosk and the web view."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontInfo

REPO = Path(__file__).resolve().parents[2]
FONTS = REPO / "resources" / "ui" / "fonts"


def test_the_kiosk_font_ships_with_its_licence(qapp):
    from ui.fonts import FONT_DIR, load_fonts

    assert FONT_DIR == FONTS
    assert sorted(p.name for p in FONTS.glob("*.otf")) == [
        "Inter-Bold.otf", "Inter-Medium.otf", "Inter-Regular.otf", "Inter-SemiBold.otf"]
    licence = (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL Open Font License, Version 1.1" in licence and "Inter Project Authors" in licence
    assert load_fonts() == "Inter"


def test_the_theme_uses_the_shipped_font(qapp):
    from ui import theme as themes
    from ui.fonts import load_fonts

    family = load_fonts()
    font = themes.theme_for("light", font_family=family).font(18)
    assert QFontInfo(font).family() == "Inter"

