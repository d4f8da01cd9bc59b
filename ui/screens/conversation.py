"""The conversation panel: the turns as they stream, a live transcript while the shopper speaks, and the text box
with its character counter, send button and on-screen keyboard toggle."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui import theme as themes
from ui.voice_words import VoiceBanner
from ui.widgets import OpaqueScrollArea, WrapButton, button, clear_layout, kinetic, label

MAX_BUBBLES = 60
SUGGESTIONS = ("Sleeping bags under $150", "A tent for two", "Something to cook on")


class Bubble(QFrame):
    def __init__(self, role: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.setProperty("role", f"bubble-{role}")
        layout = QVBoxLayout(self)
        t = themes.current()
        if role == "touch":
            layout.setContentsMargins(t.px(12), t.px(6), t.px(12), t.px(6))
            text = f"Tapped · {text}"
        else:
            layout.setContentsMargins(t.px(18), t.px(12), t.px(18), t.px(12))
        self.text_label = QLabel(text)
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.text_label)

    @property
    def text(self) -> str:
        return self.text_label.text()

    def append(self, chunk: str) -> None:
        self.text_label.setText(self.text_label.text() + chunk)

    def set_text(self, text: str) -> None:
        self.text_label.setText(text)


class ConversationPanel(QFrame):
    send_requested = Signal(str)
    keyboard_toggled = Signal()
    talk_held = Signal(bool)  # push-to-talk: the mic button went down (True) or up (False)
    suggestion_chosen = Signal(str)

    def __init__(self, max_chars: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "panel")
        self.setObjectName("ConversationPanel")
        self.max_chars = max_chars
        t = themes.current()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(t.px(18), t.px(18), t.px(18), t.px(16))
        outer.setSpacing(t.px(10))
        self.scroll_area = OpaqueScrollArea("surface")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget()
        body.setAttribute(Qt.WidgetAttribute.WA_StaticContents)  # the transcript grows at the bottom
        self.turns = QVBoxLayout(body)
        self.turns.setContentsMargins(0, 0, 6, 0)
        self.turns.setSpacing(t.px(10))
        self.turns.addStretch(1)
        self.scroll_area.setWidget(body)
        kinetic(self.scroll_area)
        self.scroll_area.setMinimumHeight(40)  # a short screen with the keyboard up still fits (the list scrolls)
        outer.addWidget(self.scroll_area, 1)
        # at the newest turn, the view stays there when it gets shorter (the on-screen keyboard opens, a banner shows)
        self._pinned = True
        self.scroll_area.verticalScrollBar().valueChanged.connect(self._note_position)
        self.scroll_area.verticalScrollBar().rangeChanged.connect(self._keep_pinned)
        self.bubbles: list[Bubble] = []
        self._streaming: Bubble | None = None
        self._live: Bubble | None = None
        self._greeting: QWidget | None = None
        self.problem = label("", "error", wrap=True)
        self.problem.hide()
        outer.addWidget(self.problem)
        self.banner = VoiceBanner()  # listening / speaking, readable from across the aisle
        outer.addWidget(self.banner)
        self._build_entry(outer, t, max_chars)
        self._scroll_timer = QTimer(self)
        self._scroll_timer.setSingleShot(True)
        self._scroll_timer.setInterval(0)
        self._scroll_timer.timeout.connect(self._to_bottom)
        self._pending = ""
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(120)
        self._flush_timer.timeout.connect(self._flush)
        self._count("")
        self.show_greeting()

    # -- input -----------------------------------------------------------------------------------------------------
    def _build_entry(self, outer: QVBoxLayout, t: themes.Theme, max_chars: int) -> None:
        """The text box, its buttons (keyboard, push-to-talk mic, send) and the character counter."""
        row = QHBoxLayout()
        row.setSpacing(t.px(10))
        self.keyboard_button = button("", "Show on-screen keyboard", icon_name="keyboard")
        self.keyboard_button.setProperty("role", "ghost")
        self.keyboard_button.setIconSize(QSize(32, 32))
        self.keyboard_button.clicked.connect(self.keyboard_toggled.emit)
        self.input = QLineEdit()
        self.input.setObjectName("MessageInput")
        self.input.setPlaceholderText("Type or just talk…")
        self.input.setAccessibleName("Message to Aisle")
        self.input.setMaxLength(max_chars)
        self.input.returnPressed.connect(self._send)
        self.input.textChanged.connect(self._count)
        self.send_button = button("", "Send message", role="primary", icon_name="send")
        self.send_button.setIconSize(QSize(30, 30))
        self.send_button.clicked.connect(self._send)
        self.mic_button = button("", "Hold to talk", icon_name="mic")
        self.mic_button.setIconSize(QSize(32, 32))
        self.mic_button.pressed.connect(lambda: self.talk_held.emit(True))
        self.mic_button.released.connect(lambda: self.talk_held.emit(False))
        self.mic_button.hide()  # shown in push-to-talk mode
        self._entry = row
        self.counter = label("", "small")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._tools = QHBoxLayout()  # under the text box when the panel is narrow
        self._tools.setSpacing(t.px(10))
        outer.addLayout(row)
        outer.addLayout(self._tools)
        self._stacked: bool | None = None
        self._place_entry(False)

    def _place_entry(self, stacked: bool) -> None:
        """Wide: [keyboard][mic][text box][send] with the counter below. Narrow: the text box alone on its row, the
        buttons and the counter under it, so the text box keeps the panel's whole width."""
        if stacked == self._stacked:
            return
        self._stacked = stacked
        for widget in (self.keyboard_button, self.mic_button, self.input, self.send_button, self.counter):
            self._entry.removeWidget(widget)
            self._tools.removeWidget(widget)
        while self._tools.count():
            self._tools.takeAt(0)
        if stacked:
            self._entry.addWidget(self.input, 1)
            for widget in (self.keyboard_button, self.mic_button):
                self._tools.addWidget(widget)
            self._tools.addWidget(self.counter, 1)
            self._tools.addWidget(self.send_button)
        else:
            for widget in (self.keyboard_button, self.mic_button):
                self._entry.addWidget(widget)
            self._entry.addWidget(self.input, 1)
            self._entry.addWidget(self.send_button)
            self._tools.addWidget(self.counter, 1)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._place_entry(self.width() < 480)

    def _count(self, text: str) -> None:
        n = len(text)
        self.counter.setText(f"{n} / {self.max_chars}")
        self.counter.setProperty("role", "warning" if n >= self.max_chars * 0.9 else "small")
        self.counter.style().unpolish(self.counter)
        self.counter.style().polish(self.counter)
        self.counter.setAccessibleName(f"{n} of {self.max_chars} characters used")
        self.send_button.setEnabled(bool(text.strip()))
        if self.problem.isVisible():
            self.problem.hide()

    def _send(self) -> None:
        text = self.input.text()
        if text.strip():
            self.send_requested.emit(text)

    def accept_sent(self) -> None:
        self.input.clear()

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    # -- turns -----------------------------------------------------------------------------------------------------
    def show_greeting(self) -> None:
        if self._greeting is not None:
            return
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(themes.current().px(10))
        lay.addWidget(label("Hi! I'm Aisle.", "h2"))
        lay.addWidget(label("Tell me what you're looking for, or try one of these:", "muted", wrap=True))
        for text in SUGGESTIONS:
            chip = WrapButton(text, f"Ask: {text}", role="chip")
            chip.clicked.connect(lambda _=False, s=text: self.suggestion_chosen.emit(s))
            lay.addWidget(chip, 0, Qt.AlignmentFlag.AlignLeft)
        self._greeting = box
        self.turns.insertWidget(self.turns.count() - 1, box)

    def _hide_greeting(self) -> None:
        if self._greeting is not None:
            self._greeting.hide()
            self._greeting.deleteLater()
            self._greeting = None

    def _add(self, role: str, text: str) -> Bubble:
        self._hide_greeting()
        bubble = Bubble(role, text)
        holder = QHBoxLayout()
        holder.setContentsMargins(0, 0, 0, 0)
        if role == "touch":
            holder.addStretch(1)
            holder.addWidget(bubble, 0)
        elif role in ("shopper", "live"):
            holder.addStretch(1)
            holder.addWidget(bubble, 5)
        else:
            holder.addWidget(bubble, 5)
            holder.addStretch(1)
        wrapper = QWidget()
        wrapper.setLayout(holder)
        self.turns.insertWidget(self.turns.count() - 1, wrapper)
        self.bubbles.append(bubble)
        while len(self.bubbles) > MAX_BUBBLES:
            old = self.bubbles.pop(0)
            w = old.parentWidget()
            if w is not None:
                self.turns.removeWidget(w)
                w.deleteLater()
        self._scroll_timer.start()
        return bubble

    def add_shopper(self, text: str, source: str = "typed") -> None:
        self._flush()
        self.clear_live()
        self._streaming = None
        self._add("touch" if source == "touch" else "shopper", text)

    def add_chunk(self, text: str) -> None:
        """Streamed text is shown in small bursts (every ~120 ms), not per chunk: the same smooth flow for the
        shopper, a fraction of the layout and paint work for the loop."""
        if self._streaming is None:
            self._streaming = self._add("assistant", text)
            return
        self._pending += text
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        self._flush_timer.stop()
        if self._pending and self._streaming is not None:
            self._streaming.append(self._pending)
            self._scroll_timer.start()
        self._pending = ""

    def complete(self, text: str) -> None:
        self._flush()
        if self._streaming is None and text:
            self._add("assistant", text)
        elif self._streaming is not None and text and len(text) > len(self._streaming.text):
            self._streaming.set_text(text)
        self._streaming = None

    def add_error(self, text: str) -> None:
        self._flush()
        self._streaming = None
        self._add("assistant", text)

    def set_live(self, text: str) -> None:
        """A partial speech transcript, replaced as recognition goes on."""
        if not text:
            self.clear_live()
            return
        if self._live is None:
            self._live = self._add("live", text)
        else:
            self._live.set_text(text)

    def clear_live(self) -> None:
        if self._live is not None:
            w = self._live.parentWidget()
            if self._live in self.bubbles:
                self.bubbles.remove(self._live)
            if w is not None:
                self.turns.removeWidget(w)
                w.deleteLater()
            self._live = None

    def reset(self) -> None:
        """Forget the whole conversation (a new shopper)."""
        self._flush_timer.stop()
        self._pending = ""
        self._streaming = None
        self._live = None
        self.bubbles.clear()
        self._greeting = None
        clear_layout(self.turns)
        self.turns.addStretch(1)
        self.input.setText("")  # unlike clear(), also drops the undo history
        self.problem.setText("")
        self.problem.hide()
        self.show_greeting()

    def _note_position(self, value: int) -> None:
        self._pinned = value >= self.scroll_area.verticalScrollBar().maximum() - 4

    def _keep_pinned(self, _low: int, high: int) -> None:
        if self._pinned:
            self.scroll_area.verticalScrollBar().setValue(high)

    def _to_bottom(self) -> None:
        bar = self.scroll_area.verticalScrollBar()
        bar.setValue(bar.maximum())
        QTimer.singleShot(30, self, self._bar_to_end)

    def _bar_to_end(self) -> None:
        bar = self.scroll_area.verticalScrollBar()
        bar.setValue(bar.maximum())
