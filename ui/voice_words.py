"""What the kiosk says about voice, per mode: voice on, push-to-talk, voice off (touch and typing only), and voice
unavailable (on, but no working microphone or speaker). Each mode has its own welcome line, text-box hint and idle
status word, so a screen never invites a shopper to talk when nothing is listening."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui import theme as themes


@dataclass(frozen=True)
class VoiceWords:
    tagline: str  # the welcome screen's big line
    invitation: str  # the welcome screen's accessible name
    placeholder: str  # the text box's hint
    ready: str  # the status pill while nothing happens


WORDS = {
    "on": VoiceWords("Tap anywhere or just say hello",
                     "Welcome screen: tap anywhere, press Enter, or say hello to start", "Type or just talk…", "Ready"),
    "push": VoiceWords("Tap anywhere, then hold the mic button to talk",
                       "Welcome screen: tap anywhere or press Enter to start, then hold the mic button to talk",
                       "Type, or hold the mic…", "Hold the mic to talk"),
    "off": VoiceWords("Tap anywhere to start", "Welcome screen: tap anywhere or press Enter to start",
                      "Type what you need…", "Touch & type"),
    "unavailable": VoiceWords("Tap anywhere to start", "Welcome screen: tap anywhere or press Enter to start",
                              "Voice is not working: type here…",
                              "Voice unavailable · type or tap"),
}


def voice_mode(voice_enabled: bool, push_to_talk: bool, state: str) -> str:
    """"off" (turned off), "unavailable" (on but not working), "push" (push-to-talk) or "on"."""
    if not voice_enabled:
        return "off"
    if state == "unavailable":
        return "unavailable"
    return "push" if push_to_talk else "on"


BANNER_TEXT = {"listening": "Listening…", "speaking": "Aisle is speaking…"}


class VoiceBanner(QWidget):
    """Listening or speaking, large enough to read from across the aisle: a full-width coloured band with big words
    over the text box. Hidden in every other state."""

    HEIGHT = 84

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = ""
        self.setObjectName("VoiceBanner")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.HEIGHT)
        self.hide()

    def set_state(self, state: str) -> None:
        self.state = state if state in BANNER_TEXT else ""
        self.setAccessibleName(BANNER_TEXT.get(self.state, ""))
        self.setVisible(bool(self.state))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, self.HEIGHT)

    def _font(self) -> QFont:
        return themes.current().font(34, QFont.Weight.Bold)

    def minimumSizeHint(self) -> QSize:
        fm = QFontMetrics(self._font())
        return QSize(min(fm.horizontalAdvance("Listening…") + 48, 260), self.HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.state:
            return
        t = themes.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(t.focus if self.state == "listening" else t.accent)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fill)
        p.drawRoundedRect(QRectF(self.rect()), 20, 20)
        p.setPen(QColor(t.accent_text))
        font = self._font()
        fm = QFontMetrics(font)
        text = BANNER_TEXT[self.state]
        if fm.horizontalAdvance(text) > self.width() - 32:
            font = t.font(26, QFont.Weight.Bold)
        p.setFont(font)
        p.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, text)
        p.end()
