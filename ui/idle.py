"""Privacy between shoppers: notice when nobody has touched, typed or spoken for a while, ask "Still there?" with a
countdown, then end the session so that every trace of it leaves the screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui import theme as themes
from ui.widgets import Scrim, button, frame, label

ACTIVITY = {
    QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.Wheel, QEvent.Type.TabletPress,
}


class IdleWatcher(QObject):
    """Arms while a session is on screen; `warn` after `timeout_s` of no activity, `expired` after the countdown."""

    warn = Signal(int)  # seconds left
    tick = Signal(int)
    expired = Signal()
    resumed = Signal()

    def __init__(self, timeout_s: int, countdown_s: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeout_s = max(1, timeout_s)
        self.countdown_s = max(1, countdown_s)
        self.active = False
        self.warning = False
        self.left = 0
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._warn)
        self._count = QTimer(self)
        self._count.setInterval(1000)
        self._count.timeout.connect(self._tick)
        self._watched: QObject | None = None

    def watch(self, window: QWidget) -> None:
        """Watch the input reaching `window`. The filter sits on its QWindow, which sees touch, mouse and keys
        before they are dispatched to widgets, and none of the widgets' own layout and paint events, so it costs
        nothing while the screen redraws."""
        handle = window.windowHandle()
        target: QObject = handle if handle is not None else window
        if self._watched is target:
            return
        if self._watched is not None:
            self._watched.removeEventFilter(self)
        target.installEventFilter(self)
        self._watched = target

    def configure(self, timeout_s: int, countdown_s: int) -> None:
        self.timeout_s = max(1, timeout_s)
        self.countdown_s = max(1, countdown_s)
        if self.active and not self.warning:
            self._idle.start(self.timeout_s * 1000)

    def start(self) -> None:
        self.active = True
        self.poke()

    def stop(self) -> None:
        self.active = False
        self.warning = False
        self._idle.stop()
        self._count.stop()

    def poke(self) -> None:
        """Somebody is there (a touch, a key, speech, a message)."""
        if not self.active:
            return
        if self.warning:
            self.warning = False
            self._count.stop()
            self.resumed.emit()
        self._idle.start(self.timeout_s * 1000)

    def hold(self) -> None:
        """Pause while something else has the screen (the staff panel)."""
        self._idle.stop()
        self._count.stop()
        self.warning = False

    def eventFilter(self, obj: Any, event: QEvent) -> bool:
        if self.active and event.type() in ACTIVITY and not self.warning:
            self.poke()
        return False

    def _warn(self) -> None:
        if not self.active:
            return
        self.warning = True
        self.left = self.countdown_s
        self.warn.emit(self.left)
        self._count.start()

    def trigger(self) -> None:
        """Show the warning now (tests, screenshots)."""
        self._idle.stop()
        self._warn()

    def _tick(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self._count.stop()
            self.warning = False
            self.active = False
            self.expired.emit()
        else:
            self.tick.emit(self.left)


class IdleOverlay(Scrim):
    still_here = Signal()
    start_over = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("IdleOverlay")
        t = themes.current()
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = frame("dialog")
        box.setMaximumWidth(760)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(t.px(56), t.px(44), t.px(56), t.px(44))
        lay.setSpacing(t.px(14))
        title = label("Still there?", "h1")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(title)
        self.count = label("", "h2")
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.count)
        note = label("To keep your cart private, Aisle starts over for the next shopper.", "muted", wrap=True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(note)
        lay.addSpacing(t.px(10))
        self.here_button = button("I'm still here", "I'm still here", role="primary")
        self.here_button.clicked.connect(self.still_here.emit)
        self.over_button = button("Start over now", "Start over now", role="ghost")
        self.over_button.clicked.connect(self.start_over.emit)
        lay.addWidget(self.here_button)
        lay.addWidget(self.over_button)

    def show_countdown(self, left: int) -> None:
        self.set_left(left)
        self.open()
        self.here_button.setFocus()

    def set_left(self, left: int) -> None:
        self.count.setText(f"Starting over in {left} s")
        self.count.setAccessibleName(f"Starting over in {left} seconds")
