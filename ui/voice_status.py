"""What Aisle is doing, in words and colour: the status pill in the top bar."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui import theme as themes

STATUS_TEXT = {
    "idle": "Ready",
    "listening": "Listening…",
    "thinking": "Thinking…",
    "speaking": "Speaking…",
    "unavailable": "Voice unavailable · type or tap",
    "starting": "Starting…",
}


class StatusIndicator(QWidget):
    """What Aisle is doing: a coloured dot (pulsing while active) and a word."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = "idle"
        self.voice_mode: str | None = None  # which words for voice the window put up ("on", "push", …)
        self.ready_text = STATUS_TEXT["idle"]
        self._phase = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self._tick)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(48)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.set_state("idle")

    def set_ready_text(self, text: str) -> None:
        """The idle word for the kiosk's voice mode ("Ready", "Touch & type", "Hold the mic to talk", …)."""
        self.ready_text = text
        self.set_state(self.state)

    def set_state(self, state: str) -> None:
        self.state = state if state in STATUS_TEXT else "idle"
        self.setAccessibleName(f"Aisle status: {self.text}")
        if self.state in ("listening", "thinking", "speaking", "starting"):
            self._timer.start()
        else:
            self._timer.stop()
            self._phase = 0.0
        self.updateGeometry()
        self.update()

    @property
    def text(self) -> str:
        return self.ready_text if self.state == "idle" else STATUS_TEXT[self.state]

    def _tick(self) -> None:
        self._phase = (self._phase + 0.35) % (2 * math.pi)
        self.update(0, 0, 48, self.height())  # only the dot moves

    def sizeHint(self) -> QSize:
        t = themes.current()
        fm = QFontMetrics(t.font(18, QFont.Weight.DemiBold))
        return QSize(fm.horizontalAdvance(self.text) + 72, max(48, fm.height() + 20))

    def paintEvent(self, event: QPaintEvent) -> None:
        t = themes.current()
        colors = {"idle": t.success, "listening": t.focus, "thinking": t.warning, "speaking": t.accent,
                  "unavailable": t.muted, "starting": t.muted}
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = self.height()
        rect = QRectF(0.5, 0.5, self.width() - 1, h - 1)
        p.setPen(QPen(QColor(t.border), t.border_width))
        p.setBrush(QColor(t.surface_alt))
        p.drawRoundedRect(rect, h / 2, h / 2)
        color = QColor(colors[self.state])
        cx, cy = 26.0, h / 2
        if self._timer.isActive():
            halo = QColor(color)
            halo.setAlphaF(0.25 + 0.2 * math.sin(self._phase))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(halo)
            r = 11 + 3 * (1 + math.sin(self._phase))
            p.drawEllipse(QRectF(cx - r, cy - r, 2 * r, 2 * r))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(QRectF(cx - 7, cy - 7, 14, 14))
        p.setPen(QColor(t.text))
        p.setFont(t.font(18, QFont.Weight.DemiBold))
        p.drawText(QRectF(46, 0, self.width() - 56, h), Qt.AlignmentFlag.AlignVCenter, self.text)
        p.end()
