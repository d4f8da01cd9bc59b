"""The kiosk window's side of the event bus: each past-tense event from the core becomes a change on screen."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.events import (
    BrainChanged,
    ContextChanged,
    ErrorRaised,
    NoticePosted,
    ReplyChunkStreamed,
    ReplyCompleted,
    SessionEnded,
    SessionStarted,
    ShopperSpoke,
    ToolCalled,
    TranscriptHeard,
    VoiceState,
    VoiceStateChanged,
)
from ui.components import render_call
from ui.widgets import clear_layout
from ui.window_parts import WindowParts

log = logging.getLogger("aisle.ui.window")
EMPTY_CART: dict[str, Any] = {"items": [], "total": 0.0, "item_count": 0}
# taps whose result shows where the finger is (the cart line itself): history records them, the chat does not
QUIET_TAPS = frozenset({"update_cart_item"})


class BusEvents(WindowParts):
    """Mixed into `KioskWindow`: the handlers the `EventBridge` signals are connected to."""

    def _mine(self, session_id: str) -> bool:
        return self.session_id is not None and session_id == self.session_id

    def _on_session_started(self, session_id: str, started: SessionStarted) -> None:
        if self.session_id is not None and self.session_id != session_id:
            self.reset_view()
        self.session_id = session_id
        self.pending_start = None
        if self.stack.currentWidget() is self.attract:
            self._show_shopping()
        self.idle.start()
        self._update_status()

    def _on_session_ended(self, session_id: str, ended: SessionEnded) -> None:
        if not self._mine(session_id):
            return
        self.reset_view()
        self._show_attract()

    def _on_shopper_message(self, session_id: str, turn: ShopperSpoke) -> None:
        if not self._mine(session_id):
            return
        self.idle.poke()
        if turn.tool not in QUIET_TAPS:
            self.shopping.conversation.add_shopper(turn.text, turn.source or "typed")
        self.busy = True
        self._update_status()

    def _on_text_chunk(self, session_id: str, chunk: ReplyChunkStreamed) -> None:
        if self._mine(session_id):
            self.shopping.conversation.add_chunk(chunk.text)

    def _on_completion(self, session_id: str, reply: ReplyCompleted) -> None:
        if not self._mine(session_id):
            return
        self.shopping.conversation.complete(reply.text)
        self.busy = False
        self._update_status()

    def _on_function_call(self, session_id: str, call: ToolCalled) -> None:
        if not self._mine(session_id):
            return
        if not call.ok:
            message = (call.result.get("error") or {}).get("message", "That did not work.")
            log.info("tool %s failed: %s", call.name, message)
            if call.source == "touch":
                self.toast.show_message(str(message), warning=True)
            return
        widget = render_call(self._component_context(), call.to_wire())  # components read the wire form
        if widget is None:
            return
        if call.name == "checkout":
            clear_layout(self.finish_layout)
            self.finish_layout.addWidget(widget)
            self.finish_view = widget
            self.stack.setCurrentWidget(self.finish_screen)
            self.keyboard.hide()
            self.toast.hide()  # "Added …" belongs to the shopping screen, not over the order number and Done
            self.finish_timer.start()  # the shopper walked off with the QR code: start over for the next one
            return
        if self.stack.currentWidget() is not self.shopping:
            self._show_shopping()
        # building the widget and laying it out are two loop turns, so neither holds the loop for a frame
        self._incoming.append(widget)
        if len(self._incoming) == 1:
            QTimer.singleShot(0, self, self._show_product_widgets)

    def _show_product_widgets(self) -> None:
        incoming, self._incoming = self._incoming, []
        for widget in incoming:
            if self.session_id is None:
                widget.deleteLater()
            else:
                self.shopping.products.show_widget(widget)
        # the page that had focus is hidden and Qt moved focus on to the top bar (a stray focus ring on "Cart"):
        # give it back to the text box, where the next words go
        focus = QApplication.focusWidget()
        if focus is None or not self.shopping.isAncestorOf(focus):
            if self.stack.currentWidget() is self.shopping:
                self.shopping.conversation.input.setFocus()

    def _on_context(self, session_id: str, context: ContextChanged) -> None:
        if not self._mine(session_id):
            return
        cart = context.cart or EMPTY_CART
        if cart != self.shopping.cart.cart:
            self.shopping.cart.set_cart(cart)
        self.badge.set_count(int(cart.get("item_count", 0)))

    def _on_error(self, session_id: str, error: ErrorRaised) -> None:
        if self._mine(session_id):
            self.shopping.conversation.add_error(error.message or "Something went wrong.")

    def _on_notice(self, session_id: str, notice: NoticePosted) -> None:
        if notice.words:
            self.toast.show_message(notice.words)

    def _on_voice_state(self, session_id: str, change: VoiceStateChanged) -> None:
        self.voice = change.state.value
        if change.state in (VoiceState.LISTENING, VoiceState.SPEAKING):
            self.idle.poke()
        self._update_status()

    def _on_transcript(self, session_id: str, heard: TranscriptHeard) -> None:
        if not self._mine(session_id) or heard.role != "shopper":
            return
        self.idle.poke()
        if heard.final:
            self.shopping.conversation.clear_live()
        else:
            self.shopping.conversation.set_live(heard.text)

    def _on_brain_changed(self, session_id: str, change: BrainChanged) -> None:
        if change.brain:
            self.toast.show_message(f"Now answering with the {change.brain} assistant.")

    def _busy_changed(self, busy: bool) -> None:
        self.busy = busy
        self._update_status()
