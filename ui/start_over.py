"""The question asked before a full cart is emptied: two big choices, "Keep shopping" (the default) and
"Start over"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from ui import theme as themes
from ui.widgets import Scrim, button, frame, label


class StartOverPrompt(Scrim):
    """A dialog over the kiosk. `confirmed` when the shopper chooses to start over; closing it otherwise keeps
    everything as it was."""

    confirmed = Signal()
    kept = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("StartOverPrompt")
        t = themes.current()
        self._outer = outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = frame("dialog")
        box.setMaximumWidth(t.px(720))
        box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(t.px(36), t.px(32), t.px(36), t.px(32))
        lay.setSpacing(t.px(16))
        self.title = label("Start over?", "h2", wrap=True)
        lay.addWidget(self.title)
        self.message = label("", "muted", wrap=True)
        lay.addWidget(self.message)
        self._choices = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._choices.setSpacing(t.px(16))
        self.keep_button = button("Keep shopping", "Keep shopping: keep the cart", role="primary")
        self.confirm_button = button("Start over", "Start over: empty the cart and clear the conversation",
                                     role="danger", icon_name="restart")
        for b in (self.keep_button, self.confirm_button):
            b.setProperty("emphasis", "big")  # the style sheet's min-height (88 px) wins over a widget's own
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self._choices.addWidget(b, 1)
        lay.addLayout(self._choices)
        self.keep_button.clicked.connect(self.keep)
        self.confirm_button.clicked.connect(self._confirm)

    def ask(self, item_count: int) -> None:
        things = f"{item_count} item{'s' if item_count != 1 else ''}"
        self.message.setText(f"Your cart has {things}. Starting over empties it and clears the conversation.")
        narrow = self._over.width() < 700
        self._choices.setDirection(QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight)
        self.open()
        self._outer.activate()  # laid out now: the choices are at full size from the first frame
        self.keep_button.setFocus()

    def keep(self) -> None:
        self.hide()
        self.kept.emit()

    def _confirm(self) -> None:
        self.hide()
        self.confirmed.emit()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.keep()
            return
        super().keyPressEvent(event)
