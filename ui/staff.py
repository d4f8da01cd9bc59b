"""Staff access: a hidden long-press hotspot and the PIN prompt (a check, or how IT sets a PIN when none is set).
The panel itself is `ui.staff_panel`."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QGridLayout, QLineEdit, QVBoxLayout, QWidget

from ui import theme as themes
from ui.widgets import Scrim, button, frame, label

LONG_PRESS_MS = 3000
MAX_TRIES = 5
LOCKOUT_S = 30


class CornerHotspot(QWidget):
    """An invisible corner that opens the staff PIN prompt after a 3 s press (or Enter held by keyboard users:
    Ctrl+Alt+S does the same from anywhere)."""

    long_pressed = Signal()

    def __init__(self, parent: QWidget, size: int = 96) -> None:
        super().__init__(parent)
        self.setObjectName("StaffHotspot")
        self.setFixedSize(size, size)
        self.setAccessibleName("Staff access (press and hold for 3 seconds)")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LONG_PRESS_MS)
        self._timer.timeout.connect(self.long_pressed.emit)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._timer.start()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._timer.stop()
        event.accept()

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.TouchBegin,):
            self._timer.start()
            return True
        if event.type() in (QEvent.Type.TouchEnd, QEvent.Type.TouchCancel):
            self._timer.stop()
            return True
        return super().event(event)


class PinPrompt(Scrim):
    """PIN entry on a big keypad. `mode` "check": emits `submitted(pin)`; the window verifies off the UI thread and
    calls `refuse()` or `accept()`. `mode` "missing": no PIN is set, so it only says how IT sets one (the keypad is
    hidden and nothing opens)."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("PinPrompt")
        self.mode = "check"
        self.tries = 0
        self.locked_until = 0.0
        t = themes.current()
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = frame("dialog")
        box.setFixedWidth(t.px(460))
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(t.px(36), t.px(32), t.px(36), t.px(32))
        lay.setSpacing(t.px(12))
        self.title = label("Staff PIN", "h2", wrap=True)
        lay.addWidget(self.title)
        self.message = label("", "muted", wrap=True)
        lay.addWidget(self.message)
        self.field = QLineEdit()
        self.field.setObjectName("PinField")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setMaxLength(8)
        self.field.setAccessibleName("Staff PIN")
        self.field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.field.returnPressed.connect(self.ok)
        lay.addWidget(self.field)
        self.keypad = QWidget()
        lay.addWidget(self.keypad)
        self._build_keypad(t)
        self.cancel_button = button("Cancel", "Cancel staff access", role="ghost")
        self.cancel_button.clicked.connect(self.cancel)
        lay.addWidget(self.cancel_button)

    def _build_keypad(self, t: themes.Theme) -> None:
        grid = QGridLayout(self.keypad)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(t.px(10))
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
        self.ok_button = None
        for i, key in enumerate(keys):
            if key == "⌫":
                b = button("⌫", "Delete last digit")
                b.clicked.connect(self.field.backspace)
            elif key == "OK":
                b = button("OK", "Enter PIN", role="primary")
                b.clicked.connect(self.ok)
                self.ok_button = b
            else:
                b = button(key, f"Digit {key}", role="key")
                b.clicked.connect(lambda _=False, d=key: self.field.insert(d))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setMinimumHeight(72)
            grid.addWidget(b, i // 3, i % 3)

    def open_for(self, mode: str) -> None:
        from app.staff_pin import HOW_TO_SET

        self.mode = mode
        self.field.clear()
        missing = mode == "missing"
        self.field.setVisible(not missing)
        self.keypad.setVisible(not missing)
        self.cancel_button.setText("Close" if missing else "Cancel")
        if missing:
            self.title.setText("No staff PIN is set")
            self.message.setText(f"The staff panel stays closed until a staff PIN is set. {HOW_TO_SET}")
        else:
            self.title.setText("Staff PIN")
            self.message.setText("Enter the staff PIN.")
        self.open()
        (self.cancel_button if missing else self.field).setFocus()

    def ok(self) -> None:
        if self.mode != "check":
            return
        pin = self.field.text().strip()
        self.field.clear()
        now = time.monotonic()
        if now < self.locked_until:
            self.message.setText(f"Too many wrong tries. Wait {int(self.locked_until - now) + 1} s.")
            return
        if not pin:
            self.message.setText("Enter the staff PIN.")
            return
        self.message.setText("Checking…")
        self.submitted.emit(pin)

    def refuse(self) -> None:
        self.tries += 1
        if self.tries >= MAX_TRIES:
            self.tries = 0
            self.locked_until = time.monotonic() + LOCKOUT_S
            self.message.setText(f"That PIN is not right. Too many wrong tries: wait {LOCKOUT_S} s.")
        else:
            self.message.setText("That PIN is not right. Try again.")
        self.field.setFocus()

    def accept(self) -> None:
        self.tries = 0
        self.hide()

    def cancel(self) -> None:
        self.hide()
        self.cancelled.emit()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return
        super().keyPressEvent(event)
