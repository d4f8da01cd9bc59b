"""Touch-sized controls for the staff panel: a number stepper and a theme chooser made of big buttons."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QWidget

from ui import theme as themes
from ui.theme import THEME_LABELS
from ui.widgets import WrapButton


class Stepper(QLabel):
    """A number shown large between − and + buttons (no tiny spin arrows on a touch screen)."""

    def __init__(self, low: int, high: int, step: int, suffix: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.low, self.high, self.step, self.suffix = low, high, step, suffix
        self._value = low
        self.setProperty("role", "h3")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumWidth(96)
        self.setValue(low)

    def value(self) -> int:
        return self._value

    def setValue(self, value: int) -> None:
        self._value = max(self.low, min(self.high, int(value)))
        self.setText(f"{self._value}{self.suffix}")
        self.setAccessibleName(f"Idle timeout: {self._value} seconds")

    def stepUp(self) -> None:
        self.setValue(self._value + self.step)

    def stepDown(self) -> None:
        self.setValue(self._value - self.step)


class ThemeChoice(QWidget):
    """One big checkable button per theme (no drop-down list on a touch screen); exactly one is checked."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Theme")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(themes.current().px(8))
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: list[QPushButton] = []
        for key, text in THEME_LABELS.items():
            b = WrapButton(text, f"Theme: {text}", role="segment")
            b.setCheckable(True)
            b.setProperty("theme_key", key)
            b.clicked.connect(lambda _=False, k=key: self.changed.emit(k))
            self._group.addButton(b)
            self.buttons.append(b)
            row.addWidget(b, 1)
        self.set_value("light")

    def value(self) -> str:
        checked = self._group.checkedButton()
        return str(checked.property("theme_key")) if checked is not None else "light"

    def set_value(self, key: str) -> None:
        for b in self.buttons:
            b.setChecked(b.property("theme_key") == key)
        if self._group.checkedButton() is None:
            self.buttons[0].setChecked(True)
