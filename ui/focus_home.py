"""Where focus goes when Qt moves it on its own: back to the text box, not to the next button in the tab chain.

When the focused widget is hidden or disabled (a tapped card's page replaced by the product's details, "Back to
results" hidden with an empty back stack, a cart line rebuilt after its trash button was tapped, a prompt closed),
Qt gives focus to the next widget in the tab chain. On the kiosk that drew a focus ring on "Checkout", the top bar's
"Cart" or a cart line's "−", where the next Enter or Space would act. A move the shopper makes (a tap, Tab) leaves a
visible, enabled widget behind and is not touched; nor is a move while the shopping screen is not showing.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget


class FocusHome(QObject):
    """Sends focus that Qt moved away from a hidden or disabled widget to `home` while `screen` shows."""

    def __init__(self, screen: QWidget, home: QWidget) -> None:
        super().__init__(screen)  # goes with the screen when the window rebuilds
        self.screen = screen
        self.home = home
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._moved)

    def _moved(self, old: QWidget | None, new: QWidget | None) -> None:
        if old is None or new is None or not shiboken6.isValid(self) or not shiboken6.isValid(self.home):
            return
        if new is self.home or not self.screen.isVisible() or new.window() is not self.home.window():
            return
        if shiboken6.isValid(old) and old.isVisible() and old.isEnabled():
            return  # the shopper moved it
        self.home.setFocus(Qt.FocusReason.OtherFocusReason)
