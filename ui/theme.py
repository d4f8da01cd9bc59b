"""Themes: light, dark and high contrast, as one palette of named colours and one style sheet built from it.

Widgets that paint themselves (product cards, the status dot, the QR code) read the same `Theme` object, so a theme
change is one `apply_theme()` call. Large-text mode scales every font size and most spacing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class Theme:
    name: str
    bg: str
    surface: str
    surface_alt: str
    text: str
    muted: str
    accent: str
    accent_text: str
    accent_soft: str
    border: str
    danger: str
    warning: str
    success: str
    focus: str
    scrim: str
    border_width: int = 1
    scale: float = 1.0
    font_family: str = ""

    def px(self, size: float) -> int:
        """A font size or spacing, scaled for large-text mode."""
        return round(size * self.scale)

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))

    def font(self, size: float, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
        font = QFont(self.font_family) if self.font_family else QFont()
        font.setPixelSize(self.px(size))
        font.setWeight(weight)
        return font


THEMES: dict[str, Theme] = {
    "light": Theme(
        name="light", bg="#F5F3EE", surface="#FFFFFF", surface_alt="#ECE9E2", text="#1D2420", muted="#5F6963",
        accent="#2E6A4F", accent_text="#FFFFFF", accent_soft="#E1EEE6", border="#DEDAD1", danger="#A63D2A",
        warning="#8A5A00", success="#2E6A4F", focus="#1F5BB5", scrim="rgba(20, 26, 23, 150)",
    ),
    "dark": Theme(
        name="dark", bg="#121614", surface="#1B201E", surface_alt="#242A27", text="#EAEEEB", muted="#A1ABA5",
        accent="#7CC79F", accent_text="#0C1A12", accent_soft="#22352B", border="#303734", danger="#F08A74",
        warning="#E7B45A", success="#7CC79F", focus="#8AB4F8", scrim="rgba(0, 0, 0, 170)",
    ),
    "contrast": Theme(
        name="contrast", bg="#000000", surface="#000000", surface_alt="#111111", text="#FFFFFF", muted="#FFFFFF",
        accent="#FFE14D", accent_text="#000000", accent_soft="#1A1A00", border="#FFFFFF", danger="#FF8C7A",
        warning="#FFE14D", success="#7DFF9B", focus="#00E5FF", scrim="rgba(0, 0, 0, 215)", border_width=2,
    ),
}
THEME_LABELS = {"light": "Light", "dark": "Dark", "contrast": "High contrast"}


def theme_for(name: str, large_text: bool = False, font_family: str = "") -> Theme:
    base = THEMES.get(name, THEMES["light"])
    return replace(base, scale=1.25 if large_text else 1.0, font_family=font_family)


def style_sheet(t: Theme) -> str:
    """The application style sheet. Selectors use object names and the `role` property, never widget trees."""
    bw = t.border_width
    r = 14
    return f"""
* {{ color: {t.text}; font-size: {t.px(18)}px; }}
QWidget#KioskRoot, QWidget#Screen {{ background: {t.bg}; }}
QLabel {{ background: transparent; }}
QLabel[role="muted"] {{ color: {t.muted}; }}
QLabel[role="h1"] {{ font-size: {t.px(56)}px; font-weight: 700; }}
QLabel[role="h2"] {{ font-size: {t.px(30)}px; font-weight: 700; }}
QLabel[role="h3"] {{ font-size: {t.px(22)}px; font-weight: 600; }}
QLabel[role="small"] {{ font-size: {t.px(15)}px; color: {t.muted}; }}
QLabel[role="price"] {{ font-size: {t.px(28)}px; font-weight: 700; }}
QLabel[role="warning"] {{ color: {t.warning}; font-size: {t.px(16)}px; font-weight: 600; }}
QLabel[role="error"] {{ color: {t.danger}; font-size: {t.px(16)}px; }}
QLabel[role="order"] {{ font-size: {t.px(44)}px; font-weight: 700; color: {t.accent}; letter-spacing: 2px; }}
QFrame[role="panel"] {{ background: {t.surface}; border: {bw}px solid {t.border}; border-radius: 20px; }}
QFrame[role="card"] {{ background: {t.surface}; border: {bw}px solid {t.border}; border-radius: {r}px; }}
QFrame[role="soft"] {{ background: {t.surface_alt}; border: none; border-radius: {r}px; }}
QFrame[role="topbar"] {{ background: {t.surface}; border: none; border-bottom: {bw}px solid {t.border}; }}
QFrame[role="divider"] {{ background: {t.border}; border: none; max-height: {bw}px; min-height: {bw}px; }}
QFrame[role="bubble-shopper"] {{ background: {t.accent}; border-radius: 18px; }}
QFrame[role="bubble-shopper"] QLabel {{ color: {t.accent_text}; }}
QFrame[role="bubble-assistant"] {{ background: {t.surface_alt}; border-radius: 18px;
    border: {bw if t.name == "contrast" else 0}px solid {t.border}; }}
QFrame[role="bubble-touch"] {{ background: transparent; border: {bw}px solid {t.border}; border-radius: 14px; }}
QFrame[role="bubble-touch"] QLabel {{ color: {t.muted}; font-size: {t.px(15)}px; font-weight: 600; }}
QFrame[role="bubble-live"] {{ background: transparent; border: 2px dashed {t.muted}; border-radius: 18px; }}
QFrame[role="toast"] {{ background: {t.text}; border-radius: 16px; }}
QFrame[role="toast"] QLabel {{ color: {t.bg}; font-size: {t.px(19)}px; font-weight: 600; }}
QFrame[role="toast-warning"] {{ background: {t.danger}; border-radius: 16px; }}
QFrame[role="toast-warning"] QLabel {{ color: #FFFFFF; font-size: {t.px(19)}px; font-weight: 600; }}
QFrame[role="dialog"] {{ background: {t.surface}; border: {bw}px solid {t.border}; border-radius: 24px; }}
QWidget[role="scrim"] {{ background: {t.scrim}; }}
QPushButton {{
    min-height: 64px; min-width: 64px; padding: 0 {t.px(22)}px; border-radius: 16px;
    background: {t.surface_alt}; border: {bw}px solid {t.border}; font-size: {t.px(19)}px; font-weight: 600;
}}
QPushButton:hover {{ border-color: {t.accent}; }}
QPushButton:pressed {{ background: {t.accent_soft}; }}
QPushButton:focus {{ border: 3px solid {t.focus}; }}
QPushButton:disabled {{ color: {t.muted}; background: {t.surface_alt}; border-color: {t.surface_alt}; }}
QPushButton[role="primary"] {{ background: {t.accent}; color: {t.accent_text}; border: {bw}px solid {t.accent}; }}
QPushButton[role="primary"]:pressed {{ background: {t.text}; }}
QPushButton[role="primary"]:focus {{ border: 3px solid {t.focus}; }}
QPushButton[role="primary"]:disabled {{ background: {t.surface_alt}; color: {t.muted}; border-color: {t.border}; }}
QPushButton[role="ghost"] {{ background: transparent; border: {bw}px solid {t.border}; }}
QPushButton[role="danger"] {{ background: transparent; color: {t.danger}; border: {bw}px solid {t.border}; }}
QPushButton[wide="true"] {{ min-width: {t.px(200)}px; }}
QPushButton[emphasis="big"] {{ min-height: 88px; font-size: {t.px(22)}px; }}
QPushButton[shape="icon"] {{ padding: 0; min-width: 64px; max-width: 64px; }}
QPushButton[role="key"] {{ background: {t.surface}; font-size: {t.px(22)}px; padding: 0; min-width: 64px; }}
QPushButton[role="chip"] {{ background: {t.accent_soft}; color: {t.text}; border: {bw}px solid {t.border};
    border-radius: 32px; font-weight: 600; }}
QPushButton[role="badge"] {{ background: {t.surface_alt}; border-radius: 32px; }}
""" + _controls_sheet(t)


def _arrow_file(color: str) -> str:
    """A small down arrow in `color`, drawn once into a PNG the style sheet can point at (a style sheet takes images
    only from files or resources)."""
    import os
    import tempfile
    from pathlib import Path

    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QImage, QPainter, QPolygonF

    path = Path(tempfile.gettempdir()) / "aisle-ui" / f"arrow-{color.lstrip('#').lower()}.png"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        image = QImage(36, 36, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(color))
        p.drawPolygon(QPolygonF([QPointF(6, 12), QPointF(30, 12), QPointF(18, 26)]))
        p.end()
        partial = path.with_name(f"{path.stem}.{os.getpid()}.png")  # whole file or nothing for other processes
        image.save(str(partial))
        os.replace(partial, path)
    return path.as_posix()


def _controls_sheet(t: Theme) -> str:
    """Text boxes, drop-downs, check boxes, progress, lists, scroll bars and the staff panel's rows."""
    bw = t.border_width
    return f"""
QLineEdit {{
    min-height: 64px; padding: 0 {t.px(18)}px; border-radius: 16px; background: {t.surface};
    border: 2px solid {t.border}; font-size: {t.px(20)}px; selection-background-color: {t.accent};
    selection-color: {t.accent_text};
}}
QLineEdit:focus {{ border: 3px solid {t.focus}; }}
QComboBox, QSpinBox {{ min-height: 64px; padding: 0 {t.px(14)}px; border-radius: 12px; background: {t.surface};
    border: 2px solid {t.border}; }}
QComboBox:focus, QSpinBox:focus {{ border: 3px solid {t.focus}; }}
QComboBox::drop-down {{ subcontrol-origin: padding; subcontrol-position: center right; width: 48px;
    border-left: 2px solid {t.border}; }}
QComboBox::down-arrow {{ image: url({_arrow_file(t.text)}); width: 18px; height: 18px; }}
QComboBox QAbstractItemView {{ background: {t.surface}; color: {t.text}; border: 2px solid {t.border}; outline: 0;
    selection-background-color: {t.accent}; selection-color: {t.accent_text}; }}
QComboBox QAbstractItemView::item {{ min-height: 56px; padding: 0 {t.px(14)}px; }}
QLabel#WrapButtonText {{ font-size: {t.px(19)}px; font-weight: 600; background: transparent; }}
QLabel#WrapButtonText[on="true"] {{ color: {t.accent_text}; }}
QPushButton[role="segment"] {{ background: {t.surface}; border: 2px solid {t.border}; }}
QPushButton[role="segment"]:checked {{ background: {t.accent}; color: {t.accent_text}; border-color: {t.accent}; }}
QAbstractButton#SessionRow {{ background: {t.surface_alt}; border: {bw}px solid {t.border}; border-radius: 12px; }}
QAbstractButton#SessionRow:focus {{ border: 3px solid {t.focus}; }}
QAbstractButton#SessionRow[chosen="true"] {{ background: {t.accent}; border-color: {t.accent}; }}
QAbstractButton#SessionRow QLabel {{ color: {t.text}; }}
QAbstractButton#SessionRow[chosen="true"] QLabel {{ color: {t.accent_text}; }}
QSpinBox::up-button, QSpinBox::down-button {{ width: 48px; }}
QCheckBox {{ min-height: 64px; spacing: 16px; }}
QCheckBox::indicator {{ width: 32px; height: 32px; border-radius: 8px; border: 2px solid {t.border};
    background: {t.surface}; }}
QCheckBox::indicator:checked {{ background: {t.accent}; border-color: {t.accent}; }}
QCheckBox:focus {{ color: {t.focus}; }}
QProgressBar {{ min-height: 24px; border-radius: 12px; background: {t.surface_alt}; border: none; text-align: center;
    font-size: {t.px(14)}px; }}
QProgressBar::chunk {{ background: {t.accent}; border-radius: 12px; }}
QListWidget {{ background: {t.surface}; border: {bw}px solid {t.border}; border-radius: 12px; }}
QListWidget::item {{ min-height: 56px; padding: 4px 12px; border-bottom: 1px solid {t.border}; color: {t.text}; }}
QListWidget::item:selected {{ background: {t.accent}; color: {t.accent_text}; }}
QScrollArea {{ background: transparent; border: none; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
QScrollBar:vertical {{ width: 10px; background: transparent; margin: 4px; }}
QScrollBar::handle:vertical {{ background: {t.border}; border-radius: 5px; min-height: 40px; }}
QScrollBar:horizontal {{ height: 10px; background: transparent; margin: 4px; }}
QScrollBar::handle:horizontal {{ background: {t.border}; border-radius: 5px; min-width: 40px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QToolTip {{ background: {t.surface}; color: {t.text}; border: 1px solid {t.border}; }}
"""


_current: list[Theme] = [THEMES["light"]]


def current() -> Theme:
    """The theme in force, for widgets that paint themselves."""
    return _current[0]


def application() -> QApplication:
    """The running QApplication (a bare QCoreApplication has no style to theme)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("Aisle's window needs a QApplication, and none is running")
    return app


def _use_fusion(app: QApplication) -> None:
    """Install the Fusion style once. Setting it again would delete the style every widget was polished with,
    including widgets still waiting for their deferred deletion, which then crash Qt when they are finally deleted."""
    if app.property("aisle_fusion_installed"):
        return
    app.setStyle("Fusion")
    app.setProperty("aisle_fusion_installed", True)


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Install the palette and the style sheet for `theme` on the whole application."""
    _current[0] = theme
    _use_fusion(app)
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.bg, QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.surface, QPalette.ColorRole.AlternateBase: theme.surface_alt,
        QPalette.ColorRole.Text: theme.text, QPalette.ColorRole.Button: theme.surface_alt,
        QPalette.ColorRole.ButtonText: theme.text, QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: theme.accent_text, QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.ToolTipBase: theme.surface, QPalette.ColorRole.ToolTipText: theme.text,
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    app.setPalette(palette)
    font = theme.font(18)
    app.setFont(font)
    app.setStyleSheet(style_sheet(theme))
