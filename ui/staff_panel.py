"""The staff panel: the assistant's status, voice, kiosk settings, catalog import and recent sessions. It only
shows what the window reports and emits intents; the window does the work off the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui import theme as themes
from ui.staff_sessions import SessionList
from ui.staff_voice import LEVEL_EVERY_MS, StaffVoiceSection
from ui.staff_widgets import Stepper, ThemeChoice
from ui.widgets import Scrim, button, frame, kinetic, label


class StaffPanel(StaffVoiceSection, Scrim):
    """Everything staff can see and change. Emits intents; the window does the work off the UI thread."""

    save_requested = Signal(dict)
    import_requested = Signal(str, bool)
    quit_requested = Signal()
    closed = Signal()
    refresh_requested = Signal()
    session_chosen = Signal(str)
    device_chosen = Signal(str, str)  # "input" or "output", the device name ("" = the system default)
    speaker_test_requested = Signal()
    push_to_talk_changed = Signal(bool)
    _built = False  # Scrim hides itself (a hide event) before the level timer exists

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("StaffPanel")
        self._shown: dict[str, Any] = {}
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
        self.body_scroll = QScrollArea()
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        kinetic(self.body_scroll)
        lay.addWidget(self.body_scroll, 1)
        body = QWidget()
        self.body_scroll.setWidget(body)
        self._cols = QBoxLayout(QBoxLayout.Direction.LeftToRight, body)
        self._cols.setSpacing(t.px(28))
        left = QVBoxLayout()
        left.setSpacing(t.px(10))
        right = QVBoxLayout()
        right.setSpacing(t.px(10))
        self._cols.addLayout(left, 1)
        self._cols.addLayout(right, 1)
        self._build_status(left)
        self._build_voice(left, t)
        left.addWidget(frame("divider"))
        self._build_settings(left, t)
        self._build_import(right)
        right.addWidget(frame("divider"))
        self._build_sessions(right)
        self._built = True

    def _build_status(self, left: QVBoxLayout) -> None:
        left.addWidget(label("Assistant", "h3"))
        self.brain_label = label("Brain: …", wrap=True)
        left.addWidget(self.brain_label)
        self.keys_label = label("", "muted", wrap=True)
        left.addWidget(self.keys_label)
        self.catalog_label = label("", "muted", wrap=True)
        left.addWidget(self.catalog_label)
        left.addWidget(frame("divider"))

    def _build_settings(self, left: QVBoxLayout, t: themes.Theme) -> None:
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
        self.theme_choice = ThemeChoice()
        form.addRow("Theme", self.theme_choice)
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
        self.saved_label = label("", "small", wrap=True)
        left.addWidget(self.saved_label)
        left.addStretch(1)

    def _build_import(self, right: QVBoxLayout) -> None:
        right.addWidget(label("Catalog import", "h3"))
        right.addWidget(label("A CSV or JSON file with id, name, category and price (brand, stock, description, "
                              "specs, tags, images and manuals optional; their paths are looked up in the file's "
                              "folder).", "small", wrap=True))
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

    def _build_sessions(self, right: QVBoxLayout) -> None:
        rs = QHBoxLayout()
        rs.addWidget(label("Recent sessions", "h3"), 1)
        self.refresh_button = button("Refresh", "Refresh recent sessions", role="ghost")
        self.refresh_button.clicked.connect(self.refresh_requested.emit)
        rs.addWidget(self.refresh_button)
        right.addLayout(rs)
        self.session_list = SessionList()
        self.session_list.session_chosen.connect(self.session_chosen.emit)
        right.addWidget(self.session_list)
        right.addStretch(1)
        self.quit_button = button("Quit Aisle", "Quit Aisle", role="danger")
        self.quit_button.setIconSize(QSize(24, 24))
        self.quit_button.clicked.connect(self.quit_requested.emit)
        right.addWidget(self.quit_button, 0, Qt.AlignmentFlag.AlignRight)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._built and self._level_source is not None:
            self.level_timer.start()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        if self._built:
            self.level_timer.stop()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        direction = (QBoxLayout.Direction.TopToBottom if self.width() < 1300
                     else QBoxLayout.Direction.LeftToRight)
        if self._cols.direction() != direction:
            self._cols.setDirection(direction)

    def _values(self) -> dict[str, Any]:
        return {
            "idle_timeout_s": self.idle_spin.value(),
            "theme": self.theme_choice.value(),
            "large_text": self.large_check.isChecked(),
            "kiosk_lock": self.lock_check.isChecked(),
            "hide_cursor": self.cursor_check.isChecked(),
        }

    def show_settings(self, settings: Any) -> None:
        """Show the settings in force; saving later sends only what staff changed from these (so a value that came
        from an environment variable is never copied into settings.toml)."""
        self.idle_spin.setValue(int(settings.idle_timeout_s))
        self.theme_choice.set_value(str(settings.theme))
        self.large_check.setChecked(bool(settings.large_text))
        self.lock_check.setChecked(bool(settings.kiosk_lock))
        self.cursor_check.setChecked(bool(settings.hide_cursor))
        self._shown = self._values()

    def show_status(self, brain: str, keys: dict[str, str], catalog: str) -> None:
        self.brain_label.setText(f"Brain in use: {brain}")
        self.keys_label.setText("\n".join(f"{name}: {state}" for name, state in keys.items()))
        self.catalog_label.setText(catalog)

    def show_sessions(self, rows: list[dict[str, Any]]) -> None:
        self.session_list.show_rows(rows)

    def show_session(self, session: dict[str, Any] | None) -> None:
        self.session_list.show_session(session)

    def scroll_position(self) -> int:
        return self.body_scroll.verticalScrollBar().value()

    def restore_scroll(self, position: int) -> None:
        """Back to where staff were (after a save, even one that rebuilt the panel), once the layout is done."""
        bar = self.body_scroll.verticalScrollBar()
        self._cols.activate()
        bar.setValue(position)
        QTimer.singleShot(0, self, lambda: bar.setValue(position))

    def _save(self) -> None:
        changes = {k: v for k, v in self._values().items() if self._shown.get(k) != v}
        if not changes:
            self.saved_label.setText("Nothing to save: no setting was changed.")
            return
        self.save_requested.emit(changes)

    def saved(self) -> None:
        self._shown = self._values()
        self.saved_label.setText("Saved.")

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
