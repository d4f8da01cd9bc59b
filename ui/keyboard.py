"""A native on-screen keyboard for touch kiosks: big keys that type into the focused line edit, never steal focus."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui import theme as themes
from ui.icons import icon
from ui.widgets import frame

ROWS = ["1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm,.?"]
KEY_NAMES = {"'": "apostrophe", ",": "comma", ".": "full stop", "?": "question mark"}


class OnScreenKeyboard(QWidget):
    enter_pressed = Signal()
    hide_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OnScreenKeyboard")
        self.target: QLineEdit | None = None
        self.shift = False
        self.letter_keys: list[QPushButton] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        panel = frame("soft")
        outer.addWidget(panel)
        rows = QVBoxLayout(panel)
        rows.setContentsMargins(6, 6, 6, 6)  # eleven 64 px keys a row fit an 800 px wide portrait screen
        rows.setSpacing(5)
        for i, keys in enumerate(ROWS):
            row = QHBoxLayout()
            row.setSpacing(5)
            if i == 3:
                self.shift_key = self._key("", "Shift", self._toggle_shift, icon_name="shift")
                row.addWidget(self.shift_key, 3)
            for ch in keys:
                key = self._key(ch, f"Key {KEY_NAMES.get(ch, ch)}", lambda _=False, c=ch: self._type(c))
                self.letter_keys.append(key)
                row.addWidget(key, 2)
            if i == 0:
                row.addWidget(self._key("", "Backspace", self._backspace, icon_name="backspace"), 3)
            rows.addLayout(row)
        last = QHBoxLayout()
        last.setSpacing(5)
        last.addWidget(self._key("Hide", "Hide keyboard", self.hide_requested.emit), 3)
        last.addWidget(self._key("$", "Key dollar", lambda: self._type("$")), 2)
        last.addWidget(self._key("space", "Space", lambda: self._type(" ")), 12)
        last.addWidget(self._key("-", "Key hyphen", lambda: self._type("-")), 2)
        send = self._key("Send", "Send message", self.enter_pressed.emit)
        send.setProperty("role", "primary")
        last.addWidget(send, 3)
        rows.addLayout(last)

    def _key(self, text: str, name: str, slot: object, icon_name: str = "") -> QPushButton:
        b = QPushButton(text)
        b.setProperty("role", "key")
        b.setAccessibleName(name)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing must not move focus away from the text box
        b.setMinimumSize(64, 64)
        b.setAutoRepeat(name == "Backspace")
        if icon_name:
            b.setIcon(icon(icon_name, themes.current().text))
            b.setIconSize(QSize(30, 30))
        b.clicked.connect(slot)
        return b

    def attach(self, target: QLineEdit) -> None:
        self.target = target

    def _type(self, text: str) -> None:
        if self.target is None:
            return
        if self.shift:
            text = text.upper()
            self._toggle_shift()
        self.target.insert(text)

    def _backspace(self) -> None:
        if self.target is not None:
            self.target.backspace()

    def _toggle_shift(self) -> None:
        self.shift = not self.shift
        for key in self.letter_keys:
            key.setText(key.text().upper() if self.shift else key.text().lower())
        self.shift_key.setDown(self.shift)
