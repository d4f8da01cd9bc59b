"""The kiosk window on its screen: filling the primary screen with or without a window manager.

`showFullScreen()` and `showMaximized()` are requests to a window manager; on bare X with no window manager (a common
kiosk set-up) nobody grants them and the window keeps its size hint (720×588 was seen). So the geometry is set to the
screen's own first: the whole screen for the locked kiosk, the available area otherwise. With a window manager the
request then does the rest (decorations, panels)."""

from __future__ import annotations

import os

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

OFFSCREEN_SIZE = (1920, 1080)  # the offscreen platform's screen is nominal: render at a kiosk size


def screen_area(locked: bool) -> QRect | None:
    """The primary screen's whole geometry (locked kiosk) or its available geometry; None with no real screen."""
    screen = QGuiApplication.primaryScreen()
    if screen is None or os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
        return None
    return screen.geometry() if locked else screen.availableGeometry()


def fill_screen(window: QWidget, locked: bool) -> None:
    """Show `window` filling the primary screen: full screen and frameless when `locked`, else maximised."""
    flags = window.windowFlags()
    want = (flags | Qt.WindowType.FramelessWindowHint) if locked else (flags & ~Qt.WindowType.FramelessWindowHint)
    if want != flags:
        window.setWindowFlags(want)
    area = screen_area(locked)
    if area is None:
        if not window.isVisible():
            window.resize(*OFFSCREEN_SIZE)
        window.showFullScreen() if locked else window.show()
        return
    window.setGeometry(area)
    if locked:
        window.showFullScreen()
    else:
        window.showMaximized()
    window.setGeometry(area)  # again once shown: with no window manager, nothing else will


def apply_cursor(hide: bool) -> None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if hide:
        if app.overrideCursor() is None:
            app.setOverrideCursor(Qt.CursorShape.BlankCursor)
    elif app.overrideCursor() is not None:
        app.restoreOverrideCursor()
