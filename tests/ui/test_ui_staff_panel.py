"""The staff panel as staff meet it: the theme is chosen with big buttons, recent sessions are readable tappable
rows that open the session, the chosen row is readable in the dark theme, saving keeps the scroll position, and
saving writes only what staff changed (never a value that came from an environment variable)."""

from __future__ import annotations

import tomllib

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel
from test_ui_taps import ask

from app.settings import load_settings
from ui import theme as themes


def open_panel(kiosk):
    w = kiosk.window
    w._open_staff_panel()
    kiosk.wait(lambda: w.staff_panel.isVisible(), what="the staff panel")
    kiosk.settle()
    return w.staff_panel


def test_the_theme_is_chosen_with_big_buttons(kiosk):
    panel = open_panel(kiosk)
    chooser = panel.theme_choice
    names = [b.accessibleName() for b in chooser.buttons]
    assert names == ["Theme: Light", "Theme: Dark", "Theme: High contrast"]
    assert all(b.isCheckable() and b.height() >= 64 and b.width() >= 64 for b in chooser.buttons)
    assert chooser.value() == "light" and [b.isChecked() for b in chooser.buttons] == [True, False, False]
    chooser.buttons[1].click()
    assert chooser.value() == "dark" and [b.isChecked() for b in chooser.buttons] == [False, True, False]


def finished_session(kiosk) -> str:
    session_id = kiosk.start()
    ask(kiosk, "show me headlamps")
    kiosk.window.controller.end_session("start_over")
    kiosk.wait(lambda: kiosk.window.screen_name == "attract", what="the session to end")
    return session_id


def test_session_rows_are_readable_and_open_the_session(kiosk):
    finished_session(kiosk)
    panel = open_panel(kiosk)
    kiosk.wait(lambda: panel.session_list.rows, what="the session rows")
    kiosk.settle()
    row = panel.session_list.rows[0]
    assert row.height() >= 64 and row.accessibleName().startswith("Session ")
    for lab in row.findChildren(QLabel):
        needed = lab.heightForWidth(lab.width()) if lab.wordWrap() else lab.sizeHint().height()
        assert lab.sizeHint().width() <= lab.width() or lab.wordWrap(), f"cut off: {lab.text()!r}"
        assert needed <= lab.height() + 1, f"cut off: {lab.text()!r}"
    row.click()
    kiosk.wait(lambda: "show me headlamps" in panel.session_list.detail.text(), what="the session's turns")
    assert panel.session_list.detail.isVisibleTo(kiosk.window)


def contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_chosen_session_row_is_readable_in_the_dark_theme(kiosk):
    finished_session(kiosk)
    themes.apply_theme(QApplication.instance(), themes.theme_for("dark"))
    try:
        kiosk.window.rebuild()
        panel = open_panel(kiosk)
        kiosk.wait(lambda: panel.session_list.rows, what="the session rows")
        row = panel.session_list.rows[0]
        row.click()
        kiosk.settle()
        image = row.grab().toImage()
        colours = {image.pixel(x, y) for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)}
        darkest = min((QColor(c) for c in colours), key=lambda c: c.lightnessF())
        lightest = max((QColor(c) for c in colours), key=lambda c: c.lightnessF())
        assert contrast(darkest, lightest) >= 4.5
        assert row.isChecked()
    finally:
        themes.apply_theme(QApplication.instance(), themes.theme_for("light"))


def test_saving_keeps_the_scroll_position(kiosk):
    kiosk.window.resize(1280, 800)
    panel = open_panel(kiosk)
    bar = panel.body_scroll.verticalScrollBar()
    assert bar.maximum() > 100
    bar.setValue(bar.maximum() - 10)
    where = bar.value()
    panel.cursor_check.setChecked(True)
    panel.save_button.click()
    kiosk.wait(lambda: panel.saved_label.text() == "Saved.", what="the save")
    kiosk.settle()
    QApplication.instance().restoreOverrideCursor()
    assert bar.value() == where
    panel.large_check.setChecked(True)  # a text-size change rebuilds the panel: it opens where it was
    panel.save_button.click()
    w = kiosk.window
    kiosk.wait(lambda: w.settings.large_text and w.staff_panel is not panel, what="the rebuilt panel")
    kiosk.wait(lambda: w.staff_panel.saved_label.text() == "Saved.", what="the save")
    kiosk.settle()
    try:
        new_bar = w.staff_panel.body_scroll.verticalScrollBar()
        assert abs(new_bar.value() - min(where, new_bar.maximum())) <= 2
    finally:
        themes.apply_theme(QApplication.instance(), themes.theme_for("light"))


@pytest.fixture
def kiosk_settings(settings):
    return load_settings({"data_dir": settings.data_dir, "catalog": settings.catalog},
                         environ={"AISLE_THEME": "light", "AISLE_IDLE_TIMEOUT_S": "90", "AISLE_KIOSK_LOCK": "0"})


def test_saving_writes_only_what_staff_changed(kiosk):
    panel = open_panel(kiosk)
    assert panel.idle_spin.value() == 90
    panel.cursor_check.setChecked(True)
    panel.save_button.click()
    kiosk.wait(lambda: panel.saved_label.text() == "Saved.", what="the save")
    saved = tomllib.loads((kiosk.settings.data_dir / "settings.toml").read_text(encoding="utf-8"))
    assert saved == {"hide_cursor": True}
    QApplication.instance().restoreOverrideCursor()


def test_drop_downs_show_an_arrow_and_a_styled_list(qapp):
    import re
    from pathlib import Path

    sheet = themes.style_sheet(themes.theme_for("dark"))
    arrow = re.search(r"QComboBox::down-arrow \{ image: url\(([^)]+)\)", sheet)
    assert arrow and Path(arrow.group(1)).is_file()
    assert "QComboBox QAbstractItemView::item" in sheet and "selection-color" in sheet


def test_changing_the_theme_keeps_the_style_widgets_were_polished_with(qapp):
    """Replacing the application's style deletes the old one, and a widget still waiting for its deferred deletion
    (a session row, a rebuilt window) crashes Qt when it is finally deleted: a theme change keeps the one style."""
    themes.apply_theme(qapp, themes.theme_for("light"))
    style = qapp.style()
    try:
        themes.apply_theme(qapp, themes.theme_for("dark"))
        assert qapp.style() is style
    finally:
        themes.apply_theme(qapp, themes.theme_for("light"))
