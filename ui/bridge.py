"""The one bridge from the event bus to Qt: every bus event becomes a Qt signal, delivered on the UI thread.

The bus calls `_on_event` on whatever thread published (normally the loop thread, which under qasync is the UI
thread; sometimes a worker). It only emits a signal; the queued connection hands the event to `_dispatch` on the UI
thread, which re-emits it as a typed signal. Widgets connect to the typed signals and never see the bus.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.bus import EventBus
from app.events import Event, EventKind

log = logging.getLogger("aisle.ui.bridge")


class EventBridge(QObject):
    """Typed Qt signals for the bus's events. Each signal carries (session_id, data)."""

    _arrived = Signal(object)

    any_event = Signal(object)  # the Event itself, for screens that follow everything
    session_started = Signal(str, dict)
    session_ended = Signal(str, dict)
    shopper_message = Signal(str, dict)
    text_chunk = Signal(str, dict)
    function_call = Signal(str, dict)
    completion = Signal(str, dict)
    error = Signal(str, dict)
    context = Signal(str, dict)
    notice = Signal(str, dict)
    voice_state = Signal(str, dict)
    transcript = Signal(str, dict)
    brain_changed = Signal(str, dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = None
        self._arrived.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._signals = {
            EventKind.SESSION_STARTED: self.session_started,
            EventKind.SESSION_ENDED: self.session_ended,
            EventKind.SHOPPER_MESSAGE: self.shopper_message,
            EventKind.TEXT_CHUNK: self.text_chunk,
            EventKind.FUNCTION_CALL: self.function_call,
            EventKind.COMPLETION: self.completion,
            EventKind.ERROR: self.error,
            EventKind.CONTEXT: self.context,
            EventKind.NOTICE: self.notice,
            EventKind.VOICE_STATE: self.voice_state,
            EventKind.TRANSCRIPT: self.transcript,
            EventKind.BRAIN_CHANGED: self.brain_changed,
        }

    def attach(self, bus: EventBus) -> None:
        self.detach()
        self._unsubscribe = bus.subscribe(self._on_event)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: Event) -> None:
        """Bus subscriber, any thread: hand over and return at once."""
        self._arrived.emit(event)

    @Slot(object)
    def _dispatch(self, event: Event) -> None:
        self.any_event.emit(event)
        signal = self._signals.get(event.kind)
        if signal is not None:
            signal.emit(event.session_id, event.data)
