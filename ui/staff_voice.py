"""The staff panel's voice section: microphone and speaker pickers, the input level, the speaker test, push-to-talk,
and the voice service's status in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QListView, QVBoxLayout, QWidget

from app.settings import Settings
from ui import theme as themes
from ui.widgets import LevelMeter, button, label

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget as _PanelBase
else:
    _PanelBase = object

LEVEL_EVERY_MS = 100  # the input level meter reads the voice loop ten times a second while the panel is open
DEFAULT_DEVICE = "System default"

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


class StaffVoiceSection(_PanelBase):
    """Mixed into `StaffPanel` (a widget; plain at run time): builds the voice section into a column and shows what
    the window reports."""

    _level_source: Callable[[], float] | None
    level_timer: QTimer
    device_chosen: Signal
    speaker_test_requested: Signal
    push_to_talk_changed: Signal

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
            combo.setView(QListView())  # a list view: its rows follow the style sheet (tall, themed)
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
    def show_voice(self, settings: Settings | None, level: Callable[[], float] | None = None) -> None:
        """`settings` None: the kiosk runs without voice. Otherwise the saved choices (listed for now; the device
        lists follow with `show_devices`) and `level()`, read by the meter while the panel is open."""
        present = settings is not None
        self.voice_box.setVisible(present)
        self.voice_status.setVisible(present)
        self.voice_off.setVisible(not present)
        self._level_source = level if present else None
        self.level_meter.set_dbfs(-120.0)
        self.voice_message.setText("")
        if settings is None:
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
