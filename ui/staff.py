"""Staff access: a hidden long-press hotspot, the PIN prompt (a check, or how IT sets a PIN when none is set) and
the staff panel (brain and key status, voice devices with a level meter and a speaker test, push-to-talk, idle
timeout, theme, text size, kiosk lock, catalog import, recent sessions, quit)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui import theme as themes
from ui.theme import THEME_LABELS
from ui.widgets import LevelMeter, Scrim, button, frame, kinetic, label

LONG_PRESS_MS = 3000
MAX_TRIES = 5
LOCKOUT_S = 30
LEVEL_EVERY_MS = 100  # the input level meter reads the voice loop ten times a second while the panel is open
DEFAULT_DEVICE = "System default"


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


ECHO_MODES = {"aec": "echo cancellation", "half-duplex": "the microphone pauses while Aisle speaks",
              "off": "no echo control"}


def voice_status_text(status: str) -> str:
    """"on (aec)" → "On, with echo cancellation"; "unavailable: No microphone…" → "Not working. No microphone…"."""
    status = status.strip()
    if status.startswith("on (") and status.endswith(")"):
        mode = status[4:-1]
        return f"On, with {ECHO_MODES.get(mode, mode)}"
    if status.startswith("unavailable:"):
        return f"Not working. {status.removeprefix('unavailable:').strip()}".strip()
    return status[:1].upper() + status[1:]


class StaffPanel(Scrim):
    """Everything staff can see and change. Emits intents; the window does the work off the UI thread."""

    save_requested = Signal(dict)
    import_requested = Signal(str, bool)
    quit_requested = Signal()
    closed = Signal()
    refresh_requested = Signal()
    device_chosen = Signal(str, str)  # "input" or "output", the device name ("" = the system default)
    speaker_test_requested = Signal()
    push_to_talk_changed = Signal(bool)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("StaffPanel")
        self._level_source: Callable[[], float] | None = None
        self.level_timer = QTimer(self)
        self.level_timer.setInterval(LEVEL_EVERY_MS)
        self.level_timer.timeout.connect(self._read_level)
        t = themes.current()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(t.px(40), t.px(32), t.px(40), t.px(32))
        box = frame("dialog")
        box.setMaximumWidth(1240)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 30)
        row.addStretch(1)
        outer.addLayout(row)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(t.px(32), t.px(26), t.px(32), t.px(26))
        lay.setSpacing(t.px(12))
        head = QHBoxLayout()
        head.addWidget(label("Staff panel", "h2"), 1)
        self.close_button = button("Close", "Close the staff panel", role="primary", icon_name="close")
        self.close_button.clicked.connect(self.close_panel)
        head.addWidget(self.close_button)
        lay.addLayout(head)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        kinetic(scroll)
        lay.addWidget(scroll, 1)
        body = QWidget()
        scroll.setWidget(body)
        cols = QBoxLayout(QBoxLayout.Direction.LeftToRight, body)
        self._cols = cols
        cols.setSpacing(t.px(28))
        left = QVBoxLayout()
        left.setSpacing(t.px(10))
        right = QVBoxLayout()
        right.setSpacing(t.px(10))
        cols.addLayout(left, 1)
        cols.addLayout(right, 1)

        # status
        left.addWidget(label("Assistant", "h3"))
        self.brain_label = label("Brain: …", wrap=True)
        left.addWidget(self.brain_label)
        self.keys_label = label("", "muted", wrap=True)
        left.addWidget(self.keys_label)
        self.catalog_label = label("", "muted", wrap=True)
        left.addWidget(self.catalog_label)
        left.addWidget(frame("divider"))
        self._build_voice(left, t)
        left.addWidget(frame("divider"))
        # settings
        left.addWidget(label("Kiosk", "h3"))
        form = QFormLayout()
        form.setVerticalSpacing(t.px(8))
        self.idle_spin = Stepper(15, 900, 15, " s")
        idle_row = QHBoxLayout()
        less = button("", "Shorter idle timeout", icon_name="minus")
        less.clicked.connect(self.idle_spin.stepDown)
        more = button("", "Longer idle timeout", icon_name="plus")
        more.clicked.connect(self.idle_spin.stepUp)
        idle_row.addWidget(less)
        idle_row.addWidget(self.idle_spin, 1)
        idle_row.addWidget(more)
        form.addRow("Idle timeout", idle_row)
        self.theme_combo = QComboBox()
        for key, text in THEME_LABELS.items():
            self.theme_combo.addItem(text, key)
        self.theme_combo.setAccessibleName("Theme")
        form.addRow("Theme", self.theme_combo)
        left.addLayout(form)
        self.large_check = QCheckBox("Large text")
        self.large_check.setAccessibleName("Large text")
        self.lock_check = QCheckBox("Kiosk lock (fullscreen, no closing)")
        self.lock_check.setAccessibleName("Kiosk lock")
        self.cursor_check = QCheckBox("Hide the mouse cursor")
        self.cursor_check.setAccessibleName("Hide the mouse cursor")
        for check in (self.large_check, self.lock_check, self.cursor_check):
            left.addWidget(check)
        self.save_button = button("Save settings", "Save settings", role="primary")
        self.save_button.clicked.connect(self._save)
        left.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.saved_label = label("", "small")
        left.addWidget(self.saved_label)
        left.addStretch(1)

        # catalog import
        right.addWidget(label("Catalog import", "h3"))
        right.addWidget(label("A CSV or JSON file with id, name, category and price (brand, stock, description, "
                              "specs, tags optional).", "small", wrap=True))
        row = QHBoxLayout()
        self.import_path = QLineEdit()
        self.import_path.setPlaceholderText("/path/to/catalog.csv")
        self.import_path.setAccessibleName("Catalog file to import")
        row.addWidget(self.import_path, 1)
        self.browse_button = button("Choose…", "Choose a catalog file", role="ghost")
        self.browse_button.clicked.connect(self._browse)
        row.addWidget(self.browse_button)
        right.addLayout(row)
        row2 = QHBoxLayout()
        self.replace_check = QCheckBox("Replace all products")
        self.replace_check.setAccessibleName("Replace all products")
        row2.addWidget(self.replace_check, 1)
        self.import_button = button("Import", "Import the catalog file", role="primary")
        self.import_button.setProperty("wide", True)
        self.import_button.clicked.connect(self._import)
        row2.addWidget(self.import_button)
        right.addLayout(row2)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setAccessibleName("Import progress")
        right.addWidget(self.progress)
        self.report = label("", "muted", wrap=True)
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right.addWidget(self.report)
        right.addWidget(frame("divider"))
        rs = QHBoxLayout()
        rs.addWidget(label("Recent sessions", "h3"), 1)
        self.refresh_button = button("Refresh", "Refresh recent sessions", role="ghost")
        self.refresh_button.clicked.connect(self.refresh_requested.emit)
        rs.addWidget(self.refresh_button)
        right.addLayout(rs)
        self.sessions = QListWidget()
        self.sessions.setAccessibleName("Recent sessions")
        self.sessions.setMinimumHeight(220)
        right.addWidget(self.sessions, 1)
        self.quit_button = button("Quit Aisle", "Quit Aisle", role="danger")
        self.quit_button.setIconSize(QSize(24, 24))
        self.quit_button.clicked.connect(self.quit_requested.emit)
        right.addWidget(self.quit_button, 0, Qt.AlignmentFlag.AlignRight)

    def _build_voice(self, column: QVBoxLayout, t: themes.Theme) -> None:
        """Microphone and speaker pickers, the input level, the speaker test and push-to-talk (hidden, with a "Voice
        is off" line instead, when the kiosk runs without voice)."""
        column.addWidget(label("Voice", "h3"))
        self.voice_status = label("Status: …", wrap=True)
        column.addWidget(self.voice_status)
        self.voice_off = label("Voice is off. Shoppers use touch and typing.", "muted", wrap=True)
        column.addWidget(self.voice_off)
        self.voice_box = QWidget()
        box = QVBoxLayout(self.voice_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(t.px(8))
        form = QFormLayout()
        form.setVerticalSpacing(t.px(8))
        self.input_combo = QComboBox()
        self.input_combo.setAccessibleName("Microphone")
        self.input_combo.activated.connect(lambda i: self._chosen("input", self.input_combo, i))
        form.addRow("Microphone", self.input_combo)
        self.level_meter = LevelMeter("Microphone level")
        form.addRow("Level", self.level_meter)
        self.output_combo = QComboBox()
        self.output_combo.setAccessibleName("Speaker")
        self.output_combo.activated.connect(lambda i: self._chosen("output", self.output_combo, i))
        form.addRow("Speaker", self.output_combo)
        for combo in (self.input_combo, self.output_combo):
            combo.setMinimumContentsLength(12)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.addLayout(form)
        row = QHBoxLayout()
        self.ptt_check = QCheckBox("Push-to-talk")
        self.ptt_check.setAccessibleName("Push-to-talk: shoppers hold the mic button to talk")
        self.ptt_check.clicked.connect(lambda *_: self.push_to_talk_changed.emit(self.ptt_check.isChecked()))
        row.addWidget(self.ptt_check, 1)
        self.test_speaker_button = button("Test speaker", "Test the speaker", role="ghost", icon_name="speaker")
        self.test_speaker_button.clicked.connect(self.speaker_test_requested.emit)
        row.addWidget(self.test_speaker_button)
        box.addLayout(row)
        self.voice_message = label("", "muted", wrap=True)
        box.addWidget(self.voice_message)
        column.addWidget(self.voice_box)
        self.show_voice(None)

    # -- voice -------------------------------------------------------------------------------------------------------
    def show_voice(self, settings: Any, level: Callable[[], float] | None = None) -> None:
        """`settings` None: the kiosk runs without voice. Otherwise the saved choices (listed for now; the device
        lists follow with `show_devices`) and `level()`, read by the meter while the panel is open."""
        present = settings is not None
        self.voice_box.setVisible(present)
        self.voice_status.setVisible(present)
        self.voice_off.setVisible(not present)
        self._level_source = level if present else None
        self.level_meter.set_dbfs(-120.0)
        self.voice_message.setText("")
        if not present:
            self.level_timer.stop()
            return
        self.ptt_check.setChecked(bool(settings.push_to_talk))
        self._fill(self.input_combo, None, settings.input_device)
        self._fill(self.output_combo, None, settings.output_device)
        if self.isVisible():
            self.level_timer.start()

    def show_devices(self, inputs: list[str], outputs: list[str], chosen_input: str, chosen_output: str) -> None:
        self._fill(self.input_combo, inputs, chosen_input)
        self._fill(self.output_combo, outputs, chosen_output)

    @staticmethod
    def _fill(combo: QComboBox, names: list[str] | None, chosen: str) -> None:
        """System default first, then every device; a saved name that is not connected stays listed (and chosen),
        marked as such. `names` None: not listed yet (only the saved choice, disabled until the list arrives)."""
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(DEFAULT_DEVICE, "")
        for name in names or []:
            combo.addItem(name, name)
        if chosen and chosen not in (names or []):
            matches = names is None or any(chosen.lower() in n.lower() for n in names)
            combo.addItem(chosen if matches else f"{chosen} (not connected)", chosen)
        combo.setCurrentIndex(max(0, combo.findData(chosen)))
        combo.setProperty("listed", names is not None)
        combo.setEnabled(names is not None)
        combo.blockSignals(False)

    def _chosen(self, kind: str, combo: QComboBox, index: int) -> None:
        self.device_chosen.emit(kind, str(combo.itemData(index) or ""))

    def show_voice_status(self, status: str) -> None:
        """The voice service's status ("on (aec)", "unavailable: <why>", …) in words."""
        self.voice_status.setText(f"Status: {voice_status_text(status)}")

    def show_voice_message(self, text: str, warning: bool = False) -> None:
        role = "error" if warning else "muted"
        if self.voice_message.property("role") != role:
            self.voice_message.setProperty("role", role)
            self.voice_message.style().unpolish(self.voice_message)
            self.voice_message.style().polish(self.voice_message)
        self.voice_message.setText(text)

    def set_voice_busy(self, busy: bool) -> None:
        """While the voice restarts on new devices, nothing else can be switched."""
        for widget in (self.ptt_check, self.test_speaker_button):
            widget.setEnabled(not busy)
        for combo in (self.input_combo, self.output_combo):
            combo.setEnabled(not busy and combo.count() > 0 and bool(combo.property("listed")))

    def _read_level(self) -> None:
        source = self._level_source
        if source is None:
            self.level_timer.stop()
            return
        try:
            self.level_meter.set_dbfs(float(source()))
        except Exception:  # a voice loop going away mid-read: show silence
            self.level_meter.set_dbfs(-120.0)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if getattr(self, "_level_source", None) is not None:
            self.level_timer.start()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        timer = getattr(self, "level_timer", None)  # Scrim hides itself before the timer exists
        if timer is not None:
            timer.stop()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        direction = (QBoxLayout.Direction.TopToBottom if self.width() < 1300
                     else QBoxLayout.Direction.LeftToRight)
        if self._cols.direction() != direction:
            self._cols.setDirection(direction)

    def show_settings(self, settings: Any) -> None:
        self.idle_spin.setValue(int(settings.idle_timeout_s))
        index = self.theme_combo.findData(settings.theme)
        self.theme_combo.setCurrentIndex(max(0, index))
        self.large_check.setChecked(bool(settings.large_text))
        self.lock_check.setChecked(bool(settings.kiosk_lock))
        self.cursor_check.setChecked(bool(settings.hide_cursor))

    def show_status(self, brain: str, keys: dict[str, str], catalog: str) -> None:
        self.brain_label.setText(f"Brain in use: {brain}")
        self.keys_label.setText("\n".join(f"{name}: {state}" for name, state in keys.items()))
        self.catalog_label.setText(catalog)

    def show_sessions(self, rows: list[dict[str, Any]]) -> None:
        self.sessions.clear()
        if not rows:
            self.sessions.addItem("No sessions yet.")
        for row in rows:
            started = time.strftime("%d %b %H:%M", time.localtime(float(row.get("started_at") or 0)))
            ended = row.get("ended_at")
            length = f"{int(float(ended) - float(row['started_at']))} s" if ended else "in progress"
            reason = row.get("end_reason") or ""
            total = row.get("total")
            order = f" · order {row['order_number']}" if row.get("order_number") else ""
            money_text = f" · ${float(total):,.2f}" if total else ""
            turns = int(row.get("turns") or 0)
            parts = [started, length, f"{turns} turn{'s' if turns != 1 else ''}", reason.replace("_", " ")]
            self.sessions.addItem(" · ".join(p for p in parts if p) + order + money_text)

    def _save(self) -> None:
        self.save_requested.emit({
            "idle_timeout_s": self.idle_spin.value(),
            "theme": self.theme_combo.currentData(),
            "large_text": self.large_check.isChecked(),
            "kiosk_lock": self.lock_check.isChecked(),
            "hide_cursor": self.cursor_check.isChecked(),
        })

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a catalog file", "", "Catalog (*.csv *.json)")
        if path:
            self.import_path.setText(path)

    def _import(self) -> None:
        path = self.import_path.text().strip()
        if not path:
            self.report.setText("Choose a CSV or JSON file first.")
            return
        self.progress.setValue(0)
        self.report.setText("Importing…")
        self.import_button.setEnabled(False)
        self.import_requested.emit(path, self.replace_check.isChecked())

    def import_progress(self, done: int, total: int) -> None:
        self.progress.setValue(int(100 * done / max(total, 1)))

    def import_finished(self, ok: bool, text: str) -> None:
        self.import_button.setEnabled(True)
        if ok:
            self.progress.setValue(100)
        self.report.setText(text)

    def close_panel(self) -> None:
        self.hide()
        self.closed.emit()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_panel()
            return
        super().keyPressEvent(event)
