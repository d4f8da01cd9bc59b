"""The one bridge from the event bus to Qt: every bus event becomes a Qt signal, delivered on the UI thread.

The bus calls `_on_event` on whatever thread published (normally the loop thread, which under qasync is the UI
thread; sometimes a worker). It only emits a signal; the queued connection hands the event to `_dispatch` on the UI
thread, which re-emits it as a typed signal. Widgets connect to the typed signals and never see the bus.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance, Slot

from app.bus import EventBus
from app.events import (
    BrainChanged,
    ContextChanged,
    ErrorRaised,
    Event,
    NoticePosted,
    Payload,
    ReplyChunkStreamed,
    ReplyCompleted,
    SessionEnded,
    SessionStarted,
    ShopperSpoke,
    ToolCalled,
    TranscriptHeard,
    VoiceStateChanged,
)

log = logging.getLogger("aisle.ui.bridge")


class EventBridge(QObject):
    """Typed Qt signals for the bus's events. Each signal carries (session_id, the event's typed payload)."""

    _arrived = Signal(object)

    any_event = Signal(object)  # the Event itself, for screens that follow everything
    session_started = Signal(str, object)  # (session_id, SessionStarted)
    session_ended = Signal(str, object)  # (session_id, SessionEnded)
    shopper_message = Signal(str, object)  # (session_id, ShopperSpoke)
    text_chunk = Signal(str, object)  # (session_id, ReplyChunkStreamed)
    function_call = Signal(str, object)  # (session_id, ToolCalled)
    completion = Signal(str, object)  # (session_id, ReplyCompleted)
    error = Signal(str, object)  # (session_id, ErrorRaised)
    context = Signal(str, object)  # (session_id, ContextChanged)
    notice = Signal(str, object)  # (session_id, NoticePosted)
    voice_state = Signal(str, object)  # (session_id, VoiceStateChanged)
    transcript = Signal(str, object)  # (session_id, TranscriptHeard)
    brain_changed = Signal(str, object)  # (session_id, BrainChanged)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = None
        self._arrived.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._signals: dict[type[Payload], SignalInstance] = {
            SessionStarted: self.session_started,
            SessionEnded: self.session_ended,
            ShopperSpoke: self.shopper_message,
            ReplyChunkStreamed: self.text_chunk,
            ToolCalled: self.function_call,
            ReplyCompleted: self.completion,
            ErrorRaised: self.error,
            ContextChanged: self.context,
            NoticePosted: self.notice,
            VoiceStateChanged: self.voice_state,
            TranscriptHeard: self.transcript,
            BrainChanged: self.brain_changed,
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
        signal = self._signals.get(type(event.payload))
        if signal is not None:
            signal.emit(event.session_id, event.payload)
