"""One event bus for the whole app.

Publishers name the session and what happened (a typed payload from `app.events`); the bus numbers the event
within its session, stamps it and hands it to every subscriber synchronously, in subscription order. Subscribers must
be quick (enqueue, emit a Qt signal, hand over to another thread): the bus runs on the event loop. A subscriber that
raises is logged and does not stop the others.

The bus is thread-safe for publishing so worker threads may publish too, but ordering is only guaranteed between
publishers on the same thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from app.events import Event, Payload

log = logging.getLogger("aisle.app.bus")

Subscriber = Callable[[Event], None]


class EventBus:
    """Numbers, stamps and fans out events."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._next_id: dict[str, int] = {}
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it again."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def forget(self, session_id: str) -> None:
        """Drop the counter of an ended session."""
        with self._lock:
            self._next_id.pop(session_id, None)

    def publish(self, session_id: str, payload: Payload) -> Event:
        with self._lock:
            event_id = self._next_id.get(session_id, 1)
            self._next_id[session_id] = event_id + 1
            event = Event(session_id=session_id, id=event_id, payload=payload, timestamp=time.time())
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber %r failed on %s", subscriber, event.kind.value)
        return event
